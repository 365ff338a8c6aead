/**
 * In-memory cache of stored rollup rows, per series, for the window reads of
 * {@link RollupLevels} (`window`, `minuteMeans`).
 *
 * The rollout monitor reads the same recent windows of every guarded series every few seconds;
 * between two reads, at most a few minutes of a series change (new data lands in the current
 * minute, a Prometheus re-poll rewrites its lookback). The cache keeps
 * - each minute row read (moments, the sketch blob decoded on first use) and the minutes known to
 *   be empty, so a window that slid by a minute, or whose last minute changed, re-reads only the
 *   minutes it does not know;
 * - each hour/day level segment read (`resolution`, `[from, to)`), whole, and any other value a
 *   caller derives from one span of one series (e.g. a window's closed minutes).
 *
 * Validity:
 * - every write path of this process refreshes the levels of what it changed
 *   ({@link RollupLevels.refresh}), which calls {@link RollupCache.invalidate} with the series and
 *   the changed range: those minutes and every level segment overlapping them are forgotten;
 * - a commit by another connection — another process on the same data folder, e.g. `rcr import`
 *   while the app is open — clears the whole cache ({@link ConnectionWatch});
 * - nothing is cached or served while a transaction is open (it could still roll back).
 *
 * One cache per database connection ({@link RollupCache.of}), shared by every store on it.
 * Bounded: per series at most {@link ROLLUP_CACHE_SERIES_MINUTES} minutes (the oldest go first)
 * and {@link ROLLUP_CACHE_SERIES_SEGMENTS} segments (the least recently added go first); in all at
 * most {@link ROLLUP_CACHE_MAX_ENTRIES}, beyond which the cache is cleared. Cached rollups are read-only: callers merge from them, never into them.
 */
import { ConnectionWatch } from '../db/connection-watch.ts';
import type { Db } from '../db/database.ts';
import { rollupFromRow, type Rollup, type RollupColumns } from './rollup.ts';

/** Minutes and segments kept in all before the cache is cleared. */
export const ROLLUP_CACHE_MAX_ENTRIES = 300_000;

/** Minutes kept per series: beyond this, the oldest are dropped (down to 3/4 of it). */
export const ROLLUP_CACHE_SERIES_MINUTES = 2_880;

/** Segments kept per series: beyond this, the least recently added is dropped. */
export const ROLLUP_CACHE_SERIES_SEGMENTS = 48;

/** A cached minute: the stored row's columns; `rollup` is decoded on first use. */
export interface CachedMinute {
  row: RollupColumns;
  rollup: Rollup | null;
}

/** The rollup of a cached minute (decoding its sketch once). */
export function minuteRollup(m: CachedMinute): Rollup {
  return (m.rollup ??= rollupFromRow(m.row));
}

interface SeriesEntry {
  /** minute → its row, or null when the minute is known to have no row. */
  minutes: Map<number, CachedMinute | null>;
  /** `${resolution}:${from}:${to}` → the segment. */
  segments: Map<string, { from: number; to: number; value: unknown }>;
}

/** The cache's key of a series (one metric of one variant of one flag). */
export function seriesCacheKey(k: {
  provider: string;
  environment: string;
  flagKey: string;
  metric: string;
  variant: string;
}): string {
  return `${k.provider}\u0000${k.environment}\u0000${k.flagKey}\u0000${k.metric}\u0000${k.variant}`;
}

const caches = new WeakMap<Db, RollupCache>();

export class RollupCache {
  /** The cache of connection `db` (created on first use). */
  static of(db: Db): RollupCache {
    let c = caches.get(db);
    if (!c) caches.set(db, (c = new RollupCache(db)));
    return c;
  }

  private readonly db: Db;
  private readonly watch: ConnectionWatch;
  private epoch: number;
  private readonly series = new Map<string, SeriesEntry>();
  private entries = 0;

  private constructor(db: Db) {
    this.db = db;
    this.watch = ConnectionWatch.of(db);
    this.epoch = this.watch.epoch();
  }

  /** False inside a transaction: read from the database directly then. */
  usable(): boolean {
    if (this.db.inTransaction) return false;
    const epoch = this.watch.epoch();
    if (epoch !== this.epoch) {
      this.epoch = epoch;
      this.clear();
    }
    return true;
  }

