/**
 * Leases in SQLite: a named right held by one process of a data folder until it expires — so the
 * desktop app, `rcr serve`, `rcr monitor` and someone's terminal, sharing one folder, never act on
 * the same thing at once. A lease row (`lease`: name, owner, expires_at ms) is taken or renewed in
 * one statement (an UPSERT whose update applies only when this owner holds it or it expired), so
 * two processes cannot both win. A process that dies stops renewing; its lease expires and another
 * may take it.
 *
 * Names in use: `monitor` (the one process per folder that evaluates, and drains orphaned outbox
 * actions), `flag:<provider>/<environment>/<key>` (one change to a flag at a time).
 */
import { randomBytes } from 'node:crypto';
import os from 'node:os';
import { statementCache, type Db, type Sql } from './database.ts';

/** An id naming this process as a lease owner: `host:pid:random` (unique per core opened). */
export function newOwnerId(): string {
  return `${os.hostname()}:${process.pid}:${randomBytes(4).toString('hex')}`;
}

/** Who holds a lease, and until when (ms since epoch). */
export interface LeaseHolder {
  owner: string;
  expiresAt: number;
}

/** Takes, renews, releases and reads leases for one owner. */
export class Leases {
  readonly owner: string;
  private readonly sql: Sql;
  private readonly now: () => number;
  constructor(db: Db, owner: string, now: () => number = Date.now) {
    this.sql = statementCache(db);
    this.owner = owner;
    this.now = now;
  }

  /**
   * Takes `name` for `ttlMs` (ms), or renews it when this owner holds it already.
   * @returns true when this owner holds it now; false when another live owner does.
   */
  acquire(name: string, ttlMs: number): boolean {
    const now = this.now();
    return (
      this.sql(
        `INSERT INTO lease (name, owner, expires_at) VALUES (?, ?, ?)
         ON CONFLICT (name) DO UPDATE SET owner = excluded.owner, expires_at = excluded.expires_at
         WHERE lease.owner = excluded.owner OR lease.expires_at <= ?`,
      ).run(name, this.owner, now + ttlMs, now).changes === 1
    );
  }

  /** Gives `name` up when this owner holds it (no-op otherwise). */
  release(name: string): void {
    this.sql(`DELETE FROM lease WHERE name = ? AND owner = ?`).run(name, this.owner);
  }

  /** The live holder of `name`, or null when nobody holds it (or it expired). */
  holder(name: string): LeaseHolder | null {
    const r = this.sql(`SELECT owner, expires_at FROM lease WHERE name = ? AND expires_at > ?`).get(
      name,
      this.now(),
    ) as { owner: string; expires_at: number } | undefined;
    return r ? { owner: r.owner, expiresAt: r.expires_at } : null;
  }

  /** True when this owner holds `name` now. */
  holds(name: string): boolean {
    return this.holder(name)?.owner === this.owner;
  }
}
