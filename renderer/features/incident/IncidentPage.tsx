/**
 * Incident mode (`#/incidents`, shortcut Shift+I): one screen for on-call. Every flag killed (by
 * the monitor, an operator, or in the provider's own UI), rolled back, paused by the monitor or
 * breached now — derived from the provider-confirmed flag state and the recorded changes — with who
 * opened it and why, who closed it and why, the decisions that led there, the big buttons (restore
 * a killed flag; roll back, pause, resume a rollout — each confirmed with a reason), and the
 * journaled outbox showing whether the provider confirmed each action.
 */
import { useEffect } from 'react';
import { useShallow } from 'zustand/react/shallow';
import type { Incident } from '../../../shared/incidents.ts';
import { layersWords } from '../../../shared/layer-words.ts';
import type { DecisionRecord, OutboxStatus } from '../../../shared/decisions.ts';
import { AuditStatusBadge, KillBadge } from '../../components/Badges.tsx';
import { ErrorState, LoadingState } from '../../components/States.tsx';
import { formatDateTime } from '../../lib/format.ts';
import { refId } from '../../lib/flag-ref.ts';
import { OUTBOX_STATUS_LABEL } from '../rollout/rollout-format.ts';
import { openRestore } from '../rollback/rollback-store.ts';
import { showDecisions, showRollout } from '../navigation/navigation-store.ts';
import { openAction, resetActionStore, type RolloutActionKind } from '../rollout/action-store.ts';
import { GuardrailBoard } from '../rollout/GuardrailBoard.tsx';
import { RolloutActionDialog } from '../rollout/RolloutActionDialog.tsx';
import { OutboxStatusBadge, RolloutStatusBadge } from '../rollout/StatusBadges.tsx';
import {
  latestRollback,
  outboxPurpose,
  refreshIncidents,
  resetIncidentStore,
  setIncludeClosed,
  setOutboxFilter,
  startIncidentLive,
  useIncidentStore,
} from './incident-store.ts';
import { INCIDENT_KIND_LABEL } from './incident-words.ts';

