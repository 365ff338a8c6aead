/**
 * What the hour and day levels of the per-minute rollups are (table `metric_rollup_level`, schema
 * v5): their bucket sizes, how a window is cut into level and minute segments
 * ({@link windowSegments}), the shapes of their rows and the statement texts that read and write
 * them, and the sums each level row holds — moments and the sums of its minutes' means
 * (`minutes`, `ratio_sum`, `ratio_sum_sq`, `ratio_nonzero`). Pure: no database here. The levels
 * are written by rollup-level-writes.ts and read by rollup-levels.ts / rollup-level-reads.ts.
 */
import {
  emptyRollup,
  mergeInto,
  MINUTE_MS,
  rollupFromRow,
  type Rollup,
  type RollupColumns,
} from './rollup.ts';
import type { SeriesKey } from './rollup-cache.ts';

/** Bucket length of the hour level, ms. */
export const HOUR_MS = 3_600_000;
/** Bucket length of the day level, ms. */
export const DAY_MS = 86_400_000;

/** Part of a window read at one resolution: rows with `from <= minute|bucket < to`. */
export interface WindowSegment {
  /** Bucket length, ms: {@link MINUTE_MS} (table `metric_rollup`), {@link HOUR_MS} or {@link DAY_MS}. */
  resolution: number;
  from: number;
  to: number;
}

/** `ms` rounded down to a multiple of `size` (both ms). */
export const floorTo = (ms: number, size: number): number => Math.floor(ms / size) * size;
/** `ms` rounded up to a multiple of `size` (both ms). */
export const ceilTo = (ms: number, size: number): number => Math.ceil(ms / size) * size;

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
export interface MeanSums {
  minutes: number;
  ratioSum: number;
  ratioSumSq: number;
  ratioNonzero: number;
}

/** The merged statistics of a level bucket: the rollup and the sums of its minutes' means. */
export interface LevelAgg extends MeanSums {
  rollup: Rollup;
}

/**
 * One minute's change, for `RollupLevels.addToLevels`: its stored row `before` (null when it
 * had none) and `after`, which is `before` plus `delta` (stored columns, sketches encoded).
 */
export interface MinuteChange {
  minute: number;
  delta: RollupColumns;
  before: RollupColumns | null;
  after: RollupColumns;
}

/** Adds (`sign` 1) or removes (−1) one minute's mean `v` in a level's minute-mean sums. */
export function addMean(a: MeanSums, v: number, sign: 1 | -1): void {
  a.minutes += sign;
  a.ratioSum += sign * v;
  a.ratioSumSq += sign * v * v;
  if (v !== 0) a.ratioNonzero += sign;
}

/** Minute-mean sums of no minute. */
export const emptyMeans = (): MeanSums => ({ minutes: 0, ratioSum: 0, ratioSumSq: 0, ratioNonzero: 0 });

/** A level bucket with no minute: an empty rollup and empty minute-mean sums. */
export const emptyAgg = (): LevelAgg => ({ rollup: emptyRollup(), ...emptyMeans() });

/** A stored minute row of `metric_rollup` (`minute`: ms since epoch). */
export interface MinuteRow extends RollupColumns {
  minute: number;
}

/** A stored level row of `metric_rollup_level` (`bucket`: start, ms since epoch), with its minute-mean sums. */
export interface LevelRow extends RollupColumns {
  bucket: number;
  minutes: number;
  ratio_sum: number;
  ratio_sum_sq: number;
  ratio_nonzero: number;
}

/** Adds the moments (not the sketch) of a rollup or a stored row to `into`. */
export function addMoments(into: Rollup, r: Rollup | Omit<RollupColumns, 'sketch'>): void {
  into.count += r.count;
  into.sum += r.sum;
  into.sumSq += 'sumSq' in r ? r.sumSq : r.sum_sq;
  into.successes += r.successes;
}

/** Adds each minute's mean (minutes with data) as one observation to `out`. */
export function addMinuteMeans(out: Rollup, minutes: ReadonlyArray<{ row: RollupColumns }>): void {
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
export function mergeRows(rows: readonly RollupColumns[]): Rollup {
  const out = emptyRollup();
  for (const r of rows) mergeInto(out, rollupFromRow(r));
  return out;
}

/** The SQL condition selecting one series; its arguments are {@link seriesArgs}. */
export const SERIES = `provider = ? AND environment = ? AND flag_key = ? AND metric = ? AND variant = ?`;
/** The arguments of {@link SERIES} for a series, in order. */
export const seriesArgs = (k: SeriesKey): string[] => [
  k.provider,
  k.environment,
  k.flagKey,
  k.metric,
  k.variant,
];

// Statement texts built once (the statement cache is keyed by the text).
/** Minute rows of a series with `minute >= ? AND minute < ?`. */
export const SELECT_MINUTES = `SELECT minute, count, sum, sum_sq, successes, sketch FROM metric_rollup
  WHERE ${SERIES} AND minute >= ? AND minute < ?`;
/** The stored columns of a level row, after its key. */
const LEVEL_COLUMNS = `count, sum, sum_sq, successes, minutes, ratio_sum, ratio_sum_sq, ratio_nonzero, sketch`;
/** Level rows of a series at `resolution = ?` with `bucket >= ? AND bucket < ?`. */
export const SELECT_LEVELS = `SELECT bucket, ${LEVEL_COLUMNS} FROM metric_rollup_level
  WHERE ${SERIES} AND resolution = ? AND bucket >= ? AND bucket < ?`;
/** One level row of a series (`resolution = ?`, `bucket = ?`). */
export const SELECT_LEVEL = `SELECT ${LEVEL_COLUMNS} FROM metric_rollup_level
  WHERE ${SERIES} AND resolution = ? AND bucket = ?`;
/** Deletes the level rows of a series at `resolution = ?` with `bucket >= ? AND bucket < ?`. */
export const DELETE_LEVELS = `DELETE FROM metric_rollup_level WHERE ${SERIES} AND resolution = ? AND bucket >= ? AND bucket < ?`;
/** Writes (or replaces) one level row: series, resolution, bucket, then {@link LEVEL_COLUMNS}. */
export const PUT_LEVEL = `INSERT OR REPLACE INTO metric_rollup_level (provider, environment, flag_key, metric, variant,
  resolution, bucket, ${LEVEL_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`;

/** Adds (`sign` 1) or removes (−1) one minute's mean `v` as an observation of a minute-means rollup. */
export function addMinuteMean(out: Rollup, v: number, sign: 1 | -1): void {
  out.count += sign;
  out.sum += sign * v;
  out.sumSq += sign * v * v;
  if (v !== 0) out.successes += sign;
}

/** Adds (`sign` 1) or removes (−1) one minute's moments (not its sketch) in `into`. */
export function addMomentsSigned(into: Rollup, r: Omit<RollupColumns, 'sketch'>, sign: 1 | -1): void {
  into.count += sign * r.count;
  into.sum += sign * r.sum;
  into.sumSq += sign * r.sum_sq;
  into.successes += sign * r.successes;
}
