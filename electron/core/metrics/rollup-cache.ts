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
 * - every write path of this process tells the levels what it changed
 *   ({@link RollupLevels.refresh} / `addToLevels`), which calls {@link RollupCache.invalidate} with
 *   the series and the changed range: those minutes and every span overlapping them are forgotten;
 * - a commit by another connection — another process on the same data folder, e.g. `rcr import`
 *   while the app is open — clears the whole cache ({@link ConnectionWatch});
 * - nothing is cached or served while a transaction is open (it could still roll back);
 * - a window's value (a live window ending at the current minute) is dropped once a window of the
 *   series ending later is cached.
 *
 * Keys are numbers and nested maps (provider → … → variant): a lookup builds no string.
 * One cache per database connection ({@link RollupCache.of}), shared by every store on it.
 * Bounded: per series at most {@link ROLLUP_CACHE_SERIES_MINUTES} minutes (the oldest go first)
 * and {@link ROLLUP_CACHE_SERIES_SEGMENTS} spans (the least recently added go first); in all at
 * most {@link ROLLUP_CACHE_MAX_ENTRIES}, beyond which the cache is cleared. Cached rollups are
 * read-only: callers merge from them, never into them.
 */
import { ConnectionWatch } from '../db/connection-watch.ts';
import type { Db } from '../db/database.ts';
import { MINUTE_MS, rollupFromRow, type Rollup, type RollupColumns } from './rollup.ts';

/** Minutes and spans kept in all before the cache is cleared (all of it: the next reads are cold). */
export const ROLLUP_CACHE_MAX_ENTRIES = 400_000;

/**
 * Minutes kept per series: beyond this, the oldest are dropped (down to 3/4 of it; never those of
 * the read in progress). A window reads minute rows only at its edges (whole hours and days come
 * from the levels) and a sliding sketch window of up to 2 hours reads its minutes; 2,000 series ×
 * 180 minutes stay under {@link ROLLUP_CACHE_MAX_ENTRIES}.
 */
export const ROLLUP_CACHE_SERIES_MINUTES = 180;

/** Spans kept per series: beyond this, the least recently added is dropped. */
export const ROLLUP_CACHE_SERIES_SEGMENTS = 48;

/** A cached minute: the stored row's columns; `rollup` is decoded on first use. */
export interface CachedMinute {
  row: RollupColumns & { minute: number };
  rollup: Rollup | null;
}

/** The rollup of a cached minute (decoding its sketch once). */
export function minuteRollup(m: CachedMinute): Rollup {
  return (m.rollup ??= rollupFromRow(m.row));
}

/**
 * A stored minute row to cache; `rollup`, when the writer has it, is the row decoded (read-only
 * from then on), kept when the series is read with sketches so the read does not decode it again.
 */
export type CacheableRow = RollupColumns & { minute: number; rollup?: Rollup };

/** One metric of one variant of one flag. */
export interface SeriesKey {
  provider: string;
  environment: string;
  flagKey: string;
  metric: string;
  variant: string;
}

/**
 * A cached span of a series. `from`/`to` (ms) say which minutes it was made from: an
 * invalidation overlapping them drops it. A {@link RollupCache.slot} owner may move them.
 */
export interface CachedSpan<T = unknown> {
  from: number;
  to: number;
  value: T;
  /** A window's value (see {@link RollupCache.put}): dropped once windows end later. */
  window?: boolean;
}

interface SeriesEntry {
  /**
   * Minute index (ms / {@link MINUTE_MS}: a small integer, cheaper to hash than the ms) → its row,
   * or null when the minute is known to have no row.
   */
  minutes: Map<number, CachedMinute | null>;
  /** {@link spanKey} → the span, least recently added first. */
  spans: Map<number, CachedSpan>;
  /** The latest end of a window value put (ms). */
  windowTo: number;
  /** Whether sketch reads of the series decode its minutes (then a writer's decoded rollup is kept). */
  decodes: boolean;
}

/** Bits of a span key (52 in all, so every key is an exact double): kind, first minute, length. */
const KIND_BITS = 2 ** 3;
const MINUTE_BITS = 2 ** 26;
const LENGTH_BITS = 2 ** 23;
const kindIndex = new Map<number, number>();

/**
 * A span's key: `kind` (a resolution in ms, or a caller's negative pseudo-resolution; at most 8
 * distinct), the minute index of `from` and the span's length in minutes — numbers, so a lookup
 * builds no string. Bounds must sit on minute boundaries.
 */
function spanKey(kind: number, from: number, to: number): number {
  let k = kindIndex.get(kind);
  if (k === undefined) {
    k = kindIndex.size;
    if (k >= KIND_BITS) throw new Error(`rollup cache: more than ${KIND_BITS} span kinds`);
    kindIndex.set(kind, k);
  }
  const a = from / MINUTE_MS;
  const n = (to - from) / MINUTE_MS;
  if (!Number.isInteger(a) || !Number.isInteger(n) || a < 0 || a >= MINUTE_BITS || n < 0 || n >= LENGTH_BITS)
    throw new Error(`rollup cache: span [${from}, ${to}) is not minute-aligned or out of range`);
  return (k * MINUTE_BITS + a) * LENGTH_BITS + n;
}

