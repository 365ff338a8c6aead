/**
 * Hour and day levels of the per-minute rollups (table `metric_rollup_level`,
 * schema v5), and window queries that read them.
 *
 * A window `[from, to)` is cut into segments: whole days from the day level,
 * whole hours at its edges from the hour level, and the remaining minutes from
 * `metric_rollup` — 30 days of one series is then ~30 day rows, ≤ 46 hour rows
 * and ≤ 118 minute rows instead of 43,200 minute rows. Moments are summed by
 * SQLite; sketches (only when asked for) are decoded and merged here.
 *
 * Each level row also holds the sums of the per-minute means (`minutes`,
 * `ratio_sum`, `ratio_sum_sq`, `ratio_nonzero`): a ratio metric's observation
 * is one minute's mean, so its window statistics are sums too.
 */
import type { Db, Sql } from '../db/database.ts';
import {
  addColumns,
  columnsOf,
  emptyRollup,
  mergeInto,
  MINUTE_MS,
  rollupFromRow,
  subtractInto,
  type Rollup,
  type RollupColumns,
} from './rollup.ts';
import { minuteRollup, RollupCache, type CacheableRow, type SeriesKey } from './rollup-cache.ts';
import { ImportOverlay, type OverlayCell } from './rollup-overlay.ts';
import { SlidingMerge } from './sliding-merge.ts';

export const HOUR_MS = 3_600_000;
export const DAY_MS = 86_400_000;

export type { SeriesKey } from './rollup-cache.ts';

/** Part of a window read at one resolution: rows with `from <= minute|bucket < to`. */
export interface WindowSegment {
  /** Bucket length, ms: {@link MINUTE_MS} (table `metric_rollup`), {@link HOUR_MS} or {@link DAY_MS}. */
  resolution: number;
  from: number;
  to: number;
}

const floorTo = (ms: number, size: number): number => Math.floor(ms / size) * size;
const ceilTo = (ms: number, size: number): number => Math.ceil(ms / size) * size;

/**
 * Cuts `[from, to)` (ms; `from` at a minute boundary) into the coarsest segments that cover it
 * exactly, in time order. Pure.
 */
export function windowSegments(
  from: number,
  to: number,
  sizes: readonly number[] = [DAY_MS, HOUR_MS],
): WindowSegment[] {
  if (from >= to) return [];
  const [size, ...finer] = sizes;
  if (size === undefined) return [{ resolution: MINUTE_MS, from, to }];
  const a = ceilTo(from, size);
  const b = floorTo(to, size);
  if (a >= b) return windowSegments(from, to, finer);
  return [
    ...windowSegments(from, a, finer),
    { resolution: size, from: a, to: b },
    ...windowSegments(b, to, finer),
  ];
}

/** A level bucket's sums of its minutes' means (minutes with data). */
interface MeanSums {
  minutes: number;
  ratioSum: number;
  ratioSumSq: number;
  ratioNonzero: number;
}

/** The merged statistics of a level bucket: the rollup and the sums of its minutes' means. */
interface LevelAgg extends MeanSums {
  rollup: Rollup;
}

/**
 * One minute's change, for {@link RollupLevels.addToLevels}: its stored row `before` (null when it
 * had none) and `after`, which is `before` plus `delta` (stored columns, sketches encoded).
 */
export interface MinuteChange {
  minute: number;
  delta: RollupColumns;
  before: RollupColumns | null;
  after: RollupColumns;
}

/** Adds (`sign` 1) or removes (−1) one minute's mean `v` in a level's minute-mean sums. */
function addMean(a: MeanSums, v: number, sign: 1 | -1): void {
  a.minutes += sign;
  a.ratioSum += sign * v;
  a.ratioSumSq += sign * v * v;
  if (v !== 0) a.ratioNonzero += sign;
}

const emptyMeans = (): MeanSums => ({ minutes: 0, ratioSum: 0, ratioSumSq: 0, ratioNonzero: 0 });

const emptyAgg = (): LevelAgg => ({ rollup: emptyRollup(), ...emptyMeans() });

interface MinuteRow extends RollupColumns {
  minute: number;
}

