/**
 * "Audience preview" of a proposed change: paste targeting keys or load a
 * CSV/text file, then see exactly who enters, leaves and stays in the treatment
 * — computed by the core with the provider's own bucketing.
 */
import { useEffect, useId } from 'react';
import { useShallow } from 'zustand/react/shallow';
import type { AudiencePreview, Cohort, KeyPreview } from '../../../shared/audience.ts';
import type { FlagRef, LayerPatch } from '../../../shared/domain.ts';
import { COHORT_LABELS, REASON_LABELS, barSegments, monotonicText } from './audience-format.ts';
import { count, share } from '../../lib/format.ts';
import {
  loadAudienceFile,
  runAudiencePreview,
  selectCanPreview,
  setAudienceChange,
  setAudienceText,
  useAudienceStore,
} from './audience-store.ts';

const COLORS: Record<Cohort, string> = {
  treatment: 'var(--accent)',
  control: 'var(--text-muted)',
  excluded: 'var(--danger)',
};
/** Keys listed per group on screen (the result holds up to 1,000). */
const SHOWN = 20;

/** The audience preview panel for `patch` on the flag `flagRef` (see the module docs). */
export function AudiencePanel({ flagRef, patch }: { flagRef: FlagRef; patch: LayerPatch }) {
  const patchJson = JSON.stringify(patch);
  const { provider, environment, key } = flagRef;
  useEffect(() => {
    setAudienceChange({ provider, environment, key }, JSON.parse(patchJson) as LayerPatch);
  }, [provider, environment, key, patchJson]);
  const s = useAudienceStore(
    useShallow((st) => ({
      text: st.text,
      fileName: st.fileName,
      keys: st.keys.length,
      format: st.format,
      parseError: st.parseError,
      status: st.status,
      result: st.result,
      error: st.error,
      canPreview: selectCanPreview(st),
    })),
  );
  const id = useId();
  const running = s.status === 'running';

  return (
    <section className="audience panel" aria-label="Audience preview" aria-busy={running}>
      <details>
        <summary>
          <strong>Audience preview</strong>{' '}
          <span className="muted small">— which users this change moves</span>
        </summary>
        <p className="muted small">
          Paste targeting keys or load a file to see exactly which users this change moves, using the
          provider&apos;s own bucketing. Nothing is sent to the provider.
        </p>
        <div className="field">
          <label htmlFor={`${id}-keys`}>Targeting keys</label>
          <textarea
            id={`${id}-keys`}
            rows={4}
            className="mono"
            value={s.fileName ? '' : s.text}
            placeholder={s.fileName ? `Loaded from ${s.fileName}` : 'user-1\nuser-2\n…'}
            aria-describedby={`${id}-keys-hint`}
            onChange={(e) => setAudienceText(e.target.value)}
          />
          <span id={`${id}-keys-hint`} className="hint">
            One key per line, or a CSV with a <span className="mono">key</span> column.{' '}
            {s.keys > 0 ? (
              <strong data-key-count={s.keys}>
                {count(s.keys)} keys read{s.format === 'csv' ? ' (CSV)' : ''}
                {s.fileName ? ` from ${s.fileName}` : ''}.
              </strong>
            ) : null}
          </span>
          {s.parseError ? (
            <span role="alert" className="field-error">
              {s.parseError}
            </span>
          ) : null}
        </div>
        <div className="editor-actions">
          <label className="btn btn-ghost btn-small">
            Load keys from a file…
            <input
              type="file"
              className="sr-only"
              accept=".csv,.txt,text/csv,text/plain"
              onChange={(e) => {
                const file = e.target.files?.[0];
                if (file) void loadAudienceFile(file);
                e.target.value = '';
              }}
            />
          </label>
          <button
            type="button"
            className="btn btn-small"
            disabled={!s.canPreview}
            onClick={() => void runAudiencePreview()}
          >
            {running ? 'Computing…' : 'Preview audience'}
          </button>
        </div>
        {s.status === 'error' && s.error ? (
          <div role="alert" className="alert alert-error" data-error-code={s.error.code}>
            Audience preview failed: <span className="error-text">{s.error.message}</span>
          </div>
        ) : null}
        {s.result ? <AudienceResult result={s.result} /> : null}
      </details>
    </section>
  );
}

