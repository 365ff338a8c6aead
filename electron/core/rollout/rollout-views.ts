/**
 * Reads of a flag's rollout: its view (plan, state, last gate evaluation, guardrail states and
 * stage calendar), a fresh view (evaluated now, nothing kept), and the rollout context a decision
 * on the flag records.
 */
import type { FlagRef } from '../../../shared/domain.ts';
import type { RolloutPlan } from '../../../shared/rollout-plans.ts';
import type { RolloutState, RolloutView } from '../../../shared/rollout-state.ts';
import type { DecisionContext } from '../flags/confirmed-state.ts';
import { stripRecent, type GuardrailLiveState } from './guardrail-live-state.ts';
import type { RolloutContext } from './rollout-context.ts';
import type { RolloutEvaluator } from './rollout-evaluator.ts';
import type { StoredState } from './rollout-store.ts';

/** A stored state as callers see it: without its generation (an idempotency detail). */
export function publicState(s: StoredState): RolloutState {
  const { generation: _, ...rest } = s;
  return rest;
}

/** The views of flags' rollouts (reads only, except the evaluator's last gate of a fresh view). */
export class RolloutViews {
  private readonly ctx: RolloutContext;
  private readonly live: GuardrailLiveState;
  private readonly evaluator: RolloutEvaluator;

  constructor(ctx: RolloutContext, live: GuardrailLiveState, evaluator: RolloutEvaluator) {
    this.ctx = ctx;
    this.live = live;
    this.evaluator = evaluator;
  }

  /** Plan, state, the last gate evaluation and guardrail states (see {@link freshView} to evaluate first). */
  view(flag: FlagRef): RolloutView {
    const plan = this.ctx.store.plan(flag);
    const state = this.ctx.store.state(flag);
    const guardrails = this.live.current(flag);
    return {
      flag,
      plan,
      state: state ? publicState(state) : null,
      gate: this.evaluator.lastGate(flag),
      guardrails,
      calendar: this.calendar(plan, state),
    };
  }

  /**
   * Evaluates the flag now (reads only; nothing is decided or kept) and returns its view.
   * @throws CoreError NOT_FOUND when the flag is unknown.
   */
  async freshView(flag: FlagRef): Promise<RolloutView> {
    this.ctx.requireFlag(flag);
    const gs = this.ctx.store.guardrails(flag);
    const ev = await this.evaluator.evaluate(flag, gs);
    // A view is a read: its evaluation is shown but not kept, so it never advances a breach or
    // no-data streak (only the monitor's evaluations count).
    return { ...this.view(flag), gate: ev.gate, guardrails: ev.verdicts.map((v) => v.state) };
  }

  /** The stages still to come, from the current one, each for its minimum observation time. */
  private calendar(plan: RolloutPlan | null, state: StoredState | null): RolloutView['calendar'] {
    if (!plan) return [];
    const from = Math.max(0, state?.stageIndex ?? 0);
    let at = state?.stageStartedAt ? Date.parse(state.stageStartedAt) : this.ctx.d.now();
    return plan.stages.slice(from).map((s, i) => {
      const startsAt = new Date(at).toISOString();
      at += s.minObservationMs;
      return { stageIndex: from + i, startsAt, endsAt: new Date(at).toISOString() };
    });
  }

  /** The rollout context a decision on `flag` records (stage, guardrail states, last gate, plan). */
  decisionContext(flag: FlagRef): DecisionContext {
    const plan = this.ctx.store.plan(flag);
    const state = this.ctx.store.state(flag);
    const stageIndex = state?.stageIndex ?? -1;
    const stage = plan?.stages[stageIndex];
    return {
      stageIndex,
      stageName: stage?.name ?? null,
      guardrails: this.live.current(flag).map(stripRecent),
      gate: this.evaluator.lastGate(flag),
      plan: plan
        ? { name: plan.name, stages: plan.stages.length, targetPercent: stage?.targetPercent ?? null }
        : null,
    };
  }
}
