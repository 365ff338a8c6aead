/**
 * Staging of a metric import: its cells are written to `metric_import_cell` under the import
 * (state `staging`: no reader looks at them) and its series to `metric_import_series`, in
 * transactions of at most {@link WRITE_BUDGET_MS}; and the deletion of an import ({@link purge}).
 */
import { addColumns, columnsOf, type Rollup, type RollupColumns } from './rollup.ts';
import { WRITE_BUDGET_MS, type Writer } from './metric-import-writer.ts';

/** A series of an import being read: its open cells (by minute, ms) and what was staged of it. */
export interface StagedSeries {
  flagKey: string;
  metric: string;
  variant: string;
  cells: Map<number, Rollup>;
  /** First and last minute staged, and cells stored. */
  lo: number;
  hi: number;
  stored: number;
}

/**
 * Writes staged cells of import `id` (merging with a cell staged before for the same minute), in
 * transactions of at most {@link WRITE_BUDGET_MS}; sketches are encoded before each one, so it
 * only writes.
 * @throws what {@link Writer.write} throws (ImportLostError when another process took the import over).
 */
export async function stage(
  w: Writer,
  id: number,
  cells: Array<{ s: StagedSeries; minute: number; r: Rollup }>,
): Promise<void> {
  const { sql } = w;
  const pending: Array<{ s: StagedSeries; minute: number; c: RollupColumns }> = [];
  for (let i = 0; i < cells.length || pending.length > 0;) {
    const encodeUntil = performance.now() + WRITE_BUDGET_MS / 2;
    while (i < cells.length && (pending.length < 64 || performance.now() < encodeUntil)) {
      const x = cells[i++] as { s: StagedSeries; minute: number; r: Rollup };
      pending.push({ s: x.s, minute: x.minute, c: columnsOf(x.r) });
    }
    await w.write('stage', () => {
      const deadline = performance.now() + WRITE_BUDGET_MS;
      const insert = sql(
        `INSERT INTO metric_import_cell (import_id, flag_key, metric, variant, minute, count, sum, sum_sq, successes, sketch)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING`,
      );
      let done = 0;
      for (; done < pending.length && (done % 32 !== 0 || performance.now() < deadline); done++) {
        const { s, minute, c } = pending[done] as { s: StagedSeries; minute: number; c: RollupColumns };
        const pk = [id, s.flagKey, s.metric, s.variant, minute] as const;
        if (insert.run(...pk, c.count, c.sum, c.sum_sq, c.successes, c.sketch).changes === 1) {
          s.stored++;
          s.lo = Math.min(s.lo, minute);
          s.hi = Math.max(s.hi, minute);
          continue;
        }
        // Staged before (the file is not in time order): merge.
        const old = sql(
          `SELECT count, sum, sum_sq, successes, sketch FROM metric_import_cell
           WHERE import_id = ? AND flag_key = ? AND metric = ? AND variant = ? AND minute = ?`,
        ).get(...pk) as RollupColumns;
        const m = addColumns(old, c);
        sql(
          `UPDATE metric_import_cell SET count = ?, sum = ?, sum_sq = ?, successes = ?, sketch = ?
           WHERE import_id = ? AND flag_key = ? AND metric = ? AND variant = ? AND minute = ?`,
        ).run(m.count, m.sum, m.sum_sq, m.successes, m.sketch, ...pk);
      }
      pending.splice(0, done);
    });
  }
}

/**
 * Records the series of import `id` (their minute range and cell count).
 * @throws what {@link Writer.write} throws (ImportLostError when another process took the import over).
 */
export async function writeSeries(
  w: Writer,
  id: number,
  o: { provider: string; environment: string },
  series: readonly StagedSeries[],
): Promise<void> {
  const todo = series.filter((s) => s.stored > 0);
  for (let i = 0; i < todo.length;) {
    const deadline = performance.now() + WRITE_BUDGET_MS;
    await w.write('stage', () => {
      while (i < todo.length && performance.now() < deadline) {
        const s = todo[i++] as StagedSeries;
        w.sql(
          `INSERT INTO metric_import_series (import_id, provider, environment, flag_key, metric, variant, lo, hi, cells)
           VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
        ).run(id, o.provider, o.environment, s.flagKey, s.metric, s.variant, s.lo, s.hi, s.stored);
      }
    });
  }
}

/**
 * Deletes import `id` — its cells in short transactions, then its series and row (never visible while it goes).
 * @throws what {@link Writer.write} throws (ImportLostError when another process took the import over).
 */
export async function purge(w: Writer, id: number): Promise<void> {
  const { sql } = w;
  for (let more = true; more;)
    more = await w.write('discard', () => {
      const deadline = performance.now() + WRITE_BUDGET_MS;
      while (performance.now() < deadline) {
        const n = sql(
          `DELETE FROM metric_import_cell WHERE import_id = ? AND (flag_key, metric, variant, minute) IN
             (SELECT flag_key, metric, variant, minute FROM metric_import_cell WHERE import_id = ? LIMIT 500)`,
        ).run(id, id).changes;
        if (n === 0) return false;
      }
      return true;
    });
  await w.write('discard', () => {
    sql(`DELETE FROM metric_import_series WHERE import_id = ?`).run(id);
    sql(`DELETE FROM metric_import WHERE id = ?`).run(id);
  });
  w.owned.delete(id);
}
