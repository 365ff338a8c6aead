/**
 * Schemas of staged rollouts (see docs/rollouts.md): rollout plans and their stages, plan
 * templates and the planner's inputs, guardrails and their live state, stage-gate checklists,
 * the monitor's decision records, the journaled action outbox and incidents.
 *
 * Units: percentages are 0–100, durations are ms, rates and margins are 0–1 fractions,
 * times are ISO 8601 strings. No `electron`, `node:` or DOM imports.
 */
import { z } from 'zod';
import { AuditStatusSchema, FlagLayersSchema, FlagRefSchema, TargetingKeySchema } from './domain.ts';

const IsoTime = z.string().datetime({ offset: true });
const DAY_MS = 86_400_000;

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
export type PlanTemplate = z.infer<typeof PlanTemplateSchema>;

/** Where a flag's rollout is. `draft`: planned, stage 0 not applied yet. */
export const RolloutStatusSchema = z.enum(['draft', 'running', 'paused', 'rolled-back', 'completed']);
export type RolloutStatus = z.infer<typeof RolloutStatusSchema>;

export const ApprovalSchema = z.object({
  stageIndex: z.number().int(),
  actor: z.string(),
  at: IsoTime,
  reason: z.string(),
});
export type Approval = z.infer<typeof ApprovalSchema>;

/** The live state of a flag's rollout. */
export const RolloutStateSchema = z.object({
  flag: FlagRefSchema,
  /** Index into the plan's stages; −1 before the first stage is applied. */
  stageIndex: z.number().int(),
  status: RolloutStatusSchema,
  /** When the provider confirmed the current stage (observation time counts from here), or `null`. */
  stageStartedAt: IsoTime.nullable(),
  /** Why the rollout is paused / rolled back, or `null`. */
  reason: z.string().nullable(),
  approvals: z.array(ApprovalSchema),
  /** An outbox action of this flag not yet confirmed or failed, or `null`. */
  pendingActionId: z.number().int().nullable(),
  /**
   * Start of the current evidence window (ISO), or `null`: set when a rolled-back or paused rollout
   * is restarted or resumed, or its killed flag restored. Guardrails then read only data from the
   * first full minute after it, and breach streaks evaluated before it do not count — a restart is
   * judged on data after it, never on the data that stopped it.
   */
  evidenceSince: IsoTime.nullable().default(null),
  updatedAt: IsoTime,
});
export type RolloutState = z.infer<typeof RolloutStateSchema>;

// ---------------------------------------------------------------------------------------------
// Guardrails
// ---------------------------------------------------------------------------------------------

/** Which side of the limit is a breach. */
export const BreachWhenSchema = z.enum(['above', 'below']);
/** The value of an arm a guardrail looks at: the mean (binomial: the rate) or a quantile. */
export const GuardrailStatisticSchema = z.enum(['mean', 'p50', 'p95', 'p99']);

/** How a guardrail judges a metric. */
export const GuardrailKindSchema = z.discriminatedUnion('type', [
  /** Treatment's value against a fixed limit, e.g. precision below 0.85, p95 latency above 200 ms. */
  z.object({
    type: z.literal('absolute'),
    statistic: GuardrailStatisticSchema.default('mean'),
    limit: z.number(),
    breachWhen: BreachWhenSchema,
  }),
  /** Treatment's value against `factor` × control's, e.g. error rate above 2× control. */
  z.object({
    type: z.literal('relative-to-control'),
    statistic: GuardrailStatisticSchema.default('mean'),
    factor: z.number().gt(0, 'factor must be above 0'),
    breachWhen: BreachWhenSchema.default('above'),
  }),
  /** Treatment's value against `factor` × a fixed baseline, e.g. complaints above 3× baseline. */
  z.object({
    type: z.literal('relative-to-baseline'),
    statistic: GuardrailStatisticSchema.default('mean'),
    baseline: z.number().refine((x) => x !== 0, 'baseline must not be 0'),
    factor: z.number().gt(0, 'factor must be above 0'),
    breachWhen: BreachWhenSchema.default('above'),
  }),
  /**
   * Relative deviation |value − baseline| / |baseline| in tiers: ≥ `warn` → warn (notify), ≥
   * `critical` → breached (the guardrail's action), ≥ `rollback` → roll back at once.
   * `side` limits which deviations count (`both`, only `above` or only `below` the baseline).
   */
  z
    .object({
      type: z.literal('drift'),
      statistic: GuardrailStatisticSchema.default('mean'),
      baseline: z.number().refine((x) => x !== 0, 'baseline must not be 0'),
      warn: z.number().gt(0).default(0.1),
      critical: z.number().gt(0).default(0.2),
      rollback: z.number().gt(0).default(0.3),
      side: z.enum(['both', 'above', 'below']).default('both'),
    })
    .refine((d) => d.warn < d.critical && d.critical < d.rollback, {
      message: 'drift tiers must increase: warn < critical < rollback',
    }),
  /**
   * Sequential test (GrowthBook / LaunchDarkly guardrails): breached when the always-valid
   * one-sided (1 − α) interval of Δ = treatment − control lies entirely beyond `limit` on the
   * metric's bad side (`limit` in the metric's units; 0 = "significantly worse at all").
   */
  z.object({
    type: z.literal('statistical'),
    limit: z.number().default(0),
    alpha: z.number().gt(0).lt(0.5).default(0.05),
  }),
]);
export type GuardrailKind = z.infer<typeof GuardrailKindSchema>;

