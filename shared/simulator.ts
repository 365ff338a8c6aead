/**
 * Schemas of the confidence-threshold what-if simulator: prediction logs,
 * threshold sweeps, recommendations and model A/B at thresholds.
 *
 * A prediction is **covered** at threshold t when `confidence ≥ t` (the AI
 * answer is shown); otherwise the user gets the fallback.
 */
import { z } from 'zod';
import { FlagRefSchema } from './domain.ts';

/** One stored prediction log. */
export const PredictionLogSchema = z.object({
  id: z.number().int(),
  name: z.string(),
  /** File it was imported from (base name), or `sample` for the shipped sample. */
  source: z.string(),
  importedAt: z.string(),
  rows: z.number().int(),
  positives: z.number().int(),
  modelVersions: z.array(z.string()),
  segments: z.array(z.string()),
  /** Flag the log belongs to (the simulator opens it from that flag's page), or `null`. */
  flag: FlagRefSchema.nullable(),
});
export type PredictionLog = z.infer<typeof PredictionLogSchema>;

/** Metrics at one threshold t. Fractions are 0–1; `null` where undefined (e.g. precision when nothing is covered). */
export const SweepPointSchema = z.object({
  threshold: z.number(),
  n: z.number().int(),
  covered: z.number().int(),
  /** covered / n */
  coverage: z.number(),
  /** covered positives / covered; `null` when covered = 0. */
  precision: z.number().nullable(),
  /** covered positives / all positives (= TPR); `null` when there are no positives. */
  recall: z.number().nullable(),
  /** covered negatives / all negatives; `null` when there are no negatives. */
  fpr: z.number().nullable(),
  /** 1 − coverage */
  fallbackRate: z.number(),
  /** 95% Wilson interval on precision; `null` when covered = 0. */
  precisionCi: z.tuple([z.number(), z.number()]).nullable(),
});
export type SweepPoint = z.infer<typeof SweepPointSchema>;

/** A slice of a log: one model version and/or segment; `null` means all. */
export const SliceSchema = z.object({
  modelVersion: z.string().nullable().default(null),
  segment: z.string().nullable().default(null),
});
export type Slice = z.infer<typeof SliceSchema>;

/** A sweep of one slice. */
export const SweepSeriesSchema = z.object({
  slice: SliceSchema,
  n: z.number().int(),
  positives: z.number().int(),
  negatives: z.number().int(),
  /** Points in ascending threshold order. */
  points: z.array(SweepPointSchema),
  /** ROC AUC (trapezoidal over all distinct thresholds); `null` without both classes. */
  auc: z.number().nullable(),
});
export type SweepSeries = z.infer<typeof SweepSeriesSchema>;

/** What a recommended threshold must achieve. */
export const TargetSchema = z.discriminatedUnion('kind', [
  z.object({
    kind: z.literal('min-precision'),
    /** 0–1 */
    value: z.number().min(0).max(1),
    /** Require the Wilson interval's lower bound (not the point estimate) to meet the target. */
    useLowerBound: z.boolean().default(true),
  }),
  z.object({ kind: z.literal('max-fpr'), value: z.number().min(0).max(1) }),
]);
export type Target = z.infer<typeof TargetSchema>;

/** The lowest threshold meeting a target in one slice, or `null` with the reason. */
export const RecommendationSchema = z.object({
  slice: SliceSchema,
  threshold: z.number().nullable(),
  point: SweepPointSchema.nullable(),
  /** Plain-language verdict, e.g. "no threshold meets precision ≥ 0.95: roll back the model, not the threshold". */
  message: z.string(),
});
export type Recommendation = z.infer<typeof RecommendationSchema>;

/** Model A/B at their thresholds: decision rule "ship if treatment ≥ control + margin, roll back if below control". */
export const AbInputSchema = z.object({
  logId: z.number().int(),
  segment: z.string().nullable().default(null),
  control: z.object({ modelVersion: z.string(), threshold: z.number().min(0).max(1) }),
  treatment: z.object({ modelVersion: z.string(), threshold: z.number().min(0).max(1) }),
  /** Required precision lift to ship, in percentage points (default 2). */
  shipMarginPp: z.number().min(0).max(100).default(2),
});
export const AbResultSchema = z.object({
  control: SweepPointSchema,
  treatment: SweepPointSchema,
  /** Treatment − control precision, percentage points; `null` when either is undefined. */
  precisionDiffPp: z.number().nullable(),
  coverageDiffPp: z.number(),
  decision: z.enum(['ship', 'hold', 'roll-back', 'insufficient']),
  rationale: z.string(),
});
export type AbResult = z.infer<typeof AbResultSchema>;
