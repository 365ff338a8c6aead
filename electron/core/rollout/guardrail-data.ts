/**
 * Reads the cohorts' numbers a guardrail (or the gate) needs from the metric rollups, through the
 * public methods of {@link MetricStore} (never raw SQL on its tables).
 */
import type { MetricDefinition } from '../../../shared/metrics.ts';
import type { MetricStore } from '../metrics/metric-store.ts';
import { floorMinute, MINUTE_MS, moments, quantiles, sketchOf, type Rollup } from '../metrics/rollup.ts';
import type { ArmData } from './guardrails.ts';

/** Minute bounds `[fromMinute, toMinute)` of the last `minutes` minute buckets up to `now`. */
export function lastMinutes(minutes: number, now: number): { fromMinute: number; toMinute: number } {
  const toMinute = floorMinute(now) + MINUTE_MS;
  return { fromMinute: toMinute - minutes * MINUTE_MS, toMinute };
}

/**
 * A rollup summarised as a guardrail's {@link ArmData} for the metric's kind. Quantiles only when
 * `withSketch` (the rollup was read with its sketch): a moments-only read has no distribution.
 */
export function armData(def: MetricDefinition, r: Rollup, withSketch: boolean): ArmData {
  if (def.kind === 'binomial') {
    const p = r.count ? Math.min(r.successes, r.count) / r.count : null;
    return { n: r.count, mean: p, variance: p === null ? null : p * (1 - p), quantiles: null };
  }
  const m = moments(r);
  return {
    n: r.count,
    mean: m.mean,
    variance: m.sd === null ? null : m.sd * m.sd,
    quantiles: withSketch ? quantiles(sketchOf(r)) : null,
  };
}

/** Memoizes cohort reads within one evaluation (several guardrails often share a metric and window). */
export class ArmReader {
  private readonly store: MetricStore;
  /**
   * By metric, variant, window bounds as minute indexes (small integers: their strings come from
   * V8's number-string cache; the ms would be converted on every read) and sketch read.
   */
  private readonly cache = new Map<string, ArmData>();
  constructor(store: MetricStore) {
    this.store = store;
  }

  /**
   * The cohort `variant` of `def` over `[fromMinute, toMinute)`; `withSketch` reads quantile
   * sketches (only quantile statistics need them).
   */
  arm(
    def: MetricDefinition,
    variant: string,
    fromMinute: number,
    toMinute: number,
    withSketch: boolean,
  ): ArmData {
    const key = `${def.name}\u0000${variant}\u0000${fromMinute / MINUTE_MS}\u0000${toMinute / MINUTE_MS}\u0000${withSketch ? 1 : 0}`;
    let a = this.cache.get(key);
    if (!a) {
      const r =
        def.kind === 'ratio'
          ? this.store.minuteMeans(def.flag, def.name, variant, fromMinute, toMinute)
          : this.store.window(def.flag, def.name, variant, fromMinute, toMinute, withSketch);
      a = armData(def, r, withSketch);
      this.cache.set(key, a);
    }
    return a;
  }
}