interface LevelRow extends RollupColumns {
  bucket: number;
  minutes: number;
  ratio_sum: number;
  ratio_sum_sq: number;
  ratio_nonzero: number;
}

/** A cached level segment: its rows' summed moments and minute-mean sums, and the rows. */
interface CachedLevel {
  moments: Rollup;
  minutes: number;
  ratioSum: number;
  ratioSumSq: number;
  ratioNonzero: number;
  rows: LevelRow[];
  /** The rows merged with their sketches, made on first use. */
  merged: Rollup | null;
}

/** Adds the moments (not the sketch) of a rollup or a stored row to `into`. */
function addMoments(into: Rollup, r: Rollup | Omit<RollupColumns, 'sketch'>): void {
  into.count += r.count;
  into.sum += r.sum;
  into.sumSq += 'sumSq' in r ? r.sumSq : r.sum_sq;
  into.successes += r.successes;
}

/** Pseudo-resolutions of the cached window values (see {@link RollupLevels.window}). */
const SPAN_MOMENTS = -1;
const SPAN_SKETCH = -2;
const SPAN_MINUTE_MEANS = -3;
/** Pseudo-resolution of the {@link SlidingMerge} slots of sketch windows (by window length). */
const SPAN_SLIDING = -4;

/**
 * Sketch windows up to this length (ms, without their last minute) move with a
 * {@link SlidingMerge} (their minutes stay within the cache's per-series bound); longer ones (e.g.
 * a stage of days) are read from the levels.
 */
export const SLIDING_MAX_MS = 120 * MINUTE_MS;

/** A {@link SlidingMerge} slot: made once the window of its length has moved forward. */
interface SlidingSlot {
  lastFrom: number | null;
  merge: SlidingMerge | null;
}

/** Adds each minute's mean (minutes with data) as one observation to `out`. */
function addMinuteMeans(out: Rollup, minutes: ReadonlyArray<{ row: RollupColumns }>): void {
  for (const { row } of minutes) {
    if (row.count <= 0) continue;
    const v = row.sum / row.count;
    out.count++;
    out.sum += v;
    out.sumSq += v * v;
    if (v !== 0) out.successes++;
  }
}

/** The rows merged into one rollup (sketches decoded and merged). */
function mergeRows(rows: readonly RollupColumns[]): Rollup {
  const out = emptyRollup();
  for (const r of rows) mergeInto(out, rollupFromRow(r));
  return out;
}

const SERIES = `provider = ? AND environment = ? AND flag_key = ? AND metric = ? AND variant = ?`;
const seriesArgs = (k: SeriesKey): string[] => [k.provider, k.environment, k.flagKey, k.metric, k.variant];

// Statement texts built once (the statement cache is keyed by the text).
const SELECT_MINUTES = `SELECT minute, count, sum, sum_sq, successes, sketch FROM metric_rollup
  WHERE ${SERIES} AND minute >= ? AND minute < ?`;
const LEVEL_COLUMNS = `count, sum, sum_sq, successes, minutes, ratio_sum, ratio_sum_sq, ratio_nonzero, sketch`;
const SELECT_LEVELS = `SELECT bucket, ${LEVEL_COLUMNS} FROM metric_rollup_level
  WHERE ${SERIES} AND resolution = ? AND bucket >= ? AND bucket < ?`;
const SELECT_LEVEL = `SELECT ${LEVEL_COLUMNS} FROM metric_rollup_level
  WHERE ${SERIES} AND resolution = ? AND bucket = ?`;
const DELETE_LEVELS = `DELETE FROM metric_rollup_level WHERE ${SERIES} AND resolution = ? AND bucket >= ? AND bucket < ?`;
const PUT_LEVEL = `INSERT OR REPLACE INTO metric_rollup_level (provider, environment, flag_key, metric, variant,
  resolution, bucket, ${LEVEL_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`;

/** Adds (`sign` 1) or removes (−1) one minute's mean `v` as an observation of a minute-means rollup. */
function addMinuteMean(out: Rollup, v: number, sign: 1 | -1): void {
  out.count += sign;
  out.sum += sign * v;
  out.sumSq += sign * v * v;
  if (v !== 0) out.successes += sign;
}