/** One decision of the incident's history, with the provider's confirmation (outbox or audit row). */
function DecisionLine({ d }: { d: DecisionRecord }) {
  return (
    <li data-decision={d.id} data-action={d.action} data-actor={d.actor}>
      <time dateTime={d.at} className="muted small">
        {formatDateTime(d.at)}
      </time>{' '}
      <span className={`badge ro-badge ro-a-${d.action}`}>{d.action}</span>{' '}
      <span className="small">by {d.actor}</span> <span className="mono small">{d.rule}</span>
      <div>{d.rationale}</div>
      {d.outbox ? (
        <div className="small">
          outbox #{d.outbox.id}: {OUTBOX_STATUS_LABEL[d.outbox.status]}
        </div>
      ) : null}
      {d.audit ? (
        <div className="small">
          sent at once (audit #{d.audit.id}): <AuditStatusBadge status={d.audit.status} />
        </div>
      ) : null}
    </li>
  );
}

function IncidentCard({ incident }: { incident: Incident }) {
  const outbox = useIncidentStore((s) => s.outbox);
  const rb = latestRollback(outbox, incident.flag);
  const status = incident.rollout?.status ?? null;
  const open = incident.state === 'open';
  const killedNow = incident.layers?.enabled === false;
  const act = (kind: RolloutActionKind) => openAction(kind, incident.flag, {}, () => void refreshIncidents());
  const notOk = incident.guardrails.filter((g) => g.status !== 'ok');
  const headingId = `inc-${incident.id}-${refId(incident.flag)}`;
  return (
    <article
      className={`panel ro-incident ro-incident-${incident.kind}`}
      aria-labelledby={headingId}
      data-incident-flag={incident.flag.key}
      data-incident-kind={incident.kind}
      data-open={String(open)}
    >
      <header className="ro-incident-head">
        <h3 id={headingId}>
          <span className="mono">{incident.flag.key}</span>{' '}
          <span className="muted small">
            {incident.flag.provider} / {incident.flag.environment}
          </span>
        </h3>
        <span className={`badge ro-badge ro-kind-${incident.kind}`}>
          {INCIDENT_KIND_LABEL[incident.kind]}
        </span>
        <span className="badge ro-badge" data-incident-state={incident.state}>
          {open ? 'Open' : 'Closed'}
        </span>
        {incident.layers ? (
          <span className="small" data-testid="incident-flag-state">
            flag now <KillBadge enabled={incident.layers.enabled} />
          </span>
        ) : null}
        {incident.rollout ? <RolloutStatusBadge status={status} /> : null}
      </header>
      <p className="ro-incident-opened" data-testid="incident-opened">
        Opened <time dateTime={incident.openedAt}>{formatDateTime(incident.openedAt)}</time> by{' '}
        <strong data-testid="incident-opened-by">{incident.openedBy}</strong>: {incident.reason}
      </p>
      {incident.closedAt ? (
        <p className="ro-incident-closed" data-testid="incident-closed">
          Closed <time dateTime={incident.closedAt}>{formatDateTime(incident.closedAt)}</time> by{' '}
          <strong data-testid="incident-closed-by">{incident.closedBy}</strong>: {incident.closeReason}
        </p>
      ) : null}
      {incident.rollout && incident.rollout.stageIndex >= 0 ? (
        <p className="muted small">At stage {incident.rollout.stageIndex + 1} of its rollout.</p>
      ) : null}
      {rb ? (
        <p className="ro-rollback-status" data-rollback-status={rb.status}>
          Rollback (outbox #{rb.id}): <OutboxStatusBadge status={rb.status} />{' '}
          {rb.status === 'confirmed' && rb.confirmedAt
            ? `confirmed by the provider at ${formatDateTime(rb.confirmedAt)}`
            : rb.status === 'failed'
              ? `failed: ${rb.lastError ?? 'unknown error'} — roll back by hand`
              : `${rb.attempts} attempt${rb.attempts === 1 ? '' : 's'} so far${rb.lastError ? `; last error: ${rb.lastError}` : ''}`}
        </p>
      ) : null}
      {open ? (
        <div className="ro-big-actions" aria-label={`Actions on ${incident.flag.key}`}>
          {killedNow ? (
            <button
              type="button"
              className="btn btn-primary ro-big"
              data-write
              onClick={() => openRestore(incident.flag)}
            >
              Restore {incident.flag.key}
            </button>
          ) : null}
          {!killedNow && status !== 'rolled-back' ? (
            <button
              type="button"
              className="btn btn-danger ro-big"
              data-write
              onClick={() => act('rollback')}
            >
              Roll back {incident.flag.key}
            </button>
          ) : null}
          {status === 'running' ? (
            <button type="button" className="btn ro-big" data-write onClick={() => act('pause')}>
              Pause {incident.flag.key}
            </button>
          ) : null}
          {status === 'paused' && !killedNow ? (
            <button type="button" className="btn ro-big" data-write onClick={() => act('resume')}>
              Resume {incident.flag.key}
            </button>
          ) : null}
          <button type="button" className="btn btn-ghost" onClick={() => showRollout(incident.flag)}>
            Open rollout
          </button>
        </div>
      ) : null}
      {open && killedNow ? (
        <p className="small muted" data-testid="restore-explains">
          {incident.layersBeforeKill
            ? `Restore serves it again with the layers from right before the kill: ${layersWords(incident.layersBeforeKill)}.`
            : 'No kill was recorded by the control room: Restore turns only the kill switch back to Serving.'}{' '}
          The incident closes when the provider confirms the flag Serving.
        </p>
      ) : null}
      {notOk.length ? (
        <GuardrailBoard states={notOk} title={`Guardrails of ${incident.flag.key} not OK`} />
      ) : null}
      <h4>Decisions {open ? 'since it opened' : 'while it was open'}</h4>
      {incident.decisions.length === 0 ? (
        <p className="muted small">No decision recorded.</p>
      ) : (
        <ol className="ro-decisions" aria-label={`Decisions on ${incident.flag.key}`}>
          {incident.decisions.map((d) => (
            <DecisionLine key={d.id} d={d} />
          ))}
        </ol>
      )}
      <button type="button" className="link-button small" onClick={() => showDecisions(incident.flag)}>
        Full decision log of {incident.flag.key}
      </button>
    </article>
  );
}

const OUTBOX_FILTERS: (OutboxStatus | null)[] = [null, 'pending', 'sent', 'confirmed', 'failed'];

function OutboxTable() {
  const { status, outbox, error, filter } = useIncidentStore(
    useShallow((s) => ({
      status: s.outboxStatus,
      outbox: s.outbox,
      error: s.outboxError,
      filter: s.outboxFilter,
    })),
  );
  return (
    <section className="panel" aria-labelledby="ro-outbox-h">
      <div className="ro-section-head">
        <h3 id="ro-outbox-h">Action outbox</h3>
        <label className="field-inline">
          Status
          <select
            value={filter ?? ''}
            onChange={(e) => void setOutboxFilter((e.target.value || null) as OutboxStatus | null)}
          >
            {OUTBOX_FILTERS.map((f) => (
              <option key={f ?? 'all'} value={f ?? ''}>
                {f ? OUTBOX_STATUS_LABEL[f] : 'all'}
              </option>
            ))}
          </select>
        </label>
      </div>
      <p className="muted small">
        The monitor’s and the staged rollouts’ flag changes and webhooks are journaled here before they are
        sent and are done only when the provider confirms them; timeouts, 429 and 5xx are retried with
        backoff. An operator’s direct kill, restore or change is sent at once: it is in the decision log with
        its audit row’s status.
      </p>
      {status === 'error' && error ? <ErrorState error={error} what="the outbox" /> : null}
      {status === 'ready' && outbox.length === 0 ? <p className="muted">No actions.</p> : null}
      {outbox.length ? (
        <div className="table-scroll">
          <table className="sim-table" aria-label="Action outbox">
            <thead>
              <tr>
                <th scope="col">#</th>
                <th scope="col">Created</th>
                <th scope="col">Flag</th>
                <th scope="col">Action</th>
                <th scope="col">Status</th>
                <th scope="col" className="num">
                  Attempts
                </th>
                <th scope="col">Confirmed / last error</th>
              </tr>
            </thead>
            <tbody>
              {outbox.map((a) => (
                <tr
                  key={a.id}
                  data-outbox={a.id}
                  data-status={a.status}
                  data-flag={a.flag.key}
                  data-purpose={outboxPurpose(a)}
                >
                  <td className="mono">{a.id}</td>
                  <td>
                    <time dateTime={a.createdAt}>{formatDateTime(a.createdAt)}</time>
                  </td>
                  <td className="mono">{a.flag.key}</td>
                  <td>
                    {outboxPurpose(a)}
                    {a.decisionId !== null ? (
                      <span className="muted small"> · decision #{a.decisionId}</span>
                    ) : null}
                  </td>
                  <td>
                    <OutboxStatusBadge status={a.status} />
                  </td>
                  <td className="num">{a.attempts}</td>
                  <td className="small">
                    {a.confirmedAt ? (
                      <time dateTime={a.confirmedAt}>{formatDateTime(a.confirmedAt)}</time>
                    ) : a.lastError ? (
                      <span className="error-text">{a.lastError}</span>
                    ) : a.nextAttemptAt ? (
                      `next attempt ${formatDateTime(a.nextAttemptAt)}`
                    ) : (
                      '—'
                    )}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      ) : null}
    </section>
  );
}

/** Incident mode; reads the incidents on open and keeps them live while shown. */
export function IncidentPage() {
  useEffect(() => {
    void refreshIncidents();
    const stop = startIncidentLive();
    return () => {
      stop();
      resetIncidentStore();
      resetActionStore();
    };
  }, []);
  const { status, incidents, error, includeClosed } = useIncidentStore(
    useShallow((s) => ({
      status: s.status,
      incidents: s.incidents,
      error: s.error,
      includeClosed: s.includeClosed,
    })),
  );
  const open = incidents.filter((i) => i.state === 'open');
  return (
    <div className="flag-page incident-page">
      <header className="flag-header">
        <div className="flag-title">
          <h2>Incident mode</h2>
          {status === 'ready' ? (
            <span
              className={`badge ro-badge ${open.length ? 'ro-g-breached' : 'ro-g-ok'}`}
              data-open-incidents={open.length}
            >
              {open.length ? `${open.length} open` : 'no open incident'}
            </span>
          ) : null}
        </div>
        <p className="flag-sub muted">
          Flags killed (by anyone, even in the provider’s own UI), rolled back, paused by the monitor or
          breached now. An incident of a killed flag closes only when the provider confirms it Serving again.
          Every button asks for a reason and is recorded in the decision log.
        </p>
        <div className="flag-actions">
          <label className="checkbox-line">
            <input
              type="checkbox"
              checked={includeClosed}
              onChange={(e) => void setIncludeClosed(e.target.checked)}
            />
            Show closed incidents
          </label>
          <button type="button" className="btn btn-ghost" onClick={() => void refreshIncidents()}>
            Refresh
          </button>
        </div>
      </header>
      {status === 'loading' || status === 'idle' ? <LoadingState what="incidents" /> : null}
      {status === 'error' && error ? (
        <ErrorState error={error} what="incidents" onRetry={() => void refreshIncidents()} />
      ) : null}
      {status === 'ready' && error ? (
        <div role="alert" className="alert alert-error">
          Refresh failed: <span className="error-text">{error.message}</span>
        </div>
      ) : null}
      {status === 'ready' && incidents.length === 0 ? (
        <div className="state state-empty panel" data-empty="no-incidents">
          <h2>No incidents</h2>
          <p>No flag is killed, rolled back, paused by the monitor or breached.</p>
        </div>
      ) : null}
      <div className="ro-incidents" aria-label="Incidents" role="region">
        {incidents.map((i) => (
          <IncidentCard key={`${i.id}-${refId(i.flag)}`} incident={i} />
        ))}
      </div>
      <OutboxTable />
      <RolloutActionDialog />
    </div>
  );
}
