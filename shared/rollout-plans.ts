/**
 * Schemas of staged rollout plans (see docs/rollouts.md): stages with their audiences and gate
 * settings, the planner's inputs and result, a flag's plan, plan templates, and the request that
 * asks the planner for a plan (`rollout.plan`).
 *
 * Units: percentages are 0–100, durations are ms, rates and margins are 0–1 fractions,
 * times are ISO 8601 strings. No `electron`, `node:` or DOM imports.
 */
import { z } from 'zod';
import { FlagRefSchema, TargetingKeySchema } from './domain.ts';

const IsoTime = z.string().datetime({ offset: true });

/** One day in ms: the unit of the stages' observation times (e.g. `3 * DAY_MS`). */
export const DAY_MS = 86_400_000;

/** Who a stage exposes the treatment to, on top of its rollout percentage. */
export const AudienceSchema = z.discriminatedUnion('type', [
  /** Everyone (the stage's percentage of all units). */
  z.object({ type: z.literal('everyone') }),
  /** The allow-list (e.g. internal users) is always in; written to the flag's `allowList` layer. */
  z.object({
    type: z.literal('allow-list'),
    keys: z.array(TargetingKeySchema).min(1, 'an allow-list audience needs at least one key').max(10_000),
  }),
  /**
   * A named segment (e.g. `power-users`). Recorded in the plan and the decision records; the
   * control room does not create provider segments, so the segment must exist at the provider.
   */
  z.object({ type: z.literal('segment'), name: z.string().min(1).max(200) }),
]);
/** Who a stage exposes the treatment to ({@link AudienceSchema}). */
export type Audience = z.infer<typeof AudienceSchema>;

/** What a stage's gate requires beyond the checklist's fixed items. */
export const GateConfigSchema = z.object({
  /**
   * Non-inferiority margin on business metrics, a fraction of control (0.02 = treatment may be at
   * most 2 % worse): the one-sided bound of the relative lift must stay on the good side of −margin.
   */
  nonInferiorityMargin: z.number().min(0, 'nonInferiorityMargin must be ≥ 0').max(1).default(0.02),
  /** Business metrics checked for non-inferiority; empty = every non-guardrail metric of the flag. */
  businessMetrics: z.array(z.string().min(1)).default([]),
});
/** A stage gate's settings ({@link GateConfigSchema}). */
export type GateConfig = z.infer<typeof GateConfigSchema>;

/** One stage of a plan. Its gate is what must pass to advance FROM this stage to the next. */
export const StageSchema = z.object({
  name: z.string().min(1).max(100),
  /** Rollout percentage of the stage, (0, 100]. */
  targetPercent: z
    .number({ error: 'targetPercent must be a number' })
    .gt(0, 'targetPercent must be above 0')
    .max(100, 'targetPercent must be at most 100'),
  audience: AudienceSchema.default({ type: 'everyone' }),
  /** Minimum time at this stage before it may advance, ms. */
  minObservationMs: z
    .number()
    .int()
    .min(0, 'minObservationMs must not be negative')
    .max(365 * DAY_MS),
  /** Minimum units per cohort (control and treatment) observed in this stage before it may advance. */
  minSamplePerCohort: z.number().int().min(0, 'minSamplePerCohort must not be negative'),
  gate: GateConfigSchema.default({ nonInferiorityMargin: 0.02, businessMetrics: [] }),
  /** Approvals (operators) needed before advancing from this stage. */
  approvalsRequired: z.number().int().min(0).max(10).default(0),
  /** Advance automatically when the gate passes. */
  autoAdvance: z.boolean().default(false),
});
/** One stage of a plan ({@link StageSchema}). */
export type Stage = z.infer<typeof StageSchema>;

/** Checks that stage percentages increase strictly (messages name the stage). */
function checkStages(stages: readonly { targetPercent: number }[], ctx: z.RefinementCtx): void {
  stages.forEach((s, i) => {
    const prev = stages[i - 1];
    if (prev && !(s.targetPercent > prev.targetPercent))
      ctx.addIssue({
        code: 'custom',
        path: ['stages', i, 'targetPercent'],
        message: `stage ${i + 1} (${s.targetPercent}%) must be above stage ${i} (${prev.targetPercent}%): percentages must increase`,
      });
  });
}

/** The statistical test the planner sizes stages for. */
export const PlannerMetricSchema = z.discriminatedUnion('kind', [
  /** Two-proportion test on a rate (e.g. error rate 0.02). */
  z.object({
    kind: z.literal('proportion'),
    baselineRate: z.number().gt(0, 'baselineRate must be above 0').lt(1, 'baselineRate must be below 1'),
  }),
  /** Two-sample test on a mean (e.g. latency 180 ms, sd 60 ms). */
  z.object({
    kind: z.literal('mean'),
    baselineMean: z.number().refine((x) => x !== 0, 'baselineMean must not be 0'),
    sd: z.number().gt(0, 'sd must be above 0'),
  }),
]);
/** The statistical test the planner sizes stages for ({@link PlannerMetricSchema}). */
export type PlannerMetric = z.infer<typeof PlannerMetricSchema>;

