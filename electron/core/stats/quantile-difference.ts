/**
 * Difference of a quantile (default p95) between two arms summarised as weighted
 * empirical distributions (the bins of a DDSketch: each bin's representative value
 * and its count), with a seeded bootstrap percentile interval and p-value.
 *
 * The bootstrap resamples each arm's n values with replacement from its binned
 * distribution. The resampled quantile is the k-th order statistic of n draws,
 * k = ⌊q·(n − 1)⌋ + 1 (the rank DDSketch's `getValueAtQuantile` uses), and it is
 * drawn exactly without generating the n values: X*₍ₖ₎ = F̂⁻¹(U₍ₖ₎) with
 * U₍ₖ₎ ~ Beta(k, n − k + 1), the k-th order statistic of n uniforms. So every
 * resample uses the arm's full n (no cap on the draw size) at O(log bins) cost.
 * See docs/statistics.md ("Quantile metrics").
 */
import betaSampler from '@stdlib/random-base-beta';
import seedrandom from 'seedrandom';

/** The quantile compared for `kind: 'quantile'` metrics. */
export const COMPARED_QUANTILE = 0.95;
/** Bootstrap resamples by default. */
export const DEFAULT_BOOTSTRAP_RESAMPLES = 1000;
/** Default PRNG seed, so that the same data always gives the same interval. */
export const DEFAULT_BOOTSTRAP_SEED = 'rcr-quantile-bootstrap';

/** A weighted empirical distribution: `values` strictly ascending, `counts[i]` > 0 observations at `values[i]`. */
export interface WeightedValues {
  values: number[];
  counts: number[];
}

/** Options of {@link bootstrapQuantileDifference}. */
export interface QuantileDifferenceOptions {
  /** Quantile in (0, 1); default {@link COMPARED_QUANTILE}. */
  quantile?: number;
  /** Two-sided level: the interval is at 1 − alpha. */
  alpha: number;
  /** Bootstrap resamples B; default {@link DEFAULT_BOOTSTRAP_RESAMPLES}. */
  resamples?: number;
  seed?: string | number;
}

/** Result of {@link bootstrapQuantileDifference}: each arm's quantile, their difference and lift. */
export interface QuantileDifference {
  quantile: number;
  /** Quantile of each arm (a = control, b = treatment). */
  qA: number;
  qB: number;
  /** q_b − q_a, bootstrap percentile CI at 1 − α, two-sided bootstrap p-value. */
  absolute: { estimate: number; ci: [number, number]; pValue: number };
  /** (q_b − q_a)/|q_a| with its bootstrap percentile CI; null when q_a = 0 in the data or a resample. */
  relative: { estimate: number; ci: [number, number] } | null;
  resamples: number;
}

/** Cumulative counts and the total of a weighted distribution (validated). */
function cumulative(w: WeightedValues): { cum: Float64Array; total: number } {
  if (w.values.length !== w.counts.length || w.values.length === 0)
    throw new RangeError('a weighted distribution needs as many counts as values, at least one');
  const cum = new Float64Array(w.counts.length);
  let total = 0;
  for (let i = 0; i < w.counts.length; i++) {
    const c = w.counts[i] as number;
    if (!(c > 0) || (i > 0 && !((w.values[i] as number) > (w.values[i - 1] as number))))
      throw new RangeError('counts must be positive and values strictly ascending');
    total += c;
    cum[i] = total;
  }
  return { cum, total };
}

/** Index of the first bin whose cumulative count is ≥ `rank` (binary search). */
function binAtCumulative(cum: Float64Array, rank: number): number {
  let lo = 0;
  let hi = cum.length - 1;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if ((cum[mid] as number) >= rank) hi = mid;
    else lo = mid + 1;
  }
  return lo;
}

/** 1-based rank k = ⌊q·(n − 1)⌋ + 1 of the q-quantile among n values (as DDSketch). */
const quantileRank = (q: number, n: number): number => Math.floor(q * (n - 1)) + 1;

/** The q-quantile of a weighted distribution, with DDSketch's rank convention. */
export function weightedQuantile(w: WeightedValues, q: number): number {
  const { cum, total } = cumulative(w);
  return w.values[binAtCumulative(cum, quantileRank(q, Math.round(total)))] as number;
}

/** Draws Beta(a, b) variates. */
type BetaDraw = (a: number, b: number) => number;

/** A seeded Beta sampler from `@stdlib/random-base-beta` (MT19937 underneath); the seed is hashed to a uint32. */
function seededBeta(seed: string | number): BetaDraw {
  const uint32 = Math.floor(seedrandom.alea(String(seed))() * 0xfffffffe) + 1;
  return betaSampler.factory({ seed: uint32 }) as BetaDraw;
}

/**
 * One bootstrap replicate of the q-quantile of n values drawn with replacement from `w`:
 * F̂⁻¹(U₍ₖ₎) with U₍ₖ₎ ~ Beta(k, n − k + 1).
 */
