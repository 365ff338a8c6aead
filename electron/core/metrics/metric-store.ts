/**
 * SQLite storage of metric definitions, per-minute rollups (schema v3) and
 * their hour/day levels (schema v5, {@link RollupLevels}), and the
 * all-or-nothing, idempotent event import ({@link importMetricEvents}, schema v8): a bad row
 * leaves the database untouched, and an import is published in short transactions that readers
 * see whole or not at all ({@link ImportOverlay}).
 */
import type { FlagRef } from '../../../shared/domain.ts';
import { MetricDefinitionSchema, type MetricDefinition } from '../../../shared/metrics.ts';
import { ConnectionWatch } from '../db/connection-watch.ts';
import { ParsedJson } from '../db/parsed-json.ts';
import { statementCache, type Db, type Sql } from '../db/database.ts';
import type { MinuteFolder } from './metric-import-fold.ts';
import { importMetricEvents, type ImportOptions, type ImportSummary } from './metric-import.ts';
import { recoverImports } from './metric-import-recovery.ts';
import type { SeriesKey } from './rollup-cache.ts';
import type { MinuteChange } from './rollup-level-defs.ts';
import { RollupLevels } from './rollup-levels.ts';
import { ImportOverlay } from './rollup-overlay.ts';
import {
  addColumns,
  columnsOf,
  emptyRollup,
  MINUTE_MS,
  mergeInto,
  rollupFromRow,
  subtractColumns,
  subtractInto,
  type Rollup,
  type RollupColumns,
  type RollupKey,
} from './rollup.ts';

/** Options and result of a metric-events import (from ./metric-import.ts). */
export type { ImportOptions, ImportSummary } from './metric-import.ts';

/** A rollup with its key. */
export interface KeyedRollup extends RollupKey {
  rollup: Rollup;
}

interface RollupRow extends RollupColumns {
  minute: number;
}

/** An empty rollup's columns. */
const EMPTY_COLUMNS: RollupColumns = { count: 0, sum: 0, sum_sq: 0, successes: 0, sketch: null };

/** The {@link ConnectionWatch} topic of the definitions table. */
const DEFINITIONS = 'metric_definition';

/** The stored columns of a minute's rollup. */
const rowOf = (minute: number, r: Rollup): RollupRow => ({ ...columnsOf(r), minute });

/** Whether two stored rows hold the same rollup (same columns, same sketch bytes). */
const sameRow = (a: RollupRow, b: RollupRow): boolean =>
  a.count === b.count &&
  a.sum === b.sum &&
  a.sum_sq === b.sum_sq &&
  a.successes === b.successes &&
  (a.sketch === null || b.sketch === null
    ? a.sketch === b.sketch
    : Buffer.from(a.sketch.buffer, a.sketch.byteOffset, a.sketch.byteLength).equals(b.sketch));

const seriesOf = (flag: FlagRef, metric: string, variant: string): SeriesKey => ({
  provider: flag.provider,
  environment: flag.environment,
  flagKey: flag.key,
  metric,
  variant,
});

/**
 * The metric store of one database connection: definitions, per-minute rollups and their levels,
 * and the import of event files. Also the {@link MinuteFolder} an import folds its cells with.
 */
export class MetricStore implements MinuteFolder {
  private readonly db: Db;
  private readonly sql: Sql;
  readonly levels: RollupLevels;
  private readonly parsed = new ParsedJson(10_000);
  private readonly watch: ConnectionWatch;
  private readonly overlay: ImportOverlay;
  /** Definitions by flag id, valid while the watch's stamp is `stamp`. */
  private listed: { stamp: string; byFlag: Map<string, MetricDefinition[]> } | null = null;

  /** Opens the store; rebuilds the hour/day levels when the database has minutes but no levels. */
  constructor(db: Db) {
    this.db = db;
    this.sql = statementCache(db);
    this.watch = ConnectionWatch.of(db);
    this.overlay = ImportOverlay.of(db);
    this.levels = new RollupLevels(db, this.sql);
    if (this.levels.missing()) this.levels.rebuildAll();
  }

