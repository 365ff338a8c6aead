/**
 * Treatment vs control on every metric of a flag over a window, from the
 * stored per-minute rollups (raw events are never rescanned). Builds a
 * summary per metric for the statistics engine (electron/core/stats), runs
 * `compareMetric`, and adjusts p-values across the non-guardrail metrics.
 * See docs/metrics.md for how each metric kind is summarised.
 */
import type { FlagRef } from '../../../shared/domain.ts';
import type {
  ArmSummary,
  ComparedStatistic,
  ComparisonMethod,
  MetricComparison,
  MetricDefinition,
  Window,
} from '../../../shared/metrics.ts';
import { adjustPValues, type AdjustMethod } from '../stats/adjust.ts';
import {
  compareMetric,
  MIN_BINOMIAL_EVENTS,
  MIN_UNITS_PER_ARM,
  verdictFromInterval,
} from '../stats/compare.ts';
import { srmTest } from '../stats/inference.ts';
import {
  bootstrapQuantileDifference,
  COMPARED_QUANTILE,
  weightedQuantile,
} from '../stats/quantile-difference.ts';
import { parseMetricSummary, StatsInputError } from '../stats/summary.ts';
import type { MetricStore } from './metric-store.ts';
import { floorMinute, MINUTE_MS, moments, quantiles, sketchBins, sketchOf, type Rollup } from './rollup.ts';

/** A window resolved to minute bounds: rollups with `fromMinute <= minute < toMinute`. */
export interface ResolvedWindow {
  fromMinute: number;
  toMinute: number;
  from: string;
  to: string;
}

/**
 * `{lastMinutes: N}`: the N minute buckets up to and including the current one.
 * `{from, to}`: the minutes from the one holding `from` up to (excluding) `to`.
 */
export function resolveWindow(w: Window, now: number): ResolvedWindow {
  let fromMinute: number;
  let toMinute: number;
  if ('lastMinutes' in w) {
    toMinute = floorMinute(now) + MINUTE_MS;
    fromMinute = toMinute - w.lastMinutes * MINUTE_MS;
  } else {
    fromMinute = floorMinute(Date.parse(w.from));
    toMinute = Date.parse(w.to);
  }
  return {
    fromMinute,
    toMinute,
    from: new Date(fromMinute).toISOString(),
    to: new Date(Math.max(fromMinute, toMinute)).toISOString(),
  };
}

/**
 * Options of {@link compareMetrics}: the window, sequential or fixed-horizon, the level α (0–1), the
 * multiple-testing adjustment and the metrics whose source failed.
 */
export interface CompareOptions {
  window: ResolvedWindow;
  sequential: boolean;
  alpha: number;
  adjust: AdjustMethod;
  /** Metric name → why its source failed (e.g. Prometheus unreachable); such rows are `insufficient`. */
  sourceErrors?: ReadonlyMap<string, string>;
}

function armSummary(def: MetricDefinition, variant: string, r: Rollup): ArmSummary {
  const m = moments(r);
  return {
    variant,
    n: r.count,
    mean: def.kind === 'binomial' ? (r.count ? r.successes / r.count : null) : m.mean,
    sd: def.kind === 'binomial' ? null : m.sd,
    successes: def.kind === 'binomial' ? r.successes : null,
    quantiles: def.kind === 'quantile' ? quantiles(sketchOf(r)) : null,
  };
}

const fmt = (x: number): string => (Math.abs(x) >= 100 ? x.toFixed(1) : Number(x.toPrecision(3)).toString());
/** `= 0.0002`, or `< 0.0001` for tiny p-values. */
const fmtP = (p: number): string => (p < 0.0001 ? '< 0.0001' : `= ${Number(p.toPrecision(2))}`);

/** Why a sample is below the engine's minimum, or null when it is enough. */
function shortfall(def: MetricDefinition, c: Rollup, t: Rollup): string | null {
  const unit = def.kind === 'ratio' ? 'minutes' : 'units';
  for (const [name, r] of [
    ['control', c],
    ['treatment', t],
  ] as const) {
    if (r.count < MIN_UNITS_PER_ARM)
      return `not enough data: ${r.count} ${name} ${unit}, need ${MIN_UNITS_PER_ARM}`;
  }
  if (def.kind === 'binomial')
    for (const [name, r] of [
      ['control', c],
      ['treatment', t],
    ] as const) {
      const fewest = Math.min(r.successes, r.count - r.successes);
      if (fewest < MIN_BINOMIAL_EVENTS)
        return `not enough events: ${fewest} ${name} ${r.successes === fewest ? 'successes' : 'failures'}, need ${MIN_BINOMIAL_EVENTS}`;
    }
  return null;
}

