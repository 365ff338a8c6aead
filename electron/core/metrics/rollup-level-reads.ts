/**
 * Window reads of the rollups straight from SQLite, without the {@link RollupCache}
 * ({@link UncachedReads}): what a read inside a transaction gets, and — with the cells of an
 * import being published or replaced added ({@link ImportOverlay}) — every read while one is.
 */
import type { Db, Sql } from '../db/database.ts';
import {
  emptyRollup,
  mergeInto,
  MINUTE_MS,
  rollupFromRow,
  subtractInto,
  type Rollup,
  type RollupColumns,
} from './rollup.ts';
import type { SeriesKey } from './rollup-cache.ts';
import {
  addMinuteMean,
  addMomentsSigned,
  SERIES,
  seriesArgs,
  windowSegments,
  type MinuteRow,
} from './rollup-level-defs.ts';
import type { ImportOverlay, OverlayCell } from './rollup-overlay.ts';

/** Window reads of one database read from SQLite (minutes and levels), not from the cache. */
export class UncachedReads {
  private readonly db: Db;
  private readonly sql: Sql;
  private readonly overlay: ImportOverlay;

  /** `overlay`: the connection's import overlay (see {@link overlaidWindow}). */
  constructor(db: Db, sql: Sql, overlay: ImportOverlay) {
    this.db = db;
    this.sql = sql;
    this.overlay = overlay;
  }

  /** Runs the reads of `fn` in one snapshot (a read transaction, unless one is open already). */
  private snapshot<T>(fn: () => T): T {
    return this.db.inTransaction ? fn() : this.db.transaction(fn)();
  }

  /** {@link readWindow} while an import is publishing: the stored rows plus its pending cells, in one snapshot. */
  overlaidWindow(k: SeriesKey, from: number, to: number, withSketch: boolean): Rollup {
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
   * {@link readMinuteMeans} while an import is publishing: each minute with pending cells counts with
   * its mean after them (stored row ± cells) instead of its stored mean, in one snapshot.
   */
  overlaidMinuteMeans(k: SeriesKey, from: number, to: number): Rollup {
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
   * Summed moments (and the merged sketch when `withSketch`) of a series over `[from, to)` (ms,
   * minute-aligned), read from the minutes and levels of {@link windowSegments}.
   */
  readWindow(k: SeriesKey, from: number, to: number, withSketch: boolean): Rollup {
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
   * The per-minute means of a series over `[from, to)` (ms, minute-aligned) as observations (see
   * `RollupLevels.minuteMeans`), read from the minutes and levels of {@link windowSegments}.
   */
  readMinuteMeans(k: SeriesKey, from: number, to: number): Rollup {
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
