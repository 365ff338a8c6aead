/**
 * Schemas of cohort metric comparisons: metric definitions per flag, metric
 * events, per-minute rollups, and treatment-vs-control comparison results.
 */
import { z } from 'zod';
import { FlagRefSchema } from './domain.ts';

/**
 * How a metric is summarised and compared: `binomial` (a 0/1 rate), `continuous` (a mean), `ratio`
 * (each minute's mean is one observation) or `quantile` (the p95).
 */
export const MetricKindSchema = z.enum(['binomial', 'continuous', 'ratio', 'quantile']);
/** A metric kind (see {@link MetricKindSchema}). */
export type MetricKind = z.infer<typeof MetricKindSchema>;
/** Which way is good for a metric; the `better` / `worse` verdicts follow it. */
export const DirectionSchema = z.enum(['higher-is-better', 'lower-is-better']);
/** A metric's good direction (see {@link DirectionSchema}). */
export type Direction = z.infer<typeof DirectionSchema>;

/** Name of an allow-listed data source: 1–63 letters, digits, "-" or "_". */
export const DataSourceNameSchema = z
  .string()
  .regex(/^[a-z0-9][a-z0-9_-]{0,62}$/i, 'must be 1–63 letters, digits, "-" or "_"');

/** Where a metric's data comes from. */
export const MetricSourceSchema = z.discriminatedUnion('type', [
  /** Imported CSV/JSONL metric events. */
  z.object({ type: z.literal('events') }),
  /**
   * Prometheus HTTP API (`/api/v1/query_range`) of an **allow-listed** data source (config.json
   * `dataSources.prometheus`, set by the local user; docs/prometheus.md). `dataSource` names the
   * source; `url` (older definitions, or a client that knows the URL) must equal an allow-listed
   * base URL exactly — `metrics.define` then stores the source's name instead. `query` is a PromQL
   * template with a `{{variant}}` placeholder; for a binomial/ratio metric `denominator` is the
   * template of the total (e.g. errors over requests). Values are sampled every `stepSeconds`.
   */
  z
    .object({
      type: z.literal('prometheus'),
      dataSource: DataSourceNameSchema.optional(),
      url: z.string().url().optional(),
      query: z.string().min(1).includes('{{variant}}', { message: 'query must contain {{variant}}' }),
      denominator: z
        .string()
        .min(1)
        .includes('{{variant}}', { message: 'denominator must contain {{variant}}' })
        .optional(),
      stepSeconds: z.number().int().min(1).max(3600).default(15),
    })
    .refine((s) => s.dataSource !== undefined || s.url !== undefined, {
      message: 'name an allow-listed data source (dataSource) or its URL (url)',
      path: ['dataSource'],
    }),
]);
/** Where a metric's data comes from (see {@link MetricSourceSchema}). */
export type MetricSource = z.infer<typeof MetricSourceSchema>;

/**
 * One allow-listed data source as `sources.list` shows it: `kind` (only `prometheus` so far),
 * its `name` (what a metric definition's `dataSource` names) and its base URL.
 */
export const DataSourceInfoSchema = z.object({
  kind: z.literal('prometheus'),
  name: z.string(),
  url: z.string(),
});
/** An allow-listed data source as `sources.list` shows it (see {@link DataSourceInfoSchema}). */
export type DataSourceInfo = z.infer<typeof DataSourceInfoSchema>;

/** A metric of a flag, compared between its control and treatment variants. */
export const MetricDefinitionSchema = z.object({
  flag: FlagRefSchema,
  name: z
    .string()
    .min(1)
    .max(100)
    .regex(/^[A-Za-z0-9_.:-]+$/, 'name may use letters, digits, "_", ".", ":" and "-"'),
  kind: MetricKindSchema,
  direction: DirectionSchema,
  unit: z.string().max(20).default(''),
  source: MetricSourceSchema,
  /** Variant (cohort) names as they appear in the data. */
  controlVariant: z.string().min(1).default('control'),
  treatmentVariant: z.string().min(1).default('treatment'),
  /** Configured traffic split [control, treatment] (fractions summing to 1) for the SRM check, or `null`. */
  expectedSplit: z
    .tuple([z.number().min(0).max(1), z.number().min(0).max(1)])
    .nullable()
    .default(null),
  /** Guardrail: metrics that must not get worse (excluded from the multiple-testing adjustment). */
  guardrail: z.boolean().default(false),
});
/** A metric of a flag (see {@link MetricDefinitionSchema}). */
export type MetricDefinition = z.infer<typeof MetricDefinitionSchema>;

/** One arm's aggregate over a window (merged from per-minute rollups). */
export const ArmSummarySchema = z.object({
  variant: z.string(),
  n: z.number().int(),
  mean: z.number().nullable(),
  sd: z.number().nullable(),
  successes: z.number().nullable(),
  /** p50/p95/p99 from the merged sketch, for quantile metrics. */
  quantiles: z.object({ p50: z.number(), p95: z.number(), p99: z.number() }).nullable(),
});
/** One arm's aggregate over a window (see {@link ArmSummarySchema}). */
export type ArmSummary = z.infer<typeof ArmSummarySchema>;

const Ci = z.tuple([z.number(), z.number()]);
const Lift = z.object({ estimate: z.number(), ci: Ci });

/**
 * The one statistic a comparison row compares, in every column: control and treatment values,
 * and the difference and lift of that statistic.
 */
