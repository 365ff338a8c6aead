/** Per-provider sync health and history cursor (table `provider_status`). */
import { statementCache, type Db, type Sql } from '../db/database.ts';

/** Stored sync status of one provider. */
export interface StoredProviderStatus {
  healthy: boolean;
  lastAttemptAt: string | null;
  lastSuccessAt: string | null;
  lastError: string | null;
  /** Duration of the last successful sync, ms. */
  lastSyncMs: number | null;
  historyCursor: string | null;
}

interface Row {
  healthy: number;
  last_attempt_at: string | null;
  last_success_at: string | null;
  last_error: string | null;
  last_sync_ms: number | null;
  history_cursor: string | null;
}

/** Reads and writes provider status rows. */
export class ProviderStatusStore {
  private readonly sql: Sql;
  constructor(db: Db) {
    this.sql = statementCache(db);
  }

  /** Status of a provider; a never-synced provider is unhealthy with nulls. */
  get(provider: string): StoredProviderStatus {
    const r = this.sql('SELECT * FROM provider_status WHERE provider = ?').get(provider) as Row | undefined;
    if (!r)
      return {
        healthy: false,
        lastAttemptAt: null,
        lastSuccessAt: null,
        lastError: null,
        lastSyncMs: null,
        historyCursor: null,
      };
    return {
      healthy: r.healthy === 1,
      lastAttemptAt: r.last_attempt_at,
      lastSuccessAt: r.last_success_at,
      lastError: r.last_error,
      lastSyncMs: r.last_sync_ms,
      historyCursor: r.history_cursor,
    };
  }

  /** Records a successful sync (and the new history cursor). */
  success(provider: string, at: string, ms: number, cursor: string | null): void {
    this.sql(
      `INSERT INTO provider_status (provider, healthy, last_attempt_at, last_success_at, last_error, last_sync_ms, history_cursor)
         VALUES (?, 1, ?, ?, NULL, ?, ?)
         ON CONFLICT (provider) DO UPDATE SET healthy = 1, last_attempt_at = excluded.last_attempt_at,
           last_success_at = excluded.last_success_at, last_error = NULL, last_sync_ms = excluded.last_sync_ms,
           history_cursor = excluded.history_cursor`,
    ).run(provider, at, at, ms, cursor);
  }

  /** Moves the history cursor (after a history-only import). */
  setCursor(provider: string, cursor: string | null): void {
    this.sql(
      `INSERT INTO provider_status (provider, healthy, history_cursor) VALUES (?, 0, ?)
       ON CONFLICT (provider) DO UPDATE SET history_cursor = excluded.history_cursor`,
    ).run(provider, cursor);
  }

  /** Records a failed sync attempt; cached flags stay as they were. */
  failure(provider: string, at: string, error: string): void {
    this.sql(
      `INSERT INTO provider_status (provider, healthy, last_attempt_at, last_error) VALUES (?, 0, ?, ?)
         ON CONFLICT (provider) DO UPDATE SET healthy = 0, last_attempt_at = excluded.last_attempt_at, last_error = excluded.last_error`,
    ).run(provider, at, error);
  }
}
