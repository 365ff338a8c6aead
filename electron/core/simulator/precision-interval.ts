/**
 * Wilson score interval for a binomial proportion (here: precision = covered
 * positives / covered).
 *
 * Source: E. B. Wilson (1927), "Probable inference, the law of succession, and
 * statistical inference", JASA 22:209–212; the same formula as statsmodels'
 * `proportion_confint(method="wilson")`. The normal quantile comes from
 * `@stdlib/stats-base-dists-normal-quantile`.
 */
import normalQuantile from '@stdlib/stats-base-dists-normal-quantile';

const zCache = new Map<number, number>();

/** Two-sided standard-normal quantile z(1 − α/2). */
function zFor(confidence: number): number {
  let z = zCache.get(confidence);
  if (z === undefined) {
    z = normalQuantile(1 - (1 - confidence) / 2, 0, 1);
    zCache.set(confidence, z);
  }
  return z;
}

/**
 * Wilson interval of `successes / trials` at `confidence` (default 0.95).
 * @returns `[lo, hi]` within [0, 1], or `null` when `trials` is 0.
 * @throws RangeError when counts are negative or successes > trials.
 */
export function wilsonInterval(
  successes: number,
  trials: number,
  confidence = 0.95,
): [number, number] | null {
  if (successes < 0 || trials < 0 || successes > trials)
    throw new RangeError(`wilsonInterval: need 0 ≤ successes (${successes}) ≤ trials (${trials})`);
  if (trials === 0) return null;
  const z = zFor(confidence);
  const p = successes / trials;
  const z2n = (z * z) / trials;
  const centre = (p + z2n / 2) / (1 + z2n);
  const half = (z / (1 + z2n)) * Math.sqrt((p * (1 - p)) / trials + z2n / (4 * trials));
  return [Math.max(0, centre - half), Math.min(1, centre + half)];
}

/**
 * The fewest trials at which the Wilson interval around an observed proportion
 * `observed` no longer contains `target`, assuming the proportion stays as
 * observed. The Wilson interval is the set of π with
 * (p̂ − π)² ≤ z² π(1 − π) / n (Wilson 1927), so `target` is outside once
 * n ≥ z² · target(1 − target) / (p̂ − target)²:
 * - p̂ > target: the lower bound reaches the target (lower bound ≥ target) from that n on;
 * - p̂ < target: the upper bound falls below the target (strictly) from the next integer on.
 * @param observed the observed proportion p̂, 0–1
 * @param target the value to separate from, 0–1
 * @param confidence two-sided level, default 0.95
 * @returns trials (a positive integer), or `null` when p̂ = target (no sample size separates them).
 * @throws RangeError when a proportion is outside [0, 1].
 */
export function wilsonSeparationSize(observed: number, target: number, confidence = 0.95): number | null {
  if (!(observed >= 0 && observed <= 1 && target >= 0 && target <= 1))
    throw new RangeError(`wilsonSeparationSize: need proportions in [0, 1], got ${observed}, ${target}`);
  const gap = observed - target;
  if (Math.abs(gap) < 1e-12) return null;
  const z = zFor(confidence);
  // rounded so that floating noise does not move an exact integer
  const n = Math.round(((z * z * target * (1 - target)) / (gap * gap)) * 1e9) / 1e9;
  return Math.max(1, gap > 0 ? Math.ceil(n) : Math.floor(n) + 1);
}