const caches = new WeakMap<Db, RollupCache>();

type Nested<T> = Map<string, T>;

/** The rollup cache of one database connection (see the module docs); get it with {@link RollupCache.of}. */
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
  /** provider → environment → flag → metric → variant → entry: lookups build no key string. */
  private series: Nested<Nested<Nested<Nested<Map<string, SeriesEntry>>>>> = new Map();
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
   * returns the stored rows with `a <= minute < b`. `decode`: the caller decodes the rollups (a
   * sketch read); from then on, rows written through for the series keep the writer's decoded
   * rollup. Call only when {@link usable}.
   */
  minutes(
    series: SeriesKey,
    from: number,
    to: number,
    load: (a: number, b: number) => Array<RollupColumns & { minute: number }>,
    decode = false,
  ): CachedMinute[] {
    const e = this.entry(series, true);
    if (decode) e.decodes = true;
    const out: CachedMinute[] = [];
    let runStart = -1;
    const a = from / MINUTE_MS;
    const b = to / MINUTE_MS;
    for (let i = a; i <= b; i++) {
      if (i < b && !e.minutes.has(i)) {
        if (runStart < 0) runStart = i;
      } else if (runStart >= 0) {
        this.fillEntry(e, runStart * MINUTE_MS, i * MINUTE_MS, load(runStart * MINUTE_MS, i * MINUTE_MS));
        runStart = -1;
      }
    }
    if (e.minutes.size > ROLLUP_CACHE_SERIES_MINUTES) this.trimMinutes(e, from);
    for (let i = a; i < b; i++) {
      const m = e.minutes.get(i);
      if (m) out.push(m);
    }
    if (this.entries > ROLLUP_CACHE_MAX_ENTRIES) this.clear();
    return out;
  }

  /** Whether every minute of `series` in `[from, to)` is cached (as a row or as known-empty). */
  covers(series: SeriesKey, from: number, to: number): boolean {
    const e = this.entry(series, false);
    if (!e) return false;
    for (let i = from / MINUTE_MS; i < to / MINUTE_MS; i++) if (!e.minutes.has(i)) return false;
    return true;
  }

  /**
   * Caches the stored rows of `series` in `[from, to)` read by the caller (`rows`: every row of
   * the series in that span; minutes without one are known-empty). With `onlyMissing`, minutes
   * already cached are left as they are. Call only when {@link usable}.
   */
  fill(
    series: SeriesKey,
    from: number,
    to: number,
    rows: ReadonlyArray<CacheableRow>,
    onlyMissing = false,
  ): void {
    const e = this.entry(series, true);
    if (!onlyMissing) this.fillEntry(e, from, to, rows);
    else {
      const known = new Set<number>();
      for (let t = from; t < to; t += MINUTE_MS) if (e.minutes.has(t / MINUTE_MS)) known.add(t);
      this.fillEntry(
        e,
        from,
        to,
        rows.filter((r) => !known.has(r.minute)),
        known,
      );
    }
    if (this.entries > ROLLUP_CACHE_MAX_ENTRIES) this.clear();
  }

  private fillEntry(
    e: SeriesEntry,
    from: number,
    to: number,
    rows: ReadonlyArray<CacheableRow>,
    skip?: ReadonlySet<number>,
  ): void {
    for (let t = from; t < to; t += MINUTE_MS) {
      if (skip?.has(t)) continue;
      const i = t / MINUTE_MS;
      if (!e.minutes.has(i)) this.entries++;
      e.minutes.set(i, null);
    }
    for (const r of rows)
      e.minutes.set(r.minute / MINUTE_MS, { row: r, rollup: e.decodes ? (r.rollup ?? null) : null });
  }

  /**
   * A value derived from one span of `series` — a level segment (`kind` = its resolution in ms,
   * `[from, to)`) or a window (a negative pseudo-resolution) — made with `load()` when not cached.
   * The caller keeps one value type per `kind`. Bounds on minute boundaries. Call only when
   * {@link usable}.
   */
  segment<T>(series: SeriesKey, kind: number, from: number, to: number, load: () => T, window = false): T {
    const hit = this.peek<T>(series, kind, from, to);
    if (hit !== undefined) return hit;
    const value = load();
    this.put(series, kind, from, to, value, window);
    return value;
  }

  /** The cached value of a span (see {@link segment}), or undefined. */
  peek<T>(series: SeriesKey, kind: number, from: number, to: number): T | undefined {
    return this.entry(series, false)?.spans.get(spanKey(kind, from, to))?.value as T | undefined;
  }

  /**
   * Caches the value of a span (see {@link segment}). A `window` value — a window read up to "now"
   * — is only reused while windows end at the same minute: once a window ending later is put, the
   * window values of the series ending more than a minute earlier are dropped (a live window moves
   * on every minute; the old ones would only fill the cache).
   */
  put(series: SeriesKey, kind: number, from: number, to: number, value: unknown, window = false): void {
    const e = this.entry(series, true);
    if (window && to > e.windowTo) {
      e.windowTo = to;
      e.spans.forEach((s, key) => {
        if (s.window && s.to < to - MINUTE_MS) {
          e.spans.delete(key);
          this.entries--;
        }
      });
    }
    this.putSpan(e, spanKey(kind, from, to), window ? { from, to, value, window } : { from, to, value });
  }

  /**
   * A span record of `series` kept under (`kind`, `id`) — not under its bounds — for a value its
   * owner updates in place as the span moves (e.g. a sliding window's aggregates). `from`/`to`
   * start empty (`to <= from`); the owner sets them to the minutes the value holds, so an
   * invalidation overlapping them drops the record (the next call returns a fresh one).
   * `id`: a whole number of minutes' worth of ms (e.g. the window length). Call only when
   * {@link usable}.
   */
  slot<T>(series: SeriesKey, kind: number, id: number, init: () => T): CachedSpan<T> {
    const e = this.entry(series, true);
    const key = spanKey(kind, 0, id);
    const hit = e.spans.get(key) as CachedSpan<T> | undefined;
    if (hit) return hit;
    const span: CachedSpan<T> = { from: 0, to: 0, value: init() };
    this.putSpan(e, key, span);
    return span;
  }

  private putSpan(e: SeriesEntry, key: number, span: CachedSpan): void {
    const had = e.spans.delete(key);
    e.spans.set(key, span);
    if (had) return;
    if (e.spans.size > ROLLUP_CACHE_SERIES_SEGMENTS) {
      const oldest = e.spans.keys().next().value as number;
      e.spans.delete(oldest);
    } else if (++this.entries > ROLLUP_CACHE_MAX_ENTRIES) this.clear();
  }

  /** Forgets what is cached of `series` in `[from, to)` (ms): its minutes and overlapping spans. */
  invalidate(series: SeriesKey, from: number, to: number): void {
    const e = this.entry(series, false);
    if (!e) return;
    if ((to - from) / MINUTE_MS <= e.minutes.size) {
      for (let i = Math.ceil(from / MINUTE_MS); i < to / MINUTE_MS; i++)
        if (e.minutes.delete(i)) this.entries--;
    } else
      for (const i of [...e.minutes.keys()])
        if (i * MINUTE_MS >= from && i * MINUTE_MS < to) {
          e.minutes.delete(i);
          this.entries--;
        }
    e.spans.forEach((s, key) => {
      if (s.from < to && s.to > from) {
        e.spans.delete(key);
        this.entries--;
      }
    });
  }

  /** Forgets everything. */
  clear(): void {
    this.series = new Map();
    this.entries = 0;
  }

  /** Drops the oldest minutes of a series (never those from `keep` on) down to 3/4 of the cap. */
  private trimMinutes(e: SeriesEntry, keep: number): void {
    const old = [...e.minutes.keys()].filter((i) => i * MINUTE_MS < keep).sort((a, b) => a - b);
    const drop = Math.min(old.length, e.minutes.size - Math.floor((ROLLUP_CACHE_SERIES_MINUTES * 3) / 4));
    for (let i = 0; i < drop; i++) e.minutes.delete(old[i] as number);
    this.entries -= Math.max(0, drop);
  }

  private entry(k: SeriesKey, create: true): SeriesEntry;
  private entry(k: SeriesKey, create: false): SeriesEntry | undefined;
  private entry(k: SeriesKey, create: boolean): SeriesEntry | undefined {
    let byEnv = this.series.get(k.provider);
    if (!byEnv) {
      if (!create) return undefined;
      this.series.set(k.provider, (byEnv = new Map()));
    }
    let byFlag = byEnv.get(k.environment);
    if (!byFlag) {
      if (!create) return undefined;
      byEnv.set(k.environment, (byFlag = new Map()));
    }
    let byMetric = byFlag.get(k.flagKey);
    if (!byMetric) {
      if (!create) return undefined;
      byFlag.set(k.flagKey, (byMetric = new Map()));
    }
    let byVariant = byMetric.get(k.metric);
    if (!byVariant) {
      if (!create) return undefined;
      byMetric.set(k.metric, (byVariant = new Map()));
    }
    let e = byVariant.get(k.variant);
    if (!e && create)
      byVariant.set(
        k.variant,
        (e = { minutes: new Map(), spans: new Map(), windowTo: -Infinity, decodes: false }),
      );
    return e;
  }
}
