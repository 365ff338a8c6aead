/**
 * What readers add to the stored rollups while an import is being published or replaced
 * (docs/metrics.md, "Imports: staging, publishing, replacing").
 *
 * An import is folded into `metric_rollup` and its levels in many short write transactions, so
 * that no transaction holds the write lock for long. Between two of them a series is partly
 * folded: readers must not see that. An import whose state is `publishing` has its cells with
 * `minute > done_to` (the fold cursor of its series, `metric_import_series`) not yet in the stored
 * rows: a reader adds them. One whose state is `retracting` (replaced by a re-import of the same
 * content) still has those cells in the stored rows: a reader subtracts them. Each fold
 * transaction moves the cursor together with the rows it changes, and the state changes in one
 * small transaction, so a read made in one snapshot counts every cell exactly once — the whole
 * import or none of it, at every moment.
 *
 * Cost: nothing while no import is publishing or retracting ({@link ImportOverlay.active} is one
 * query per {@link ConnectionWatch} stamp — another connection's commit or a local state change);
 * during a publication, window reads skip the rollup cache and run in a read transaction.
 */
import { ConnectionWatch } from '../db/connection-watch.ts';
import { statementCache, type Db, type Sql } from '../db/database.ts';
import type { RollupColumns } from './rollup.ts';
import type { SeriesKey } from './rollup-cache.ts';

/** The {@link ConnectionWatch} topic of import states. */
export const IMPORT_STATES = 'metric_import';

/** A cell of an import not folded yet: add it (`sign` 1) or take it out (−1) of the stored minute. */
export interface OverlayCell extends RollupColumns {
  minute: number;
  sign: 1 | -1;
}

const CELLS = `SELECT c.minute, c.count, c.sum, c.sum_sq, c.successes, c.sketch,
    CASE i.state WHEN 'retracting' THEN -1 ELSE 1 END AS sign
  FROM metric_import_series s
  JOIN metric_import i ON i.id = s.import_id AND i.state IN ('publishing', 'retracting')
  JOIN metric_import_cell c ON c.import_id = s.import_id AND c.flag_key = s.flag_key
    AND c.metric = s.metric AND c.variant = s.variant AND c.minute > s.done_to
    AND c.minute >= ? AND c.minute < ?
  WHERE s.provider = ? AND s.environment = ? AND s.flag_key = ? AND s.metric = ? AND s.variant = ?
  ORDER BY c.minute`;

const overlays = new WeakMap<Db, ImportOverlay>();

/** The pending cells of the imports being published or retracted on one database. */
export class ImportOverlay {
  /** The overlay of connection `db` (created on first use). */
  static of(db: Db): ImportOverlay {
    let o = overlays.get(db);
    if (!o) overlays.set(db, (o = new ImportOverlay(db)));
    return o;
  }

  private readonly sql: Sql;
  private readonly watch: ConnectionWatch;
  private checked: { stamp: string; active: boolean } | null = null;

  private constructor(db: Db) {
    this.sql = statementCache(db);
    this.watch = ConnectionWatch.of(db);
  }

  /** Declares that this connection changed the state of an import (readers re-check {@link active}). */
  touch(): void {
    this.watch.touch(IMPORT_STATES);
  }

  /**
   * True while an import is publishing or retracting on this database: reads must then add
   * {@link cells} (in one snapshot with the stored rows). Re-checked after every local
   * {@link touch} and whenever another connection committed (from its next event-loop turn on).
   */
  active(): boolean {
    const stamp = this.watch.stamp(IMPORT_STATES);
    if (this.checked?.stamp !== stamp) {
      const r = this.sql(
        `SELECT EXISTS (SELECT 1 FROM metric_import WHERE state IN ('publishing', 'retracting')) AS a`,
      ).get() as { a: number };
      this.checked = { stamp, active: r.a === 1 };
    }
    return this.checked.active;
  }

  /** The pending cells of series `k` with `from <= minute < to` (ms), by minute. */
  cells(k: SeriesKey, from: number, to: number): OverlayCell[] {
    return this.sql(CELLS).all(
      from,
      to,
      k.provider,
      k.environment,
      k.flagKey,
      k.metric,
      k.variant,
    ) as OverlayCell[];
  }

  /** Variants of a flag's metric with cells being published (not yet folded in). */
  variants(provider: string, environment: string, flagKey: string, metric: string): string[] {
    const rows = this.sql(
      `SELECT DISTINCT s.variant FROM metric_import_series s
         JOIN metric_import i ON i.id = s.import_id AND i.state = 'publishing'
       WHERE s.provider = ? AND s.environment = ? AND s.flag_key = ? AND s.metric = ? AND s.done_to < s.hi`,
    ).all(provider, environment, flagKey, metric) as Array<{ variant: string }>;
    return rows.map((r) => r.variant);
  }
}
