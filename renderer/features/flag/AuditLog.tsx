/** Actions taken from the app on this flag, with their outcome. */
import type { AuditEntry } from '../../../shared/domain.ts';
import { AuditStatusBadge } from '../../components/Badges.tsx';
import { formatDateTime } from '../../lib/format.ts';

/** The flag's audit log table: one row per action taken from the app. */
export function AuditLog({ audit }: { audit: AuditEntry[] }) {
  return (
    <section className="panel" aria-labelledby="audit-heading">
      <h3 id="audit-heading">Audit log</h3>
      {audit.length === 0 ? (
        <p className="muted">No actions taken from the control room on this flag yet.</p>
      ) : (
        <table className="audit-table" aria-label="Audit log">
          <thead>
            <tr>
              <th scope="col">#</th>
              <th scope="col">Time</th>
              <th scope="col">Actor</th>
              <th scope="col">Action</th>
              <th scope="col">Reason</th>
              <th scope="col">Status</th>
            </tr>
          </thead>
          <tbody>
            {audit.map((a) => (
              <tr key={a.id} data-audit-id={a.id} data-status={a.status} data-action={a.action}>
                <td data-col="id" className="mono">
                  {a.id}
                </td>
                <td data-col="at">
                  <time dateTime={a.at}>{formatDateTime(a.at)}</time>
                </td>
                <td data-col="actor">{a.actor}</td>
                <td data-col="action" className="mono">
                  {a.action}
                </td>
                <td data-col="reason" className="reason">
                  {a.reason}
                </td>
                <td data-col="status">
                  <AuditStatusBadge status={a.status} />
                  {a.error ? <div className="error-text audit-error">{a.error}</div> : null}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}
