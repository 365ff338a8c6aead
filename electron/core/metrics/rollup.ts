/**
 * Per-minute metric rollups: the mergeable sufficient statistics of one minute
 * of one metric of one variant (count, sum, sum of squares, successes) plus a
 * DDSketch for quantiles. Merging two rollups is exact for the moments and
 * within the sketch's relative accuracy (1 %) for quantiles.
 */
import type { DDSketch } from '@datadog/sketches-js';
import {
  decodeSketch,
  encodeSketch,
  mergeEncodedSketches,
  mergeSketch,
  newSketch,
  subtractSketch,
} from './sketch-codec.ts';

export { newSketch, SKETCH_RELATIVE_ACCURACY } from './sketch-codec.ts';

/**
 * Mergeable statistics of a set of observations.
 *
 * While every value is 0 or 1 (binomial metrics, Prometheus success counts) no sketch is kept:
 * the distribution is `count − sum` zeros and `sum` ones, and {@link sketchOf} builds it when a
 * quantile is asked for. The first other value creates the sketch with those zeros and ones in it.
 */
export interface Rollup {
  count: number;
  sum: number;
  sumSq: number;
  /** Observations with a non-zero value (for 0/1 binomial values: the sum). */
  successes: number;
  /** `null` while every value is 0 or 1 (or there are none). */
  sketch: DDSketch | null;
}

/** Where a rollup belongs. */
export interface RollupKey {
  provider: string;
  environment: string;
  flagKey: string;
  metric: string;
  variant: string;
  /** Start of the minute, ms since epoch. */
  minute: number;
}

/** One minute, ms. */
export const MINUTE_MS = 60_000;

/** The start of the minute of `ms` (rounds down). */
export const floorMinute = (ms: number): number => Math.floor(ms / MINUTE_MS) * MINUTE_MS;

/** A rollup of no observations (all zeros, no sketch). */
export function emptyRollup(): Rollup {
  return { count: 0, sum: 0, sumSq: 0, successes: 0, sketch: null };
}

/** A sketch of `zeros` zeros and `ones` ones. */
function binarySketch(zeros: number, ones: number): DDSketch {
  const s = newSketch();
  if (zeros > 0) s.accept(0, zeros);
  if (ones > 0) s.accept(1, ones);
  return s;
}

/** The rollup's distribution as a sketch (built from the counts for 0/1-only rollups), or null when empty. */
export function sketchOf(r: Rollup): DDSketch | null {
  if (r.sketch) return r.sketch;
  return r.count > 0 ? binarySketch(r.count - r.sum, r.sum) : null;
}

/** Adds one observation. */
export function addValue(r: Rollup, value: number): void {
  if (r.sketch === null && value !== 0 && value !== 1) r.sketch = binarySketch(r.count - r.sum, r.sum);
  r.count++;
  r.sum += value;
  r.sumSq += value * value;
  if (value !== 0) r.successes++;
  r.sketch?.accept(value);
}

/** Merges `from` into `into` (sketches are merged, never shared). */
export function mergeInto(into: Rollup, from: Rollup): void {
  if (from.count === 0) return;
  if (into.sketch !== null || from.sketch !== null) {
    into.sketch ??= binarySketch(into.count - into.sum, into.sum);
    mergeSketch(into.sketch, from.sketch ?? binarySketch(from.count - from.sum, from.sum));
  }
  into.count += from.count;
  into.sum += from.sum;
  into.sumSq += from.sumSq;
  into.successes += from.successes;
}

/**
 * Takes `from` — merged into `into` earlier — out of `into` again (the inverse of
 * {@link mergeInto}): moments subtracted, sketch bins subtracted ({@link subtractSketch}). When
 * nothing is left, `into` becomes empty (exact zeros, no sketch). The moments are as exact as
 * floating-point subtraction: `(a + b) − b` may differ from `a` in the last bits.
 */
export function subtractInto(into: Rollup, from: Rollup): void {
  if (from.count === 0) return;
  if (into.sketch !== null || from.sketch !== null) {
    into.sketch ??= binarySketch(into.count - into.sum, into.sum);
    subtractSketch(into.sketch, from.sketch ?? binarySketch(from.count - from.sum, from.sum));
  }
  into.count -= from.count;
  into.sum -= from.sum;
  into.sumSq -= from.sumSq;
  into.successes -= from.successes;
  if (into.count <= 0) Object.assign(into, emptyRollup());
}

