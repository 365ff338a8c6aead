/**
 * Pure view logic of the staged-rollout screens: durations, the stage timeline (where the flag is,
 * how long is left, what the gate waits for), guardrail labels, and the plan / planner / guardrail
 * forms as typed (strings) ↔ the contract's objects. No React, no API, no `Date.now()`: `now` is
 * always passed in.
 */
import type { FlagRef } from '../../../shared/domain.ts';
import type {
  Audience,
  DecisionAction,
  GateEvaluation,
  GateItem,
  Guardrail,
  GuardrailState,
  GuardrailStatus,
  OutboxStatus,
  PlannerInputs,
  PlannerResult,
  RollbackTarget,
  RolloutPlan,
  RolloutStatus,
  RolloutView,
  Stage,
} from '../../../shared/rollout.ts';
import { DecisionActionSchema } from '../../../shared/rollout.ts';
import { formatDateTime, NONE, parseTime } from '../../lib/format.ts';

export const MINUTE_MS = 60_000;
export const HOUR_MS = 3_600_000;
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

export const ROLLOUT_STATUS_LABEL: Record<RolloutStatus, string> = {
  draft: 'Draft (not started)',
  running: 'Running',
  paused: 'Paused',
  'rolled-back': 'Rolled back',
  completed: 'Completed',
};

export const GUARDRAIL_STATUS_LABEL: Record<GuardrailStatus, string> = {
  ok: 'OK',
  warn: 'Warn',
  breached: 'Breached',
  'no-data': 'No data',
};

export const GATE_STATUS_LABEL: Record<GateItem['status'], string> = {
  pass: 'Pass',
  fail: 'Fail',
  waiting: 'Waiting',
  missing: 'Missing',
  'n/a': 'N/A',
};

/** Gate statuses that hold a gate back, most serious first (`pass` and `n/a` do not). */
const BLOCKING_ORDER: readonly GateItem['status'][] = ['fail', 'missing', 'waiting'];

export const OUTBOX_STATUS_LABEL: Record<OutboxStatus, string> = {
  pending: 'Pending',
  sent: 'Sent',
  confirmed: 'Confirmed',
  failed: 'Failed',
};

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

/** What a guardrail checks, in a few words: `rate above 0.05`, `p95 above 2× control`. */
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

/* ------------------------------------------------------------------------------------------ */
/* Timeline                                                                                    */
/* ------------------------------------------------------------------------------------------ */

/**
 * The rollout's status as shown. A plan whose state sits before its first stage is "draft" even when
 * the core stored `running` (the core creates a `running` state at stage −1 when a flag is
 * evaluated before it has a plan, and `rollout.savePlan` keeps that state).
 */
export function rolloutStatus(view: Pick<RolloutView, 'plan' | 'state'>): RolloutStatus | null {
  const s = view.state;
  if (!s) return null;
  if (view.plan && s.stageIndex < 0 && s.status === 'running') return 'draft';
  return s.status;
}

export type StagePhase = 'done' | 'current' | 'upcoming';

export interface TimelineStage {
  index: number;
  name: string;
  targetPercent: number;
  audience: string;
  phase: StagePhase;
  minObservationMs: number;
  minSamplePerCohort: number;
  approvalsRequired: number;
  autoAdvance: boolean;
  /** Expected (or actual, for the current stage) start and end, ISO, or null when unknown. */
  startsAt: string | null;
  endsAt: string | null;
}

export interface TimelineModel {
  status: RolloutStatus | null;
  /** Current stage index (−1 before the first stage). */
  stageIndex: number;
  stages: TimelineStage[];
  /** The current stage, or null (draft, no plan). */
  current: TimelineStage | null;
  /** Time at the current stage, ms, or null (not confirmed by the provider yet). */
  elapsedMs: number | null;
  /** Time left of the current stage's minimum observation, ms (0 when elapsed), or null. */
  remainingMs: number | null;
  /** 0–1 share of the minimum observation elapsed, or null. */
  progress: number | null;
  /** True when a stage change is waiting for the provider's confirmation. */
  awaitingProvider: boolean;
  /** Expected end of the last stage (from the calendar), ISO, or null. */
  expectedEndAt: string | null;
  /** Approvals given for the current stage. */
  approvalsGiven: number;
}

