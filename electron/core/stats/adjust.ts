/**
 * Multiple-comparison adjustment of p-values across the metrics of one
 * experiment. Pure functions; the adjusted p-values are compared with the same
 * α as the unadjusted ones.
 *
 * - `holm`: Holm–Bonferroni step-down, controls the family-wise error rate.
 *   S. Holm (1979), "A simple sequentially rejective multiple test procedure",
 *   Scand. J. Statist. 6:65–70.
 *     adj_(i) = max_{j ≤ i} min(1, (m − j + 1)·p_(j))
 * - `bh`: Benjamini–Hochberg step-up, controls the false discovery rate.
 *   Y. Benjamini & Y. Hochberg (1995), JRSS B 57:289–300.
 *     adj_(i) = min_{j ≥ i} min(1, m/j · p_(j))
 * - `none`: the p-values unchanged.
 *
 * p_(1) ≤ … ≤ p_(m) are the sorted p-values; results come back in input order.
 * Same values as statsmodels `multipletests(method="holm" | "fdr_bh")` (checked
 * by the fixtures).
 */
export type AdjustMethod = 'none' | 'holm' | 'bh';

/** Every {@link AdjustMethod}. */
export const ADJUST_METHODS: readonly AdjustMethod[] = ['none', 'holm', 'bh'];

/**
 * Adjusted p-values, in the order of `pValues`.
 * @throws RangeError when a p-value is not a number in [0, 1].
 */
export function adjustPValues(pValues: readonly number[], method: AdjustMethod): number[] {
  pValues.forEach((p, i) => {
    if (!(p >= 0 && p <= 1)) throw new RangeError(`pValues[${i}]: must be in [0, 1], got ${p}`);
  });
  const m = pValues.length;
  if (method === 'none' || m === 0) return [...pValues];
  const order = pValues.map((_, i) => i).sort((i, j) => pValues[i]! - pValues[j]!);
  const out = new Array<number>(m);
  if (method === 'holm') {
    let running = 0;
    order.forEach((idx, rank) => {
      running = Math.max(running, Math.min(1, (m - rank) * pValues[idx]!));
      out[idx] = running;
    });
  } else if (method === 'bh') {
    let running = 1;
    for (let rank = m - 1; rank >= 0; rank--) {
      const idx = order[rank]!;
      running = Math.min(running, Math.min(1, (m / (rank + 1)) * pValues[idx]!));
      out[idx] = running;
    }
  } else throw new RangeError(`method: unknown adjustment ${JSON.stringify(method)} (none, holm, bh)`);
  return out;
}