/** What a breached guardrail does. */
export const GuardrailActionSchema = z.enum(['notify', 'pause', 'rollback']);
export type GuardrailAction = z.infer<typeof GuardrailActionSchema>;

/**
 * How a rollback reverts: `kill` turns the kill switch to Killed; `previous-stage` sets the previous
 * stage's percentage (0 % before the first); `revert` restores the flag's last known-good rollout %,
 * threshold and model version from history (the previous model version).
 */
export const RollbackTargetSchema = z.enum(['kill', 'previous-stage', 'revert']);
export type RollbackTarget = z.infer<typeof RollbackTargetSchema>;

const GuardrailIdSchema = z
  .string()
  .min(1)
  .max(100)
  .regex(/^[A-Za-z0-9_.:-]+$/, 'id may use letters, digits, "_", ".", ":" and "-"');

/** A guardrail on one metric of one flag. */
export const GuardrailSchema = z.object({
  flag: FlagRefSchema,
  /** Unique per flag. */
  id: GuardrailIdSchema,
  /** A metric defined for the flag (`metrics.define`). */
  metric: z.string().min(1),
  kind: GuardrailKindSchema,
  action: GuardrailActionSchema,
  rollbackTarget: RollbackTargetSchema.default('kill'),
  /**
   * Breaches in a row before acting (Argo Rollouts' failureLimit). SRM and the drift rollback
   * tier act at once; "no data" pauses after this many evaluations in a row.
   */
  consecutiveBreaches: z.number().int().min(1).max(100).default(2),
  /**
   * The window the value is computed over: the last N minutes (per-minute rollups). A statistical
   * guardrail ignores it while a stage is live: it reads the stage so far ({@link GuardrailSpan}).
   */
  windowMinutes: z
    .number()
    .int()
    .min(1)
    .max(60 * 24 * 7)
    .default(30),
  /** Below this many units in either cohort the guardrail reports "no data" (insufficient sample). */
  minSamplePerCohort: z.number().int().min(0).default(100),
});
export type Guardrail = z.infer<typeof GuardrailSchema>;

/**
 * The span of per-minute rollups a guardrail's cohorts were read over:
 * - `stage`: cumulatively from the minute holding the current stage's start (`since`, ISO, the
 *   stage start floored to the minute) up to the current minute — statistical guardrails while a
 *   stage is live (their confidence sequence needs a sample growing from a fixed start);
 * - `window`: the last `minutes` minute buckets, the current one included — every other kind, and
 *   statistical guardrails without a live stage.
 */
export const GuardrailSpanSchema = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('stage'), since: IsoTime }),
  z.object({ kind: z.literal('window'), minutes: z.number().int().min(1) }),
  /**
   * From the first full minute after a restart (`since`, ISO, on a minute boundary) up to the
   * current minute: a window or stage span cut at the rollout's evidence window
   * ({@link RolloutStateSchema} `evidenceSince`), so no minute from before the restart is read.
   */
  z.object({ kind: z.literal('restart'), since: IsoTime }),
]);
export type GuardrailSpan = z.infer<typeof GuardrailSpanSchema>;

/** A guardrail's judgement. `no-data`: the source failed, no rows, or too small a sample. */
export const GuardrailStatusSchema = z.enum(['ok', 'warn', 'breached', 'no-data']);
export type GuardrailStatus = z.infer<typeof GuardrailStatusSchema>;

/** One cohort's numbers a guardrail saw. */
export const CohortValueSchema = z.object({ n: z.number().int(), value: z.number().nullable() });

