/** "Import metric events": a path on the machine running the core, the environment, progress, row-level errors. */
import { useId } from 'react';
import { useShallow } from 'zustand/react/shallow';
import { Dialog } from '../../components/Dialog.tsx';
import { closeImport, setImportField, startImport, useCompareStore } from '../../stores/compare-store.ts';
import { formatN } from './format.ts';

export function ImportEventsDialog() {
  const id = useId();
  const { imp, provider } = useCompareStore(
    useShallow((s) => ({ imp: s.import, provider: s.ref?.provider ?? '' })),
  );
  if (!imp.open) return null;
  const importing = imp.status === 'importing';
  const done = imp.status === 'succeeded';
  const p = imp.progress;
  const percent =
    p && p.totalBytes > 0 ? Math.min(100, Math.round((p.bytesRead / p.totalBytes) * 100)) : null;

  return (
    <Dialog
      labelledBy={`${id}-title`}
      onRequestClose={closeImport}
      className="import-dialog"
      focusKey={imp.status}
    >
      <form
        className="dialog-body"
        noValidate
        aria-busy={importing}
        onSubmit={(e) => {
          e.preventDefault();
          void startImport();
        }}
      >
        <header className="dialog-header">
          <h2 id={`${id}-title`}>Import metric events</h2>
          <p className="muted">
            A CSV or JSONL file with one event per row: <span className="mono">timestamp</span>,{' '}
            <span className="mono">unit_id</span>, <span className="mono">flag_key</span>,{' '}
            <span className="mono">variant</span>, <span className="mono">metric</span>,{' '}
            <span className="mono">value</span>. The import is all-or-nothing.
          </p>
        </header>
        {!done ? (
          <>
            <div className="field">
              <label htmlFor={`${id}-path`}>File path</label>
              <input
                id={`${id}-path`}
                type="text"
                className="mono"
                value={imp.path}
                required
                disabled={importing}
                autoComplete="off"
                spellCheck={false}
                placeholder="/data/metrics/events-2025-01.csv"
                aria-describedby={`${id}-path-hint`}
                aria-invalid={imp.status === 'failed'}
                onChange={(e) => setImportField({ path: e.target.value })}
                data-autofocus
              />
              <span id={`${id}-path-hint`} className="hint">
                A path on the machine running the control room (the file is read there, not uploaded).
              </span>
            </div>
            <div className="field">
              <label htmlFor={`${id}-env`}>Environment</label>
              <input
                id={`${id}-env`}
                type="text"
                value={imp.environment}
                disabled={importing}
                autoComplete="off"
                onChange={(e) => setImportField({ environment: e.target.value })}
              />
              <span className="hint">
                Events are stored for <span className="mono">{provider}</span> / this environment.
              </span>
            </div>
          </>
        ) : null}

        {importing ? (
          <div className="progress" aria-live="polite">
            <progress
              aria-label="Import progress"
              {...(percent !== null ? { value: percent, max: 100 } : {})}
            />
            <span>
              {p ? `${formatN(p.rows)} rows read${percent !== null ? ` (${percent}%)` : ''}…` : 'Starting…'}
            </span>
          </div>
        ) : null}

        {imp.status === 'failed' && imp.error ? (
          <div role="alert" className="alert alert-error" data-error-code={imp.error.code}>
            <strong>Import failed.</strong> <span className="error-text">{imp.error.message}</span>
          </div>
        ) : null}

        {done && imp.result ? (
          <div role="status" className="result result-ok">
            <p>
              <strong>Imported {formatN(imp.result.rows)} events.</strong>
              {imp.result.flags.length ? ` Flags: ${imp.result.flags.join(', ')}.` : ''}
              {imp.result.metrics.length ? ` Metrics: ${imp.result.metrics.join(', ')}.` : ''}
            </p>
          </div>
        ) : null}

        <footer className="dialog-footer">
          {done ? (
            <button type="button" className="btn" onClick={closeImport} data-autofocus>
              Close
            </button>
          ) : (
            <>
              <button type="button" className="btn btn-ghost" onClick={closeImport}>
                {importing ? 'Hide' : 'Cancel'}
              </button>
              <button
                type="submit"
                className="btn btn-primary"
                disabled={importing || imp.path.trim() === ''}
              >
                {importing ? 'Importing…' : 'Import'}
              </button>
            </>
          )}
        </footer>
      </form>
    </Dialog>
  );
}