/** What the planner computes a plan from (recorded in the plan). */
export const PlannerInputsSchema = z.object({
  /** Units (e.g. users or requests) per day reaching the flag. */
  trafficPerDay: z.number().gt(0, 'trafficPerDay must be above 0'),
  metric: PlannerMetricSchema,
  /** Smallest regression to catch, relative to the baseline (0.2 = +20 % error rate / −20 % for higher-is-better). */
  minDetectableRelative: z.number().gt(0, 'minDetectableRelative must be above 0').max(10),
  /** One-sided significance level of the regression test. */
  alpha: z.number().gt(0).lt(0.5).default(0.05),
  /** Power of the test, e.g. 0.8. */
  power: z.number().gt(0.5).lt(1).default(0.8),
  /** Floor of every stage's duration, ms (e.g. 3 days). */
  minObservationMs: z
    .number()
    .int()
    .min(0, 'minObservationMs must not be negative')
    .default(3 * DAY_MS),
  /** Ceiling of a stage's duration, ms (a stage never waits longer; its sample may fall short). */
  maxObservationMs: z
    .number()
    .int()
    .min(0)
    .default(7 * DAY_MS),
  /** Share of a stage's non-treatment traffic that is the control cohort (0–1; 1 = everyone else). */
  controlShare: z.number().gt(0).max(1).default(1),
  /** When the first stage starts (ISO); default: when the plan is computed. */
  startAt: IsoTime.optional(),
});
/** What the planner computes a plan from ({@link PlannerInputsSchema}). */
export type PlannerInputs = z.infer<typeof PlannerInputsSchema>;

/** The planner's output for one stage. */
export const PlannedStageSchema = z.object({
  stageIndex: z.number().int(),
  /** Units per day in the treatment / control cohort at this stage. */
  treatmentPerDay: z.number(),
  controlPerDay: z.number(),
  /** Days needed to reach the sample in the smaller cohort (before the min/max observation bounds). */
  daysForSample: z.number(),
  durationMs: z.number().int(),
  /** True when the max observation time cut the stage short of the sample. */
  sampleShortfall: z.boolean(),
  startsAt: IsoTime,
  endsAt: IsoTime,
});
/** The planner's output for one stage ({@link PlannedStageSchema}). */
export type PlannedStage = z.infer<typeof PlannedStageSchema>;

/** What the planner derived, with the inputs it came from. */
export const PlannerResultSchema = z.object({
  inputs: PlannerInputsSchema,
  /** Sample per cohort to detect the regression at α (one-sided) with the given power. */
  samplePerCohort: z.number().int(),
  /** The effect the sample is sized for, in the metric's units (absolute difference). */
  effect: z.number(),
  /** Name and source of the formula used. */
  method: z.string(),
  stages: z.array(PlannedStageSchema),
  /** Calendar end of the last stage (ISO). */
  endsAt: IsoTime,
  totalDurationMs: z.number().int(),
});
/** What the planner derived ({@link PlannerResultSchema}). */
export type PlannerResult = z.infer<typeof PlannerResultSchema>;

/** A staged rollout plan of one flag. */
export const RolloutPlanSchema = z
  .object({
    flag: FlagRefSchema,
    name: z.string().min(1).max(200),
    /** The template the plan started from, if any. */
    templateId: z.string().nullable().default(null),
    stages: z.array(StageSchema).min(1, 'a plan needs at least one stage').max(20),
    /** The planner's computation this plan came from, or `null` when written by hand. */
    planner: PlannerResultSchema.nullable().default(null),
  })
  .superRefine((p, ctx) => checkStages(p.stages, ctx));
/** A staged rollout plan of one flag ({@link RolloutPlanSchema}). */
export type RolloutPlan = z.infer<typeof RolloutPlanSchema>;

/** A ready-made list of stages. */
export const PlanTemplateSchema = z.object({
  id: z.string(),
  name: z.string(),
  /** What the template is for, in words for the operator. */
  description: z.string(),
  /** Where the template comes from (article, tool documentation). */
  source: z.string(),
  /**
   * The gate of a plan made from this template needs evidence: at least one guardrail and one
   * business metric (the seeds' AI rollout checklist). Without them the gate item is `missing`.
   */
  requiresEvidence: z.boolean(),
  stages: z.array(StageSchema),
});
/** A ready-made list of stages ({@link PlanTemplateSchema}). */
export type PlanTemplate = z.infer<typeof PlanTemplateSchema>;

/**
 * What `rollout.plan` computes a plan from: stages from `stages` or the template (default the
 * seeds' template), each stage's min observation and sample from the power analysis of `inputs`.
 */
export const RolloutPlanRequestSchema = z.object({
  flag: FlagRefSchema,
  name: z.string().min(1).max(200).optional(),
  templateId: z.string().optional(),
  stages: z.array(StageSchema).min(1).optional(),
  inputs: PlannerInputsSchema,
});
