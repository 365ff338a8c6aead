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
 *
 * This module serves the window reads from the {@link RollupCache}; the levels are defined in
 * rollup-level-defs.ts, written by rollup-level-writes.ts, and read without the cache by
 * rollup-level-reads.ts.
 */
import type { Db, Sql } from '../db/database.ts';
import { emptyRollup, mergeInto, MINUTE_MS, type Rollup } from './rollup.ts';
import { minuteRollup, RollupCache, type CacheableRow, type SeriesKey } from './rollup-cache.ts';
import {
  addMinuteMeans,
  addMoments,
  ceilTo,
  mergeRows,
  SELECT_LEVELS,
  SELECT_MINUTES,
  seriesArgs,
  windowSegments,
  type LevelRow,
  type MinuteChange,
  type MinuteRow,
  type WindowSegment,
} from './rollup-level-defs.ts';
import { UncachedReads } from './rollup-level-reads.ts';
import { RollupLevelWriter } from './rollup-level-writes.ts';
import { ImportOverlay } from './rollup-overlay.ts';
import { SlidingMerge } from './sliding-merge.ts';

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

/**
 * Reads and maintains the hour/day levels of the rollups in one database. While an import is
 * being published or replaced, window reads add its cells not folded yet ({@link ImportOverlay}):
 * they read in one snapshot, without the cache.
 */
export class RollupLevels {
  private readonly sql: Sql;
  private readonly cache: RollupCache;
  private readonly overlay: ImportOverlay;
  /** The level writes ({@link refresh}, {@link addToLevels}, {@link rebuildAll}, {@link missing}). */
  private readonly writer: RollupLevelWriter;
  /** Window reads straight from SQLite: inside transactions, and while an import is publishing. */
  private readonly reads: UncachedReads;

  /** `sql`: the statement cache of `db`; the window cache and import overlay are `db`'s. */
  constructor(db: Db, sql: Sql) {
    this.sql = sql;
    this.cache = RollupCache.of(db);
    this.overlay = ImportOverlay.of(db);
    this.writer = new RollupLevelWriter(db, sql, this.cache);
    this.reads = new UncachedReads(db, sql, this.overlay);
  }

  /**
   * Recomputes the hour levels covering `[from, to)` from the minutes, then the day levels
   * covering it from the hours ({@link RollupLevelWriter.refresh}). Call inside the transaction
   * that changed the minutes.
   */
  refresh(k: SeriesKey, from: number, to: number): void {
    this.writer.refresh(k, from, to);
  }

  /**
   * Adds minute changes of a series to its hour and day levels without re-reading the minutes
   * ({@link RollupLevelWriter.addToLevels}). Call inside the transaction that wrote the minutes.
   */
  addToLevels(k: SeriesKey, changes: readonly MinuteChange[]): void {
    this.writer.addToLevels(k, changes);
  }

  /** Rebuilds every level of every series from the minutes (one transaction). */
  rebuildAll(): void {
    this.writer.rebuildAll();
  }

  /** True when minutes exist but no level does (e.g. a database from before schema v5). */
  missing(): boolean {
    return this.writer.missing();
  }

  /**
   * Summed moments (and the merged sketch when `withSketch`) of a series over `[from, to)` (ms;
   * rows sit on minute boundaries, so the bounds round up to a minute). Served from the
   * {@link RollupCache} outside transactions.
   */
  window(k: SeriesKey, fromMs: number, toMs: number, withSketch: boolean): Rollup {
    const from = ceilTo(fromMs, MINUTE_MS);
    const to = ceilTo(toMs, MINUTE_MS);
    if (this.overlay.active()) return this.reads.overlaidWindow(k, from, to, withSketch);
    if (!this.cache.usable()) return this.reads.readWindow(k, from, to, withSketch);
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

  /**
   * The per-minute means of a series over `[from, to)` as observations: count = minutes with
   * data, sum / sumSq = Σ mean / Σ mean², successes = minutes with a non-zero mean. Bounds as
   * {@link window}; served from the cache the same way.
   */
  minuteMeans(k: SeriesKey, fromMs: number, toMs: number): Rollup {
    const from = ceilTo(fromMs, MINUTE_MS);
    const to = ceilTo(toMs, MINUTE_MS);
    if (this.overlay.active()) return this.reads.overlaidMinuteMeans(k, from, to);
    if (!this.cache.usable()) return this.reads.readMinuteMeans(k, from, to);
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
}
