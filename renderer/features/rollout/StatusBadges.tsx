/** Status badges of the rollout screens: colour AND a text label (never colour alone). */
import type { GateItem, RolloutStatus } from '../../../shared/rollout-state.ts';
import type { GuardrailStatus } from '../../../shared/guardrails.ts';
import type { OutboxStatus } from '../../../shared/decisions.ts';
import {
  GATE_STATUS_LABEL,
  GUARDRAIL_STATUS_LABEL,
  OUTBOX_STATUS_LABEL,
  ROLLOUT_STATUS_LABEL,
} from './rollout-format.ts';

const GATE_ICON: Record<GateItem['status'], string> = {
  pass: '✓',
  fail: '✕',
  waiting: '…',
  missing: '!',
  'n/a': '–',
};

/** A guardrail's state as a badge. */
export function GuardrailStatusBadge({ status }: { status: GuardrailStatus }) {
  return (
    <span className={`badge ro-badge ro-g-${status}`} data-status={status}>
      {GUARDRAIL_STATUS_LABEL[status]}
    </span>
  );
}

/** A gate item's status as a badge, with an icon. */
export function GateStatusBadge({ status }: { status: GateItem['status'] }) {
  return (
    <span className={`badge ro-badge ro-gate-${status}`} data-status={status}>
      <span aria-hidden="true">{GATE_ICON[status]} </span>
      {GATE_STATUS_LABEL[status]}
    </span>
  );
}

/** A rollout's status as a badge; "No plan" for `null`. */
export function RolloutStatusBadge({ status }: { status: RolloutStatus | null }) {
  const s = status ?? 'none';
  return (
    <span className={`badge ro-badge ro-r-${s}`} data-rollout-status={s}>
      {status ? ROLLOUT_STATUS_LABEL[status] : 'No plan'}
    </span>
  );
}

/** An outbox action's status as a badge. */
export function OutboxStatusBadge({ status }: { status: OutboxStatus }) {
  return (
    <span className={`badge ro-badge ro-o-${status}`} data-status={status}>
      {OUTBOX_STATUS_LABEL[status]}
    </span>
  );
}
