/**
 * The write side of a metric import: short, paced `BEGIN IMMEDIATE` transactions ({@link Writer})
 * and the lease (`owner`, `lease_until` of `metric_import`) through which a process owns its
 * imports — renewed with every write, taken over ({@link Writer.takeOver}) only once abandoned.
 * Design: docs/metrics.md, "Imports: staging, publishing, replacing".
 */
import { randomBytes } from 'node:crypto';
import os from 'node:os';
import type { Db, Sql } from '../db/database.ts';
import { statementCache } from '../db/database.ts';
import { Checkpointer } from './metric-import-checkpointer.ts';

/**
 * Work done in one write transaction of an import at most, ms: the transaction commits once this
 * is spent (and at most ~one more step of a few ms), so the lock is held well under ~50 ms.
 */
export const WRITE_BUDGET_MS = 12;

/**
 * Pause after a write transaction: half as long as it took, and at least this, ms — the lock is
 * free a third of the time at least, so another connection's busy handler finds it within a few
 * tries, and this process's event loop runs (requests, the monitor) between two transactions.
 */
const MIN_PAUSE_MS = 2;

/** How long an import stays owned without renewal, ms; renewed every {@link LEASE_RENEW_MS}. */
export const IMPORT_LEASE_MS = 30_000;

/**
 * How often a running import's leases are renewed by a timer, ms (its writes renew them too, at most
 * every fifth of this).
 */
export const LEASE_RENEW_MS = 5_000;

/** How long a write transaction keeps trying to start while another connection writes, ms. */
const BUSY_GIVE_UP_MS = 60_000;

/** What a write transaction of an import does (for {@link ImportOptions.onWrite}). */
export type WritePhase = 'stage' | 'publish' | 'fold' | 'retract' | 'discard' | 'lease';

/** Another process took this import over (its lease had run out): this one stops. */
export class ImportLostError extends Error {}

/** The ownership columns of a `metric_import` row (`lease_until`: ms since epoch). */
export interface ImportRow {
  id: number;
  state: 'staging' | 'publishing' | 'published' | 'retracting' | 'retracted';
  owner: string;
  lease_until: number;
}

/** Resolves after `ms` milliseconds (the event loop runs meanwhile). */
export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

const isBusy = (e: unknown): boolean => /^SQLITE_BUSY/.test(String((e as { code?: unknown })?.code ?? ''));

/** Owners of imports running in this process (an owner of this pid not in it is abandoned). */
const liveOwners = new Set<string>();

/**
 * Whether the owner of an import is gone: its lease ran out, or it names a process of this host
 * that no longer runs (or this process, but no import of it runs under that owner).
 */
function abandoned(r: ImportRow, now: number): boolean {
  if (r.lease_until <= now) return true;
  const [host, pid] = r.owner.split(':');
  if (host !== os.hostname() || !pid) return false;
  if (Number(pid) === process.pid) return !liveOwners.has(r.owner);
  try {
    process.kill(Number(pid), 0);
    return false;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'ESRCH';
  }
}

/**
 * The write side of one process's imports on one database: short, paced `BEGIN IMMEDIATE`
 * transactions that renew the lease of every import it owns.
 */
export class Writer {
  readonly db: Db;
  readonly sql: Sql;
  readonly owner = `${os.hostname()}:${process.pid}:${randomBytes(4).toString('hex')}`;
  /** Imports this writer owns (their leases are renewed with every write). */
  readonly owned = new Set<number>();
  private readonly onWrite?: (ms: number, phase: WritePhase) => void;
  private lastEnd = 0;
  private lastMs = 0;
  /** When the leases were last written (ms since epoch). */
  private renewedAt = 0;

  private readonly checkpointer: Checkpointer;

  constructor(db: Db, onWrite?: (ms: number, phase: WritePhase) => void) {
    this.db = db;
    this.sql = statementCache(db);
    this.onWrite = onWrite;
    this.checkpointer = new Checkpointer(db);
    liveOwners.add(this.owner);
  }