/** Adds (`sign` 1) or removes (−1) one minute's moments (not its sketch) in `into`. */
function addMomentsSigned(into: Rollup, r: Omit<RollupColumns, 'sketch'>, sign: 1 | -1): void {
  into.count += sign * r.count;
  into.sum += sign * r.sum;
  into.sumSq += sign * r.sum_sq;
  into.successes += sign * r.successes;
}

/**
 * Reads and maintains the hour/day levels of the rollups in one database. While an import is
 * being published or replaced, window reads add its cells not folded yet ({@link ImportOverlay}):
 * they read in one snapshot, without the cache.
 */
export class RollupLevels {
  private readonly db: Db;
  private readonly sql: Sql;
  private readonly cache: RollupCache;
  private readonly overlay: ImportOverlay;

  constructor(db: Db, sql: Sql) {
    this.db = db;
    this.sql = sql;
    this.cache = RollupCache.of(db);
    this.overlay = ImportOverlay.of(db);
  }

  /** Runs the reads of `fn` in one snapshot (a read transaction, unless one is open already). */
  private snapshot<T>(fn: () => T): T {
    return this.db.inTransaction ? fn() : this.db.transaction(fn)();
  }

  /** {@link window} while an import is publishing: the stored rows plus its pending cells, in one snapshot. */
  private overlaidWindow(k: SeriesKey, from: number, to: number, withSketch: boolean): Rollup {
    return this.snapshot(() => {
      const out = this.readWindow(k, from, to, withSketch);
      for (const c of this.overlay.cells(k, from, to)) {
        if (!withSketch) addMomentsSigned(out, c, c.sign);
        else if (c.sign > 0) mergeInto(out, rollupFromRow(c));
        else subtractInto(out, rollupFromRow(c));
      }
      return out;
    });
  }

