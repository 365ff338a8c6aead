/**
 * Words and metric-aware values of the cohort comparison: a compared statistic and an absolute
 * difference in the metric's unit (rates as percentages and percentage points), and the verdict and
 * method texts. Generic numbers (lift, p-value, interval, counts) come from lib/format.ts. Pure, tested.
 */
import type { MetricComparison, MetricDefinition } from '../../../shared/metrics.ts';
import { formatNumber, trimZeros } from '../../lib/format.ts';

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
  if (isRate(metric)) return `${trimZeros((value * 100).toFixed(2))}%`;
  return `${formatNumber(value)}${metric.unit ? ` ${metric.unit}` : ''}`;
}

/** An absolute difference: percentage points for rates, else the unit. */
export function formatAbsolute(metric: MetricDefinition, v: number): string {
  const sign = v > 0 ? '+' : v < 0 ? '−' : '';
  if (isRate(metric)) return `${sign}${trimZeros(Math.abs(v * 100).toFixed(2))} pp`;
  return `${sign}${formatNumber(Math.abs(v))}${metric.unit ? ` ${metric.unit}` : ''}`;
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
