/**
 * The operator's overrides of a rollout — advance (start, restart), pause, resume, roll back,
 * approve: always possible where they make sense, always recorded as decisions
 * (decision-recorder.ts) with the flag's current guardrail states and last gate evaluation.
 */
import type { ChangePreview } from '../../../shared/flag-actions.ts';
import type { FlagRef, LayerPatch } from '../../../shared/domain.ts';
import type { DecisionRecord } from '../../../shared/decisions.ts';
import type { RollbackTarget } from '../../../shared/guardrails.ts';
import type { RolloutView } from '../../../shared/rollout-state.ts';
import type { Stage } from '../../../shared/rollout-plans.ts';
import { CoreError } from '../errors.ts';
import type { DecisionChange, DecisionRecorder } from './decision-recorder.ts';
import type { GuardrailLiveState } from './guardrail-live-state.ts';
import type { RolloutContext } from './rollout-context.ts';
import type { RolloutEvaluator } from './rollout-evaluator.ts';
import type { StoredState } from './rollout-store.ts';
import type { RolloutViews } from './rollout-views.ts';
import type { StagePatches } from './stage-patches.ts';

/** What an operator's advance applies (see {@link OperatorOverrides.advance}). */
interface AdvanceTarget {
  /** The stage's index, 0-based. */
  target: number;
  stage: Stage;
  kind: 'start' | 'restart' | 'advance';
  patch: LayerPatch;
  state: StoredState;
}

/** The parts of the rollout service an override uses. */
export interface OverrideParts {
  recorder: DecisionRecorder;
  patches: StagePatches;
  views: RolloutViews;
  live: GuardrailLiveState;
  evaluator: RolloutEvaluator;
}

/** The operator's overrides; `actor` defaults to the service's operator (`RolloutDeps.actor`). */
export class OperatorOverrides {
  private readonly ctx: RolloutContext;
  private readonly p: OverrideParts;

  constructor(ctx: RolloutContext, parts: OverrideParts) {
    this.ctx = ctx;
    this.p = parts;
  }

  /** What a decision on `flag` records besides its own fields: the current guardrail states and last gate. */
  private evidence(flag: FlagRef): Pick<DecisionChange, 'guardrails' | 'gate'> {
    return { guardrails: this.p.live.current(flag), gate: this.p.evaluator.lastGate(flag) };
  }

  /**
   * What an operator's advance would do: the stage it applies (`toStage`, else as
   * {@link advance} picks it), whether it starts or restarts the rollout, and the patch.
   * @throws CoreError BAD_INPUT past the last stage or for a placeholder; NOT_FOUND without a plan.
   */
  private advanceTarget(flag: FlagRef, toStage?: number): AdvanceTarget {
    const plan = this.ctx.requirePlan(flag);
    const state = this.ctx.stateOf(flag);
    // A rolled-back rollout restarts at the stage it was rolled back from, never past it.
    const target =
      toStage ?? (state.status === 'rolled-back' ? Math.max(0, state.stageIndex) : state.stageIndex + 1);
    const stage = plan.stages[target];
    if (!stage)
      throw new CoreError(
        'BAD_INPUT',
        target >= plan.stages.length && state.stageIndex === plan.stages.length - 1
          ? `"${flag.key}" is at its last stage; nothing to advance to`
          : `toStage: the plan has stages 0–${plan.stages.length - 1}, not ${target}`,
      );
    // A restart applies the current stage again (a rolled-back rollout by default, or `toStage` =
    // the current one); moving on from a paused stage is an advance.
    const kind =
      state.stageIndex < 0 || state.status === 'draft'
        ? 'start'
        : target === state.stageIndex
          ? 'restart'
          : 'advance';
    return { target, stage, kind, patch: this.p.patches.stagePatch(flag, stage, target), state };
  }

  /**
   * The change an operator's advance (start, restart) would send, before → after with the exact
   * provider requests — like every other change. Sends nothing.
   * @throws CoreError BAD_INPUT past the last stage or for a placeholder; NOT_FOUND without a plan.
   */
  async previewAdvance(flag: FlagRef, toStage?: number): Promise<ChangePreview> {
    const { target, stage, kind, patch } = this.advanceTarget(flag, toStage);
    const verb = kind === 'start' ? 'Starts the rollout at' : kind === 'restart' ? 'Restarts at' : 'Moves to';
    return this.ctx.d.actions.previewChange(flag, patch, null, [
      `${verb} stage ${target + 1} "${stage.name}" (${stage.targetPercent} %${stage.audience.type === 'allow-list' ? `, allow-list adds ${stage.audience.keys.join(', ')}` : stage.audience.type === 'segment' ? `, segment ${stage.audience.name}: target it at the provider` : ''}).`,
    ]);
  }