  /** Creates or replaces a definition (by flag + name). */
  define(def: MetricDefinition): MetricDefinition {
    this.sql(
      `INSERT INTO metric_definition (provider, environment, flag_key, name, json) VALUES (?, ?, ?, ?, ?)
       ON CONFLICT (provider, environment, flag_key, name) DO UPDATE SET json = excluded.json`,
    ).run(def.flag.provider, def.flag.environment, def.flag.key, def.name, JSON.stringify(def));
    this.watch.touch(DEFINITIONS);
    return def;
  }

  /**
   * Definitions of a flag (every flag when omitted), by flag and name; frozen (read-only). A flag's
   * list is kept in memory until a definition is written (the monitor reads it every tick).
   */
  list(flag?: FlagRef): MetricDefinition[] {
    if (!flag || this.db.inTransaction) return this.readList(flag);
    const stamp = this.watch.stamp(DEFINITIONS);
    if (this.listed?.stamp !== stamp) this.listed = { stamp, byFlag: new Map() };
    const id = `${flag.provider}\u0000${flag.environment}\u0000${flag.key}`;
    let defs = this.listed.byFlag.get(id);
    if (!defs) this.listed.byFlag.set(id, (defs = this.readList(flag)));
    return defs.slice();
  }

  private readList(flag?: FlagRef): MetricDefinition[] {
    const rows = (
      flag
        ? this.sql(
            `SELECT json FROM metric_definition WHERE provider = ? AND environment = ? AND flag_key = ? ORDER BY name`,
          ).all(flag.provider, flag.environment, flag.key)
        : this.sql(`SELECT json FROM metric_definition ORDER BY provider, environment, flag_key, name`).all()
    ) as { json: string }[];
    // Parsed once per stored JSON text and frozen: shared without a copy.
    return rows.map((r) => this.parsed.get(MetricDefinitionSchema, r.json));
  }

  /**
   * Per-minute rollups of one metric and variant with `fromMinute <= minute < toMinute`, by minute
   * (an import being published or replaced included whole, see {@link ImportOverlay}).
   */
  minutes(
    flag: FlagRef,
    metric: string,
    variant: string,
    fromMinute: number,
    toMinute: number,
    withSketch = false,
  ): Array<{ minute: number; rollup: Rollup }> {
    // The sketch blob is only read when asked for: deserializing it is most of the cost of a
    // window query, and only quantile metrics use it (bench/README.md, finding 13).
    const read = (): Array<{ minute: number; rollup: Rollup }> =>
      (
        this.sql(
          `SELECT minute, count, sum, sum_sq, successes${withSketch ? ', sketch' : ', NULL AS sketch'} FROM metric_rollup
           WHERE provider = ? AND environment = ? AND flag_key = ? AND metric = ? AND variant = ?
             AND minute >= ? AND minute < ? ORDER BY minute`,
        ).all(flag.provider, flag.environment, flag.key, metric, variant, fromMinute, toMinute) as RollupRow[]
      ).map((r) => ({ minute: r.minute, rollup: rollupFromRow(r) }));
    if (!this.overlay.active()) return read();
    return this.snapshot(() => {
      const byMinute = new Map(read().map((m) => [m.minute, m]));
      for (const c of this.overlay.cells(seriesOf(flag, metric, variant), fromMinute, toMinute)) {
        const cell = rollupFromRow(withSketch ? c : { ...c, sketch: null });
        let m = byMinute.get(c.minute);
        if (!m) byMinute.set(c.minute, (m = { minute: c.minute, rollup: emptyRollup() }));
        if (c.sign > 0) mergeInto(m.rollup, cell);
        else subtractInto(m.rollup, cell);
      }
      return [...byMinute.values()].filter((m) => m.rollup.count > 0).sort((a, b) => a.minute - b.minute);
    });
  }

