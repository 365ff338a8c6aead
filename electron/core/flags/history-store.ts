/** Rollout history: every observed change of a flag, before → after per layer (table `history`). */
import { statementCache, type Db, type Sql } from '../db/database.ts';
import type { FlagRef, HistoryEntry, LayerChange } from '../../../shared/domain.ts';

/** A history entry before it has an id. */
export type NewHistoryEntry = Omit<HistoryEntry, 'id'>;

interface Row {
  id: number;
  provider: string;
  environment: string;
  flag_key: string;
  at: string;
  actor: string | null;
  source: HistoryEntry['source'];
  provider_event_id: string | null;
  event_type: string;
  changes_json: string;
  audit_id: number | null;
}

const toEntry = (r: Row): HistoryEntry => ({
  id: r.id,
  provider: r.provider,
  environment: r.environment,
  key: r.flag_key,
  at: r.at,
  actor: r.actor,
  source: r.source,
  providerEventId: r.provider_event_id,
  eventType: r.event_type,
  changes: JSON.parse(r.changes_json) as LayerChange[],
  auditId: r.audit_id,
});

/** Layers a `revert` restores (the kill switch and lists are left as they are). */
export const REVERTIBLE_LAYERS = new Set(['rolloutPercent', 'confidenceThreshold', 'modelVersion']);

/** Reads and writes rollout history. */
export class HistoryStore {
  private readonly sql: Sql;
  constructor(db: Db) {
    this.sql = statementCache(db);
  }

  /**
   * Adds an entry; a provider event already stored (same provider, event id, flag) is skipped.
   * @returns the new id, or `null` when it was a duplicate.
   */
  add(e: NewHistoryEntry): number | null {
    const result = this.sql(
      `INSERT INTO history (provider, environment, flag_key, at, actor, source, provider_event_id, event_type, changes_json, audit_id)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
         ON CONFLICT DO NOTHING`,
    ).run(
      e.provider,
      e.environment,
      e.key,
      e.at,
      e.actor,
      e.source,
      e.providerEventId,
      e.eventType,
      JSON.stringify(e.changes),
      e.auditId,
    );
    return result.changes ? Number(result.lastInsertRowid) : null;
  }

  /** Entries of one flag, newest first. */
  forFlag(ref: FlagRef, limit = 200): HistoryEntry[] {
    return (
      this.sql(
        `SELECT * FROM history WHERE provider = ? AND environment = ? AND flag_key = ?
           ORDER BY at DESC, id DESC LIMIT ?`,
      ).all(ref.provider, ref.environment, ref.key, limit) as Row[]
    ).map(toEntry);
  }

  /** The newest entry that changed a revertible layer (rollout %, threshold, model version), or `null`. */
  lastRevertible(ref: FlagRef): HistoryEntry | null {
    for (const entry of this.forFlag(ref, 500)) {
      if (entry.changes.some((c) => REVERTIBLE_LAYERS.has(c.layer))) return entry;
    }
    return null;
  }

  /** Time of the newest entry of one flag, or `null`. */
  lastChangeAt(ref: FlagRef): string | null {
    const row = this.sql(
      'SELECT MAX(at) AS at FROM history WHERE provider = ? AND environment = ? AND flag_key = ?',
    ).get(ref.provider, ref.environment, ref.key) as { at: string | null };
    return row.at;
  }

  /** Time of the newest entry per flag, keyed `provider/environment/key`. */
  lastChangeTimes(): Map<string, string> {
    const rows = this.sql(
      'SELECT provider, environment, flag_key, MAX(at) AS at FROM history GROUP BY provider, environment, flag_key',
    ).all() as { provider: string; environment: string; flag_key: string; at: string }[];
    return new Map(rows.map((r) => [`${r.provider}/${r.environment}/${r.flag_key}`, r.at]));
  }
}
