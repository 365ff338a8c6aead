/**
 * Sliding-window merge of per-minute rollups by the "two stacks" method: a window of L minutes
 * that moves forward a minute at a time costs a few merges per move instead of L.
 *
 * The minutes held are `[start, end)`, cut at `split`: for every minute m in `[start, split)` the
 * merge of `[m, split)` is kept (the suffixes, built back to front in one pass when the window
 * passes `split`), and `[split, end)` is kept as one running merge (the tail, extended as the window
 * grows). The window `[from, to)` with `start <= from <= split <= end <= to` is then the suffix at
 * `from` plus the tail (after merging `[end, to)` into it). Every merge is of counts, sums and
 * DDSketch bin counts, so the parts add up to the rollup of the whole window (moments up to
 * floating-point summation order).
 *
 * Amortized: one rebuild of L minutes (2 merges each) every L moves, plus one merge into the tail
 * per move; a read returns two parts (the caller merges them).
 *
 * Method: the two-stacks sliding-window aggregation, e.g. K. Tangwongsan, M. Hirzel, S. Schneider,
 * "Sliding-Window Aggregation Algorithms", Encyclopedia of Big Data Technologies (Springer, 2019).
 */
import { emptyRollup, mergeInto, MINUTE_MS, type Rollup } from './rollup.ts';

/** A stored minute of a series: its start (ms) and rollup (read-only). */
export interface MinuteRollup {
  minute: number;
  rollup: Rollup;
}

/**
 * Reads the stored minutes of a series with `a <= minute < b` (ms, minute-aligned), in minute
 * order; minutes without data are absent.
 */
export type MinuteSource = (a: number, b: number) => MinuteRollup[];

/** The sliding-window merge of one series' minute rollups (see the module docs). */
export class SlidingMerge {
  private start = 0;
  private split = 0;
  private end = 0;
  /** `suffix[i]`: the merge of the minutes `[start + i·1 min, split)`. */
  private suffix: Rollup[] = [];
  /** The merge of the minutes `[split, end)`. */
  private tail: Rollup = emptyRollup();

  /** The minutes whose rollups are held (`[from, to)`, ms): a change to one of them makes this stale. */
  held(): { from: number; to: number } {
    return { from: this.start, to: this.end };
  }

  /**
   * The merge of the minutes `[from, to)` (ms, minute-aligned, `from < to`) as parts to merge (at
   * most two; read-only, and valid until the next call: merge them at once). Moves forward by extending the tail; rebuilds
   * when the window moved back, past `split`, or further than its own length.
   */
  parts(from: number, to: number, minutes: MinuteSource): Rollup[] {
    const reusable =
      this.end > this.start &&
      from >= this.start &&
      from <= this.split &&
      to >= this.end &&
      to - this.end <= to - from;
    if (!reusable) this.rebuild(from, to, minutes);
    else if (to > this.end) {
      for (const m of minutes(this.end, to)) mergeInto(this.tail, m.rollup);
      this.end = to;
    }
    const out: Rollup[] = [];
    if (from < this.split) out.push(this.suffix[(from - this.start) / MINUTE_MS] as Rollup);
    if (this.tail.count > 0) out.push(this.tail);
    return out;
  }

  /** Holds `[from, to)` as suffixes only (split = to), built back to front; the tail is emptied. */
  private rebuild(from: number, to: number, minutes: MinuteSource): void {
    const rows = minutes(from, to);
    const n = (to - from) / MINUTE_MS;
    const suffix = new Array<Rollup>(n);
    let next = emptyRollup();
    let r = rows.length - 1;
    for (let i = n - 1; i >= 0; i--) {
      const at = from + i * MINUTE_MS;
      const row = r >= 0 && rows[r]?.minute === at ? rows[r--] : undefined;
      if (row && row.rollup.count > 0) {
        const merged = emptyRollup();
        mergeInto(merged, row.rollup);
        mergeInto(merged, next);
        next = merged;
      }
      suffix[i] = next;
    }
    this.start = from;
    this.split = to;
    this.end = to;
    this.suffix = suffix;
    this.tail = emptyRollup();
  }
}
