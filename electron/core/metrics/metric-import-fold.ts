/**
 * Folding of a metric import into the stored rollups ({@link fold}): its cells are added to
 * `metric_rollup` and its hour/day levels (or, for a replaced import, taken out) series by series
 * in short transactions, each moving the series' cursor (`done_to`) with the rows it changes. The
 * rows are written by a {@link MinuteFolder} — the metric store — which this module knows only
 * by that interface.
 */
import type { Sql } from '../db/database.ts';
import type { RollupColumns } from './rollup.ts';
import type { SeriesKey } from './rollup-cache.ts';
import { ImportOverlay } from './rollup-overlay.ts';
import { WRITE_BUDGET_MS, type Writer } from './metric-import-writer.ts';

/** Cells read per statement while folding (a fold transaction runs several until its budget is spent). */
const FOLD_STEP = 64;

/** One minute's cell of an import as folded: stored columns (sketch encoded), `minute` in ms since epoch. */
export type FoldCell = RollupColumns & { minute: number };

/**
 * What writes an import's cells into the stored minutes and their hour/day levels: the
 * `MetricStore` (metric-store.ts). Defined here, not imported from the store, so that the import
 * code does not import the store that imports it.
 */
export interface MinuteFolder {
  /**
   * Adds cells of an import being published to the stored minutes and levels of one series. Called
   * inside the write transaction that moves the import's cursor past them.
   */
  foldIn(key: SeriesKey, cells: ReadonlyArray<FoldCell>): void;
  /**
   * Takes cells of an import being replaced out of the stored minutes and levels of one series;
   * `others(minute)` gives the other imports' cells stored in that minute. Called inside the write
   * transaction that moves the import's cursor past them.
   */
  foldOut(key: SeriesKey, cells: ReadonlyArray<FoldCell>, others: (minute: number) => RollupColumns[]): void;
}

interface SeriesRow {
  flag_key: string;
  metric: string;
  variant: string;
  provider: string;
  environment: string;
  hi: number;
  done_to: number;
}

/**
 * Folds the cells of import `id` into the stored rollups (`fold`: added) or out of them
 * (`retract`: taken out; a minute made only of imports is rebuilt from the others' cells
 * exactly), series by series in short transactions, each moving the series' cursor (`done_to`)
 * with the rows it changed; then sets the state `published` / `retracted`.
 * @throws what {@link Writer.write} throws (ImportLostError when another process took the import over).
 */
export async function fold(
  w: Writer,
  store: MinuteFolder,
  id: number,
  phase: 'fold' | 'retract',
): Promise<void> {
  const { sql } = w;
  const list = sql(
    `SELECT provider, environment, flag_key, metric, variant, hi, done_to FROM metric_import_series
     WHERE import_id = ? AND done_to < hi ORDER BY flag_key, metric, variant`,
  ).all(id) as SeriesRow[];
  for (const s of list) {
    const key: SeriesKey = {
      provider: s.provider,
      environment: s.environment,
      flagKey: s.flag_key,
      metric: s.metric,
      variant: s.variant,
    };
    let cursor = s.done_to;
    while (cursor < s.hi)
      await w.write(phase, () => {
        const deadline = performance.now() + WRITE_BUDGET_MS;
        while (cursor < s.hi && performance.now() < deadline) {
          const cells = sql(
            `SELECT minute, count, sum, sum_sq, successes, sketch FROM metric_import_cell
             WHERE import_id = ? AND flag_key = ? AND metric = ? AND variant = ? AND minute > ?
             ORDER BY minute LIMIT ${FOLD_STEP}`,
          ).all(id, s.flag_key, s.metric, s.variant, cursor) as FoldCell[];
          if (phase === 'fold') store.foldIn(key, cells);
          else store.foldOut(key, cells, (minute) => otherContributions(sql, id, key, minute));
          cursor = cells.length ? (cells.at(-1) as FoldCell).minute : s.hi;
          if (cursor >= s.hi) cursor = s.hi;
          sql(
            `UPDATE metric_import_series SET done_to = ? WHERE import_id = ? AND flag_key = ? AND metric = ? AND variant = ?`,
          ).run(cursor, id, s.flag_key, s.metric, s.variant);
        }
      });
  }
  await w.write('publish', () => {
    sql(`UPDATE metric_import SET state = ? WHERE id = ?`).run(
      phase === 'fold' ? 'published' : 'retracted',
      id,
    );
    ImportOverlay.of(w.db).touch();
  });
  if (phase === 'fold') w.owned.delete(id);
}

/**
 * The cells other imports contributed to one minute of a series that are in the stored rows now:
 * those of published imports, and of a publishing one up to its cursor.
 */
function otherContributions(sql: Sql, id: number, k: SeriesKey, minute: number): RollupColumns[] {
  return sql(
    `SELECT c.count, c.sum, c.sum_sq, c.successes, c.sketch
     FROM metric_import_series s
     JOIN metric_import i ON i.id = s.import_id
       AND (i.state = 'published' OR (i.state = 'publishing' AND s.done_to >= ?))
     JOIN metric_import_cell c ON c.import_id = s.import_id AND c.flag_key = s.flag_key
       AND c.metric = s.metric AND c.variant = s.variant AND c.minute = ?
     WHERE s.provider = ? AND s.environment = ? AND s.flag_key = ? AND s.metric = ? AND s.variant = ?
       AND s.import_id != ? AND s.lo <= ? AND s.hi >= ?
     ORDER BY i.published_at, i.id`,
  ).all(
    minute,
    minute,
    k.provider,
    k.environment,
    k.flagKey,
    k.metric,
    k.variant,
    id,
    minute,
    minute,
  ) as RollupColumns[];
}
