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