/**
 * Where a flag's rollout is: every stage's phase and dates, time at and left of the current stage.
 * Returns null without a plan.
 */
export function timelineModel(view: RolloutView, now: number): TimelineModel | null {
  const { plan, state } = view;
  if (!plan) return null;
  const stageIndex = state?.stageIndex ?? -1;
  const status = rolloutStatus(view);
  const calendar = new Map(view.calendar.map((c) => [c.stageIndex, c]));
  const stages: TimelineStage[] = plan.stages.map((s, index) => {
    const phase: StagePhase =
      status === 'completed' && index <= stageIndex
        ? 'done'
        : index < stageIndex
          ? 'done'
          : index === stageIndex
            ? 'current'
            : 'upcoming';
    const cal = calendar.get(index);
    return {
      index,
      name: s.name,
      targetPercent: s.targetPercent,
      audience: formatAudience(s.audience),
      phase,
      minObservationMs: s.minObservationMs,
      minSamplePerCohort: s.minSamplePerCohort,
      approvalsRequired: s.approvalsRequired,
      autoAdvance: s.autoAdvance,
      startsAt: cal?.startsAt ?? null,
      endsAt: cal?.endsAt ?? null,
    };
  });
  const current = stageIndex >= 0 ? (stages[stageIndex] ?? null) : null;
  const started = parseTime(state?.stageStartedAt);
  let elapsedMs: number | null = null;
  let remainingMs: number | null = null;
  let progress: number | null = null;
  if (current && started !== null) {
    elapsedMs = Math.max(0, now - started);
    remainingMs = Math.max(0, current.minObservationMs - elapsedMs);
    progress = current.minObservationMs > 0 ? Math.min(1, elapsedMs / current.minObservationMs) : 1;
    current.startsAt = new Date(started).toISOString();
    current.endsAt = new Date(started + current.minObservationMs).toISOString();
  }
  const last = view.calendar[view.calendar.length - 1];
  return {
    status,
    stageIndex,
    stages,
    current,
    elapsedMs,
    remainingMs,
    progress,
    awaitingProvider: !!state && (state.pendingActionId !== null || (!!current && started === null)),
    expectedEndAt: last?.endsAt ?? null,
    approvalsGiven: state ? state.approvals.filter((a) => a.stageIndex === stageIndex).length : 0,
  };
}

/** Gate items that are not passing (what the gate is waiting for), fails first. */
export function gateBlockers(gate: GateEvaluation | null): GateItem[] {
  if (!gate) return [];
  return gate.items
    .filter((i) => BLOCKING_ORDER.includes(i.status))
    .sort((a, b) => BLOCKING_ORDER.indexOf(a.status) - BLOCKING_ORDER.indexOf(b.status));
}

/** One line about the gate: passed, failing on…, or waiting for…. */
export function gateHeadline(gate: GateEvaluation | null): string {
  if (!gate) return 'No gate evaluation yet: the gate is evaluated once a stage is live.';
  if (gate.passed) {
    const na = gate.items.filter((i) => i.status === 'n/a').length;
    return `Gate passed: every item holds${na ? ` (${na} not applicable)` : ''}.`;
  }
  const blockers = gateBlockers(gate);
  const fails = blockers.filter((b) => b.status === 'fail');
  if (fails.length) return `Gate failing: ${fails.map((f) => f.label.toLowerCase()).join('; ')}.`;
  const missing = blockers.filter((b) => b.status === 'missing');
  if (missing.length)
    return `Gate cannot pass — missing: ${missing.map((m) => m.label.toLowerCase()).join('; ')}.`;
  return `Gate waiting for: ${blockers.map((b) => b.label.toLowerCase()).join('; ')}.`;
}

