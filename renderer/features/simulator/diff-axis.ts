/**
 * The horizontal axis of the A/B difference plot: a range that shows the
 * interval, 0 and the ship margin, with "nice" ticks (1, 2 or 5 × 10^k pp).
 * Pure.
 */

/** Axis of the difference plot, in percentage points. */
export interface DiffAxis {
  /** Left end, pp. */
  min: number;
  /** Right end, pp. */
  max: number;
  /** Tick positions, pp, ascending, within [min, max]. */
  ticks: number[];
}

/**
 * An axis covering `[lo, hi]` (the interval), 0 and `marginPp`, padded by 8% of the span on
 * each side (at least 0.5 pp of span), with 4–8 ticks at a 1/2/5 × 10^k step.
 * @param lo lower end of the interval, pp
 * @param hi upper end of the interval, pp (≥ lo)
 * @param marginPp the ship margin, pp (≥ 0)
 * @throws RangeError when a value is not finite or hi < lo.
 */
export function diffAxis(lo: number, hi: number, marginPp: number): DiffAxis {
  if (![lo, hi, marginPp].every(Number.isFinite) || hi < lo)
    throw new RangeError(`diffAxis: need finite lo ≤ hi, got ${lo}, ${hi}, margin ${marginPp}`);
  const a = Math.min(lo, 0, marginPp);
  const b = Math.max(hi, 0, marginPp);
  const span = Math.max(b - a, 0.5);
  const pad = span * 0.08;
  const min = a - pad;
  const max = b + pad;
  const raw = (max - min) / 6;
  const mag = 10 ** Math.floor(Math.log10(raw));
  const step = ([1, 2, 5, 10].find((m) => m * mag >= raw) ?? 10) * mag;
  const ticks: number[] = [];
  for (let t = Math.ceil(min / step) * step; t <= max + 1e-9; t += step) ticks.push(Number(t.toFixed(6)));
  return { min, max, ticks };
}

/** `+1.2 pp`, `−0.7 pp`, `0 pp` (one decimal, a true minus sign). */
export function formatPp(v: number): string {
  const r = Number(v.toFixed(1));
  return `${r > 0 ? '+' : r < 0 ? '−' : ''}${Math.abs(r).toFixed(r === 0 ? 0 : 1)} pp`;
}
