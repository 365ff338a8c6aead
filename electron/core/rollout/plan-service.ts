/**
 * Rollout plans: the templates, computing a plan (stages sized by the planner, planner.ts) and
 * saving one — a new plan starts as a draft; replacing a running rollout's plan keeps its stage
 * when the new plan has it, else pauses the rollout for an operator.
 */
import type { FlagRef } from '../../../shared/domain.ts';
import {
  RolloutPlanSchema,
  type PlannerInputs,
  type RolloutPlan,
  type Stage,
} from '../../../shared/rollout-plans.ts';
import type { RolloutView } from '../../../shared/rollout-state.ts';
import { findTemplate, PLAN_TEMPLATES } from '../../../shared/rollout-templates.ts';
import { CoreError } from '../errors.ts';
import { planStages } from './planner.ts';
import type { RolloutContext } from './rollout-context.ts';
import type { RolloutViews } from './rollout-views.ts';

/** What {@link PlanService.computePlan} sizes a plan from. */
export interface PlanRequest {
  flag: FlagRef;
  /** The plan's name (default the template's, else `Plan for <key>`). */
  name?: string;
  /** The template whose stages to use (default `ai-six-stage` when `stages` is omitted too). */
  templateId?: string;
  /** The stages to size instead of a template's. */
  stages?: Stage[];
  inputs: PlannerInputs;
}

/** Computes and saves rollout plans. */
export class PlanService {
  private readonly ctx: RolloutContext;
  private readonly views: RolloutViews;

  constructor(ctx: RolloutContext, views: RolloutViews) {
    this.ctx = ctx;
    this.views = views;
  }

  /** The built-in plan templates (shared/rollout-templates.ts). */
  templates(): typeof PLAN_TEMPLATES {
    return PLAN_TEMPLATES;
  }

  /**
   * Computes (does not save) a plan: the stages given, or the template's (default `ai-six-stage`),
   * sized by the planner from `inputs`.
   * @throws CoreError BAD_INPUT for an unknown template or impossible inputs.
   */
  computePlan(i: PlanRequest): RolloutPlan {
    const template = i.templateId
      ? findTemplate(i.templateId)
      : i.stages
        ? undefined
        : findTemplate('ai-six-stage');
    if (i.templateId && !template)
      throw new CoreError(
        'BAD_INPUT',
        `templateId: unknown template "${i.templateId}" (known: ${PLAN_TEMPLATES.map((t) => t.id).join(', ')})`,
      );
    const stages = i.stages ?? template?.stages ?? [];
    const { stages: sized, result } = planStages(stages, i.inputs, this.ctx.d.now());
    return RolloutPlanSchema.parse({
      flag: i.flag,
      name: i.name ?? template?.name ?? `Plan for ${i.flag.key}`,
      templateId: template?.id ?? null,
      stages: sized,
      planner: result,
    });
  }

  /**
   * Saves a plan. A new plan starts as `draft` (nothing is sent); replacing the plan of a running
   * rollout keeps its stage when the new plan has it, else the rollout is paused for an operator.
   * @throws CoreError NOT_FOUND when the flag is unknown.
   */
  savePlan(plan: RolloutPlan): RolloutView {
    const { d, store } = this.ctx;
    this.ctx.requireFlag(plan.flag);
    const at = this.ctx.iso();
    d.db.transaction(() => {
      store.savePlan(plan, at);
      const s = store.state(plan.flag);
      // No state, or only the guardrail-monitoring one (no stage applied yet): the plan is a draft.
      if (!s || (s.stageIndex < 0 && s.status === 'running'))
        store.putState(
          {
            flag: plan.flag,
            stageIndex: -1,
            status: 'draft',
            stageStartedAt: null,
            reason: null,
            approvals: [],
            pendingActionId: null,
            updatedAt: at,
          },
          at,
        );
      else if (s.stageIndex >= plan.stages.length)
        store.putState(
          { ...s, status: 'paused', reason: `the new plan has no stage ${s.stageIndex + 1}` },
          at,
        );
    })();
    this.ctx.changed(plan.flag, 'plan-saved');
    return this.views.view(plan.flag);
  }
}