/** Which operator actions make sense now (the server decides; this only hides nonsense buttons). */
export interface AvailableActions {
  start: boolean;
  advance: boolean;
  /** A rolled-back rollout is restarted at its stage (not moved on to the next). */
  restart: boolean;
  pause: boolean;
  resume: boolean;
  approve: boolean;
  rollback: boolean;
}

export function availableActions(view: RolloutView | null): AvailableActions {
  const none = {
    start: false,
    advance: false,
    restart: false,
    pause: false,
    resume: false,
    approve: false,
    rollback: false,
  };
  if (!view) return none;
  const { plan, state } = view;
  const status = rolloutStatus(view);
  const idx = state?.stageIndex ?? -1;
  const stages = plan?.stages.length ?? 0;
  const stage = plan && idx >= 0 ? plan.stages[idx] : undefined;
  const approvals = state ? state.approvals.filter((a) => a.stageIndex === idx).length : 0;
  return {
    start: !!plan && idx < 0,
    advance: !!plan && idx >= 0 && idx < stages - 1 && status !== 'completed' && status !== 'rolled-back',
    restart: !!plan && idx >= 0 && status === 'rolled-back',
    // Only a running rollout can be paused (a draft has not started: nothing to hold).
    pause: !!state && status === 'running',
    resume: status === 'paused',
    approve: !!stage && stage.approvalsRequired > approvals && status !== 'rolled-back',
    rollback: !!state && status !== 'rolled-back',
  };
}

/* ------------------------------------------------------------------------------------------ */
/* Plan editor                                                                                 */
/* ------------------------------------------------------------------------------------------ */

export type AudienceType = Audience['type'];

/** One stage as typed in the editor. */
export interface StageDraft {
  name: string;
  targetPercent: string;
  audienceType: AudienceType;
  /** Allow-list keys, comma- or newline-separated. */
  audienceKeys: string;
  segment: string;
  minObservation: string;
  minSample: string;
  /** Non-inferiority margin, percent of control. */
  marginPercent: string;
  businessMetrics: string;
  approvals: string;
  autoAdvance: boolean;
}

export interface PlanDraft {
  name: string;
  templateId: string | null;
  stages: StageDraft[];
  /** The planner's computation the stages came from (kept on save), or null. */
  planner: PlannerResult | null;
}

export interface FieldError {
  path: string;
  message: string;
}

/** A comma- or newline-separated list typed in the editor, trimmed, without empty entries. */
export const splitList = (s: string): string[] =>
  s
    .split(/[,\n]/)
    .map((x) => x.trim())
    .filter(Boolean);

const trimNum = (x: number): string => String(Number(x.toPrecision(10)));

export function stageToDraft(s: Stage): StageDraft {
  return {
    name: s.name,
    targetPercent: trimNum(s.targetPercent),
    audienceType: s.audience.type,
    audienceKeys: s.audience.type === 'allow-list' ? s.audience.keys.join(', ') : '',
    segment: s.audience.type === 'segment' ? s.audience.name : '',
    minObservation: durationInput(s.minObservationMs),
    minSample: String(s.minSamplePerCohort),
    marginPercent: trimNum(s.gate.nonInferiorityMargin * 100),
    businessMetrics: s.gate.businessMetrics.join(', '),
    approvals: String(s.approvalsRequired),
    autoAdvance: s.autoAdvance,
  };
}

export function emptyStageDraft(after?: StageDraft): StageDraft {
  const prev = after ? Number(after.targetPercent) : 0;
  const next = Number.isFinite(prev) ? Math.min(100, prev > 0 ? prev * 2 : 10) : 100;
  return {
    name: next >= 100 ? 'everyone' : `${next} %`,
    targetPercent: String(next),
    audienceType: 'everyone',
    audienceKeys: '',
    segment: '',
    minObservation: '1d',
    minSample: '0',
    marginPercent: '2',
    businessMetrics: '',
    approvals: '0',
    autoAdvance: false,
  };
}