/** The live state of a guardrail (the guardrail board's row). */
export const GuardrailStateSchema = z.object({
  guardrail: GuardrailSchema,
  status: GuardrailStatusSchema,
  /** The judged value: treatment's statistic, its ratio to control/baseline, drift or Δ bound. */
  value: z.number().nullable(),
  /** The limit `value` is compared with (same units), or `null`. */
  limit: z.number().nullable(),
  /** What `value` means, e.g. `treatment p95`, `treatment / control`, `Δ lower bound`. */
  valueLabel: z.string(),
  control: CohortValueSchema,
  treatment: CohortValueSchema,
  /** Statistical kind: the one-sided sequential interval of Δ; else `null`. */
  interval: z.tuple([z.number(), z.number()]).nullable(),
  /** Sample ratio mismatch on the metric's expected split (acts at once). */
  srm: z.object({ pValue: z.number(), mismatch: z.boolean() }).nullable(),
  /** Evaluations in a row that breached (or had no data). */
  consecutive: z.number().int(),
  /** The rule the evaluation fired, e.g. `srm`, `drift-rollback-tier`, `consecutive-breaches`, or `null`. */
  fired: z.string().nullable(),
  /** Why, in one sentence. */
  note: z.string(),
  /** The span the cohorts were read over; null in states stored before it was recorded. */
  span: GuardrailSpanSchema.nullable().default(null),
  /** Recent values for a sparkline, oldest first (at most 60). */
  recent: z.array(z.object({ at: IsoTime, value: z.number().nullable(), status: GuardrailStatusSchema })),
  evaluatedAt: IsoTime,
});
export type GuardrailState = z.infer<typeof GuardrailStateSchema>;

// ---------------------------------------------------------------------------------------------
// Gate, decisions, outbox, incidents
// ---------------------------------------------------------------------------------------------

export const GateItemIdSchema = z.enum([
  'min-observation',
  'min-sample',
  'guardrails',
  'non-inferiority',
  'no-srm',
  'no-incident',
  'approvals',
  /** The next stage can be applied: its allow-list holds no template placeholder. */
  'next-stage-ready',
]);
export type GateItemId = z.infer<typeof GateItemIdSchema>;

/**
 * A gate item's status. Only `pass` is green, and only with evidence. `waiting`: not failed, not
 * satisfied yet (time or sample still accruing, or no data in the stage yet); `missing`: what the
 * item needs is not set up (no guardrails or business metrics on a plan whose template requires
 * them, a business metric not defined, a placeholder in the next stage) — blocks advancing;
 * `n/a`: the item does not apply (e.g. no control cohort at 100 %, no approval required) — shown
 * neutral with the reason, never as a pass, and does not block; `fail`: the evidence says no.
 */
export const GateItemStatusSchema = z.enum(['pass', 'fail', 'waiting', 'missing', 'n/a']);
export type GateItemStatus = z.infer<typeof GateItemStatusSchema>;

export const GateItemSchema = z.object({
  id: GateItemIdSchema,
  label: z.string(),
  status: GateItemStatusSchema,
  /** The numbers behind the status, in one sentence. */
  evidence: z.string(),
});
export type GateItem = z.infer<typeof GateItemSchema>;

/** The gate checklist of the current stage. `passed` only when every item is `pass` or `n/a`. */
export const GateEvaluationSchema = z.object({
  flag: FlagRefSchema,
  stageIndex: z.number().int(),
  passed: z.boolean(),
  items: z.array(GateItemSchema),
  /** When the observation time will have elapsed (ISO), or `null`. */
  observationEndsAt: IsoTime.nullable(),
  evaluatedAt: IsoTime,
});
export type GateEvaluation = z.infer<typeof GateEvaluationSchema>;

/**
 * What a decision did. Rollout decisions: `start`, `advance`, `complete`, `hold` (stay at the
 * stage: gate not passed), `notify`, `pause`, `resume`, `rollback`, `approve`. Direct flag changes
 * (an operator in the app or CLI, or a change seen at the provider): `kill` (kill switch to Killed),
 * `restore` (Serving again with the layers from before the kill), `revert` (rollout %, threshold
 * and model from before their last change), `set` (any other layer change).
 */
export const DecisionActionSchema = z.enum([
  'start',
  'advance',
  'complete',
  'hold',
  'notify',
  'pause',
  'resume',
  'rollback',
  'approve',
  'kill',
  'restore',
  'revert',
  'set',
]);
export type DecisionAction = z.infer<typeof DecisionActionSchema>;

