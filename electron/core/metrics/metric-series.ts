/**
 * Per-minute series of one metric per cohort, downsampled with LTTB
 * (Largest-Triangle-Three-Buckets, the `downsample` package) to at most
 * `maxPoints` points per cohort.
 */
import { LTTB } from 'downsample';
import type { FlagRef } from '../../../shared/domain.ts';
import type { MetricDefinition, MetricSeries } from '../../../shared/metrics.ts';
import type { ResolvedWindow } from './metric-compare.ts';
import type { MetricStore } from './metric-store.ts';

interface Point {
  x: number;
  y: number;
  n: number;
}

/** Downsamples points (sorted by x) to at most `maxPoints` with LTTB; keeps them when already few enough. */
export function downsamplePoints<P extends { x: number; y: number }>(points: P[], maxPoints: number): P[] {
  if (points.length <= maxPoints) return points;
  const byX = new Map(points.map((p) => [p.x, p]));
  const picked = LTTB(
    points.map((p) => ({ x: p.x, y: p.y })),
    maxPoints,
  ) as ArrayLike<{ x: number | Date; y: number }>;
  return Array.from(picked, (p) => byX.get(Number(p.x)) as P);
}

/**
 * The series of `metric` for each variant: the control and treatment variants of its definition,
 * or every variant with data when the metric has no definition yet. A minute's value is its mean
 * (binomial: successes / count).
 */
export function metricSeries(
  store: MetricStore,
  flag: FlagRef,
  metric: string,
  def: MetricDefinition | undefined,
  w: ResolvedWindow,
  maxPoints: number,
): MetricSeries[] {
  const variants = def ? [def.controlVariant, def.treatmentVariant] : store.variants(flag, metric);
  return variants.map((variant) => {
    const points: Point[] = [];
    for (const { minute, rollup } of store.minutes(flag, metric, variant, w.fromMinute, w.toMinute)) {
      if (rollup.count === 0) continue;
      const y = def?.kind === 'binomial' ? rollup.successes / rollup.count : rollup.sum / rollup.count;
      points.push({ x: minute, y, n: rollup.count });
    }
    return {
      variant,
      points: downsamplePoints(points, maxPoints).map((p) => ({
        t: new Date(p.x).toISOString(),
        value: p.y,
        n: p.n,
      })),
    };
  });
}
