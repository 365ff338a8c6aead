/**
 * Where a flag's staged rollout is, as the screens show it: its status, every stage's phase and
 * dates, time at and left of the current stage, and which operator actions make sense now. Pure:
 * `now` is always passed in.
 */
import type { RolloutStatus, RolloutView } from '../../../shared/rollout-state.ts';
import { parseTime } from '../../lib/format.ts';
import { formatAudience } from './rollout-format.ts';

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

/** Where a stage stands against the current one: passed, live, or still ahead. */
export type StagePhase = 'done' | 'current' | 'upcoming';

/** One stage of the timeline as drawn: the plan's settings (durations in ms), its phase and dates. */
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

/** The whole timeline of a rollout: every stage, the current one, and its progress (times in ms). */
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

/**
 * Which action buttons to show for a rollout (all `false` without a view). The server still
 * checks every action; this only hides buttons that cannot apply.
 */
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
