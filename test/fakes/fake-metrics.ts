/**
 * Test fake of the cohort-metrics channels (`metrics.*`): metric definitions per flag and canned
 * comparisons / series, so the stores and the `?mock` page can be exercised without the core.
 *
 * Only for renderer unit tests and the development-only `?mock` page (renderer/dev-mock.ts). The
 * comparisons are canned, not computed: plausible numbers in the core's shape (one statistic, one
 * method, intervals of that method); no statistic of the core is re-implemented here.
 */
import type { ChannelOutput, EventPayload, Result } from '../../shared/contract.ts';
import type { FlagRef } from '../../shared/domain.ts';
import type { MetricComparison, MetricDefinition, MetricSeries } from '../../shared/metrics.ts';
import type { ParsedInput } from '../../electron/core/handler-types.ts';

/** Canned results of one metric (keyed by flag + name in the fake API's state). */
export interface MockMetric {
  definition: MetricDefinition;
  /** The comparison to return (the definition is filled in); `null` = computed from `series`-less defaults. */
  comparison?: Partial<Omit<MetricComparison, 'metric'>>;
  series?: MetricSeries[];
}

/** The metric channels of the fake API (inputs already parsed by the contract). */
export interface MetricHandlers {
  list(input: ParsedInput<'metrics.list'>): Result<ChannelOutput<'metrics.list'>>;
  define(input: ParsedInput<'metrics.define'>): Result<ChannelOutput<'metrics.define'>>;
  importEvents(
    input: ParsedInput<'metrics.importEvents'>,
  ): Promise<Result<ChannelOutput<'metrics.importEvents'>>>;
  compare(input: ParsedInput<'metrics.compare'>): Result<ChannelOutput<'metrics.compare'>>;
  series(input: ParsedInput<'metrics.series'>): Result<ChannelOutput<'metrics.series'>>;
}

const sameFlag = (a: FlagRef, b: FlagRef) =>
  a.provider === b.provider && a.environment === b.environment && a.key === b.key;

/** A metric definition with the schema's defaults. */
export function makeMetricDefinition(
  flag: FlagRef,
  name: string,
  partial: Partial<Omit<MetricDefinition, 'flag' | 'name'>> = {},
): MetricDefinition {
  return {
    flag: { provider: flag.provider, environment: flag.environment, key: flag.key },
    name,
    kind: 'binomial',
    direction: 'higher-is-better',
    unit: '',
    source: { type: 'events' },
    controlVariant: 'control',
    treatmentVariant: 'treatment',
    expectedSplit: null,
    guardrail: false,
    ...partial,
  };
}

/** A plausible comparison for a definition; `overrides` replace any field. */
export function makeComparison(
  metric: MetricDefinition,
  overrides: Partial<Omit<MetricComparison, 'metric'>> = {},
): MetricComparison {
  const binomial = metric.kind === 'binomial';
  const quantile = metric.kind === 'quantile';
  const cMean = binomial ? 0.2 : 420;
  const tMean = binomial ? 0.22 : 400;
  const est = tMean - cMean;
  const half = Math.abs(est) * 0.6;
  const rel = (h: number) => ({
    estimate: est / cMean,
    ci: [(est - h) / cMean, (est + h) / cMean] as [number, number],
  });
  return {
    metric,
    control: {
      variant: metric.controlVariant,
      n: 5000,
      mean: cMean,
      sd: binomial ? null : 80,
      successes: binomial ? 1000 : null,
      quantiles: null,
    },
    treatment: {
      variant: metric.treatmentVariant,
      n: 5050,
      mean: tMean,
      sd: binomial ? null : 82,
      successes: binomial ? 1111 : null,
      quantiles: null,
    },
    statistic: {
      label: binomial ? 'rate' : quantile ? 'p95' : 'mean',
      quantile: quantile ? 0.95 : null,
      control: cMean,
      treatment: tMean,
    },
    method: quantile
      ? { kind: 'fixed-horizon', note: 'fixed-horizon only: no sequential test for quantiles' }
      : { kind: 'sequential', note: null },
    absolute: { estimate: est, ci: [est - half, est + half], pValue: 0.004 },
    relative: rel(half),
    sequential: quantile
      ? null
      : { ci: [est - half * 1.5, est + half * 1.5], pValue: 0.02, relative: rel(half * 1.5) },
    srm: metric.expectedSplit ? { pValue: 0.6, mismatch: false } : null,
    adjustedPValue: metric.guardrail ? null : 0.008,
    verdict:
      (metric.direction === 'higher-is-better') === est > 0 ? 'better' : est === 0 ? 'inconclusive' : 'worse',
    note: 'The interval excludes zero.',
    ...overrides,
  };
}

