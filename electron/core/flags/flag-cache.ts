/** The latest snapshot of every flag per provider/environment (SQLite table `flag_snapshot`). */
import { statementCache, type Db, type Sql } from '../db/database.ts';
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
  private readonly sql: Sql;
  constructor(db: Db) {
    this.sql = statementCache(db);
  }

  /** Inserts or replaces one snapshot. */
  put(state: FlagState, syncedAt: string): void {
    this.sql(
      `INSERT INTO flag_snapshot (provider, environment, flag_key, state_json, synced_at) VALUES (?, ?, ?, ?, ?)
         ON CONFLICT (provider, environment, flag_key) DO UPDATE SET state_json = excluded.state_json, synced_at = excluded.synced_at`,
    ).run(state.provider, state.environment, state.key, JSON.stringify(state), syncedAt);
  }

  /** Stored JSON of every snapshot of a provider, keyed `environment/key` (unparsed, for change detection). */
  rawStates(provider: string): Map<string, string> {
    const rows = this.sql(
      'SELECT environment, flag_key, state_json FROM flag_snapshot WHERE provider = ?',
    ).all(provider) as { environment: string; flag_key: string; state_json: string }[];
    return new Map(rows.map((r) => [`${r.environment}/${r.flag_key}`, r.state_json]));
  }

  /** Marks every snapshot of a provider as read at `syncedAt`. */
  touchProvider(provider: string, syncedAt: string): void {
    this.sql('UPDATE flag_snapshot SET synced_at = ? WHERE provider = ?').run(syncedAt, provider);
  }

  /** Number of cached flags per provider. */
  countByProvider(): Map<string, number> {
    const rows = this.sql('SELECT provider, COUNT(*) AS n FROM flag_snapshot GROUP BY provider').all() as {
      provider: string;
      n: number;
    }[];
    return new Map(rows.map((r) => [r.provider, r.n]));
  }

  /** One snapshot, or `undefined`. */
  get(ref: FlagRef): CachedFlag | undefined {
    const row = this.sql(
      'SELECT state_json, synced_at FROM flag_snapshot WHERE provider = ? AND environment = ? AND flag_key = ?',
    ).get(ref.provider, ref.environment, ref.key) as Row | undefined;
    return row ? toCached(row) : undefined;
  }

  /** All snapshots, optionally of one provider, ordered by provider, environment, key. */
  list(provider?: string): CachedFlag[] {
    const rows = (
      provider
        ? this.sql(
            'SELECT state_json, synced_at FROM flag_snapshot WHERE provider = ? ORDER BY environment, flag_key',
          ).all(provider)
        : this.sql(
            'SELECT state_json, synced_at FROM flag_snapshot ORDER BY provider, environment, flag_key',
          ).all()
    ) as Row[];
    return rows.map(toCached);
  }

  /** Deletes snapshots of `provider` whose `environment/key` is not in `keep`; returns how many. */
  removeMissing(provider: string, keep: Set<string>): number {
    const rows = this.sql('SELECT environment, flag_key FROM flag_snapshot WHERE provider = ?').all(
      provider,
    ) as { environment: string; flag_key: string }[];
    const del = this.sql('DELETE FROM flag_snapshot WHERE provider = ? AND environment = ? AND flag_key = ?');
    let n = 0;
    for (const r of rows) {
      if (!keep.has(`${r.environment}/${r.flag_key}`))
        n += del.run(provider, r.environment, r.flag_key).changes;
    }
    return n;
  }
}
