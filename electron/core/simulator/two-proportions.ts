/**
 * Comparing two independent proportions (here: the precisions of two model
 * versions at their thresholds): an interval for the difference and the
 * sample size needed to tell it from a boundary.
 *
 * - Interval: Newcombe's hybrid score interval (method 10 of R. G. Newcombe
 *   (1998), "Interval estimation for the difference between independent
 *   proportions: comparison of eleven methods", Statistics in Medicine
 *   17:873–890), built from the two Wilson score intervals; it keeps its
 *   coverage with small samples and proportions near 0 or 1, where the Wald
 *   interval does not. Checked against the paper's Table II.
 * - Sample size: the normal-approximation formula for testing
 *   H0: p1 − p2 ≤ δ (or ≥ δ) at one-sided level α with power 1 − β, from
 *   S.-C. Chow, J. Shao & H. Wang (2008), "Sample Size Calculations in
 *   Clinical Research", 2nd ed., §4.2:
 *   n per arm = (z₁₋α + z₁₋β)² · (p1(1 − p1) + p2(1 − p2)) / (p1 − p2 − δ)².
 *
 * Normal quantiles come from `@stdlib/stats-base-dists-normal-quantile`.
 */
import normalQuantile from '@stdlib/stats-base-dists-normal-quantile';
import { wilsonInterval } from './precision-interval.ts';

/**
 * Newcombe's hybrid score interval for p1 − p2, with p1 = x1/n1, p2 = x2/n2:
 * `[d − √((p1 − l1)² + (u2 − p2)²), d + √((u1 − p1)² + (p2 − l2)²)]` where
 * (l, u) are the Wilson intervals at the same `confidence` (Newcombe 1998, method 10).
 * @param x1 successes of the first proportion (may be fractional, e.g. precision × covered)
 * @param n1 trials of the first proportion
 * @param x2 successes of the second proportion
 * @param n2 trials of the second proportion
 * @param confidence two-sided level, default 0.95
 * @returns `[lo, hi]` on the difference scale (−1 … 1), or `null` when either has no trials.
 * @throws RangeError when a count is negative or successes exceed trials.
 */
export function newcombeInterval(
  x1: number,
  n1: number,
  x2: number,
  n2: number,
  confidence = 0.95,
): [number, number] | null {
  const w1 = wilsonInterval(x1, n1, confidence);
  const w2 = wilsonInterval(x2, n2, confidence);
  if (!w1 || !w2) return null;
  const p1 = x1 / n1;
  const p2 = x2 / n2;
  const d = p1 - p2;
  const lo = d - Math.hypot(p1 - w1[0], w2[1] - p2);
  const hi = d + Math.hypot(w1[1] - p1, p2 - w2[0]);
  return [Math.max(-1, lo), Math.min(1, hi)];
}

/** Options of {@link twoProportionSampleSize}. */
export interface SampleSizeOptions {
  /**
   * One-sided significance level of the test against the boundary, default
   * 0.025 — the level of one side of a two-sided 95% interval.
   */
  alphaOneSided?: number;
  /** Power 1 − β, default 0.8. */
  power?: number;
}

/**
 * Observations per arm (equal allocation) needed to show, with the given power,
 * that p1 − p2 lies on the same side of `boundary` as assumed (Chow, Shao &
 * Wang 2008, §4.2): `(z₁₋α + z₁₋β)² (p1(1−p1) + p2(1−p2)) / (p1 − p2 − boundary)²`,
 * rounded up. p1 and p2 are taken as the true proportions (e.g. the observed ones).
 * @param p1 first proportion, 0–1
 * @param p2 second proportion, 0–1
 * @param boundary the difference to tell p1 − p2 from (e.g. 0, or a margin), −1 … 1
 * @returns a positive integer, or `null` when p1 − p2 equals the boundary (no sample size
 *   tells them apart) or both proportions are 0 or 1 (the normal approximation has no variance).
 * @throws RangeError for proportions outside [0, 1] or a level / power outside (0, 1).
 */
export function twoProportionSampleSize(
  p1: number,
  p2: number,
  boundary: number,
  options: SampleSizeOptions = {},
): number | null {
  const alpha = options.alphaOneSided ?? 0.025;
  const power = options.power ?? 0.8;
  if (!(p1 >= 0 && p1 <= 1 && p2 >= 0 && p2 <= 1))
    throw new RangeError(`twoProportionSampleSize: proportions must be in [0, 1], got ${p1}, ${p2}`);
  if (!(alpha > 0 && alpha < 1 && power > 0 && power < 1))
    throw new RangeError(
      `twoProportionSampleSize: need 0 < alpha (${alpha}) < 1 and 0 < power (${power}) < 1`,
    );
  const gap = p1 - p2 - boundary;
  const variance = p1 * (1 - p1) + p2 * (1 - p2);
  if (Math.abs(gap) < 1e-12 || variance === 0) return null;
  const z = normalQuantile(1 - alpha, 0, 1) + normalQuantile(power, 0, 1);
  // round first so that floating noise does not push an exact integer up by one
  return Math.ceil(Math.round(((z * z * variance) / (gap * gap)) * 1e9) / 1e9);
}
