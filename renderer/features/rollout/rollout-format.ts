/**
 * Pure words of the staged-rollout screens: status labels, audiences, and the guardrail board's
 * words (what a guardrail checks, over which span, what it does when it fires, breach streaks).
 * Durations, values and fractions are formatted by lib/format.ts. No React, no API, no `Date.now()`.
 */
import type { Audience } from '../../../shared/rollout-plans.ts';
import type { DecisionAction, OutboxStatus } from '../../../shared/decisions.ts';
import type { GateItem, RolloutStatus } from '../../../shared/rollout-state.ts';
import type {
  Guardrail,
  GuardrailState,
  GuardrailStatus,
  RollbackTarget,
} from '../../../shared/guardrails.ts';
import { DecisionActionSchema } from '../../../shared/decisions.ts';
import { formatDateTime, formatFraction, formatValue, NONE } from '../../lib/format.ts';

/** Rollout status as shown in badges and headers (`draft` → `Draft (not started)`). */
export const ROLLOUT_STATUS_LABEL: Record<RolloutStatus, string> = {
  draft: 'Draft (not started)',
  running: 'Running',
  paused: 'Paused',
  'rolled-back': 'Rolled back',
  completed: 'Completed',
};

/** Guardrail status as shown on the board (`no-data` → `No data`). */
export const GUARDRAIL_STATUS_LABEL: Record<GuardrailStatus, string> = {
  ok: 'OK',
  warn: 'Warn',
  breached: 'Breached',
  'no-data': 'No data',
};

/** Gate item status as shown in the checklist (`n/a` → `N/A`). */
export const GATE_STATUS_LABEL: Record<GateItem['status'], string> = {
  pass: 'Pass',
  fail: 'Fail',
  waiting: 'Waiting',
  missing: 'Missing',
  'n/a': 'N/A',
};

/** Outbox status of a decision's provider write (`pending`, `sent`, `confirmed`, `failed`), as shown. */
export const OUTBOX_STATUS_LABEL: Record<OutboxStatus, string> = {
  pending: 'Pending',
  sent: 'Sent',
  confirmed: 'Confirmed',
  failed: 'Failed',
};

/** What a rollback goes back to, in words (`previous-stage` → `Previous stage`). */
export const ROLLBACK_TARGET_LABEL: Record<RollbackTarget, string> = {
  kill: 'Kill (kill switch to Killed)',
  'previous-stage': 'Previous stage',
  revert: 'Revert to last known-good',
};

/** Every decision action, in the contract's order (for filters). */
export const DECISION_ACTIONS: readonly DecisionAction[] = DecisionActionSchema.options;

/** Who a stage exposes: `everyone`, `allow-list (2 keys)`, `segment power-users`. */
export function formatAudience(a: Audience): string {
  if (a.type === 'everyone') return 'everyone';
  if (a.type === 'segment') return `segment ${a.name}`;
  return `allow-list (${a.keys.length} ${a.keys.length === 1 ? 'key' : 'keys'})`;
}

/**
 * What a guardrail's value was computed over, in words: "since the stage started 09:00" (the
 * statistical kind while a stage is live) or "last 30 min" (the span of the last evaluation, else
 * the guardrail's window).
 */
export function describeSpan(s: Pick<GuardrailState, 'span' | 'guardrail'>): string {
  if (s.span?.kind === 'stage') return `since the stage started ${formatDateTime(s.span.since)}`;
  if (s.span?.kind === 'restart') return `since the restart (from ${formatDateTime(s.span.since)})`;
  return `last ${s.span?.minutes ?? s.guardrail.windowMinutes} min`;
}

/** What a guardrail checks, in a few words: `rate above 0.05`, `p95 above 2× control`. */
export function describeGuardrailKind(g: Guardrail): string {
  const k = g.kind;
  switch (k.type) {
    case 'absolute':
      return `${k.statistic} ${k.breachWhen} ${formatValue(k.limit)}`;
    case 'relative-to-control':
      return `${k.statistic} ${k.breachWhen} ${formatValue(k.factor)}× control`;
    case 'relative-to-baseline':
      return `${k.statistic} ${k.breachWhen} ${formatValue(k.factor)}× baseline ${formatValue(k.baseline)}`;
    case 'drift':
      return `${k.statistic} drift from ${formatValue(k.baseline)}${k.side === 'both' ? '' : ` (${k.side} only)`}: warn ${formatFraction(k.warn)}, critical ${formatFraction(k.critical)}, roll back ${formatFraction(k.rollback)}`;
    case 'statistical':
      return `Δ worse than ${formatValue(k.limit)} (sequential, α ${formatValue(k.alpha)})`;
  }
}

/** What a guardrail does when it fires: `roll back (kill)`, `pause`, `notify`. */
export function describeGuardrailAction(g: Guardrail): string {
  if (g.action === 'rollback') return `roll back (${ROLLBACK_TARGET_LABEL[g.rollbackTarget].toLowerCase()})`;
  return g.action;
}

const STATUS_RANK: Record<GuardrailStatus, number> = { breached: 0, warn: 1, 'no-data': 2, ok: 3 };

/** Guardrail states with the worst first (breached, warn, no data, ok), then by id. */
export function sortGuardrailStates(states: readonly GuardrailState[]): GuardrailState[] {
  return [...states].sort(
    (a, b) => STATUS_RANK[a.status] - STATUS_RANK[b.status] || a.guardrail.id.localeCompare(b.guardrail.id),
  );
}

/** Counts of guardrail states by status. */
export function countByStatus(states: readonly GuardrailState[]): Record<GuardrailStatus, number> {
  const out: Record<GuardrailStatus, number> = { ok: 0, warn: 0, breached: 0, 'no-data': 0 };
  for (const s of states) out[s.status] += 1;
  return out;
}

/** Sparkline points of a guardrail: its recent values with their index (gaps where no value). */
export function sparklinePoints(
  state: Pick<GuardrailState, 'recent'>,
): { i: number; at: string; value: number | null }[] {
  return state.recent.map((r, i) => ({
    i,
    at: r.at,
    value: r.value !== null && Number.isFinite(r.value) ? r.value : null,
  }));
}

/** `3 of 2` breaches in a row for the board (`—` when none). */
export function formatStreak(state: Pick<GuardrailState, 'consecutive' | 'guardrail'>): string {
  if (state.consecutive === 0) return NONE;
  return `${state.consecutive} of ${state.guardrail.consecutiveBreaches}`;
}