type Row = MetricComparison & { pForAdjust: number | null };

/** `p95`, … for {@link COMPARED_QUANTILE}. */
const quantileLabel = `p${fmt(COMPARED_QUANTILE * 100)}`;

/** What a quantile row says about its method in sequential mode. */
export const QUANTILE_METHOD_NOTE = 'fixed-horizon only: no sequential test for quantiles';

/** The {@link COMPARED_QUANTILE} of a rollup's sketch (as the bootstrap computes it), or null when empty. */
function comparedQuantile(r: Rollup): number | null {
  const bins = sketchBins(sketchOf(r));
  return bins ? weightedQuantile(bins, COMPARED_QUANTILE) : null;
}

/**
 * The statistic every column of a row shows: a binomial metric's rate, a continuous metric's
 * mean, a ratio metric's mean of per-minute means (the arms' `mean`), a quantile metric's
 * {@link COMPARED_QUANTILE} — never the mean of a quantile metric.
 */
function comparedStatistic(
  def: MetricDefinition,
  c: Rollup,
  t: Rollup,
  ca: ArmSummary,
  ta: ArmSummary,
): ComparedStatistic {
  if (def.kind === 'quantile')
    return {
      label: quantileLabel,
      quantile: COMPARED_QUANTILE,
      control: comparedQuantile(c),
      treatment: comparedQuantile(t),
    };
  return {
    label: def.kind === 'binomial' ? 'rate' : 'mean',
    quantile: null,
    control: ca.mean,
    treatment: ta.mean,
  };
}

/** The method of a row: the requested one, except quantile metrics (fixed-horizon only, said so). */
function comparisonMethod(def: MetricDefinition, sequential: boolean): ComparisonMethod {
  if (def.kind === 'quantile')
    return { kind: 'fixed-horizon', note: sequential ? QUANTILE_METHOD_NOTE : null };
  return { kind: sequential ? 'sequential' : 'fixed-horizon', note: null };
}

/**
 * Quantile metrics: the difference of the {@link COMPARED_QUANTILE} quantile (p95) of the merged
 * sketches, with a seeded bootstrap over the sketch bins (fixed-horizon; `sequential` stays null).
 */
function compareQuantile(def: MetricDefinition, c: Rollup, t: Rollup, o: CompareOptions, base: Row): Row {
  const srm = def.expectedSplit ? srmTest(c.count, t.count, def.expectedSplit) : null;
  const withSrm = (row: Row): Row => {
    if (srm?.mismatch)
      row.note = `sample ratio mismatch (p ${fmtP(srm.pValue)}): the comparison is not trustworthy; ${row.note}`;
    return row;
  };
  const a = sketchBins(sketchOf(c));
  const b = sketchBins(sketchOf(t));
  if (!a || !b) return withSrm({ ...base, srm, note: 'not enough data: no sketch values in one arm' });
  const r = bootstrapQuantileDifference(a, b, { alpha: o.alpha, quantile: COMPARED_QUANTILE });
  const short = shortfall(def, c, t);
  const verdict = short ? 'insufficient' : verdictFromInterval(r.absolute.ci, def.direction);
  const level = `${fmt((1 - o.alpha) * 100)}%`;
  const delta = `${quantileLabel} Δ = ${fmt(r.absolute.estimate)}, ${level} CI [${fmt(r.absolute.ci[0])}, ${fmt(r.absolute.ci[1])}]`;
  const method = `${quantileLabel} difference, bootstrap interval (${r.resamples} resamples, fixed-horizon; no sequential version)`;
  let note: string;
  if (short) note = short;
  else if (verdict === 'inconclusive') note = `no significant difference yet (${delta}); ${method}`;
  else note = `treatment is ${verdict} than control (${delta}); ${method}`;
  return withSrm({
    ...base,
    statistic: { ...base.statistic, control: r.qA, treatment: r.qB },
    absolute: r.absolute,
    relative: r.relative,
    srm,
    verdict,
    note,
    pForAdjust: r.absolute.pValue,
  });
}