export function planToDraft(p: {
  name: string;
  templateId?: string | null;
  id?: string;
  stages: readonly Stage[];
  planner?: PlannerResult | null;
}): PlanDraft {
  return {
    name: p.name,
    templateId: p.templateId ?? p.id ?? null,
    stages: p.stages.map(stageToDraft),
    planner: p.planner ?? null,
  };
}

function parseStage(d: StageDraft, i: number, errors: FieldError[]): Stage | null {
  const at = (field: string, message: string) =>
    errors.push({ path: `stages.${i}.${field}`, message: `stage ${i + 1}: ${message}` });
  const before = errors.length;
  const name = d.name.trim();
  if (!name) at('name', 'name is required');
  const pct = Number(d.targetPercent.trim());
  if (d.targetPercent.trim() === '' || !Number.isFinite(pct))
    at('targetPercent', 'target % must be a number');
  else if (pct <= 0 || pct > 100) at('targetPercent', 'target % must be above 0 and at most 100');
  let audience: Audience = { type: 'everyone' };
  if (d.audienceType === 'allow-list') {
    const keys = splitList(d.audienceKeys);
    if (!keys.length) at('audience', 'an allow-list needs at least one key');
    audience = { type: 'allow-list', keys };
  } else if (d.audienceType === 'segment') {
    if (!d.segment.trim()) at('audience', 'a segment needs a name');
    audience = { type: 'segment', name: d.segment.trim() };
  }
  const obs = parseDuration(d.minObservation);
  if (obs === null) at('minObservation', 'minimum observation must be a duration like 3d, 12h or 30m');
  const sample = Number(d.minSample.trim() || '0');
  if (!Number.isInteger(sample) || sample < 0) at('minSample', 'minimum sample must be a whole number ≥ 0');
  const margin = Number(d.marginPercent.trim() || '0');
  if (!Number.isFinite(margin) || margin < 0 || margin > 100)
    at('margin', 'non-inferiority margin must be between 0 and 100 %');
  const approvals = Number(d.approvals.trim() || '0');
  if (!Number.isInteger(approvals) || approvals < 0 || approvals > 10)
    at('approvals', 'approvals must be a whole number from 0 to 10');
  if (errors.length > before) return null;
  return {
    name,
    targetPercent: pct,
    audience,
    minObservationMs: obs ?? 0,
    minSamplePerCohort: sample,
    gate: {
      nonInferiorityMargin: Number((margin / 100).toPrecision(10)),
      businessMetrics: splitList(d.businessMetrics),
    },
    approvalsRequired: approvals,
    autoAdvance: d.autoAdvance,
  };
}

/** The stages of a draft, or the errors (each names its stage and field). */
export function draftToStages(
  drafts: readonly StageDraft[],
): { ok: true; stages: Stage[] } | { ok: false; errors: FieldError[] } {
  const errors: FieldError[] = [];
  if (!drafts.length) errors.push({ path: 'stages', message: 'a plan needs at least one stage' });
  const stages = drafts.map((d, i) => parseStage(d, i, errors));
  stages.forEach((s, i) => {
    const prev = stages[i - 1];
    if (s && prev && !(s.targetPercent > prev.targetPercent))
      errors.push({
        path: `stages.${i}.targetPercent`,
        message: `stage ${i + 1}: ${s.targetPercent} % must be above stage ${i}'s ${prev.targetPercent} % (percentages must increase)`,
      });
  });
  if (errors.length) return { ok: false, errors };
  return { ok: true, stages: stages as Stage[] };
}

