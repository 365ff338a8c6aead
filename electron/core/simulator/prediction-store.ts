/**
 * Prediction logs in SQLite (tables `prediction_log`, `prediction`).
 *
 * Imports are all-or-nothing as far as anyone can see: rows are written in
 * batches under a log whose status is `importing` (invisible to every query),
 * and the log becomes `ready` in one final transaction. On a bad row the
 * partial rows are deleted.
 *
 * An import in progress is owned by a live process: its log carries a lease (`import_owner` =
 * `host:pid:random`, `import_lease_expires_at`), renewed every third of {@link
 * DEFAULT_IMPORT_LEASE_MS} while the import runs and with every batch it writes. Opening the data
 * folder deletes only `importing` logs whose lease expired — abandoned by a crash — never one
 * another process (the desktop app, `rcr serve`, a terminal) is writing. An import whose lease was
 * lost anyway (its process was suspended past the expiry and another cleaned it up) stops with
 * {@link PredictionImportLeaseLostError} at its next batch and touches nothing of anyone else's.
 */
import { randomBytes } from 'node:crypto';
import os from 'node:os';
import path from 'node:path';
import { isBusyError, type Db } from '../db/database.ts';
import type { FlagRef } from '../../../shared/domain.ts';
import type { PredictionLog, Slice } from '../../../shared/simulator.ts';
import { readPredictions, type PredictionRow, type ReadProgress } from './prediction-reader.ts';

interface LogRow {
  id: number;
  name: string;
  source: string;
  imported_at: string;
  rows: number;
  positives: number;
  model_versions_json: string;
  segments_json: string;
  flag_provider: string | null;
  flag_environment: string | null;
  flag_key: string | null;
}

const BATCH = 20_000;

/** How long an import's lease lasts without renewal, ms (renewed every third of it). */
export const DEFAULT_IMPORT_LEASE_MS = 60_000;

/** Options of {@link PredictionStore}. */
export interface PredictionStoreOptions {
  /** A read-only session: no clean-up when opened (it writes nothing). */
  readOnly?: boolean;
  /** This process as the owner of its imports; default `host:pid:random`. */
  owner?: string;
  /** Lease period of an import, ms (default {@link DEFAULT_IMPORT_LEASE_MS}). */
  leaseMs?: number;
  /**
   * Clock of the leases, ms since epoch (default `Date.now`): wall time, since leases are compared
   * across processes.
   */
  clock?: () => number;
}

/** The import's lease was lost: another process found it expired and cleaned the import up. */
export class PredictionImportLeaseLostError extends Error {
  constructor(name: string) {
    super(
      `prediction import "${name}": this process's lease on it was lost (another process found it expired and cleaned it up); nothing of it was kept — import the file again`,
    );
    this.name = 'PredictionImportLeaseLostError';
  }
}

/** Options of {@link PredictionStore.importFile}. */
export interface ImportOptions {
  name?: string;
  flag?: FlagRef;
  now: () => number;
  onProgress?: (p: ReadProgress) => void;
}

/** Reads and writes prediction logs. */
export class PredictionStore {
  private readonly db: Db;
  /** This process as the owner of its imports (`host:pid:random` unless given). */
  readonly owner: string;
  /** Abandoned imports (expired lease) deleted when this store was opened. */
  readonly cleanedUp: number;
  private readonly leaseMs: number;
  private readonly clock: () => number;

  /**
   * Opens the store; unless `readOnly`, deletes abandoned imports ({@link cleanUpAbandoned}). A
   * busy database (another process holds the write lock) postpones the clean-up to the next open.
   */
  constructor(db: Db, o: PredictionStoreOptions = {}) {
    this.db = db;
    this.owner = o.owner ?? `${os.hostname()}:${process.pid}:${randomBytes(4).toString('hex')}`;
    this.leaseMs = o.leaseMs ?? DEFAULT_IMPORT_LEASE_MS;
    this.clock = o.clock ?? Date.now;
    let cleaned = 0;
    if (!o.readOnly)
      try {
        cleaned = this.cleanUpAbandoned();
      } catch (error) {
        if (!isBusyError(error)) throw error;
      }
    this.cleanedUp = cleaned;
  }

