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
/** One stored prediction log (see {@link PredictionLogSchema}). */
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
/** Metrics at one threshold (see {@link SweepPointSchema}). */
export type SweepPoint = z.infer<typeof SweepPointSchema>;

/** A slice of a log: one model version and/or segment; `null` means all. */
export const SliceSchema = z.object({
  modelVersion: z.string().nullable().default(null),
  segment: z.string().nullable().default(null),
});
/** A slice of a log (see {@link SliceSchema}). */
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
/** A sweep of one slice (see {@link SweepSeriesSchema}). */
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
/** What a recommended threshold must achieve (see {@link TargetSchema}). */
export type Target = z.infer<typeof TargetSchema>;

/**
 * Verdict of a recommendation:
 * - `met`: a threshold meets the target (`threshold` is the lowest one);
 * - `not-met`: the data are enough to tell that no threshold meets it (for precision: at every
 *   threshold with enough covered predictions even the 95% upper bound is below the target) —
 *   roll back the model, not the threshold;
 * - `insufficient-data`: none meets it yet, but the intervals are too wide to rule one out at this
 *   sample size.
 */
export const RecommendationStatusSchema = z.enum(['met', 'not-met', 'insufficient-data']);
/** Verdict of a recommendation (see {@link RecommendationStatusSchema}). */
export type RecommendationStatus = z.infer<typeof RecommendationStatusSchema>;

/** The lowest threshold meeting a target in one slice, or `null` with the reason. */
export const RecommendationSchema = z.object({
  slice: SliceSchema,
  threshold: z.number().nullable(),
  point: SweepPointSchema.nullable(),
  status: RecommendationStatusSchema,
  /**
   * With `insufficient-data`: how many MORE labelled predictions of this slice would settle the
   * verdict if the observed precision and coverage at the deciding threshold held (see the
   * message); `null` otherwise, or when no sample size would (observed value equals the target).
   */
  neededLabelled: z.number().int().nullable(),
  /** Plain-language verdict, e.g. "no threshold meets precision ≥ 0.95 …: roll back the model, not the threshold". */
  message: z.string(),
});
/** A recommended threshold of one slice (see {@link RecommendationSchema}). */
export type Recommendation = z.infer<typeof RecommendationSchema>;

/**
 * Model A/B at their thresholds. The decision comes from the 95% Newcombe interval of the
 * precision difference (treatment − control): ship when its lower bound is ≥ the ship margin,
 * roll back when its upper bound is below 0, hold when it lies within [0, margin), otherwise
 * inconclusive.
 */
export const AbInputSchema = z.object({
  logId: z.number().int(),
  segment: z.string().nullable().default(null),
  control: z.object({ modelVersion: z.string(), threshold: z.number().min(0).max(1) }),
  treatment: z.object({ modelVersion: z.string(), threshold: z.number().min(0).max(1) }),
  /** Required precision lift to ship, in percentage points (default 2). */
  shipMarginPp: z.number().min(0).max(100).default(2),
});
/**
 * Result of a model A/B at thresholds: each arm's {@link SweepPoint}, the precision and coverage
 * differences in percentage points (treatment − control), the decision (see {@link AbInputSchema})
 * and its rationale.
 */
export const AbResultSchema = z.object({
  control: SweepPointSchema,
  treatment: SweepPointSchema,
  /** Treatment − control precision, percentage points; `null` when either is undefined. */
  precisionDiffPp: z.number().nullable(),
  /**
   * 95% Newcombe hybrid score interval of the precision difference, percentage points
   * (Newcombe 1998, method 10); `null` when either precision is undefined.
   */
  precisionDiffCiPp: z.tuple([z.number(), z.number()]).nullable(),
  coverageDiffPp: z.number(),
  decision: z.enum(['ship', 'hold', 'roll-back', 'inconclusive', 'insufficient']),
  /**
   * With `inconclusive`: covered predictions per arm that would settle the decision with 80% power
   * at two-sided 5% if the observed precisions held (Chow, Shao & Wang 2008, §4.2); `null` otherwise.
   */
  neededPerArm: z.number().int().nullable(),
  /** `neededPerArm` as labelled predictions in all per model version, at each arm's observed coverage. */
  neededLabelled: z.object({ control: z.number().int(), treatment: z.number().int() }).nullable(),
  rationale: z.string(),
});
/** Result of a model A/B at thresholds (see {@link AbResultSchema}). */
export type AbResult = z.infer<typeof AbResultSchema>;

/**
 * Input of `predictions.import`: a CSV / JSONL / Parquet file (a path on the machine running the
 * core), an optional name for the log and the flag it belongs to.
 */
export const PredictionImportInputSchema = z.object({
  path: z.string().min(1, 'path is required'),
  name: z.string().min(1).max(200).optional(),
  flag: FlagRefSchema.optional(),
});

/** Progress of a prediction-log import (`predictions.progress`): rows read so far and bytes of the file read. */
export const PredictionImportProgressSchema = z.object({
  path: z.string(),
  rows: z.number().int(),
  bytesRead: z.number(),
  totalBytes: z.number(),
  done: z.boolean(),
});

/**
 * Input of `simulator.sweep`: a log and a slice of it (default all). `grid` (default 1001 →
 * thresholds 0, 0.001, …, 1) asks for exact metrics at evenly spaced thresholds; `grid: 0` for
 * every distinct threshold.
 */
export const SweepInputSchema = z.object({
  logId: z.number().int(),
  slice: SliceSchema.default({ modelVersion: null, segment: null }),
  grid: z.number().int().min(0).max(100_001).default(1001),
});