/** The plan `rollout.savePlan` gets from the editor, or the errors. */
export function draftToPlan(
  flag: FlagRef,
  d: PlanDraft,
): { ok: true; plan: RolloutPlan } | { ok: false; errors: FieldError[] } {
  const parsed = draftToStages(d.stages);
  const errors = parsed.ok ? [] : [...parsed.errors];
  if (!d.name.trim()) errors.unshift({ path: 'name', message: 'the plan needs a name' });
  if (!parsed.ok || errors.length) return { ok: false, errors };
  return {
    ok: true,
    plan: {
      flag: { provider: flag.provider, environment: flag.environment, key: flag.key },
      name: d.name.trim(),
      templateId: d.templateId,
      stages: parsed.stages,
      planner: d.planner,
    },
  };
}

/** The planner's inputs as typed. Percent fields are 0–100; durations in days. */
export interface PlannerDraft {
  trafficPerDay: string;
  metricKind: 'proportion' | 'mean';
  /** Baseline rate, percent (e.g. `2` for a 2 % error rate). */
  baselineRatePercent: string;
  baselineMean: string;
  sd: string;
  /** Smallest regression to catch, percent relative to the baseline (e.g. `20`). */
  minDetectablePercent: string;
  alpha: string;
  power: string;
  minObservationDays: string;
  maxObservationDays: string;
  controlSharePercent: string;
}

export const initialPlannerDraft = (): PlannerDraft => ({
  trafficPerDay: '20000',
  metricKind: 'proportion',
  baselineRatePercent: '2',
  baselineMean: '',
  sd: '',
  minDetectablePercent: '20',
  alpha: '0.05',
  power: '0.8',
  minObservationDays: '3',
  maxObservationDays: '7',
  controlSharePercent: '100',
});

/** The planner's inputs (`rollout.plan`), or the first error. */
export function plannerDraftToInputs(
  d: PlannerDraft,
): { ok: true; inputs: PlannerInputs } | { ok: false; message: string } {
  const num = (s: string) => (s.trim() === '' ? NaN : Number(s.trim()));
  const traffic = num(d.trafficPerDay);
  if (!(traffic > 0)) return { ok: false, message: 'traffic per day must be a number above 0' };
  let metric: PlannerInputs['metric'];
  if (d.metricKind === 'proportion') {
    const rate = num(d.baselineRatePercent) / 100;
    if (!(rate > 0 && rate < 1)) return { ok: false, message: 'baseline rate must be between 0 and 100 %' };
    metric = { kind: 'proportion', baselineRate: rate };
  } else {
    const mean = num(d.baselineMean);
    const sd = num(d.sd);
    if (!Number.isFinite(mean) || mean === 0)
      return { ok: false, message: 'baseline mean must be a number other than 0' };
    if (!(sd > 0)) return { ok: false, message: 'standard deviation must be above 0' };
    metric = { kind: 'mean', baselineMean: mean, sd };
  }
  const mde = num(d.minDetectablePercent) / 100;
  if (!(mde > 0 && mde <= 10))
    return { ok: false, message: 'smallest regression to catch must be above 0 % (and at most 1000 %)' };
  const alpha = num(d.alpha);
  if (!(alpha > 0 && alpha < 0.5)) return { ok: false, message: 'α must be between 0 and 0.5' };
  const power = num(d.power);
  if (!(power > 0.5 && power < 1)) return { ok: false, message: 'power must be between 0.5 and 1' };
  const minDays = num(d.minObservationDays);
  const maxDays = num(d.maxObservationDays);
  if (!(minDays >= 0)) return { ok: false, message: 'minimum observation must be ≥ 0 days' };
  if (!(maxDays >= minDays)) return { ok: false, message: 'maximum observation must be ≥ the minimum' };
  const share = num(d.controlSharePercent) / 100;
  if (!(share > 0 && share <= 1))
    return { ok: false, message: 'control share must be above 0 and at most 100 %' };
  return {
    ok: true,
    inputs: {
      trafficPerDay: traffic,
      metric,
      minDetectableRelative: mde,
      alpha,
      power,
      minObservationMs: Math.round(minDays * DAY_MS),
      maxObservationMs: Math.round(maxDays * DAY_MS),
      controlShare: share,
    },
  };
}

