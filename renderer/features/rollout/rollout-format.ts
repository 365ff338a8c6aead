/**
 * Pure formatting of the staged-rollout screens: durations (shown and typed), status labels, values
 * and fractions, audiences, and the guardrail board's words (what a guardrail checks, over which
 * span, what it does when it fires). No React, no API, no `Date.now()`.
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
import { formatDateTime, NONE } from '../../lib/format.ts';

/** One minute, in ms. */
export const MINUTE_MS = 60_000;
/** One hour, in ms. */
export const HOUR_MS = 3_600_000;
/** One day, in ms. */
export const DAY_MS = 86_400_000;

/* ------------------------------------------------------------------------------------------ */
/* Durations                                                                                   */
/* ------------------------------------------------------------------------------------------ */

/** `3 d 4 h`, `5 h 20 min`, `25 min`, `40 s`; negative durations count as 0. */
export function formatDuration(ms: number | null | undefined): string {
  if (ms === null || ms === undefined || !Number.isFinite(ms)) return NONE;
  const s = Math.max(0, Math.round(ms / 1000));
  if (s < 60) return `${s} s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m} min`;
  const h = Math.floor(m / 60);
  if (h < 24) return m % 60 ? `${h} h ${m % 60} min` : `${h} h`;
  const d = Math.floor(h / 24);
  return h % 24 ? `${d} d ${h % 24} h` : `${d} d`;
}

const UNIT_MS: Record<string, number> = {
  d: DAY_MS,
  day: DAY_MS,
  days: DAY_MS,
  h: HOUR_MS,
  hr: HOUR_MS,
  hour: HOUR_MS,
  hours: HOUR_MS,
  m: MINUTE_MS,
  min: MINUTE_MS,
  mins: MINUTE_MS,
  minute: MINUTE_MS,
  minutes: MINUTE_MS,
  s: 1000,
  sec: 1000,
  second: 1000,
  seconds: 1000,
};

/**
 * Parses a typed duration: `3d`, `3 d 12 h`, `90 min`, `1.5h`, `0`. Every number needs a unit
 * (except a lone `0`). Returns ms, or `null` when the text is not a duration.
 */
export function parseDuration(text: string): number | null {
  const t = text.trim().toLowerCase();
  if (t === '0') return 0;
  if (t === '') return null;
  const re = /(\d+(?:\.\d+)?)\s*([a-z]+)\s*/gy;
  let total = 0;
  let matched = 0;
  let m: RegExpExecArray | null;
  while ((m = re.exec(t)) !== null) {
    const unit = UNIT_MS[m[2] ?? ''];
    if (unit === undefined) return null;
    total += Number(m[1]) * unit;
    matched = re.lastIndex;
  }
  if (matched !== t.length) return null;
  return Math.round(total);
}

/** The shortest typed form of a duration (`3d`, `1d 12h`, `30m`, `45s`), for the editor's inputs. */
export function durationInput(ms: number): string {
  if (ms <= 0) return '0';
  const parts: string[] = [];
  let rest = Math.round(ms);
  for (const [unit, size] of [
    ['d', DAY_MS],
    ['h', HOUR_MS],
    ['m', MINUTE_MS],
    ['s', 1000],
  ] as const) {
    const n = Math.floor(rest / size);
    if (n > 0) parts.push(`${n}${unit}`);
    rest -= n * size;
  }
  return parts.length ? parts.join(' ') : `${Math.round(ms)}ms`;
}

/* ------------------------------------------------------------------------------------------ */
/* Labels                                                                                      */
/* ------------------------------------------------------------------------------------------ */

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

/** A number with 3 significant digits (1 decimal at ≥ 100); `—` for null. */
export function formatValue(x: number | null | undefined): string {
  if (x === null || x === undefined) return NONE;
  if (!Number.isFinite(x)) return String(x);
  if (x === 0) return '0';
  return Math.abs(x) >= 100 ? Number(x.toFixed(1)).toString() : Number(x.toPrecision(3)).toString();
}

/** `12.5 %` from a 0–1 fraction; `—` for null. */
export function formatFraction(x: number | null | undefined): string {
  if (x === null || x === undefined || !Number.isFinite(x)) return NONE;
  return `${formatValue(x * 100)} %`;
}

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

/** A number as typed into a form field: at most 10 significant digits, no float noise (`0.1 × 3` → `0.3`). */
export const trimNum = (x: number): string => String(Number(x.toPrecision(10)));