/** A per-minute series per variant ending at `end` (ms). */
export function makeSeries(variants: string[], end: number, minutes: number, base = 0.2): MetricSeries[] {
  return variants.map((variant, v) => ({
    variant,
    points: Array.from({ length: minutes }, (_, i) => ({
      t: new Date(Math.floor(end / 60_000) * 60_000 - (minutes - 1 - i) * 60_000).toISOString(),
      value: base * (1 + v * 0.1) + Math.sin(i / 5 + v) * base * 0.05,
      n: 80 + ((i * 7 + v * 3) % 20),
    })),
  }));
}

const windowMinutes = (w: ParsedInput<'metrics.compare'>['window']) =>
  'lastMinutes' in w
    ? w.lastMinutes
    : Math.max(1, Math.round((Date.parse(w.to) - Date.parse(w.from)) / 60_000));

/**
 * Handlers over `metrics` (mutated by `metrics.define`). An import of a path
 * containing `bad` fails with a row-level message like the core's; any other
 * path succeeds with progress events on the way.
 */
export function createMetricHandlers(
  metrics: MockMetric[],
  emitProgress: (p: EventPayload<'metrics.progress'>) => void,
  now: () => number,
): MetricHandlers {
  const bad = (message: string): Result<never> => ({ ok: false, error: { code: 'BAD_INPUT', message } });
  /** Import numbers by `provider/environment/file name`. */
  const imported = new Map<string, number>();
  return {
    list: ({ flag }) => ({
      ok: true,
      value: metrics.filter((m) => sameFlag(m.definition.flag, flag)).map((m) => m.definition),
    }),
    define: (definition) => {
      const i = metrics.findIndex(
        (m) => sameFlag(m.definition.flag, definition.flag) && m.definition.name === definition.name,
      );
      if (i >= 0) metrics[i] = { ...metrics[i], definition };
      else metrics.push({ definition });
      return { ok: true, value: definition };
    },
    async importEvents({ path, provider, environment, onDuplicate }) {
      const base = path.split(/[\\/]/).pop() ?? path;
      // The core recognises content imported before (SHA-256); the mock, a file name imported before.
      const key = `${provider}/${environment}/${base}`;
      if (imported.has(key) && onDuplicate === 'refuse')
        return {
          ok: false,
          error: {
            code: 'CONFLICT',
            message: `${base}: this content was already imported into ${provider}/${environment} (import ${imported.get(key)}); importing it again would count its events twice — replace that import instead (onDuplicate "replace")`,
          },
        };
      const totalBytes = 80_000;
      for (let i = 1; i <= 3; i++) {
        emitProgress({ path, rows: i * 500, bytesRead: (totalBytes * i) / 4, totalBytes, done: false });
        await Promise.resolve();
      }
      if (/bad/i.test(base)) {
        emitProgress({ path, rows: 41, bytesRead: totalBytes / 4, totalBytes, done: true });
        return bad(`${base} line 42: value "abc" is not a number`);
      }
      emitProgress({ path, rows: 2000, bytesRead: totalBytes, totalBytes, done: true });
      imported.set(key, imported.get(key) ?? imported.size + 1);
      const mine = metrics.filter(
        (m) => m.definition.flag.provider === provider && m.definition.flag.environment === environment,
      );
      return {
        ok: true,
        value: {
          rows: 2000,
          flags: [...new Set(mine.map((m) => m.definition.flag.key))],
          metrics: [...new Set(mine.map((m) => m.definition.name))],
        },
      };
    },
    compare: ({ flag, window, sequential, adjust }) => {
      const to = now();
      const from = to - windowMinutes(window) * 60_000;
      const rows = metrics
        .filter((m) => sameFlag(m.definition.flag, flag))
        .map((m) => {
          const c = makeComparison(m.definition, m.comparison);
          const quantile = m.definition.kind === 'quantile';
          return {
            ...c,
            adjustedPValue: adjust === 'none' || m.definition.guardrail ? null : c.adjustedPValue,
            // fixed-horizon results carry no sequential interval; quantiles have none in either mode
            sequential: sequential && !quantile ? c.sequential : null,
            method: {
              kind: sequential && !quantile ? ('sequential' as const) : ('fixed-horizon' as const),
              note: sequential && quantile ? 'fixed-horizon only: no sequential test for quantiles' : null,
            },
          };
        });
      return {
        ok: true,
        value: { rows, from: new Date(from).toISOString(), to: new Date(to).toISOString() },
      };
    },
    series: ({ flag, metric, window, maxPoints }) => {
      const m = metrics.find((x) => sameFlag(x.definition.flag, flag) && x.definition.name === metric);
      if (!m) return { ok: false, error: { code: 'NOT_FOUND', message: `metric ${metric} not found` } };
      const series =
        m.series ??
        makeSeries(
          [m.definition.controlVariant, m.definition.treatmentVariant],
          now(),
          Math.min(windowMinutes(window), 120),
          m.definition.kind === 'binomial' ? 0.2 : 400,
        );
      return { ok: true, value: series.map((s) => ({ ...s, points: s.points.slice(-maxPoints) })) };
    },
  };
}

