/**
 * The writes of the hour and day levels ({@link RollupLevelWriter}): recomputed from the minutes
 * below them ({@link RollupLevelWriter.refresh}, {@link RollupLevelWriter.rebuildAll}) or moved by
 * the minutes' changes without re-reading them ({@link RollupLevelWriter.addToLevels}). Each write
 * invalidates what the {@link RollupCache} holds of the changed range.
 */
import type { Db, Sql } from '../db/database.ts';
import { addColumns, columnsOf, mergeInto, MINUTE_MS, rollupFromRow, type RollupColumns } from './rollup.ts';
import type { RollupCache, SeriesKey } from './rollup-cache.ts';
import {
  addMean,
  ceilTo,
  DAY_MS,
  DELETE_LEVELS,
  emptyAgg,
  emptyMeans,
  floorTo,
  HOUR_MS,
  PUT_LEVEL,
  SELECT_LEVEL,
  SELECT_LEVELS,
  SELECT_MINUTES,
  seriesArgs,
  type LevelAgg,
  type LevelRow,
  type MeanSums,
  type MinuteChange,
  type MinuteRow,
} from './rollup-level-defs.ts';

/** Writes the hour/day levels of the rollups in one database (see the module doc). */
export class RollupLevelWriter {
  private readonly db: Db;
  private readonly sql: Sql;
  private readonly cache: RollupCache;

  /** `cache`: the connection's window cache, invalidated by every write. */
  constructor(db: Db, sql: Sql, cache: RollupCache) {
    this.db = db;
    this.sql = sql;
    this.cache = cache;
  }

  /**
   * Recomputes the hour levels covering `[from, to)` from the minutes, then the day levels
   * covering it from the hours. Call inside the transaction that changed the minutes.
   */
  refresh(k: SeriesKey, from: number, to: number): void {
    if (from >= to) return;
    this.cache.invalidate(k, from, to);
    this.rebuild(k, HOUR_MS, floorTo(from, HOUR_MS), ceilTo(to, HOUR_MS));
    this.rebuild(k, DAY_MS, floorTo(from, DAY_MS), ceilTo(to, DAY_MS));
  }

  /**
   * Adds minute changes of a series to its hour and day levels without re-reading the minutes.
   * The level rows gain each change's `delta` (moments summed, sketches merged encoded — nothing is
   * decoded) and the minute-mean sums swap that minute's old mean for its new one. A level row is
   * created when its bucket had no minute before. Call inside the transaction that wrote the
   * minutes; same result as {@link refresh} over the changed minutes, up to floating-point
   * summation order.
   */
  addToLevels(k: SeriesKey, changes: readonly MinuteChange[]): void {
    if (!changes.length) return;
    let lo = Infinity;
    let hi = -Infinity;
    for (const c of changes) {
      lo = Math.min(lo, c.minute);
      hi = Math.max(hi, c.minute + MINUTE_MS);
    }
    this.cache.invalidate(k, lo, hi);
    for (const size of [HOUR_MS, DAY_MS]) {
      const aggs = new Map<number, MeanSums & { cols: RollupColumns }>();
      for (const c of changes) {
        const bucket = floorTo(c.minute, size);
        let a = aggs.get(bucket);
        if (!a) aggs.set(bucket, (a = { ...emptyMeans(), cols: c.delta }));
        else a.cols = addColumns(a.cols, c.delta);
        if (c.before && c.before.count > 0) addMean(a, c.before.sum / c.before.count, -1);
        if (c.after.count > 0) addMean(a, c.after.sum / c.after.count, 1);
      }
      const get = this.sql(SELECT_LEVEL);
      for (const [bucket, a] of aggs) {
        const row = get.get(...seriesArgs(k), size, bucket) as LevelRow | undefined;
        if (row) {
          a.cols = addColumns(row, a.cols);
          a.minutes += row.minutes;
          a.ratioSum += row.ratio_sum;
          a.ratioSumSq += row.ratio_sum_sq;
          a.ratioNonzero += row.ratio_nonzero;
        }
        this.putLevel(k, size, bucket, a.cols, a);
      }
    }
  }

  /** Rebuilds every level of every series from the minutes (one transaction). */
  rebuildAll(): void {
    this.cache.clear();
    this.db.transaction(() => {
      this.sql(`DELETE FROM metric_rollup_level`).run();
      const series = this.sql(
        `SELECT provider, environment, flag_key AS flagKey, metric, variant, MIN(minute) AS lo, MAX(minute) AS hi
         FROM metric_rollup GROUP BY provider, environment, flag_key, metric, variant`,
      ).all() as Array<SeriesKey & { lo: number; hi: number }>;
      for (const s of series) this.refresh(s, s.lo, s.hi + MINUTE_MS);
    })();
  }

  /** True when minutes exist but no level does (e.g. a database from before schema v5). */
  missing(): boolean {
    const r = this.sql(
      `SELECT EXISTS (SELECT 1 FROM metric_rollup) AS minutes, EXISTS (SELECT 1 FROM metric_rollup_level) AS levels`,
    ).get() as { minutes: number; levels: number };
    return r.minutes === 1 && r.levels === 0;
  }

  /** Replaces the `size` level rows with `lo <= bucket < hi` by ones merged from the next finer level. */
  private rebuild(k: SeriesKey, size: number, lo: number, hi: number): void {
    this.sql(DELETE_LEVELS).run(...seriesArgs(k), size, lo, hi);
    const aggs = new Map<number, LevelAgg>();
    const at = (t: number): LevelAgg => {
      const b = floorTo(t, size);
      let a = aggs.get(b);
      if (!a) aggs.set(b, (a = emptyAgg()));
      return a;
    };
    // One day of finer rows at a time keeps memory bounded for long ranges.
    for (let from = lo; from < hi; from += DAY_MS) {
      const to = Math.min(hi, from + DAY_MS);
      if (size === HOUR_MS) {
        const rows = this.sql(SELECT_MINUTES).all(...seriesArgs(k), from, to) as MinuteRow[];
        for (const r of rows) {
          const a = at(r.minute);
          mergeInto(a.rollup, rollupFromRow(r));
          if (r.count > 0) addMean(a, r.sum / r.count, 1);
        }
      } else {
        const rows = this.sql(SELECT_LEVELS).all(...seriesArgs(k), HOUR_MS, from, to) as LevelRow[];
        for (const r of rows) {
          const a = at(r.bucket);
          mergeInto(a.rollup, rollupFromRow(r));
          a.minutes += r.minutes;
          a.ratioSum += r.ratio_sum;
          a.ratioSumSq += r.ratio_sum_sq;
          a.ratioNonzero += r.ratio_nonzero;
        }
      }
    }
    for (const [bucket, a] of aggs) this.putLevel(k, size, bucket, columnsOf(a.rollup), a);
  }

  /** Writes (or replaces) one level row: its rollup's columns and its minute-mean sums. */
  private putLevel(k: SeriesKey, size: number, bucket: number, cols: RollupColumns, means: MeanSums): void {
    this.sql(PUT_LEVEL).run(
      ...seriesArgs(k),
      size,
      bucket,
      cols.count,
      cols.sum,
      cols.sum_sq,
      Math.round(cols.successes),
      means.minutes,
      means.ratioSum,
      means.ratioSumSq,
      means.ratioNonzero,
      cols.sketch,
    );
  }
}