  /** Variants with data of one metric of a flag (an import being published included), sorted. */
  variants(flag: FlagRef, metric: string): string[] {
    const read = (): string[] =>
      (
        this.sql(
          `SELECT DISTINCT variant FROM metric_rollup
           WHERE provider = ? AND environment = ? AND flag_key = ? AND metric = ? ORDER BY variant`,
        ).all(flag.provider, flag.environment, flag.key, metric) as { variant: string }[]
      ).map((r) => r.variant);
    if (!this.overlay.active()) return read();
    return this.snapshot(() =>
      [
        ...new Set([...read(), ...this.overlay.variants(flag.provider, flag.environment, flag.key, metric)]),
      ].sort(),
    );
  }

  /** Runs the reads of `fn` in one snapshot (a read transaction, unless one is open already). */
  private snapshot<T>(fn: () => T): T {
    return this.db.inTransaction ? fn() : this.db.transaction(fn)();
  }

  /**
   * The rollups of one metric and variant with `fromMinute <= minute < toMinute` merged into one
   * (moments summed; sketches merged only when `withSketch`), read from the hour/day levels where
   * whole hours/days fit.
   */
  window(
    flag: FlagRef,
    metric: string,
    variant: string,
    fromMinute: number,
    toMinute: number,
    withSketch = false,
  ): Rollup {
    return this.levels.window(seriesOf(flag, metric, variant), fromMinute, toMinute, withSketch);
  }

  /**
   * The per-minute means (sum / count of each minute with data) of one metric and variant in the
   * window as observations — what a ratio metric compares. `count` is the number of minutes.
   */
  minuteMeans(flag: FlagRef, metric: string, variant: string, fromMinute: number, toMinute: number): Rollup {
    return this.levels.minuteMeans(seriesOf(flag, metric, variant), fromMinute, toMinute);
  }

  /**
   * Reads `[fromMinute, toMinute)` of both cohorts of every metric in `defs` (all of `flag`) into
   * the window cache with one query (see {@link RollupLevels.prefetch}).
   */
  prefetch(flag: FlagRef, defs: readonly MetricDefinition[], fromMinute: number, toMinute: number): void {
    this.levels.prefetch(
      defs.flatMap((d) => [
        seriesOf(flag, d.name, d.controlVariant),
        seriesOf(flag, d.name, d.treatmentVariant),
      ]),
      fromMinute,
      toMinute,
    );
  }

  /**
   * Adds rollups to the stored ones (merging with an existing minute), in one transaction. Stored
   * sketches are merged encoded ({@link addColumns}), never decoded.
   */
  addRollups(rollups: Iterable<KeyedRollup>): void {
    const touched = new Map<string, { key: SeriesKey; cells: Array<RollupColumns & { minute: number }> }>();
    for (const k of rollups) {
      const id = `${k.provider}\u0000${k.environment}\u0000${k.flagKey}\u0000${k.metric}\u0000${k.variant}`;
      const cell = { ...columnsOf(k.rollup), minute: k.minute };
      const t = touched.get(id);
      if (t) t.cells.push(cell);
      else touched.set(id, { key: k, cells: [cell] });
    }
    const written: Array<{ key: SeriesKey; rows: RollupRow[] }> = [];
    this.db.transaction(() => {
      for (const t of touched.values()) written.push({ key: t.key, rows: this.addCells(t.key, t.cells) });
    })();
    // Committed: the window cache learns the rows written instead of reading them back.
    for (const w of written) this.levels.writeThrough(w.key, w.rows);
  }

