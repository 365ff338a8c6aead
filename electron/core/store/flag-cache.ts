/** The latest snapshot of every flag per provider/environment (SQLite table `flag_snapshot`). */
import type { Db } from '../db/database.ts';
import { FlagStateSchema, type FlagRef, type FlagState } from '../../../shared/domain.ts';

/** A cached flag state and when it was read. */
export interface CachedFlag {
  state: FlagState;
  /** ISO 8601. */
  syncedAt: string;
}

interface Row {
  state_json: string;
  synced_at: string;
}

const toCached = (r: Row): CachedFlag => ({
  state: FlagStateSchema.parse(JSON.parse(r.state_json)),
  syncedAt: r.synced_at,
});

/** Reads and writes flag snapshots. Callers wrap multi-row writes in a transaction. */
export class FlagCache {
  private readonly db: Db;
  constructor(db: Db) {
    this.db = db;
  }

  /** Inserts or replaces one snapshot. */
  put(state: FlagState, syncedAt: string): void {
    this.db
      .prepare(
        `INSERT INTO flag_snapshot (provider, environment, flag_key, state_json, synced_at) VALUES (?, ?, ?, ?, ?)
         ON CONFLICT (provider, environment, flag_key) DO UPDATE SET state_json = excluded.state_json, synced_at = excluded.synced_at`,
      )
      .run(state.provider, state.environment, state.key, JSON.stringify(state), syncedAt);
  }

  /** One snapshot, or `undefined`. */
  get(ref: FlagRef): CachedFlag | undefined {
    const row = this.db
      .prepare(
        'SELECT state_json, synced_at FROM flag_snapshot WHERE provider = ? AND environment = ? AND flag_key = ?',
      )
      .get(ref.provider, ref.environment, ref.key) as Row | undefined;
    return row ? toCached(row) : undefined;
  }

  /** All snapshots, optionally of one provider, ordered by provider, environment, key. */
  list(provider?: string): CachedFlag[] {
    const rows = (
      provider
        ? this.db
            .prepare(
              'SELECT state_json, synced_at FROM flag_snapshot WHERE provider = ? ORDER BY environment, flag_key',
            )
            .all(provider)
        : this.db
            .prepare(
              'SELECT state_json, synced_at FROM flag_snapshot ORDER BY provider, environment, flag_key',
            )
            .all()
    ) as Row[];
    return rows.map(toCached);
  }

  /** Deletes snapshots of `provider` whose `environment/key` is not in `keep`; returns how many. */
  removeMissing(provider: string, keep: Set<string>): number {
    const rows = this.db
      .prepare('SELECT environment, flag_key FROM flag_snapshot WHERE provider = ?')
      .all(provider) as { environment: string; flag_key: string }[];
    const del = this.db.prepare(
      'DELETE FROM flag_snapshot WHERE provider = ? AND environment = ? AND flag_key = ?',
    );
    let n = 0;
    for (const r of rows) {
      if (!keep.has(`${r.environment}/${r.flag_key}`))
        n += del.run(provider, r.environment, r.flag_key).changes;
    }
    return n;
  }
}