  /** Stops owning (its imports count as abandoned from then on) and closes the checkpointer thread. */
  async close(): Promise<void> {
    liveOwners.delete(this.owner);
    await this.checkpointer.close();
  }

  /**
   * Runs `fn` in one write transaction (after the pause the previous one earned), renewing the
   * leases it holds. While another connection holds the lock, the start is retried after a pause
   * in which the event loop runs (never a blocking wait).
   * @throws ImportLostError when another process took one of its imports over; the busy error
   * after {@link BUSY_GIVE_UP_MS}; what `fn` throws (the transaction is rolled back).
   */
  async write<T>(phase: WritePhase, fn: () => T): Promise<T> {
    const started = Date.now();
    for (let attempt = 0; ; attempt++) {
      await sleep(Math.max(0, this.lastEnd + Math.max(MIN_PAUSE_MS, this.lastMs / 2) - performance.now()));
      if (!this.db.open) throw new Error('the database was closed during the import');
      const timeout = this.db.pragma('busy_timeout', { simple: true }) as number;
      const synchronous = this.db.pragma('synchronous', { simple: true }) as number;
      const autocheckpoint = this.db.pragma('wal_autocheckpoint', { simple: true }) as number;
      this.db.pragma('busy_timeout = 0');
      // The WAL is copied back into the database by the checkpointer thread, not by this commit.
      if (this.checkpointer.running) this.db.pragma('wal_autocheckpoint = 0');
      // Only the publication is synced to disk when it commits (with every write before it, the
      // WAL being sequential); the other writes commit without an fsync (what holds the lock
      // longest after the work itself). A power cut loses at most unpublished work — never a
      // half import: each transaction stays atomic.
      if (phase !== 'publish') this.db.pragma('synchronous = NORMAL');
      const t0 = performance.now();
      try {
        const out = this.db
          .transaction(() => {
            this.renew();
            return fn();
          })
          .immediate();
        this.lastMs = performance.now() - t0;
        this.lastEnd = performance.now();
        this.checkpointer.request();
        this.onWrite?.(this.lastMs, phase);
        return out;
      } catch (error) {
        if (!isBusy(error) || Date.now() - started > BUSY_GIVE_UP_MS) throw error;
        this.lastEnd = performance.now();
        this.lastMs = Math.min(50, 5 * (attempt + 1));
      } finally {
        if (this.db.open) {
          this.db.pragma(`busy_timeout = ${timeout}`);
          this.db.pragma(`synchronous = ${synchronous}`);
          this.db.pragma(`wal_autocheckpoint = ${autocheckpoint}`);
        }
      }
    }
  }

  /**
   * Checks that this writer still owns its imports (a read), and renews their leases (a write) at
   * most every {@link LEASE_RENEW_MS}/5 — a lease outlives that many missed renewals.
   * @throws ImportLostError when another process took one over.
   */
  private renew(): void {
    const now = Date.now();
    const write = now - this.renewedAt >= LEASE_RENEW_MS / 5;
    for (const id of this.owned) {
      const owner = write
        ? this.sql(`UPDATE metric_import SET lease_until = ? WHERE id = ? AND owner = ?`).run(
            now + IMPORT_LEASE_MS,
            id,
            this.owner,
          ).changes === 1
        : (this.sql(`SELECT owner FROM metric_import WHERE id = ?`).get(id) as { owner: string } | undefined)
            ?.owner === this.owner;
      if (!owner)
        throw new ImportLostError(
          `metric import ${id} was taken over by another process (its lease had run out)`,
        );
    }
    if (write) this.renewedAt = now;
  }

  /** Takes import `r` over when it is abandoned; true when this writer owns it now. */
  async takeOver(r: ImportRow): Promise<boolean> {
    if (!abandoned(r, Date.now())) return false;
    const won = await this.write('lease', () =>
      this.sql(
        `UPDATE metric_import SET owner = ?, lease_until = ? WHERE id = ? AND owner = ? AND lease_until = ?`,
      ).run(this.owner, Date.now() + IMPORT_LEASE_MS, r.id, r.owner, r.lease_until),
    );
    if (won.changes !== 1) return false;
    this.owned.add(r.id);
    return true;
  }
}