  /**
   * Deletes the imports whose lease expired (or that have none: written by a build without
   * leases), with their rows; returns how many logs. Imports of live processes stay.
   */
  cleanUpAbandoned(): number {
    return this.db
      .prepare(
        "DELETE FROM prediction_log WHERE status = 'importing' AND COALESCE(import_lease_expires_at, 0) <= ?",
      )
      .run(this.clock()).changes;
  }

  /**
   * Streams a CSV/JSONL/Parquet file into a new log, holding the log's lease while it runs.
   * @throws PredictionFormatError (line number and field) — nothing of the file stays stored.
   * @throws PredictionImportLeaseLostError when another process cleaned the import up as abandoned.
   */
  async importFile(file: string, o: ImportOptions): Promise<PredictionLog> {
    const { db, owner } = this;
    const name = o.name ?? path.basename(file);
    const id = Number(
      db
        .prepare(
          `INSERT INTO prediction_log (name, source, imported_at, status, flag_provider, flag_environment, flag_key,
             import_owner, import_lease_expires_at)
           VALUES (?, ?, ?, 'importing', ?, ?, ?, ?, ?)`,
        )
        .run(
          name,
          path.basename(file),
          new Date(o.now()).toISOString(),
          o.flag?.provider ?? null,
          o.flag?.environment ?? null,
          o.flag?.key ?? null,
          owner,
          this.clock() + this.leaseMs,
        ).lastInsertRowid,
    );
    const insert = db.prepare(
      'INSERT INTO prediction (log_id, confidence, label, model_version, segment, unit_id, ts, latency_ms) VALUES (?, ?, ?, ?, ?, ?, ?, ?)',
    );
    const renewLease = db.prepare(
      "UPDATE prediction_log SET import_lease_expires_at = ? WHERE id = ? AND import_owner = ? AND status = 'importing'",
    );
    let lost = false;
    /** Renews the lease; false when it is not ours any more. */
    const renew = (): boolean => {
      if (!lost && renewLease.run(this.clock() + this.leaseMs, id, owner).changes === 0) lost = true;
      return !lost;
    };
    // Every batch renews the lease in its own transaction: rows are never written under a log
    // that is not ours (its id may even have been reused by then).
    const flush = db.transaction((rows: PredictionRow[]) => {
      if (!renew()) throw new PredictionImportLeaseLostError(name);
      for (const r of rows)
        insert.run(id, r.confidence, r.label, r.modelVersion, r.segment, r.unitId, r.timestamp, r.latencyMs);
    });
    // A slow source (a pipe, an upload) may deliver no batch for a while: renew on a timer too.
    const renewal = setInterval(
      () => {
        try {
          renew();
        } catch {
          // Busy database: the next renewal (or batch) tries again well before the lease expires.
        }
      },
      Math.max(10, Math.floor(this.leaseMs / 3)),
    );
    renewal.unref();
    let batch: PredictionRow[] = [];
    let positives = 0;
    try {
      const rows = await readPredictions(
        file,
        (row) => {
          positives += row.label;
          batch.push(row);
          if (batch.length >= BATCH) {
            flush(batch);
            batch = [];
          }
        },
        o.onProgress,
      );
      flush(batch);
      const distinct = (col: 'model_version' | 'segment'): string =>
        JSON.stringify(
          (
            db
              .prepare(
                `SELECT DISTINCT ${col} AS v FROM prediction WHERE log_id = ? AND ${col} IS NOT NULL ORDER BY v`,
              )
              .all(id) as { v: string }[]
          ).map((x) => x.v),
        );
      const ready = db
        .prepare(
          `UPDATE prediction_log SET status = 'ready', rows = ?, positives = ?, model_versions_json = ?, segments_json = ?,
             import_owner = NULL, import_lease_expires_at = NULL
           WHERE id = ? AND import_owner = ? AND status = 'importing'`,
        )
        .run(rows, positives, distinct('model_version'), distinct('segment'), id, owner);
      if (ready.changes === 0) throw new PredictionImportLeaseLostError(name);
    } catch (error) {
      try {
        // Only our own import: a log cleaned up by another process may have lent its id to a new one.
        db.transaction(() => {
          const ours = db
            .prepare(
              "SELECT 1 FROM prediction_log WHERE id = ? AND import_owner = ? AND status = 'importing'",
            )
            .get(id, owner);
          if (!ours) return;
          db.prepare('DELETE FROM prediction WHERE log_id = ?').run(id);
          db.prepare('DELETE FROM prediction_log WHERE id = ?').run(id);
        })();
      } catch {
        // Busy database: the lease expires and the next open cleans the import up.
      }
      throw lost && !(error instanceof PredictionImportLeaseLostError)
        ? new PredictionImportLeaseLostError(name)
        : error;
    } finally {
      clearInterval(renewal);
    }
    return this.get(id);
  }

