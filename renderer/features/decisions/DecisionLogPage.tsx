/**
 * The decision log (`#/decisions`, shortcut Shift+D): what the monitor and operators decided, from
 * which inputs, and why — filterable by flag, action and time, exportable as JSON or CSV for audit.
 */
import { useEffect } from 'react';
import { useShallow } from 'zustand/react/shallow';
import type { FlagRef } from '../../../shared/domain.ts';
import { layersWords } from '../../../shared/layer-words.ts';
import type { DecisionAction, DecisionRecord } from '../../../shared/decisions.ts';
import { ErrorState, LoadingState } from '../../components/States.tsx';
import { formatDateTime, formatValue } from '../../lib/format.ts';
import { refId } from '../../lib/flag-ref.ts';
import { DECISION_ACTIONS, describeGuardrailKind, OUTBOX_STATUS_LABEL } from '../rollout/rollout-format.ts';
import { showRollout } from '../navigation/navigation-store.ts';
import { GuardrailStatusBadge } from '../rollout/StatusBadges.tsx';
import {
  clearFilters,
  exportDecisions,
  loadDecisions,
  openDecisions,
  PAGE_LIMIT,
  resetDecisionsStore,
  setFilters,
  startDecisionsLive,
  useDecisionsStore,
} from './decisions-store.ts';

function Inputs({ d }: { d: DecisionRecord }) {
  const { guardrails, gate, plan, change } = d.inputs;
  if (!guardrails.length && !gate && !plan && !change) return <span className="muted small">no inputs</span>;
  return (
    <details className="ro-inputs">
      <summary>Inputs</summary>
      {change ? (
        <p className="small" data-testid="decision-change">
          Flag before: {change.before ? layersWords(change.before) : 'unknown'}; asked for:{' '}
          {Object.entries(change.patch)
            .map(([layer, value]) => `${layer} = ${JSON.stringify(value)}`)
            .join(', ')}
        </p>
      ) : null}
      {plan ? (
        <p className="small">
          Plan “{plan.name}” ({plan.stages} stages)
          {plan.targetPercent !== null ? `, stage at ${plan.targetPercent} %` : ''}
        </p>
      ) : null}
      {guardrails.length ? (
        <ul className="small">
          {guardrails.map((g) => (
            <li key={g.guardrail.id}>
              <span className="mono">{g.guardrail.id}</span> <GuardrailStatusBadge status={g.status} />{' '}
              {g.valueLabel || 'value'} {formatValue(g.value)} (limit {formatValue(g.limit)};{' '}
              {describeGuardrailKind(g.guardrail)}
              ); control n {g.control.n}, treatment n {g.treatment.n}
              {g.interval ? `; interval [${formatValue(g.interval[0])}, ${formatValue(g.interval[1])}]` : ''}
            </li>
          ))}
        </ul>
      ) : null}
      {gate ? (
        <ul className="small">
          {gate.items.map((i) => (
            <li key={i.id}>
              gate · {i.label}: {i.status} — {i.evidence}
            </li>
          ))}
        </ul>
      ) : null}
    </details>
  );
}

