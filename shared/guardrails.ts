/**
 * Schemas of rollout guardrails (see docs/rollouts.md): how a guardrail judges one metric of a
 * flag, what it does when breached (notify, pause, roll back and to where), the span of data it
 * reads, and its live state on the guardrail board.
 *
 * Units: durations are ms, windows are minutes, rates and margins are 0–1 fractions, times are
 * ISO 8601 strings. No `electron`, `node:` or DOM imports.
 */
import { z } from 'zod';
import { FlagRefSchema } from './domain.ts';

const IsoTime = z.string().datetime({ offset: true });

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
/** How a guardrail judges a metric ({@link GuardrailKindSchema}). */
export type GuardrailKind = z.infer<typeof GuardrailKindSchema>;

/** What a breached guardrail does. */
export const GuardrailActionSchema = z.enum(['notify', 'pause', 'rollback']);
/** What a breached guardrail does ({@link GuardrailActionSchema}). */
export type GuardrailAction = z.infer<typeof GuardrailActionSchema>;

/**
 * How a rollback reverts: `kill` turns the kill switch to Killed; `previous-stage` sets the previous
 * stage's percentage (0 % before the first); `revert` restores the flag's last known-good rollout %,
 * threshold and model version from history (the previous model version).
 */
export const RollbackTargetSchema = z.enum(['kill', 'previous-stage', 'revert']);
/** How a rollback reverts ({@link RollbackTargetSchema}). */
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
/** A guardrail on one metric of one flag ({@link GuardrailSchema}). */
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
   * ({@link RolloutStateSchema} `evidenceSince`, shared/rollout-state.ts), so no minute from before the restart is read.
   */
  z.object({ kind: z.literal('restart'), since: IsoTime }),
]);
/** The span of rollups a guardrail's cohorts were read over ({@link GuardrailSpanSchema}). */
export type GuardrailSpan = z.infer<typeof GuardrailSpanSchema>;

/** A guardrail's judgement. `no-data`: the source failed, no rows, or too small a sample. */
export const GuardrailStatusSchema = z.enum(['ok', 'warn', 'breached', 'no-data']);
/** A guardrail's judgement ({@link GuardrailStatusSchema}). */
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
/** The live state of a guardrail ({@link GuardrailStateSchema}). */
export type GuardrailState = z.infer<typeof GuardrailStateSchema>;
