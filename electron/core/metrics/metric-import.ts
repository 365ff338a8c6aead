/**
 * The all-or-nothing import of a metric-event file into per-minute rollups,
 * with memory bounded by {@link FLUSH_CELLS} open cells rather than by the file.
 *
 * Events are parsed in a worker thread ({@link readMetricEventBatches}) and
 * aggregated here per (flag, metric, variant, minute) cell while the file
 * streams. When more than {@link FLUSH_CELLS} cells are open they are written to
 * a TEMP staging table (private to this connection, gone after a crash) and
 * dropped from memory. After the last row, ONE transaction merges the staged
 * cells into `metric_rollup` (adding to minutes already stored) and refreshes the
 * hour/day levels. A bad row deletes the staged cells and leaves every stored
 * table untouched.
 */
import type { Db } from '../db/database.ts';
import { statementCache } from '../db/database.ts';
import { readMetricEventBatches } from './metric-batch-reader.ts';
import type { ReadProgress } from './metric-events-reader.ts';
import type { ImportSummary, MetricStore } from './metric-store.ts';
import type { SeriesKey } from './rollup-levels.ts';
import {
  addValue,
  emptyRollup,
  MINUTE_MS,
  mergeInto,
  rollupFromRow,
  type Rollup,
  type RollupColumns,
} from './rollup.ts';
import { encodeSketch } from './sketch-codec.ts';

/** Open cells kept in memory before they are staged (each holds a sketch of up to a few KiB). */
export const FLUSH_CELLS = 8192;

interface Series {
  flagKey: string;
  metric: string;
  variant: string;
  cells: Map<number, Rollup>;
}

const STAGE_DDL = `CREATE TEMP TABLE IF NOT EXISTS metric_import_stage (
  import_id INTEGER NOT NULL,
  flag_key TEXT NOT NULL,
  metric TEXT NOT NULL,
  variant TEXT NOT NULL,
  minute INTEGER NOT NULL,
  seq INTEGER NOT NULL,
  count INTEGER NOT NULL,
  sum REAL NOT NULL,
  sum_sq REAL NOT NULL,
  successes INTEGER NOT NULL,
  sketch BLOB,
  PRIMARY KEY (import_id, flag_key, metric, variant, minute, seq)
) WITHOUT ROWID`;

let lastImportId = 0;

/**
 * Imports `file` (CSV or JSONL metric events) into `store`, all-or-nothing.
 * @returns rows read and the flags and metrics seen (sorted).
 * @throws MetricFormatError naming the first bad line (nothing stored then).
 */
