/** Number formatting of the cohort comparison (pure, tested). */
import type { MetricComparison, MetricDefinition } from '../../../shared/metrics.ts';

const trim = (text: string) => text.replace(/(\.\d*?)0+$/, '$1').replace(/\.$/, '');

/** A number with about 3 significant digits: `0.01234` → `0.0123`, `1234.5` → `1,235`. */
export function formatNumber(v: number): string {
  if (!Number.isFinite(v)) return '—';
  const a = Math.abs(v);
  if (a >= 1000) return Math.round(v).toLocaleString('en-US');
  if (a >= 1) return trim(v.toFixed(a >= 100 ? 1 : 2));
  if (a === 0) return '0';
  return trim(v.toPrecision(3));
}

const isRate = (m: Pick<MetricDefinition, 'kind'>) => m.kind === 'binomial';

/**
 * A value of a row's compared statistic (`row.statistic`: a rate, a mean or a quantile such as
 * p95): a rate as a percentage, else the number with the metric's unit; `—` for null.
 */
export function formatStatistic(
  metric: Pick<MetricDefinition, 'kind' | 'unit'>,
  value: number | null,
): string {
  if (value === null || !Number.isFinite(value)) return '—';
  if (isRate(metric)) return `${trim((value * 100).toFixed(2))}%`;
  return `${formatNumber(value)}${metric.unit ? ` ${metric.unit}` : ''}`;
}

/** An absolute difference: percentage points for rates, else the unit. */
export function formatAbsolute(metric: MetricDefinition, v: number): string {
  const sign = v > 0 ? '+' : v < 0 ? '−' : '';
  if (isRate(metric)) return `${sign}${trim(Math.abs(v * 100).toFixed(2))} pp`;
  return `${sign}${formatNumber(Math.abs(v))}${metric.unit ? ` ${metric.unit}` : ''}`;
}

/** A relative difference (lift) as a signed percentage. */
export function formatLift(value: number): string {
  if (!Number.isFinite(value)) return '—';
  const v = Math.abs(value) < 1e-12 ? 0 : value;
  const sign = v > 0 ? '+' : v < 0 ? '−' : '';
  return `${sign}${trim(Math.abs(v * 100).toFixed(1))}%`;
}

/** `[lo, hi]` with each bound formatted by `one`. */
export function formatCi(ci: readonly [number, number], one: (v: number) => string): string {
  return `[${one(ci[0])}, ${one(ci[1])}]`;
}

/** `p < 0.001` style. */
export function formatP(p: number | null | undefined): string {
  if (p === null || p === undefined || !Number.isFinite(p)) return '—';
  if (p < 0.001) return '< 0.001';
  return p.toFixed(3);
}

/** A count with thousands separators: `12345` → `12,345`. */
export function formatN(n: number): string {
  return n.toLocaleString('en-US');
}

/** Display text of each verdict. */
export const VERDICT_TEXT: Record<MetricComparison['verdict'], string> = {
  better: 'better',
  worse: 'worse',
  inconclusive: 'inconclusive',
  insufficient: 'not enough data',
};

/** The method's name as the table and the plot print it before an interval: `sequential CI`. */
export const METHOD_TEXT: Record<MetricComparison['method']['kind'], string> = {
  sequential: 'sequential',
  'fixed-horizon': 'fixed-horizon',
};