/** The planner's inputs as sentences, for "this plan came from…". */
export function describePlannerInputs(i: PlannerInputs): string[] {
  const metric =
    i.metric.kind === 'proportion'
      ? `baseline rate ${formatFraction(i.metric.baselineRate)}`
      : `baseline mean ${formatValue(i.metric.baselineMean)} (sd ${formatValue(i.metric.sd)})`;
  return [
    `traffic ${Math.round(i.trafficPerDay).toLocaleString('en-US')} units/day`,
    metric,
    `smallest regression to catch ${formatFraction(i.minDetectableRelative)} relative`,
    `α ${formatValue(i.alpha)} (one-sided), power ${formatValue(i.power)}`,
    `observation ${formatDuration(i.minObservationMs)} – ${formatDuration(i.maxObservationMs)} per stage`,
    `control share ${formatFraction(i.controlShare)}`,
  ];
}

/* ------------------------------------------------------------------------------------------ */
/* Guardrail form                                                                              */
/* ------------------------------------------------------------------------------------------ */

export type GuardrailKindType = Guardrail['kind']['type'];
export type Statistic = 'mean' | 'p50' | 'p95' | 'p99';

export interface GuardrailDraft {
  id: string;
  metric: string;
  kindType: GuardrailKindType;
  statistic: Statistic;
  breachWhen: 'above' | 'below';
  limit: string;
  factor: string;
  baseline: string;
  /** Drift tiers, percent deviation. */
  warnPercent: string;
  criticalPercent: string;
  rollbackPercent: string;
  side: 'both' | 'above' | 'below';
  alpha: string;
  action: Guardrail['action'];
  rollbackTarget: RollbackTarget;
  consecutiveBreaches: string;
  windowMinutes: string;
  minSamplePerCohort: string;
}

export const initialGuardrailDraft = (metric = ''): GuardrailDraft => ({
  id: metric ? `${metric}-guard` : '',
  metric,
  kindType: 'absolute',
  statistic: 'mean',
  breachWhen: 'above',
  limit: '',
  factor: '2',
  baseline: '',
  warnPercent: '10',
  criticalPercent: '20',
  rollbackPercent: '30',
  side: 'both',
  alpha: '0.05',
  action: 'rollback',
  rollbackTarget: 'kill',
  consecutiveBreaches: '2',
  windowMinutes: '30',
  minSamplePerCohort: '100',
});

export function guardrailToDraft(g: Guardrail): GuardrailDraft {
  const d = initialGuardrailDraft(g.metric);
  const k = g.kind;
  const base: GuardrailDraft = {
    ...d,
    id: g.id,
    kindType: k.type,
    action: g.action,
    rollbackTarget: g.rollbackTarget,
    consecutiveBreaches: String(g.consecutiveBreaches),
    windowMinutes: String(g.windowMinutes),
    minSamplePerCohort: String(g.minSamplePerCohort),
  };
  if (k.type === 'statistical') return { ...base, limit: String(k.limit), alpha: String(k.alpha) };
  base.statistic = k.statistic;
  if (k.type === 'absolute') return { ...base, limit: String(k.limit), breachWhen: k.breachWhen };
  if (k.type === 'relative-to-control')
    return { ...base, factor: String(k.factor), breachWhen: k.breachWhen };
  if (k.type === 'relative-to-baseline')
    return { ...base, factor: String(k.factor), baseline: String(k.baseline), breachWhen: k.breachWhen };
  return {
    ...base,
    baseline: String(k.baseline),
    warnPercent: trimNum(k.warn * 100),
    criticalPercent: trimNum(k.critical * 100),
    rollbackPercent: trimNum(k.rollback * 100),
    side: k.side,
  };
}