function compareOne(store: MetricStore, def: MetricDefinition, o: CompareOptions): Row {
  const w = o.window;
  const load = (variant: string): Rollup =>
    def.kind === 'ratio'
      ? store.minuteMeans(def.flag, def.name, variant, w.fromMinute, w.toMinute)
      : store.window(def.flag, def.name, variant, w.fromMinute, w.toMinute, def.kind === 'quantile');
  const c = load(def.controlVariant);
  const t = load(def.treatmentVariant);
  const control = armSummary(def, def.controlVariant, c);
  const treatment = armSummary(def, def.treatmentVariant, t);
  const base: Row = {
    metric: def,
    control,
    treatment,
    statistic: comparedStatistic(def, c, t, control, treatment),
    method: comparisonMethod(def, o.sequential),
    absolute: null,
    relative: null,
    sequential: null,
    srm: null,
    adjustedPValue: null,
    verdict: 'insufficient',
    note: '',
    pForAdjust: null,
  };
  const failed = o.sourceErrors?.get(def.name);
  if (failed) return { ...base, note: `the ${def.source.type} source failed: ${failed}` };
  const cm = moments(c);
  const tm = moments(t);
  if (c.count < 2 || t.count < 2) return { ...base, note: shortfall(def, c, t) ?? 'not enough data' };
  if (def.kind === 'quantile') return compareQuantile(def, c, t, o, base);
  const arm = (r: Rollup, m: { mean: number | null; sd: number | null }): Record<string, number> =>
    def.kind === 'binomial'
      ? { n: r.count, successes: Math.min(r.successes, r.count) }
      : { n: r.count, mean: m.mean ?? 0, sd: m.sd ?? 0 };
  let result;
  try {
    const summary = parseMetricSummary({
      id: def.name,
      kind: def.kind === 'binomial' ? 'binomial' : 'continuous',
      control: arm(c, cm),
      treatment: arm(t, tm),
      alpha: o.alpha,
      // The SRM check compares unit counts; a ratio metric's n is a count of minutes.
      expectedSplit: def.kind === 'ratio' ? null : def.expectedSplit,
      sequential: o.sequential,
      direction: def.direction,
    });
    result = compareMetric(summary);
  } catch (error) {
    if (error instanceof StatsInputError) return { ...base, note: `cannot compare: ${error.message}` };
    throw error;
  }
  const row: Row = {
    ...base,
    absolute: result.absolute,
    relative: result.relative,
    sequential: result.sequential,
    srm: result.srm,
    verdict: result.verdict,
    pForAdjust: result.sequential ? result.sequential.pValue : result.absolute.pValue,
  };
  const level = `${fmt((1 - o.alpha) * 100)}%`;
  const ci = result.sequential ? result.sequential.ci : result.absolute.ci;
  const lift = result.sequential ? result.sequential.relative : result.relative;
  const delta = `Δ = ${fmt(result.absolute.estimate)}, ${level} ${result.sequential ? 'sequential ' : ''}CI [${fmt(ci[0])}, ${fmt(ci[1])}]`;
  if (result.verdict === 'insufficient') row.note = shortfall(def, c, t) ?? 'not enough data';
  else if (result.verdict === 'inconclusive') row.note = `no significant difference yet (${delta})`;
  else row.note = `treatment is ${result.verdict} than control (${delta})`;
  if (!lift && cm.mean !== 0 && result.verdict !== 'insufficient')
    row.note += `; the ${result.sequential ? 'sequential' : 'fixed-horizon'} lift interval is unbounded: the control ${def.kind === 'binomial' ? 'rate' : 'mean'} is not yet distinguishable from 0`;
  if (result.srm?.mismatch)
    row.note = `sample ratio mismatch (p ${fmtP(result.srm.pValue)}): the comparison is not trustworthy; ${row.note}`;
  return row;
}

/**
 * Compares every defined metric of `flag`. P-values (sequential ones in sequential mode) of the
 * non-guardrail metrics that could be computed are adjusted together; a `better`/`worse` verdict
 * whose adjusted p-value is not below α becomes `inconclusive`.
 */
export function compareMetrics(store: MetricStore, flag: FlagRef, o: CompareOptions): MetricComparison[] {
  const rows = store.list(flag).map((def) => compareOne(store, def, o));
  const family = rows.filter((r) => !r.metric.guardrail && r.pForAdjust !== null);
  const adjusted = adjustPValues(
    family.map((r) => Math.min(1, Math.max(0, r.pForAdjust as number))),
    o.adjust,
  );
  family.forEach((r, i) => {
    const p = adjusted[i] as number;
    r.adjustedPValue = p;
    if ((r.verdict === 'better' || r.verdict === 'worse') && !(p < o.alpha)) {
      r.verdict = 'inconclusive';
      r.note = `not significant after the ${o.adjust} adjustment (adjusted p ${fmtP(p)}); ${r.note}`;
    }
  });
  return rows.map(({ pForAdjust: _, ...r }) => r);
}
