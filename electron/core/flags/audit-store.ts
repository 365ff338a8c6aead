/**
 * The audit log of every action taken from the app (table `audit`).
 *
 * An action is journaled as `pending` BEFORE the provider call (with the exact
 * requests about to be sent) and completed as `succeeded` / `failed` after it,
 * so a crash mid-call still leaves a record of what may have reached production.
 */
import { statementCache, type Db, type Sql } from '../db/database.ts';
import type { ActionKind, AuditEntry, FlagLayers, FlagRef } from '../../../shared/domain.ts';

/** Fields known when an action starts. */
export interface AuditStart {
  ref: FlagRef;
  at: string;
  actor: string;
  action: ActionKind;
  reason: string;
  patch: Record<string, unknown>;
  request: unknown;
  before: FlagLayers | null;
}

/** Fields known when an action ends. */
export interface AuditEnd {
  status: 'succeeded' | 'failed';
  response: unknown;
  error: string | null;
  confirmed: FlagLayers | null;
  completedAt: string;
}

interface Row {
  id: number;
  at: string;
  actor: string;
  provider: string;
  environment: string;
  flag_key: string;
  action: ActionKind;
  reason: string;
  patch_json: string;
  request_json: string;
  response_json: string | null;
  status: AuditEntry['status'];
  error: string | null;
  before_json: string | null;
  confirmed_json: string | null;
  completed_at: string | null;
}

const parse = (s: string | null): unknown => (s === null ? null : JSON.parse(s));

const toEntry = (r: Row): AuditEntry => ({
  id: r.id,
  at: r.at,
  actor: r.actor,
  provider: r.provider,
  environment: r.environment,
  key: r.flag_key,
  action: r.action,
  reason: r.reason,
  patch: JSON.parse(r.patch_json) as Record<string, unknown>,
  request: JSON.parse(r.request_json),
  response: parse(r.response_json),
  status: r.status,
  error: r.error,
  before: parse(r.before_json) as FlagLayers | null,
  confirmed: parse(r.confirmed_json) as FlagLayers | null,
  completedAt: r.completed_at,
});

/** Reads and writes the audit log. */
export class AuditStore {
  private readonly sql: Sql;
  constructor(db: Db) {
    this.sql = statementCache(db);
  }

  /** Journals an action as `pending`; returns its id. */
  begin(s: AuditStart): number {
    const r = this.sql(
      `INSERT INTO audit (at, actor, provider, environment, flag_key, action, reason, patch_json, request_json, status, before_json)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, 'pending', ?)`,
    ).run(
      s.at,
      s.actor,
      s.ref.provider,
      s.ref.environment,
      s.ref.key,
      s.action,
      s.reason,
      JSON.stringify(s.patch),
      JSON.stringify(s.request ?? null),
      s.before ? JSON.stringify(s.before) : null,
    );
    return Number(r.lastInsertRowid);
  }

  /** Completes a pending action. */
  end(id: number, e: AuditEnd): void {
    this.sql(
      `UPDATE audit SET status = ?, response_json = ?, error = ?, confirmed_json = ?, completed_at = ? WHERE id = ?`,
    ).run(
      e.status,
      e.response === undefined ? null : JSON.stringify(e.response),
      e.error,
      e.confirmed ? JSON.stringify(e.confirmed) : null,
      e.completedAt,
      id,
    );
  }

  /** One entry; throws when absent. */
  get(id: number): AuditEntry {
    const row = this.sql('SELECT * FROM audit WHERE id = ?').get(id) as Row | undefined;
    if (!row) throw new Error(`audit entry ${id} not found`);
    return toEntry(row);
  }

  /** Entries of one flag, newest first. */
  forFlag(ref: FlagRef, limit = 200): AuditEntry[] {
    return (
      this.sql(
        `SELECT * FROM audit WHERE provider = ? AND environment = ? AND flag_key = ? ORDER BY id DESC LIMIT ?`,
      ).all(ref.provider, ref.environment, ref.key, limit) as Row[]
    ).map(toEntry);
  }

  /**
   * The newest succeeded action on a flag completed at or after `sinceIso` that asked for exactly
   * `patch` (same layers, same values), or null — the result a concurrent identical request gets.
   */
  lastSucceededWith(ref: FlagRef, patch: Record<string, unknown>, sinceIso: string): AuditEntry | null {
    const key = JSON.stringify(
      Object.fromEntries(Object.entries(patch).sort(([a], [b]) => a.localeCompare(b))),
    );
    const rows = (
      this.sql(
        `SELECT * FROM audit WHERE provider = ? AND environment = ? AND flag_key = ? AND status = 'succeeded'
           AND completed_at >= ? ORDER BY id DESC LIMIT 20`,
      ).all(ref.provider, ref.environment, ref.key, sinceIso) as Row[]
    ).map(toEntry);
    return (
      rows.find(
        (e) =>
          JSON.stringify(
            Object.fromEntries(Object.entries(e.patch).sort(([a], [b]) => a.localeCompare(b))),
          ) === key,
      ) ?? null
    );
  }

  /**
   * Pending actions started before `beforeIso` that no unfinished outbox action will complete (a
   * process died mid-call before its call was journaled — e.g. by an earlier version), oldest first.
   */
  abandonedBefore(beforeIso: string): AuditEntry[] {
    return (
      this.sql(
        `SELECT * FROM audit a WHERE a.status = 'pending' AND a.at < ?
           AND NOT EXISTS (SELECT 1 FROM outbox o WHERE o.audit_id = a.id AND o.status IN ('pending', 'sent'))
         ORDER BY a.id`,
      ).all(beforeIso) as Row[]
    ).map(toEntry);
  }

  /** Pending or succeeded actions on a flag since `sinceIso` not yet linked to a history entry. */
  recentUnlinked(ref: FlagRef, sinceIso: string): AuditEntry[] {
    return (
      this.sql(
        `SELECT * FROM audit a WHERE provider = ? AND environment = ? AND flag_key = ? AND status IN ('pending', 'succeeded') AND at >= ?
           AND NOT EXISTS (SELECT 1 FROM history h WHERE h.audit_id = a.id) ORDER BY id`,
      ).all(ref.provider, ref.environment, ref.key, sinceIso) as Row[]
    ).map(toEntry);
  }
}