  /**
   * The rows of `series` with `from <= minute < to` (minute-aligned bounds), in minute order.
   * Minutes not cached are read with `load(a, b)` — one call per run of unknown minutes — which
   * returns the stored rows with `a <= minute < b`. Call only when {@link usable}.
   */
  minutes(
    series: string,
    from: number,
    to: number,
    step: number,
    load: (a: number, b: number) => Array<RollupColumns & { minute: number }>,
  ): CachedMinute[] {
    const e = this.entry(series);
    const out: CachedMinute[] = [];
    let runStart = -1;
    const fill = (a: number, b: number): void => this.fillEntry(e, a, b, step, load(a, b));
    for (let t = from; t < to; t += step) {
      if (!e.minutes.has(t)) {
        if (runStart < 0) runStart = t;
      } else if (runStart >= 0) {
        fill(runStart, t);
        runStart = -1;
      }
    }
    if (runStart >= 0) fill(runStart, to);
    if (e.minutes.size > ROLLUP_CACHE_SERIES_MINUTES) this.trimMinutes(e, from);
    for (let t = from; t < to; t += step) {
      const m = e.minutes.get(t);
      if (m) out.push(m);
    }
    if (this.entries > ROLLUP_CACHE_MAX_ENTRIES) this.clear();
    return out;
  }

  /** Whether every minute of `series` in `[from, to)` is cached (as a row or as known-empty). */
  covers(series: string, from: number, to: number, step: number): boolean {
    const e = this.series.get(series);
    if (!e) return false;
    for (let t = from; t < to; t += step) if (!e.minutes.has(t)) return false;
    return true;
  }

  /**
   * Caches the stored rows of `series` in `[from, to)` read by the caller (`rows`: every row of
   * the series in that span; minutes without one are known-empty). Call only when {@link usable}.
   */
  fill(
    series: string,
    from: number,
    to: number,
    step: number,
    rows: ReadonlyArray<RollupColumns & { minute: number }>,
  ): void {
    this.fillEntry(this.entry(series), from, to, step, rows);
    if (this.entries > ROLLUP_CACHE_MAX_ENTRIES) this.clear();
  }

  private fillEntry(
    e: SeriesEntry,
    from: number,
    to: number,
    step: number,
    rows: ReadonlyArray<RollupColumns & { minute: number }>,
  ): void {
    for (let t = from; t < to; t += step) {
      if (!e.minutes.has(t)) this.entries++;
      e.minutes.set(t, null);
    }
    for (const r of rows) e.minutes.set(r.minute, { row: r, rollup: null });
  }

  /**
   * A value derived from one span of `series` — a level segment (`resolution` ms, `[from, to)`)
   * or a window — made with `load()` when not cached. The caller keeps one value type per
   * `resolution`. Call only when {@link usable}.
   */
  segment<T>(series: string, resolution: number, from: number, to: number, load: () => T): T {
    const hit = this.peek<T>(series, resolution, from, to);
    if (hit !== undefined) return hit;
    const value = load();
    this.put(series, resolution, from, to, value);
    return value;
  }

  /** The cached value of a span (see {@link segment}), or undefined. */
  peek<T>(series: string, resolution: number, from: number, to: number): T | undefined {
    return this.series.get(series)?.segments.get(`${resolution}:${from}:${to}`)?.value as T | undefined;
  }

  /** Caches the value of a span (see {@link segment}). */
  put(series: string, resolution: number, from: number, to: number, value: unknown): void {
    const e = this.entry(series);
    const key = `${resolution}:${from}:${to}`;
    const had = e.segments.delete(key);
    e.segments.set(key, { from, to, value });
    if (had) return;
    if (e.segments.size > ROLLUP_CACHE_SERIES_SEGMENTS) {
      const oldest = e.segments.keys().next().value as string;
      e.segments.delete(oldest);
    } else if (++this.entries > ROLLUP_CACHE_MAX_ENTRIES) this.clear();
  }

  /** Forgets what is cached of `series` in `[from, to)` (ms): its minutes and overlapping segments. */
  invalidate(series: string, from: number, to: number, step: number): void {
    const e = this.series.get(series);
    if (!e) return;
    if ((to - from) / step <= e.minutes.size) {
      for (let t = Math.ceil(from / step) * step; t < to; t += step) if (e.minutes.delete(t)) this.entries--;
    } else
      for (const t of [...e.minutes.keys()])
        if (t >= from && t < to) {
          e.minutes.delete(t);
          this.entries--;
        }
    for (const [key, s] of e.segments)
      if (s.from < to && s.to > from) {
        e.segments.delete(key);
        this.entries--;
      }
  }

  /** Forgets everything. */
  clear(): void {
    this.series.clear();
    this.entries = 0;
  }

  /** Drops the oldest minutes of a series (never those from `keep` on) down to 3/4 of the cap. */
  private trimMinutes(e: SeriesEntry, keep: number): void {
    const old = [...e.minutes.keys()].filter((t) => t < keep).sort((a, b) => a - b);
    const drop = Math.min(old.length, e.minutes.size - Math.floor((ROLLUP_CACHE_SERIES_MINUTES * 3) / 4));
    for (let i = 0; i < drop; i++) e.minutes.delete(old[i] as number);
    this.entries -= Math.max(0, drop);
  }

  private entry(series: string): SeriesEntry {
    let e = this.series.get(series);
    if (!e) this.series.set(series, (e = { minutes: new Map(), segments: new Map() }));
    return e;
  }
}