export async function importMetricEvents(
  db: Db,
  store: MetricStore,
  file: string,
  opts: { provider: string; environment: string; onProgress?: (p: ReadProgress) => void },
): Promise<ImportSummary> {
  db.exec(STAGE_DDL);
  const sql = statementCache(db);
  const importId = ++lastImportId;
  const series: Series[] = [];
  const flags = new Set<string>();
  const metrics = new Set<string>();
  let open = 0;
  let flushes = 0;

  const stage = (): void => {
    const insert = sql(
      `INSERT INTO temp.metric_import_stage
         (import_id, flag_key, metric, variant, minute, seq, count, sum, sum_sq, successes, sketch)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    );
    const seq = flushes++;
    db.transaction(() => {
      for (const s of series) {
        for (const [minute, r] of s.cells)
          insert.run(
            importId,
            s.flagKey,
            s.metric,
            s.variant,
            minute,
            seq,
            r.count,
            r.sum,
            r.sumSq,
            Math.round(r.successes),
            encodeSketch(r.sketch),
          );
        s.cells.clear();
      }
    })();
    open = 0;
  };

  let rows: number;
  try {
    ({ rows } = await readMetricEventBatches(
      file,
      (b) => {
        for (const n of b.newSeries) {
          series.push({ ...n, cells: new Map() });
          flags.add(n.flagKey);
          metrics.add(n.metric);
        }
        for (let i = 0; i < b.length; i++) {
          const s = series[b.series[i] as number] as Series;
          const minute = Math.floor((b.timestamps[i] as number) / MINUTE_MS) * MINUTE_MS;
          let cell = s.cells.get(minute);
          if (!cell) {
            s.cells.set(minute, (cell = emptyRollup()));
            open++;
          }
          addValue(cell, b.values[i] as number);
          if (open > FLUSH_CELLS) stage();
        }
      },
      { onProgress: opts.onProgress },
    ));
    stage();
    mergeStaged(db, sql, store, importId, opts);
  } finally {
    sql(`DELETE FROM temp.metric_import_stage WHERE import_id = ?`).run(importId);
  }
  return { rows, flags: [...flags].sort(), metrics: [...metrics].sort() };
}

/**
 * Merges the staged cells of `importId` into `metric_rollup` and refreshes the levels, in one
 * transaction. Cells staged once for a minute not stored yet (the usual case) are copied by one
 * `INSERT … SELECT`; cells staged more than once or meeting a stored minute are merged here.
 */
function mergeStaged(
  db: Db,
  sql: ReturnType<typeof statementCache>,
  store: MetricStore,
  importId: number,
  o: { provider: string; environment: string },
): void {
  const keyOf = (flagKey: string, metric: string, variant: string): SeriesKey => ({
    provider: o.provider,
    environment: o.environment,
    flagKey,
    metric,
    variant,
  });
  db.transaction(() => {
    const ranges = sql(
      `SELECT flag_key, metric, variant, MIN(minute) AS lo, MAX(minute) AS hi FROM temp.metric_import_stage
       WHERE import_id = ? GROUP BY flag_key, metric, variant`,
    ).all(importId) as Array<{ flag_key: string; metric: string; variant: string; lo: number; hi: number }>;
    const complex = sql(
      `SELECT flag_key, metric, variant, minute FROM temp.metric_import_stage s WHERE import_id = ?
       GROUP BY flag_key, metric, variant, minute
       HAVING COUNT(*) > 1 OR EXISTS (SELECT 1 FROM main.metric_rollup r
         WHERE r.provider = ? AND r.environment = ? AND r.flag_key = s.flag_key AND r.metric = s.metric
           AND r.variant = s.variant AND r.minute = s.minute)`,
    ).all(importId, o.provider, o.environment) as Array<{
      flag_key: string;
      metric: string;
      variant: string;
      minute: number;
    }>;
    const staged = sql(
      `SELECT count, sum, sum_sq, successes, sketch FROM temp.metric_import_stage
       WHERE import_id = ? AND flag_key = ? AND metric = ? AND variant = ? AND minute = ?`,
    );
    const stored = sql(
      `SELECT count, sum, sum_sq, successes, sketch FROM main.metric_rollup
       WHERE provider = ? AND environment = ? AND flag_key = ? AND metric = ? AND variant = ? AND minute = ?`,
    );
    const unstage = sql(
      `DELETE FROM temp.metric_import_stage
       WHERE import_id = ? AND flag_key = ? AND metric = ? AND variant = ? AND minute = ?`,
    );
    for (const c of complex) {
      const merged = emptyRollup();
      const old = stored.get(o.provider, o.environment, c.flag_key, c.metric, c.variant, c.minute) as
        RollupColumns | undefined;
      if (old) mergeInto(merged, rollupFromRow(old));
      for (const r of staged.all(importId, c.flag_key, c.metric, c.variant, c.minute) as RollupColumns[])
        mergeInto(merged, rollupFromRow(r));
      store.put({ ...keyOf(c.flag_key, c.metric, c.variant), minute: c.minute, rollup: merged });
      unstage.run(importId, c.flag_key, c.metric, c.variant, c.minute);
    }
    sql(
      `INSERT INTO main.metric_rollup
         (provider, environment, flag_key, metric, variant, minute, count, sum, sum_sq, successes, sketch)
       SELECT ?, ?, flag_key, metric, variant, minute, count, sum, sum_sq, successes, sketch
       FROM temp.metric_import_stage WHERE import_id = ?`,
    ).run(o.provider, o.environment, importId);
    for (const r of ranges)
      store.levels.refresh(keyOf(r.flag_key, r.metric, r.variant), r.lo, r.hi + MINUTE_MS);
  })();
}