/** A stored rollup row's columns (`metric_rollup`, `metric_rollup_level`, the import stage). */
export interface RollupColumns {
  count: number;
  sum: number;
  sum_sq: number;
  successes: number;
  sketch: Uint8Array | null;
}

/** The stored columns of a rollup (its sketch encoded; `successes` rounded, as stored). */
export function columnsOf(r: Rollup): RollupColumns {
  return {
    count: r.count,
    sum: r.sum,
    sum_sq: r.sumSq,
    successes: Math.round(r.successes),
    sketch: encodeSketch(r.sketch),
  };
}

/** The encoded sketch of stored columns, built from the counts for a 0/1-only row (null when empty). */
const blobOf = (c: RollupColumns): Uint8Array | null =>
  c.sketch ?? (c.count > 0 ? encodeSketch(binarySketch(c.count - c.sum, c.sum)) : null);

/**
 * The columns of `a` and `b` merged, without decoding their sketches (see
 * {@link mergeEncodedSketches}): the same as {@link columnsOf} of their rollups merged by
 * {@link mergeInto}. Inputs are not changed; the result may share a blob with one of them.
 * @throws RangeError for a bad sketch blob (see `decodeSketch`).
 */
export function addColumns(a: RollupColumns, b: RollupColumns): RollupColumns {
  if (b.count === 0) return a;
  if (a.count === 0) return b;
  return {
    count: a.count + b.count,
    sum: a.sum + b.sum,
    sum_sq: a.sum_sq + b.sum_sq,
    successes: a.successes + b.successes,
    sketch: a.sketch === null && b.sketch === null ? null : mergeEncodedSketches(blobOf(a), blobOf(b)),
  };
}

/**
 * The columns of `a` with `b` — merged into it earlier — taken out again (see
 * {@link subtractInto}); sketches are decoded, subtracted and encoded again.
 * @throws RangeError for a bad sketch blob (see `decodeSketch`).
 */
export function subtractColumns(a: RollupColumns, b: RollupColumns): RollupColumns {
  if (b.count === 0) return a;
  const r = rollupFromRow(a);
  subtractInto(r, rollupFromRow(b));
  return columnsOf(r);
}

/** The rollup of a stored row (its sketch decoded). */
export function rollupFromRow(r: RollupColumns): Rollup {
  return {
    count: r.count,
    sum: r.sum,
    sumSq: r.sum_sq,
    successes: r.successes,
    sketch: decodeSketch(r.sketch),
  };
}

/** Mean and sample SD (n − 1) from the moments; sd is null below 2 observations. */
export function moments(r: Rollup): { mean: number | null; sd: number | null } {
  if (r.count === 0) return { mean: null, sd: null };
  const mean = r.sum / r.count;
  if (r.count < 2) return { mean, sd: null };
  const variance = Math.max(0, (r.sumSq - r.count * mean * mean) / (r.count - 1));
  return { mean, sd: Math.sqrt(variance) };
}

/** p50/p95/p99 of a sketch, or null when it is empty. */
export function quantiles(s: DDSketch | null): { p50: number; p95: number; p99: number } | null {
  if (!s || s.count === 0) return null;
  return { p50: s.getValueAtQuantile(0.5), p95: s.getValueAtQuantile(0.95), p99: s.getValueAtQuantile(0.99) };
}

/**
 * The bins of a sketch as a weighted empirical distribution: each non-empty bin's representative
 * value (the one `getValueAtQuantile` returns, within the relative accuracy of the data in it) and
 * its count, values ascending (negative bins, zeros, positive bins). Null when the sketch is empty.
 */
export function sketchBins(s: DDSketch | null): { values: number[]; counts: number[] } | null {
  if (!s || s.count === 0) return null;
  const values: number[] = [];
  const counts: number[] = [];
  const neg = s.negativeStore;
  for (let key = neg.maxKey; key >= neg.minKey && neg.count > 0; key--) {
    const c = neg.bins[key - neg.offset] ?? 0;
    if (c > 0) {
      values.push(-s.mapping.value(key));
      counts.push(c);
    }
  }
  if (s.zeroCount > 0) {
    values.push(0);
    counts.push(s.zeroCount);
  }
  const pos = s.store;
  for (let key = pos.minKey; key <= pos.maxKey && pos.count > 0; key++) {
    const c = pos.bins[key - pos.offset] ?? 0;
    if (c > 0) {
      values.push(s.mapping.value(key));
      counts.push(c);
    }
  }
  return values.length ? { values, counts } : null;
}