  /** Ready logs, newest first; with `flag`, only those attached to that flag (same provider and key). */
  list(flag?: FlagRef): PredictionLog[] {
    const rows = (
      flag
        ? this.db
            .prepare(
              "SELECT * FROM prediction_log WHERE status = 'ready' AND flag_provider = ? AND flag_key = ? ORDER BY id DESC",
            )
            .all(flag.provider, flag.key)
        : this.db.prepare("SELECT * FROM prediction_log WHERE status = 'ready' ORDER BY id DESC").all()
    ) as LogRow[];
    return rows.map((r) => this.toLog(r));
  }

  /** One ready log. @throws Error `prediction log N not found`. */
  get(id: number): PredictionLog {
    const row = this.db.prepare("SELECT * FROM prediction_log WHERE id = ? AND status = 'ready'").get(id) as
      LogRow | undefined;
    if (!row) throw new Error(`prediction log ${id} not found`);
    return this.toLog(row);
  }

  /** Number of ready logs. */
  count(): number {
    return (
      this.db.prepare("SELECT COUNT(*) AS n FROM prediction_log WHERE status = 'ready'").get() as {
        n: number;
      }
    ).n;
  }

  /** Confidences and labels of one slice (`null` = all), as typed arrays. */
  loadSlice(logId: number, slice: Slice): { confidences: Float64Array; labels: Uint8Array } {
    const where = ['log_id = ?'];
    const args: (string | number)[] = [logId];
    if (slice.modelVersion !== null) {
      where.push('model_version = ?');
      args.push(slice.modelVersion);
    }
    if (slice.segment !== null) {
      where.push('segment = ?');
      args.push(slice.segment);
    }
    const sql = `FROM prediction WHERE ${where.join(' AND ')}`;
    const n = (this.db.prepare(`SELECT COUNT(*) AS n ${sql}`).get(...args) as { n: number }).n;
    const confidences = new Float64Array(n);
    const labels = new Uint8Array(n);
    let i = 0;
    for (const r of this.db
      .prepare(`SELECT confidence, label ${sql}`)
      .raw()
      .iterate(...args) as Iterable<[number, number]>) {
      confidences[i] = r[0];
      labels[i++] = r[1];
    }
    return { confidences, labels };
  }

  private toLog(r: LogRow): PredictionLog {
    return {
      id: r.id,
      name: r.name,
      source: r.source,
      importedAt: r.imported_at,
      rows: r.rows,
      positives: r.positives,
      modelVersions: JSON.parse(r.model_versions_json) as string[],
      segments: JSON.parse(r.segments_json) as string[],
      flag:
        r.flag_provider && r.flag_environment && r.flag_key
          ? { provider: r.flag_provider, environment: r.flag_environment, key: r.flag_key }
          : null,
    };
  }
}