  /**
   * Adds cells (stored columns, sketches encoded) of one series to its stored minutes — merging
   * with a stored minute, sketches merged encoded — and to its hour/day levels (without re-reading
   * the minutes). Call inside a write transaction.
   * @returns the minute rows as written.
   */
  private addCells(key: SeriesKey, cells: ReadonlyArray<RollupColumns & { minute: number }>): RollupRow[] {
    let lo = Infinity;
    let hi = -Infinity;
    for (const c of cells) {
      lo = Math.min(lo, c.minute);
      hi = Math.max(hi, c.minute);
    }
    // The stored minutes of the cells' range, read at once (cells usually come in minute order).
    const stored = new Map<number, RollupRow>();
    if (cells.length)
      for (const r of this.sql(
        `SELECT minute, count, sum, sum_sq, successes, sketch FROM metric_rollup
         WHERE provider = ? AND environment = ? AND flag_key = ? AND metric = ? AND variant = ?
           AND minute >= ? AND minute <= ?`,
      ).all(key.provider, key.environment, key.flagKey, key.metric, key.variant, lo, hi) as RollupRow[])
        stored.set(r.minute, r);
    const changes: Array<MinuteChange & { after: RollupRow }> = [];
    for (const c of cells) {
      const existing = stored.get(c.minute);
      const delta: RollupColumns = {
        count: c.count,
        sum: c.sum,
        sum_sq: c.sum_sq,
        successes: c.successes,
        sketch: c.sketch,
      };
      const after: RollupRow = { ...(existing ? addColumns(existing, delta) : delta), minute: c.minute };
      this.putRow(key, after);
      stored.set(c.minute, after);
      changes.push({ minute: c.minute, delta, before: existing ?? null, after });
    }
    // The levels gain what was added (no minute re-read).
    this.levels.addToLevels(key, changes);
    return changes.map((c) => c.after);
  }

  /**
   * Folds cells of an import being published into the stored minutes and levels of one series
   * (see {@link addCells}). Call inside the write transaction that moves the import's cursor past them.
   */
  foldIn(key: SeriesKey, cells: ReadonlyArray<RollupColumns & { minute: number }>): void {
    this.addCells(key, cells);
  }

  /**
   * Takes cells of an import being replaced out of the stored minutes of one series, then
   * recomputes the hour/day levels of their range. A minute whose stored count is exactly the
   * cell's plus that of `others(minute)` — the other imports' cells stored in it — is rebuilt from
   * those (no floating-point residue); otherwise (e.g. rollups written by another source) the cell
   * is subtracted. A minute left empty is deleted. Call inside the write transaction that moves
   * the import's cursor past them.
   */
  foldOut(
    key: SeriesKey,
    cells: ReadonlyArray<RollupColumns & { minute: number }>,
    others: (minute: number) => RollupColumns[],
  ): void {
    const get = this.sql(
      `SELECT minute, count, sum, sum_sq, successes, sketch FROM metric_rollup
       WHERE provider = ? AND environment = ? AND flag_key = ? AND metric = ? AND variant = ? AND minute = ?`,
    );
    let lo = Infinity;
    let hi = -Infinity;
    for (const c of cells) {
      const stored = get.get(
        key.provider,
        key.environment,
        key.flagKey,
        key.metric,
        key.variant,
        c.minute,
      ) as RollupRow | undefined;
      if (!stored) continue;
      const rest = others(c.minute);
      const after =
        rest.reduce((n, r) => n + r.count, 0) + c.count === stored.count
          ? rest.reduce<RollupColumns>((a, r) => addColumns(a, r), EMPTY_COLUMNS)
          : subtractColumns(stored, c);
      if (after.count > 0) this.putRow(key, { ...after, minute: c.minute });
      else
        this.sql(
          `DELETE FROM metric_rollup WHERE provider = ? AND environment = ? AND flag_key = ? AND metric = ?
             AND variant = ? AND minute = ?`,
        ).run(key.provider, key.environment, key.flagKey, key.metric, key.variant, c.minute);
      lo = Math.min(lo, c.minute);
      hi = Math.max(hi, c.minute + MINUTE_MS);
    }
    if (lo < hi) this.levels.refresh(key, lo, hi);
  }

