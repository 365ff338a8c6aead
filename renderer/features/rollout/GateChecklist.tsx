/** The stage gate's checklist: each item pass / fail / waiting with the numbers behind it. */
import type { GateEvaluation } from '../../../shared/rollout-state.ts';
import { formatDateTime } from '../../lib/format.ts';
import { gateHeadline } from './gate-model.ts';
import { GateStatusBadge } from './StatusBadges.tsx';

/**
 * The gate checklist (`null`: not evaluated yet); `compact` drops the panel frame and heading
 * (inside the action dialog).
 */
export function GateChecklist({ gate, compact = false }: { gate: GateEvaluation | null; compact?: boolean }) {
  return (
    <section
      className={`ro-gate ${compact ? '' : 'panel'}`}
      aria-labelledby={compact ? undefined : 'ro-gate-h'}
      aria-label={compact ? 'Gate checklist' : undefined}
      data-gate-passed={gate ? String(gate.passed) : 'none'}
    >
      {compact ? null : <h3 id="ro-gate-h">Stage gate</h3>}
      <p className="ro-gate-headline" data-testid="gate-headline">
        {gateHeadline(gate)}
      </p>
      {gate ? (
        <>
          <ul className="ro-gate-items" aria-label="Gate checklist items">
            {gate.items.map((i) => (
              <li key={i.id} data-gate-item={i.id} data-status={i.status}>
                <GateStatusBadge status={i.status} />
                <span className="ro-gate-label">{i.label}</span>
                <span className="muted small ro-gate-evidence">{i.evidence}</span>
              </li>
            ))}
          </ul>
          <p className="muted small">
            Evaluated <time dateTime={gate.evaluatedAt}>{formatDateTime(gate.evaluatedAt)}</time>
            {gate.observationEndsAt ? (
              <>
                {' '}
                · observation ends{' '}
                <time dateTime={gate.observationEndsAt}>{formatDateTime(gate.observationEndsAt)}</time>
              </>
            ) : null}
          </p>
        </>
      ) : null}
    </section>
  );
}