/** The decision log page, filtered to `flagRef` when given (else every flag). */
export function DecisionLogPage({ flagRef }: { flagRef: FlagRef | null }) {
  const provider = flagRef?.provider;
  const environment = flagRef?.environment;
  const key = flagRef?.key;
  useEffect(() => {
    void openDecisions(
      provider !== undefined && environment !== undefined && key !== undefined
        ? { provider, environment, key }
        : undefined,
    );
    const stop = startDecisionsLive();
    return () => {
      stop();
      resetDecisionsStore();
    };
  }, [provider, environment, key]);

  const s = useDecisionsStore(
    useShallow((st) => ({
      filters: st.filters,
      status: st.status,
      records: st.records,
      error: st.error,
      flags: st.flags,
      exportStatus: st.exportStatus,
      exportError: st.exportError,
      lastExport: st.lastExport,
    })),
  );
  const exporting = s.exportStatus === 'exporting';
  return (
    <div className="flag-page decisions-page">
      <header className="flag-header">
        <div className="flag-title">
          <h2>Decision log</h2>
        </div>
        <p className="flag-sub muted">
          Every decision of the monitor and of operators: the inputs it saw, the rule that fired, the action
          and why. Newest first; exports are oldest first.
        </p>
      </header>
      <section className="panel compare-controls" aria-label="Filters and export">
        <div className="compare-selectors">
          <label className="field-inline">
            Flag
            <select value={s.filters.flag} onChange={(e) => void setFilters({ flag: e.target.value })}>
              <option value="">all flags</option>
              {s.flags.map((f) => (
                <option key={refId(f)} value={refId(f)}>
                  {f.key} ({f.provider}/{f.environment})
                </option>
              ))}
            </select>
          </label>
          <label className="field-inline">
            Action
            <select
              value={s.filters.action}
              onChange={(e) => void setFilters({ action: e.target.value as DecisionAction | '' })}
            >
              <option value="">all actions</option>
              {DECISION_ACTIONS.map((a) => (
                <option key={a} value={a}>
                  {a}
                </option>
              ))}
            </select>
          </label>
          <label className="field-inline">
            Since
            <input
              type="datetime-local"
              value={s.filters.since}
              onChange={(e) => void setFilters({ since: e.target.value })}
            />
          </label>
          <button type="button" className="btn btn-ghost btn-small" onClick={() => void clearFilters()}>
            Clear filters
          </button>
          <div className="header-spacer" />
          <button
            type="button"
            className="btn"
            disabled={exporting}
            onClick={() => void exportDecisions('csv')}
          >
            Export CSV
          </button>
          <button
            type="button"
            className="btn"
            disabled={exporting}
            onClick={() => void exportDecisions('json')}
          >
            Export JSON
          </button>
        </div>
        {s.exportStatus === 'done' && s.lastExport ? (
          <p role="status" className="small">
            Saved <span className="mono">{s.lastExport.filename}</span> ({s.lastExport.rows} decision
            {s.lastExport.rows === 1 ? '' : 's'}, {s.lastExport.format.toUpperCase()}).
          </p>
        ) : null}
        {s.exportStatus === 'failed' && s.exportError ? (
          <div role="alert" className="alert alert-error">
            Export failed: <span className="error-text">{s.exportError.message}</span>
          </div>
        ) : null}
      </section>
      {s.status === 'loading' || s.status === 'idle' ? <LoadingState what="decisions" /> : null}
      {s.status === 'error' && s.error ? (
        <ErrorState error={s.error} what="the decision log" onRetry={() => void loadDecisions()} />
      ) : null}
      {s.status === 'ready' && s.records.length === 0 ? (
        <div className="state state-empty panel" data-empty="no-decisions">
          <h2>No decisions</h2>
          <p>
            Nothing matches these filters yet. The monitor records a decision whenever it acts or a gate
            changes.
          </p>
        </div>
      ) : null}
      {s.records.length ? (
        <section className="panel">
          {s.records.length >= PAGE_LIMIT ? (
            <p className="muted small">
              Showing the newest {PAGE_LIMIT}; narrow the filters or export for all.
            </p>
          ) : null}
          <div className="table-scroll">
            <table className="sim-table ro-decision-table" aria-label="Decisions">
              <thead>
                <tr>
                  <th scope="col">#</th>
                  <th scope="col">Time</th>
                  <th scope="col">Flag</th>
                  <th scope="col">Stage</th>
                  <th scope="col">Actor</th>
                  <th scope="col">Action</th>
                  <th scope="col">Rule · rationale</th>
                  <th scope="col">Sent · confirmed</th>
                </tr>
              </thead>
              <tbody>
                {s.records.map((d) => (
                  <tr
                    key={d.id}
                    data-decision={d.id}
                    data-action={d.action}
                    data-actor={d.actor}
                    data-flag={d.flag.key}
                  >
                    <td className="mono">{d.id}</td>
                    <td>
                      <time dateTime={d.at}>{formatDateTime(d.at)}</time>
                    </td>
                    <td>
                      <button type="button" className="link-button mono" onClick={() => showRollout(d.flag)}>
                        {d.flag.key}
                      </button>
                      <div className="muted small">
                        {d.flag.provider}/{d.flag.environment}
                      </div>
                    </td>
                    <td>
                      {d.stageIndex >= 0
                        ? `${d.stageIndex + 1}${d.stageName ? ` · ${d.stageName}` : ''}`
                        : '—'}
                    </td>
                    <td>{d.actor}</td>
                    <td>
                      <span className={`badge ro-badge ro-a-${d.action}`}>{d.action}</span>
                    </td>
                    <td>
                      <div className="mono small">{d.rule}</div>
                      <div>{d.rationale}</div>
                      <Inputs d={d} />
                    </td>
                    <td data-col="sent">
                      {[
                        d.outbox ? `outbox #${d.outbox.id} ${OUTBOX_STATUS_LABEL[d.outbox.status]}` : null,
                        d.audit ? `audit #${d.audit.id} ${d.audit.status}` : null,
                      ]
                        .filter(Boolean)
                        .join(' · ') || '—'}
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        </section>
      ) : null}
    </div>
  );
}