  /**
   * {@link minuteMeans} while an import is publishing: each minute with pending cells counts with
   * its mean after them (stored row ± cells) instead of its stored mean, in one snapshot.
   */
  private overlaidMinuteMeans(k: SeriesKey, from: number, to: number): Rollup {
    return this.snapshot(() => {
      const out = this.readMinuteMeans(k, from, to);
      const cells = this.overlay.cells(k, from, to);
      const first = cells[0];
      if (!first) return out;
      const last = cells[cells.length - 1] as OverlayCell;
      const stored = new Map(
        (
          this.sql(
            `SELECT minute, count, sum, sum_sq, successes FROM metric_rollup WHERE ${SERIES} AND minute >= ? AND minute < ?`,
          ).all(...seriesArgs(k), first.minute, last.minute + MINUTE_MS) as Array<Omit<MinuteRow, 'sketch'>>
        ).map((r) => [r.minute, r]),
      );
      const changed = new Map<number, Rollup>();
      for (const c of cells) {
        let r = changed.get(c.minute);
        if (!r) {
          changed.set(c.minute, (r = emptyRollup()));
          const s = stored.get(c.minute);
          if (s) addMomentsSigned(r, s, 1);
        }
        addMomentsSigned(r, c, c.sign);
      }
      for (const [minute, after] of changed) {
        const before = stored.get(minute);
        if (before && before.count > 0) addMinuteMean(out, before.sum / before.count, -1);
        if (after.count > 0) addMinuteMean(out, after.sum / after.count, 1);
      }
      return out;
    });
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

  /**
   * Summed moments (and the merged sketch when `withSketch`) of a series over `[from, to)` (ms;
   * rows sit on minute boundaries, so the bounds round up to a minute). Served from the
   * {@link RollupCache} outside transactions.
   */
  window(k: SeriesKey, fromMs: number, toMs: number, withSketch: boolean): Rollup {
    const from = ceilTo(fromMs, MINUTE_MS);
    const to = ceilTo(toMs, MINUTE_MS);
    if (this.overlay.active()) return this.overlaidWindow(k, from, to, withSketch);
    if (!this.cache.usable()) return this.readWindow(k, from, to, withSketch);
    const kind = withSketch ? SPAN_SKETCH : SPAN_MOMENTS;
    const whole = this.cache.peek<Rollup>(k, kind, from, to);
    if (whole) return { ...whole };
    // The window's last minute (where new data lands) is read on its own; the minutes before it
    // are kept as one cached value, valid until one of them changes.
    const cut = Math.max(from, to - MINUTE_MS);
    const out = emptyRollup();
    if (cut > from) {
      const head = this.cache.segment(
        k,
        kind,
        from,
        cut,
        () =>
          withSketch && cut - from <= SLIDING_MAX_MS
            ? this.slidingHead(k, from, cut)
            : this.cachedWindow(k, from, cut, withSketch),
        true,
      );
      if (withSketch) mergeInto(out, head);
      else addMoments(out, head);
    }
    for (const m of this.cachedMinutes(k, cut, to, withSketch))
      if (withSketch) mergeInto(out, minuteRollup(m));
      else addMoments(out, m.row);
    this.cache.put(k, kind, from, to, out, true);
    return { ...out };
  }

  /**
   * The merged sketch window `[from, to)` of closed minutes: the first time a window of this
   * length is read, from the minutes and levels; once it has moved forward, with a
   * {@link SlidingMerge} kept in the cache (a few merges per minute moved instead of one per
   * minute of the window).
   */
  private slidingHead(k: SeriesKey, from: number, to: number): Rollup {
    const slot = this.cache.slot<SlidingSlot>(k, SPAN_SLIDING, to - from, () => ({
      lastFrom: null,
      merge: null,
    }));
    const v = slot.value;
    if (!v.merge && (v.lastFrom === null || from <= v.lastFrom)) {
      v.lastFrom = from;
      slot.from = from;
      slot.to = to;
      return this.cachedWindow(k, from, to, true);
    }
    v.merge ??= new SlidingMerge();
    const parts = v.merge.parts(from, to, (a, b) =>
      this.cachedMinutes(k, a, b, true).map((m) => ({ minute: m.row.minute, rollup: minuteRollup(m) })),
    );
    ({ from: slot.from, to: slot.to } = v.merge.held());
    const out = emptyRollup();
    for (const p of parts) mergeInto(out, p);
    return out;
  }

  /** {@link window} of `[from, to)` from the cached minutes and level segments. */
  private cachedWindow(k: SeriesKey, from: number, to: number, withSketch: boolean): Rollup {
    const out = emptyRollup();
    for (const seg of windowSegments(from, to)) {
      if (seg.resolution === MINUTE_MS) {
        for (const m of this.cachedMinutes(k, seg.from, seg.to, withSketch))
          if (withSketch) mergeInto(out, minuteRollup(m));
          else addMoments(out, m.row);
        continue;
      }
      const level = this.cachedLevel(k, seg);
      if (withSketch) mergeInto(out, (level.merged ??= mergeRows(level.rows)));
      else addMoments(out, level.moments);
    }
    return out;
  }

  /**
   * Tells the cache the minute rows just committed for a series (call right after the write
   * transaction, so nothing is cached that could still roll back; a no-op inside an enclosing
   * transaction): the minutes of `rows` — and, with `range` (a replace), every minute of the range,
   * those without a row being empty. With `range`, only minutes the cache does not hold are
   * filled: the writer invalidated the ones it changed, so those it still holds are unchanged. The
   * following window reads need no SQLite read for them.
   */
  writeThrough(k: SeriesKey, rows: ReadonlyArray<CacheableRow>, range?: { from: number; to: number }): void {
    if (!this.cache.usable()) return;
    if (range) this.cache.fill(k, ceilTo(range.from, MINUTE_MS), ceilTo(range.to, MINUTE_MS), rows, true);
    else for (const r of rows) this.cache.fill(k, r.minute, r.minute + MINUTE_MS, [r]);
  }

  /**
   * Reads the minutes `[from, to)` of several series of one flag (`keys`, same provider,
   * environment and flag) into the cache with one query — what a monitor tick does first for the
   * current minute, instead of one query per series. No-op inside a transaction or when at most
   * one series lacks those minutes.
   */
  prefetch(keys: readonly SeriesKey[], fromMs: number, toMs: number): void {
    const from = ceilTo(fromMs, MINUTE_MS);
    const to = ceilTo(toMs, MINUTE_MS);
    const first = keys[0];
    if (!first || from >= to || this.overlay.active() || !this.cache.usable()) return;
    const missing = keys.filter((k) => !this.cache.covers(k, from, to));
    if (missing.length < 2) return;
    // IN lists on the primary key's metric and variant columns: one index seek per pair (the
    // flag/minute index would visit the flag's whole history).
    const metrics = [...new Set(missing.map((k) => k.metric))];
    const variants = [...new Set(missing.map((k) => k.variant))];
    const marks = (n: number): string => Array.from({ length: n }, () => '?').join(', ');
    const rows = this.sql(
      `SELECT metric, variant, minute, count, sum, sum_sq, successes, sketch FROM metric_rollup
       WHERE provider = ? AND environment = ? AND flag_key = ? AND metric IN (${marks(metrics.length)})
         AND variant IN (${marks(variants.length)}) AND minute >= ? AND minute < ?`,
    ).all(first.provider, first.environment, first.flagKey, ...metrics, ...variants, from, to) as Array<
      MinuteRow & { metric: string; variant: string }
    >;
    const bySeries = new Map<string, MinuteRow[]>();
    for (const r of rows) {
      const id = `${r.metric}\u0000${r.variant}`;
      const list = bySeries.get(id);
      if (list) list.push(r);
      else bySeries.set(id, [r]);
    }
    for (const k of missing)
      this.cache.fill(k, from, to, bySeries.get(`${k.metric}\u0000${k.variant}`) ?? []);
  }

  /**
   * Cached minute rows of a series in `[from, to)` (minute-aligned); unknown minutes are read.
   * `decode`: the caller decodes their rollups (see {@link RollupCache.minutes}).
   */
  private cachedMinutes(k: SeriesKey, from: number, to: number, decode = false) {
    return this.cache.minutes(
      k,
      from,
      to,
      (a, b) => this.sql(SELECT_MINUTES).all(...seriesArgs(k), a, b) as MinuteRow[],
      decode,
    );
  }

  /** A level segment's summed columns and rows (their sketches merged on first use), cached. */
  private cachedLevel(k: SeriesKey, seg: WindowSegment): CachedLevel {
    return this.cache.segment(k, seg.resolution, seg.from, seg.to, () => {
      const rows = this.sql(SELECT_LEVELS).all(
        ...seriesArgs(k),
        seg.resolution,
        seg.from,
        seg.to,
      ) as LevelRow[];
      const level: CachedLevel = {
        moments: emptyRollup(),
        minutes: 0,
        ratioSum: 0,
        ratioSumSq: 0,
        ratioNonzero: 0,
        rows,
        merged: null,
      };
      for (const r of rows) {
        addMoments(level.moments, r);
        level.minutes += r.minutes;
        level.ratioSum += r.ratio_sum;
        level.ratioSumSq += r.ratio_sum_sq;
        level.ratioNonzero += r.ratio_nonzero;
      }
      return level;
    });
  }

  private readWindow(k: SeriesKey, from: number, to: number, withSketch: boolean): Rollup {
    const out: Rollup = { count: 0, sum: 0, sumSq: 0, successes: 0, sketch: null };
    for (const seg of windowSegments(from, to)) {
      const where =
        seg.resolution === MINUTE_MS
          ? `FROM metric_rollup WHERE ${SERIES} AND minute >= ? AND minute < ?`
          : `FROM metric_rollup_level WHERE ${SERIES} AND resolution = ${seg.resolution} AND bucket >= ? AND bucket < ?`;
      if (withSketch) {
        // Every row is merged as a rollup, so 0/1-only rows (stored without a sketch) count as
        // their zeros and ones; the moments come with it.
        const rows = this.sql(`SELECT count, sum, sum_sq, successes, sketch ${where}`).all(
          ...seriesArgs(k),
          seg.from,
          seg.to,
        ) as RollupColumns[];
        for (const row of rows) mergeInto(out, rollupFromRow(row));
        continue;
      }
      const r = this.sql(
        `SELECT COALESCE(SUM(count), 0) AS count, COALESCE(SUM(sum), 0) AS sum, COALESCE(SUM(sum_sq), 0) AS sum_sq,
                COALESCE(SUM(successes), 0) AS successes ${where}`,
      ).get(...seriesArgs(k), seg.from, seg.to) as Omit<RollupColumns, 'sketch'>;
      out.count += r.count;
      out.sum += r.sum;
      out.sumSq += r.sum_sq;
      out.successes += r.successes;
    }
    return out;
  }

  /**
   * The per-minute means of a series over `[from, to)` as observations: count = minutes with
   * data, sum / sumSq = Σ mean / Σ mean², successes = minutes with a non-zero mean. Bounds as
   * {@link window}; served from the cache the same way.
   */
  minuteMeans(k: SeriesKey, fromMs: number, toMs: number): Rollup {
    const from = ceilTo(fromMs, MINUTE_MS);
    const to = ceilTo(toMs, MINUTE_MS);
    if (this.overlay.active()) return this.overlaidMinuteMeans(k, from, to);
    if (!this.cache.usable()) return this.readMinuteMeans(k, from, to);
    const whole = this.cache.peek<Rollup>(k, SPAN_MINUTE_MEANS, from, to);
    if (whole) return { ...whole };
    const cut = Math.max(from, to - MINUTE_MS);
    const out = emptyRollup();
    if (cut > from)
      addMoments(
        out,
        this.cache.segment(k, SPAN_MINUTE_MEANS, from, cut, () => this.cachedMinuteMeans(k, from, cut), true),
      );
    addMinuteMeans(out, this.cachedMinutes(k, cut, to));
    this.cache.put(k, SPAN_MINUTE_MEANS, from, to, out, true);
    return { ...out };
  }

  /** {@link minuteMeans} of `[from, to)` from the cached minutes and level segments. */
  private cachedMinuteMeans(k: SeriesKey, from: number, to: number): Rollup {
    const out = emptyRollup();
    for (const seg of windowSegments(from, to)) {
      if (seg.resolution === MINUTE_MS) {
        addMinuteMeans(out, this.cachedMinutes(k, seg.from, seg.to));
        continue;
      }
      const level = this.cachedLevel(k, seg);
      out.count += level.minutes;
      out.sum += level.ratioSum;
      out.sumSq += level.ratioSumSq;
      out.successes += level.ratioNonzero;
    }
    return out;
  }

  private readMinuteMeans(k: SeriesKey, from: number, to: number): Rollup {
    const out: Rollup = { count: 0, sum: 0, sumSq: 0, successes: 0, sketch: null };
    for (const seg of windowSegments(from, to)) {
      const r = (
        seg.resolution === MINUTE_MS
          ? this.sql(
              `SELECT COALESCE(SUM(count > 0), 0) AS n,
                      COALESCE(SUM(CASE WHEN count > 0 THEN sum / count END), 0) AS s,
                      COALESCE(SUM(CASE WHEN count > 0 THEN (sum / count) * (sum / count) END), 0) AS ss,
                      COALESCE(SUM(count > 0 AND sum != 0), 0) AS nz
               FROM metric_rollup WHERE ${SERIES} AND minute >= ? AND minute < ?`,
            )
          : this.sql(
              `SELECT COALESCE(SUM(minutes), 0) AS n, COALESCE(SUM(ratio_sum), 0) AS s,
                      COALESCE(SUM(ratio_sum_sq), 0) AS ss, COALESCE(SUM(ratio_nonzero), 0) AS nz
               FROM metric_rollup_level WHERE ${SERIES} AND resolution = ${seg.resolution}
                 AND bucket >= ? AND bucket < ?`,
            )
      ).get(...seriesArgs(k), seg.from, seg.to) as { n: number; s: number; ss: number; nz: number };
      out.count += r.n;
      out.sum += r.s;
      out.sumSq += r.ss;
      out.successes += r.nz;
    }
    return out;
  }
}