  /**
   * Operator: applies the next stage (or `toStage`, 0-based). Starts a draft plan, restarts a
   * paused or rolled-back one — a restart starts a fresh evidence window: guardrails read only data
   * after it and earlier breach streaks do not count. The gate is not required (an override), but
   * its last evaluation is recorded.
   * @throws CoreError BAD_INPUT past the last stage or for a template placeholder in the stage's
   *   allow-list; NOT_FOUND without a plan.
   */
  advance(flag: FlagRef, reason: string, toStage?: number, actor = this.ctx.d.actor): RolloutView {
    const { target, stage, kind, patch, state } = this.advanceTarget(flag, toStage);
    const verb =
      kind === 'start'
        ? 'started the rollout at'
        : kind === 'restart'
          ? `restarted the ${state.status} rollout at`
          : 'moved the rollout to';
    this.p.recorder.record({
      flag,
      actor,
      action: kind === 'start' ? 'start' : 'advance',
      rule: kind === 'restart' ? 'operator:restart' : 'operator',
      rationale: `${actor} ${verb} stage ${target + 1} "${stage.name}" (${stage.targetPercent} %${stage.audience.type === 'segment' ? `, segment ${stage.audience.name} — target it at the provider` : ''}): ${reason}`,
      severity: 'info',
      ...this.evidence(flag),
      change: { patch, action: 'set-layers', purpose: kind, stageIndex: target },
      state: {
        stageIndex: target,
        status: 'running',
        reason: null,
        ...(kind === 'restart' ? { evidenceSince: this.ctx.iso() } : {}),
      },
      closeIncidents: true,
    });
    return this.p.views.view(flag);
  }

  /**
   * Operator: pauses a running rollout (the monitor will not advance; guardrails keep being
   * evaluated).
   * @throws CoreError BAD_INPUT unless it is running (a draft has nothing to pause).
   */
  pause(flag: FlagRef, reason: string, actor = this.ctx.d.actor): RolloutView {
    const state = this.ctx.stateOf(flag);
    if (state.status !== 'running')
      throw new CoreError(
        'BAD_INPUT',
        state.status === 'paused'
          ? `"${flag.key}" is already paused`
          : `"${flag.key}" is ${state.status === 'draft' ? 'a draft (not started)' : state.status}: only a running rollout can be paused`,
      );
    this.p.recorder.record({
      flag,
      actor,
      action: 'pause',
      rule: 'operator',
      rationale: `${actor} paused the rollout: ${reason}`,
      severity: 'warning',
      ...this.evidence(flag),
      state: { status: 'paused', reason },
      notify: true,
    });
    return this.p.views.view(flag);
  }

  /**
   * Operator: resumes a paused rollout and closes the flag's open incidents.
   * @throws CoreError BAD_INPUT unless it is paused.
   */
  resume(flag: FlagRef, reason: string, actor = this.ctx.d.actor): RolloutView {
    const state = this.ctx.stateOf(flag);
    if (state.status !== 'paused')
      throw new CoreError(
        'BAD_INPUT',
        `"${flag.key}" is ${state.status}, not paused${state.status === 'rolled-back' ? '; use advance to restart it' : ''}`,
      );
    this.p.recorder.record({
      flag,
      actor,
      action: 'resume',
      rule: 'operator',
      rationale: `${actor} resumed the rollout: ${reason}`,
      severity: 'info',
      ...this.evidence(flag),
      state: {
        status: state.stageIndex < 0 && this.ctx.store.plan(flag) ? 'draft' : 'running',
        reason: null,
        // Judged on data from now on: the breach that paused it does not count again.
        evidenceSince: this.ctx.iso(),
      },
      closeIncidents: true,
    });
    return this.p.views.view(flag);
  }

  /**
   * Operator (or monitor): rolls back to `target` through the outbox; `extra` overrides fields of
   * the recorded decision (the monitor's rule, rationale and evidence).
   * @throws CoreError NOT_FOUND when the flag is unknown.
   */
  async rollback(
    flag: FlagRef,
    reason: string,
    target: RollbackTarget,
    actor = this.ctx.d.actor,
    extra: Partial<DecisionChange> = {},
  ): Promise<DecisionRecord> {
    this.ctx.requireFlag(flag);
    const r = await this.p.patches.rollbackPatch(flag, target);
    const state = this.ctx.stateOf(flag);
    const plan = this.ctx.store.plan(flag);
    const toPrevious = target === 'previous-stage' && r.action === 'revert' && plan && state.stageIndex > 0;
    return this.p.recorder.record({
      flag,
      actor,
      action: 'rollback',
      rule: 'operator',
      rationale: `${actor} rolled back (${r.note}): ${reason}`,
      severity: 'critical',
      ...this.evidence(flag),
      change: { patch: r.patch, action: r.action, purpose: 'rollback' },
      state: toPrevious
        ? { stageIndex: state.stageIndex - 1, status: 'paused', reason }
        : { status: 'rolled-back', reason },
      incident: 'rolled-back',
      notify: true,
      ...extra,
    });
  }

  /**
   * Operator: approves advancing from the current stage.
   * @throws CoreError NOT_FOUND without a plan; BAD_INPUT before the rollout started; CONFLICT when
   *   `actor` already approved this stage.
   */
  approve(flag: FlagRef, reason: string, actor = this.ctx.d.actor): RolloutView {
    const plan = this.ctx.requirePlan(flag);
    const state = this.ctx.stateOf(flag);
    if (state.stageIndex < 0)
      throw new CoreError('BAD_INPUT', `"${flag.key}" has not started; approvals are per stage`);
    if (state.approvals.some((a) => a.stageIndex === state.stageIndex && a.actor === actor))
      throw new CoreError(
        'CONFLICT',
        `${actor} already approved stage ${state.stageIndex + 1} of "${flag.key}"`,
      );
    const at = this.ctx.iso();
    this.p.recorder.record({
      flag,
      actor,
      action: 'approve',
      rule: 'operator',
      rationale: `${actor} approved advancing from stage "${plan.stages[state.stageIndex]?.name}": ${reason}`,
      severity: 'info',
      ...this.evidence(flag),
      state: { approvals: [...state.approvals, { stageIndex: state.stageIndex, actor, at, reason }] },
    });
    return this.p.views.view(flag);
  }
}
