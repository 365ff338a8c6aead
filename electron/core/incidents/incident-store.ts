/**
 * SQLite storage (schema v6, table `incident`) of recorded incidents. Rows only: the rules that
 * open, join and close them are {@link IncidentLedger}'s. Writes run in the caller's transaction.
 */
import { FlagLayersSchema, type FlagLayers, type FlagRef } from '../../../shared/domain.ts';
import { statementCache, type Db, type Sql } from '../db/database.ts';

/** The kinds an incident row can have (`breached` is derived, never stored). */
export type StoredIncidentKind = 'killed' | 'rolled-back' | 'paused';

/** A recorded incident (without the joined views of `incidents.list`). */
export interface IncidentRow {
  id: number;
  flag: FlagRef;
  kind: StoredIncidentKind;
  openedAt: string;
  openedBy: string;
  reason: string;
  decisionId: number | null;
  /** The provider confirmed a kill during the incident. */
  killed: boolean;
  /** Layers confirmed right before that kill, or null. */
  layersBeforeKill: FlagLayers | null;
  closedAt: string | null;
  closedBy: string | null;
  closeReason: string | null;
}

/** Fields of a new incident. */
export type NewIncident = Omit<IncidentRow, 'id' | 'closedAt' | 'closedBy' | 'closeReason'>;

interface Row {
  id: number;
  provider: string;
  environment: string;
  flag_key: string;
  kind: StoredIncidentKind;
  opened_at: string;
  opened_by: string;
  reason: string;
  decision_id: number | null;
  killed: number;
  layers_before_kill_json: string | null;
  closed_at: string | null;
  closed_by: string | null;
  close_reason: string | null;
}

const toIncident = (r: Row): IncidentRow => ({
  id: r.id,
  flag: { provider: r.provider, environment: r.environment, key: r.flag_key },
  kind: r.kind,
  openedAt: r.opened_at,
  openedBy: r.opened_by,
  reason: r.reason,
  decisionId: r.decision_id,
  killed: r.killed === 1,
  layersBeforeKill: r.layers_before_kill_json
    ? FlagLayersSchema.parse(JSON.parse(r.layers_before_kill_json))
    : null,
  closedAt: r.closed_at,
  closedBy: r.closed_by,
  closeReason: r.close_reason,
});

/** Reads and writes incident rows. */
export class IncidentStore {
  private readonly sql: Sql;
  constructor(db: Db) {
    this.sql = statementCache(db);
  }

  /** Inserts an open incident; returns its id. */
  insert(i: NewIncident): number {
    return Number(
      this.sql(
        `INSERT INTO incident (provider, environment, flag_key, kind, opened_at, opened_by, reason, decision_id, killed, layers_before_kill_json)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      ).run(
        i.flag.provider,
        i.flag.environment,
        i.flag.key,
        i.kind,
        i.openedAt,
        i.openedBy,
        i.reason,
        i.decisionId,
        i.killed ? 1 : 0,
        i.layersBeforeKill ? JSON.stringify(i.layersBeforeKill) : null,
      ).lastInsertRowid,
    );
  }

  /** Updates an incident's kind, and marks the confirmed kill with the layers from before it. */
  update(id: number, u: { kind: StoredIncidentKind; kill?: { layersBeforeKill: FlagLayers | null } }): void {
    if (u.kill)
      this.sql(`UPDATE incident SET kind = ?, killed = 1, layers_before_kill_json = ? WHERE id = ?`).run(
        u.kind,
        u.kill.layersBeforeKill ? JSON.stringify(u.kill.layersBeforeKill) : null,
        id,
      );
    else this.sql(`UPDATE incident SET kind = ? WHERE id = ?`).run(u.kind, id);
  }

  /** Closes an open incident, recording who closed it and why. */
  close(id: number, c: { at: string; by: string; reason: string }): void {
    this.sql(
      `UPDATE incident SET closed_at = ?, closed_by = ?, close_reason = ? WHERE id = ? AND closed_at IS NULL`,
    ).run(c.at, c.by, c.reason, id);
  }

  /** The flag's open incident (the newest, should there be several from an older build), or null. */
  openOf(flag: FlagRef): IncidentRow | null {
    const r = this.sql(
      `SELECT * FROM incident WHERE closed_at IS NULL AND provider = ? AND environment = ? AND flag_key = ? ORDER BY id DESC LIMIT 1`,
    ).get(flag.provider, flag.environment, flag.key) as Row | undefined;
    return r ? toIncident(r) : null;
  }

  /** The flag's open incidents (several only in databases of older builds), newest first. */
  allOpenOf(flag: FlagRef): IncidentRow[] {
    return (
      this.sql(
        `SELECT * FROM incident WHERE closed_at IS NULL AND provider = ? AND environment = ? AND flag_key = ? ORDER BY id DESC`,
      ).all(flag.provider, flag.environment, flag.key) as Row[]
    ).map(toIncident);
  }

  /** The flag's newest incident holding a confirmed kill (open or closed), or null. */
  lastKill(flag: FlagRef): IncidentRow | null {
    const r = this.sql(
      `SELECT * FROM incident WHERE killed = 1 AND provider = ? AND environment = ? AND flag_key = ? ORDER BY id DESC LIMIT 1`,
    ).get(flag.provider, flag.environment, flag.key) as Row | undefined;
    return r ? toIncident(r) : null;
  }

  /** Open incidents (and closed ones when asked), of one flag or all, open first then newest first; at most 500. */
  list(includeClosed: boolean, flag?: FlagRef): IncidentRow[] {
    const where = [includeClosed ? '1' : 'closed_at IS NULL'];
    const args: string[] = [];
    if (flag) {
      where.push('provider = ? AND environment = ? AND flag_key = ?');
      args.push(flag.provider, flag.environment, flag.key);
    }
    return (
      this.sql(
        `SELECT * FROM incident WHERE ${where.join(' AND ')} ORDER BY closed_at IS NOT NULL, id DESC LIMIT 500`,
      ).all(...args) as Row[]
    ).map(toIncident);
  }
}