function StackedBar({ label, counts }: { label: string; counts: AudiencePreview['cohorts']['before'] }) {
  const segments = barSegments(counts);
  const text = segments.map((g) => `${count(g.count)} ${COHORT_LABELS[g.cohort].toLowerCase()}`).join(', ');
  return (
    <div className="audience-bar-row" style={{ display: 'flex', alignItems: 'center', gap: 8 }}>
      <span className="muted small" style={{ width: 48 }}>
        {label}
      </span>
      <div
        role="img"
        aria-label={`${label}: ${text}`}
        style={{
          display: 'flex',
          flex: 1,
          height: 14,
          borderRadius: 4,
          overflow: 'hidden',
          background: 'var(--bg-elev-2)',
        }}
      >
        {segments.map((g) =>
          g.percent > 0 ? (
            <div
              key={g.cohort}
              title={`${COHORT_LABELS[g.cohort]}: ${count(g.count)} (${g.percent.toFixed(1)} %)`}
              style={{ width: `${g.percent}%`, background: COLORS[g.cohort] }}
            />
          ) : null,
        )}
      </div>
    </div>
  );
}

function KeyList({ title, rows }: { title: string; rows: KeyPreview[] }) {
  if (!rows.length) return null;
  return (
    <details>
      <summary>
        {title} (first {Math.min(SHOWN, rows.length)})
      </summary>
      <ul className="small mono">
        {rows.slice(0, SHOWN).map((r) => (
          <li key={r.key}>
            {r.key} · bucket {Number.isInteger(r.bucket) ? r.bucket : r.bucket.toFixed(6)} ·{' '}
            {REASON_LABELS[r.before.reason]} → {REASON_LABELS[r.after.reason]}
          </li>
        ))}
      </ul>
    </details>
  );
}

function AudienceResult({ result: r }: { result: AudiencePreview }) {
  const mono = monotonicText(r);
  const total = r.keys.unique;
  return (
    <div className="audience-result" role="status" data-scheme={r.scheme}>
      <dl className="kv">
        {(
          [
            ['entering', 'Entering treatment'],
            ['leaving', 'Leaving treatment'],
            ['staying', 'Staying in treatment'],
            ['outside', 'Staying outside'],
          ] as const
        ).map(([k, label]) => (
          <div className="kv-row" key={k} data-total={k}>
            <dt>{label}</dt>
            <dd className="num">
              <span data-count>{count(r.totals[k])}</span>{' '}
              <span className="muted small">({share(r.totals[k], total)})</span>
            </dd>
          </div>
        ))}
      </dl>
      <StackedBar label="Before" counts={r.cohorts.before} />
      <StackedBar label="After" counts={r.cohorts.after} />
      <p className="muted small">
        {(['treatment', 'control', 'excluded'] as const).map((c) => (
          <span key={c} style={{ marginRight: 12 }}>
            <span aria-hidden="true" style={{ color: COLORS[c] }}>
              ■
            </span>{' '}
            {COHORT_LABELS[c]}
          </span>
        ))}
        · {count(total)} unique keys
        {r.keys.duplicates ? `, ${count(r.keys.duplicates)} repeats counted once` : ''} · scheme {r.scheme}
      </p>
      {mono ? (
        <p className={r.monotonic ? 'notice' : 'alert alert-error'} data-monotonic={String(r.monotonic)}>
          {r.monotonic ? '✔ ' : '✘ '}
          {mono}
        </p>
      ) : null}
      {r.notes.length ? (
        <ul className="small muted">
          {r.notes.map((n, i) => (
            <li key={i}>{n}</li>
          ))}
        </ul>
      ) : null}
      <KeyList title="Entering" rows={r.entering} />
      <KeyList title="Leaving" rows={r.leaving} />
    </div>
  );
}