/** The guardrail `guardrails.define` gets from the form, or the first error. */
export function draftToGuardrail(
  flag: FlagRef,
  d: GuardrailDraft,
): { ok: true; value: Guardrail } | { ok: false; message: string } {
  const num = (s: string) => (s.trim() === '' ? NaN : Number(s.trim()));
  const id = d.id.trim();
  if (!/^[A-Za-z0-9_.:-]{1,100}$/.test(id))
    return { ok: false, message: 'id: use 1–100 letters, digits, "_", ".", ":" or "-"' };
  if (!d.metric.trim()) return { ok: false, message: 'metric: choose a metric of the flag' };
  let kind: Guardrail['kind'];
  switch (d.kindType) {
    case 'absolute': {
      const limit = num(d.limit);
      if (!Number.isFinite(limit)) return { ok: false, message: 'limit must be a number' };
      kind = { type: 'absolute', statistic: d.statistic, limit, breachWhen: d.breachWhen };
      break;
    }
    case 'relative-to-control': {
      const factor = num(d.factor);
      if (!(factor > 0)) return { ok: false, message: 'factor must be above 0' };
      kind = { type: 'relative-to-control', statistic: d.statistic, factor, breachWhen: d.breachWhen };
      break;
    }
    case 'relative-to-baseline': {
      const factor = num(d.factor);
      const baseline = num(d.baseline);
      if (!(factor > 0)) return { ok: false, message: 'factor must be above 0' };
      if (!Number.isFinite(baseline) || baseline === 0)
        return { ok: false, message: 'baseline must be a number other than 0' };
      kind = {
        type: 'relative-to-baseline',
        statistic: d.statistic,
        baseline,
        factor,
        breachWhen: d.breachWhen,
      };
      break;
    }
    case 'drift': {
      const baseline = num(d.baseline);
      const [warn, critical, rollback] = [d.warnPercent, d.criticalPercent, d.rollbackPercent].map(
        (x) => num(x) / 100,
      ) as [number, number, number];
      if (!Number.isFinite(baseline) || baseline === 0)
        return { ok: false, message: 'baseline must be a number other than 0' };
      if (!(warn > 0 && warn < critical && critical < rollback))
        return { ok: false, message: 'drift tiers must increase: 0 < warn < critical < roll back' };
      kind = { type: 'drift', statistic: d.statistic, baseline, warn, critical, rollback, side: d.side };
      break;
    }
    case 'statistical': {
      const limit = num(d.limit === '' ? '0' : d.limit);
      const alpha = num(d.alpha);
      if (!Number.isFinite(limit)) return { ok: false, message: 'limit must be a number' };
      if (!(alpha > 0 && alpha < 0.5)) return { ok: false, message: 'α must be between 0 and 0.5' };
      kind = { type: 'statistical', limit, alpha };
      break;
    }
  }
  const consecutive = num(d.consecutiveBreaches);
  if (!Number.isInteger(consecutive) || consecutive < 1 || consecutive > 100)
    return { ok: false, message: 'breaches in a row must be a whole number from 1 to 100' };
  const windowMinutes = num(d.windowMinutes);
  if (!Number.isInteger(windowMinutes) || windowMinutes < 1 || windowMinutes > 10_080)
    return { ok: false, message: 'window must be 1 to 10080 minutes' };
  const minSample = num(d.minSamplePerCohort);
  if (!Number.isInteger(minSample) || minSample < 0)
    return { ok: false, message: 'minimum sample must be a whole number ≥ 0' };
  return {
    ok: true,
    value: {
      flag: { provider: flag.provider, environment: flag.environment, key: flag.key },
      id,
      metric: d.metric.trim(),
      kind,
      action: d.action,
      rollbackTarget: d.rollbackTarget,
      consecutiveBreaches: consecutive,
      windowMinutes,
      minSamplePerCohort: minSample,
    },
  };
}