/** The outbox action states. `confirmed`: the provider (or webhook) confirmed it. */
export const OutboxStatusSchema = z.enum(['pending', 'sent', 'confirmed', 'failed']);
export type OutboxStatus = z.infer<typeof OutboxStatusSchema>;

/** One governance-log entry: what the monitor (or an operator) decided, from what, and why. */
export const DecisionRecordSchema = z.object({
  id: z.number().int(),
  at: IsoTime,
  flag: FlagRefSchema,
  /** Stage index and name at the time of the decision (−1 / `null` without a plan or before stage 0). */
  stageIndex: z.number().int(),
  stageName: z.string().nullable(),
  /** `monitor` or the operator's name. */
  actor: z.string(),
  action: DecisionActionSchema,
  /** The rule that fired, e.g. `guardrail:err-rate:consecutive-breaches`, `gate-passed:auto-advance`. */
  rule: z.string(),
  /** One sentence. */
  rationale: z.string(),
  inputs: z.object({
    /** Guardrail states (values, limits, intervals, sample sizes, config) at the decision. */
    guardrails: z.array(GuardrailStateSchema),
    gate: GateEvaluationSchema.nullable(),
    plan: z
      .object({ name: z.string(), stages: z.number().int(), targetPercent: z.number().nullable() })
      .nullable(),
    /**
     * A direct flag change: the layers read from the provider before it and the change asked for
     * (`patch`). The confirmed result is on the audit row ({@link DecisionRecordSchema} `audit`).
     */
    change: z
      .object({ before: FlagLayersSchema.nullable(), patch: z.record(z.string(), z.unknown()) })
      .optional(),
  }),
  /** The outbox action this decision enqueued, with its current status. */
  outbox: z.object({ id: z.number().int(), status: OutboxStatusSchema }).nullable(),
  /** The audit row of a direct flag change (sent at once, not through the outbox), with its status. */
  audit: z.object({ id: z.number().int(), status: AuditStatusSchema }).nullable().default(null),
});
export type DecisionRecord = z.infer<typeof DecisionRecordSchema>;

export const OutboxKindSchema = z.enum(['flag-change', 'webhook']);

/** A journaled action: written before the provider call, done only when confirmed. */
export const OutboxActionSchema = z.object({
  id: z.number().int(),
  createdAt: IsoTime,
  flag: FlagRefSchema,
  kind: OutboxKindSchema,
  /** flag-change: `{patch, reason, action}`; webhook: `{body}`. */
  payload: z.record(z.string(), z.unknown()),
  idempotencyKey: z.string(),
  status: OutboxStatusSchema,
  attempts: z.number().int(),
  nextAttemptAt: IsoTime.nullable(),
  lastError: z.string().nullable(),
  decisionId: z.number().int().nullable(),
  /** The audit row of the provider call that was confirmed (or is being made), when there was one. */
  auditId: z.number().int().nullable(),
  confirmedAt: IsoTime.nullable(),
  /** The process (`host:pid:…`) that claimed it to send it, or null. */
  claimedBy: z.string().nullable().default(null),
});
export type OutboxAction = z.infer<typeof OutboxActionSchema>;

/** What `rollout.get` returns for a flag. */
export const RolloutViewSchema = z.object({
  flag: FlagRefSchema,
  plan: RolloutPlanSchema.nullable(),
  state: RolloutStateSchema.nullable(),
  gate: GateEvaluationSchema.nullable(),
  guardrails: z.array(GuardrailStateSchema),
  /** Calendar of the remaining stages from the current one (ISO), from min observation times. */
  calendar: z.array(z.object({ stageIndex: z.number().int(), startsAt: IsoTime, endsAt: IsoTime })),
});
export type RolloutView = z.infer<typeof RolloutViewSchema>;

/** One monitor evaluation's summary. */
export const MonitorRunSchema = z.object({
  at: IsoTime,
  flags: z.number().int(),
  guardrails: z.number().int(),
  decisions: z.array(DecisionRecordSchema),
  durationMs: z.number(),
});
export type MonitorRun = z.infer<typeof MonitorRunSchema>;

/** Notification pushed to windows (banner, Electron Notification) and the webhook. */
export const NotifySchema = z.object({
  title: z.string(),
  body: z.string(),
  severity: z.enum(['info', 'warning', 'critical']),
  flag: FlagRefSchema.nullable(),
});
export type Notify = z.infer<typeof NotifySchema>;

export { DAY_MS };
