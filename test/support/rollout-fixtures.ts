/** Rollout fixtures shared by the core's tests. */
import type { FlagRef } from '../../shared/domain.ts';
import type { RolloutPlan, Stage } from '../../shared/rollout-plans.ts';
import type { RolloutState } from '../../shared/rollout-state.ts';

/**
 * A plan of `flag` with three stages, 10 → 50 → 100 %, for everyone: each observed 5 min and
 * needing 500 units per cohort, a 2 % non-inferiority margin, no approvals, auto-advance on —
 * with `stage` applied to every stage and `over` to the plan.
 */
export function threeStagePlan(
  flag: FlagRef,
  stage: Partial<Stage> = {},
  over: Partial<RolloutPlan> = {},
): RolloutPlan {
  return {
    flag,
    name: 'ramp',
    templateId: null,
    planner: null,
    stages: [10, 50, 100].map((p) => ({
      name: `${p} %`,
      targetPercent: p,
      audience: { type: 'everyone' as const },
      minObservationMs: 5 * 60_000,
      minSamplePerCohort: 500,
      gate: { nonInferiorityMargin: 0.02, businessMetrics: [] },
      approvalsRequired: 0,
      autoAdvance: true,
      ...stage,
    })),
    ...over,
  };
}

/** A running rollout state of `flag` at stage 0, started 2026-11-22 00:00 UTC, with `over` applied. */
export function runningState(flag: FlagRef, over: Partial<RolloutState> = {}): RolloutState {
  return {
    flag,
    stageIndex: 0,
    status: 'running',
    stageStartedAt: '2026-11-22T00:00:00.000Z',
    reason: null,
    approvals: [],
    pendingActionId: null,
    evidenceSince: null,
    updatedAt: '2026-11-22T00:00:00.000Z',
    ...over,
  };
}