  /**
   * Replaces the rollups of one metric and variant in `[fromMinute, toMinute)` by `rollups`
   * (minutes with no new rollup are cleared), in one transaction — re-polling is idempotent. Only
   * minutes whose stored row differs are written or deleted, and only their levels refreshed: a
   * Prometheus re-poll of a lookback whose closed minutes did not change writes just the newest.
   * @returns how many minutes were written or cleared.
   */
  replaceRange(
    flag: FlagRef,
    metric: string,
    variant: string,
    fromMinute: number,
    toMinute: number,
    rollups: Array<{ minute: number; rollup: Rollup }>,
  ): number {
    const key = seriesOf(flag, metric, variant);
    const rows: RollupRow[] = [];
    let changed = 0;
    this.db.transaction(() => {
      const stored = new Map(
        (
          this.sql(
            `SELECT minute, count, sum, sum_sq, successes, sketch FROM metric_rollup WHERE provider = ? AND environment = ?
               AND flag_key = ? AND metric = ? AND variant = ? AND minute >= ? AND minute < ?`,
          ).all(
            flag.provider,
            flag.environment,
            flag.key,
            metric,
            variant,
            fromMinute,
            toMinute,
          ) as RollupRow[]
        ).map((r) => [r.minute, r]),
      );
      let lo = Infinity;
      let hi = -Infinity;
      const touch = (minute: number): void => {
        lo = Math.min(lo, minute);
        hi = Math.max(hi, minute + MINUTE_MS);
        changed++;
      };
      for (const r of rollups) {
        const row = rowOf(r.minute, r.rollup);
        rows.push(row);
        const old = stored.get(r.minute);
        stored.delete(r.minute);
        if (old && sameRow(old, row)) continue;
        this.putRow(key, row);
        touch(r.minute);
      }
      for (const minute of stored.keys()) {
        this.sql(
          `DELETE FROM metric_rollup WHERE provider = ? AND environment = ? AND flag_key = ? AND metric = ?
             AND variant = ? AND minute = ?`,
        ).run(flag.provider, flag.environment, flag.key, metric, variant, minute);
        touch(minute);
      }
      if (changed) this.levels.refresh(key, lo, hi);
    })();
    // Committed: the window cache learns the range (minutes without a row are empty; the minutes
    // it still holds did not change).
    this.levels.writeThrough(key, rows, { from: fromMinute, to: toMinute });
    return changed;
  }

  /** Writes one minute row (replacing it) and returns its columns; levels are refreshed by the caller. */
  put(k: KeyedRollup): RollupRow {
    const row = rowOf(k.minute, k.rollup);
    this.putRow(k, row);
    return row;
  }

  private putRow(k: SeriesKey, row: RollupRow): void {
    this.sql(
      `INSERT OR REPLACE INTO metric_rollup
         (provider, environment, flag_key, metric, variant, minute, count, sum, sum_sq, successes, sketch)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    ).run(
      k.provider,
      k.environment,
      k.flagKey,
      k.metric,
      k.variant,
      row.minute,
      row.count,
      row.sum,
      row.sum_sq,
      row.successes,
      row.sketch,
    );
  }

  /**
   * Imports a metric-event file into the rollups of `provider`/`environment`: all-or-nothing
   * (nothing is visible unless every row is valid, then all of it at once), idempotent by the
   * file's SHA-256 (`onDuplicate`), in short write transactions. Timestamps round down to the
   * minute. See {@link importMetricEvents}.
   * @throws MetricFormatError naming the first bad line and column; DuplicateImportError.
   */
  importFile(file: string, opts: ImportOptions): Promise<ImportSummary> {
    return importMetricEvents(this.db, this, file, opts);
  }

  /**
   * Cleans up after imports whose process is gone: deletes what a crashed import staged, finishes
   * folding one that was already published (see {@link recoverImports}). Writes; not for
   * read-only sessions.
   */
  recoverImports(): Promise<{ discarded: number; finished: number }> {
    return recoverImports(this.db, this);
  }
}