/** Demo metrics of one flag for the `?mock` page: a win, a worse guardrail, an SRM, an underpowered metric. */
export function makeMockMetrics(flag: FlagRef): MockMetric[] {
  return [
    { definition: makeMetricDefinition(flag, 'answer_accepted', { expectedSplit: [0.5, 0.5] }) },
    {
      definition: makeMetricDefinition(flag, 'latency_ms', {
        kind: 'quantile',
        direction: 'lower-is-better',
        unit: 'ms',
        guardrail: true,
      }),
      comparison: {
        control: {
          variant: 'control',
          n: 5000,
          mean: 156.2,
          sd: 80,
          successes: null,
          quantiles: { p50: 140, p95: 210.4, p99: 300 },
        },
        treatment: {
          variant: 'treatment',
          n: 5050,
          mean: 190.3,
          sd: 95,
          successes: null,
          quantiles: { p50: 170, p95: 277.4, p99: 390 },
        },
        statistic: { label: 'p95', quantile: 0.95, control: 210.4, treatment: 277.4 },
        absolute: { estimate: 67, ci: [52, 81], pValue: 0.002 },
        relative: { estimate: 67 / 210.4, ci: [0.25, 0.39] },
        sequential: null,
        verdict: 'worse',
        note: 'treatment is worse than control (p95 Δ = 67, 95% CI [52, 81]); p95 difference, bootstrap interval (1000 resamples, fixed-horizon; no sequential version)',
      },
    },
    {
      definition: makeMetricDefinition(flag, 'thumbs_down', {
        direction: 'lower-is-better',
        expectedSplit: [0.5, 0.5],
      }),
      comparison: {
        statistic: { label: 'rate', quantile: null, control: 0.2, treatment: 0.198 },
        absolute: { estimate: -0.002, ci: [-0.01, 0.006], pValue: 0.6 },
        relative: { estimate: -0.01, ci: [-0.05, 0.03] },
        sequential: { ci: [-0.014, 0.01], pValue: 0.9, relative: { estimate: -0.01, ci: [-0.07, 0.05] } },
        srm: { pValue: 0.0004, mismatch: true },
        verdict: 'inconclusive',
        note: 'The interval includes zero.',
      },
    },
    {
      definition: makeMetricDefinition(flag, 'escalations', { direction: 'lower-is-better' }),
      comparison: {
        absolute: null,
        relative: null,
        sequential: null,
        adjustedPValue: null,
        verdict: 'insufficient',
        note: 'Minimum sample not reached: 40 of 200 units per arm.',
      },
    },
  ];
}