function resampledQuantile(
  w: WeightedValues,
  cum: Float64Array,
  total: number,
  k: number,
  beta: BetaDraw,
): number {
  const n = Math.round(total);
  const p = beta(k, n - k + 1);
  return w.values[binAtCumulative(cum, p * total)] as number;
}

/** B bootstrap replicates of the q-quantile of `w` (the sampler the comparison uses; for checks). */
export function resampledQuantiles(
  w: WeightedValues,
  q: number,
  B: number,
  seed: string | number,
): Float64Array {
  const { cum, total } = cumulative(w);
  const k = quantileRank(q, Math.round(total));
  const beta = seededBeta(seed);
  const out = new Float64Array(B);
  for (let i = 0; i < B; i++) out[i] = resampledQuantile(w, cum, total, k, beta);
  return out;
}

/**
 * Percentile interval at 1 − α from B sorted replicates, without interpolation: the k-th
 * smallest and the k-th largest, k = max(1, ⌊(B + 1)·α/2⌋) (Davison & Hinkley 1997,
 * "Bootstrap Methods and their Application", §5.2). Using ranks, not values, makes the
 * difference and the lift intervals (same resamples, same signs) exclude 0 together.
 */
function percentileInterval(sorted: Float64Array, alpha: number): [number, number] {
  const B = sorted.length;
  const k = Math.max(1, Math.floor(((B + 1) * alpha) / 2));
  return [sorted[k - 1] as number, sorted[B - k] as number];
}

/**
 * Bootstrap comparison of the q-quantile of `b` (treatment) against `a` (control).
 *
 * - Interval: percentile interval at 1 − α ({@link percentileInterval}: the k-th smallest and
 *   k-th largest of the B replicates, k = ⌊(B + 1)·α/2⌋), for the difference and the lift.
 * - p-value: p = min(1, 2·(m + 1)/(B + 1)), m = the smaller of #(d* ≤ 0) and #(d* ≥ 0) over the
 *   replicates d* (a replicate at exactly 0 counts on both sides): the add-one two-sided
 *   bootstrap p-value (Davison & Hinkley 1997, §4.4). It is the inversion of the interval:
 *   p ≤ α exactly when the interval at 1 − α excludes 0 (equality only if (B + 1)·α is an even
 *   integer, which B = 1,000 never meets for α of two decimals).
 *
 * @param a, b weighted distributions (control, treatment), e.g. DDSketch bins.
 * @throws RangeError for a quantile or α outside (0, 1), B not an integer ≥ 10, or a malformed
 *   distribution.
 */
export function bootstrapQuantileDifference(
  a: WeightedValues,
  b: WeightedValues,
  o: QuantileDifferenceOptions,
): QuantileDifference {
  const q = o.quantile ?? COMPARED_QUANTILE;
  const B = o.resamples ?? DEFAULT_BOOTSTRAP_RESAMPLES;
  if (!(q > 0 && q < 1)) throw new RangeError('quantile must be in (0, 1)');
  if (!(o.alpha > 0 && o.alpha < 1)) throw new RangeError('alpha must be in (0, 1)');
  if (!Number.isInteger(B) || B < 10) throw new RangeError('resamples must be an integer ≥ 10');
  const ca = cumulative(a);
  const cb = cumulative(b);
  const ka = quantileRank(q, Math.round(ca.total));
  const kb = quantileRank(q, Math.round(cb.total));
  const qA = a.values[binAtCumulative(ca.cum, ka)] as number;
  const qB = b.values[binAtCumulative(cb.cum, kb)] as number;
  const estimate = qB - qA;

  const beta = seededBeta(o.seed ?? DEFAULT_BOOTSTRAP_SEED);
  const diffs = new Float64Array(B);
  const rels = new Float64Array(B);
  let relOk = qA !== 0;
  let atMostZero = 0;
  let atLeastZero = 0;
  for (let i = 0; i < B; i++) {
    const ra = resampledQuantile(a, ca.cum, ca.total, ka, beta);
    const rb = resampledQuantile(b, cb.cum, cb.total, kb, beta);
    const d = rb - ra;
    diffs[i] = d;
    if (ra === 0) relOk = false;
    else rels[i] = d / Math.abs(ra);
    if (d <= 0) atMostZero++;
    if (d >= 0) atLeastZero++;
  }
  diffs.sort();
  rels.sort();
  const pValue = Math.min(1, (2 * (Math.min(atMostZero, atLeastZero) + 1)) / (B + 1));
  return {
    quantile: q,
    qA,
    qB,
    absolute: { estimate, ci: percentileInterval(diffs, o.alpha), pValue },
    relative: relOk ? { estimate: estimate / Math.abs(qA), ci: percentileInterval(rels, o.alpha) } : null,
    resamples: B,
  };
}