export const ComparedStatisticSchema = z.object({
  /** `rate` (binomial: successes/n), `mean` (continuous; ratio: mean of the per-minute means), or `p95`… */
  label: z.string(),
  /** The quantile in (0, 1) for quantile metrics (0.95 for `p95`), else `null`. */
  quantile: z.number().nullable(),
  /** The statistic per arm (the metric's unit; a rate as a fraction), `null` without data. */
  control: z.number().nullable(),
  treatment: z.number().nullable(),
});
/** The statistic a comparison row compares (see {@link ComparedStatisticSchema}). */
export type ComparedStatistic = z.infer<typeof ComparedStatisticSchema>;

/**
 * The method behind a row's verdict, its p-value (the one adjusted across metrics) and the
 * intervals to show: `sequential` → `sequential.ci` / `sequential.relative` / `sequential.pValue`;
 * `fixed-horizon` → `absolute` / `relative`. `note` says why a row is not in the requested mode
 * (quantile metrics have no sequential test), else `null`.
 */
export const ComparisonMethodSchema = z.object({
  kind: z.enum(['sequential', 'fixed-horizon']),
  note: z.string().nullable(),
});
/** The method behind a comparison row (see {@link ComparisonMethodSchema}). */
export type ComparisonMethod = z.infer<typeof ComparisonMethodSchema>;

/** The comparison of one metric (treatment − control). */
export const MetricComparisonSchema = z.object({
  metric: MetricDefinitionSchema,
  control: ArmSummarySchema,
  treatment: ArmSummarySchema,
  statistic: ComparedStatisticSchema,
  method: ComparisonMethodSchema,
  /** Fixed-horizon: Δ of the statistic, its CI (Welch, or bootstrap for quantiles) and p-value. */
  absolute: z.object({ estimate: z.number(), ci: Ci, pValue: z.number() }).nullable(),
  /**
   * Fixed-horizon lift Δ/|control| with its CI (Fieller; bootstrap for quantiles); `null` without a
   * baseline or when the interval is unbounded (the control value not distinguishable from 0).
   */
  relative: Lift.nullable(),
  /**
   * Sequential mode (non-quantile metrics): the always-valid confidence sequence of Δ, its
   * p-value, and the always-valid (Fieller) lift interval (`null` as for `relative`).
   */
  sequential: z.object({ ci: Ci, pValue: z.number(), relative: Lift.nullable() }).nullable(),
  srm: z.object({ pValue: z.number(), mismatch: z.boolean() }).nullable(),
  /** p-value after the selected multiple-testing adjustment (non-guardrail metrics), or `null`. */
  adjustedPValue: z.number().nullable(),
  verdict: z.enum(['better', 'worse', 'inconclusive', 'insufficient']),
  /** Why the verdict is what it is, in one sentence (e.g. the minimum sample not reached). */
  note: z.string(),
});
/** The comparison of one metric (see {@link MetricComparisonSchema}). */
export type MetricComparison = z.infer<typeof MetricComparisonSchema>;

/** A time window: absolute ISO 8601 bounds, or the last N minutes. */
export const WindowSchema = z.union([
  z.object({ from: z.string().datetime({ offset: true }), to: z.string().datetime({ offset: true }) }),
  z.object({
    lastMinutes: z
      .number()
      .int()
      .min(1)
      .max(60 * 24 * 90),
  }),
]);
/** A time window (see {@link WindowSchema}). */
export type Window = z.infer<typeof WindowSchema>;

/** One cohort's per-minute series of a metric. */
export const MetricSeriesSchema = z.object({
  variant: z.string(),
  /** `t` ISO minute, `value` the minute's mean (binomial: rate), `n` its count. */
  points: z.array(z.object({ t: z.string(), value: z.number(), n: z.number().int() })),
});
/** One cohort's per-minute series of a metric (see {@link MetricSeriesSchema}). */
export type MetricSeries = z.infer<typeof MetricSeriesSchema>;

/**
 * Input of `metrics.importEvents`: a CSV/JSONL file of metric events (a path on the machine
 * running the core) and the provider/environment whose rollups it goes to. The same file content
 * imported there before is refused (`refuse`) or replaces that earlier import (`replace`).
 */
export const MetricEventsImportInputSchema = z.object({
  path: z.string().min(1, 'path is required'),
  provider: z.string().min(1),
  environment: z.string().min(1),
  onDuplicate: z.enum(['refuse', 'replace']).default('refuse'),
});

/** What `metrics.importEvents` imported: rows, and the flags and metrics they were about. */
export const MetricEventsImportResultSchema = z.object({
  rows: z.number().int(),
  flags: z.array(z.string()),
  metrics: z.array(z.string()),
});

/** Progress of a metric-event import (`metrics.progress`): rows read so far and bytes of the file read. */
export const MetricImportProgressSchema = z.object({
  path: z.string(),
  rows: z.number().int(),
  bytesRead: z.number(),
  totalBytes: z.number(),
  done: z.boolean(),
});

/**
 * Input of `metrics.compare`: a flag, the window (default the last hour), sequential or
 * fixed-horizon tests, their α and the multiple-testing adjustment.
 */
export const MetricCompareInputSchema = z.object({
  flag: FlagRefSchema,
  window: WindowSchema.default({ lastMinutes: 60 }),
  sequential: z.boolean().default(true),
  alpha: z.number().gt(0).lt(1).default(0.05),
  adjust: z.enum(['none', 'holm', 'bh']).default('holm'),
});

/** Input of `metrics.series`: one metric of a flag over a window, at most `maxPoints` per cohort. */
export const MetricSeriesInputSchema = z.object({
  flag: FlagRefSchema,
  metric: z.string().min(1),
  window: WindowSchema.default({ lastMinutes: 60 }),
  maxPoints: z.number().int().min(10).max(10_000).default(1000),
});
