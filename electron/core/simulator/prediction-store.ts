/**
 * Prediction logs in SQLite (tables `prediction_log`, `prediction`).
 *
 * Imports are all-or-nothing as far as anyone can see: rows are written in
 * batches under a log whose status is `importing` (invisible to every query),
 * and the log becomes `ready` in one final transaction. On a bad row the
 * partial rows are deleted; logs left `importing` by a crash are deleted the
 * next time the database is opened.
 */
import path from 'node:path';
import type { Db } from '../db/database.ts';
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
  constructor(db: Db) {
    this.db = db;
    this.db.prepare("DELETE FROM prediction_log WHERE status = 'importing'").run();
  }

  /**
   * Streams a CSV/JSONL/Parquet file into a new log.
   * @throws PredictionFormatError (line number and field) — nothing of the file stays stored.
   */
  async importFile(file: string, o: ImportOptions): Promise<PredictionLog> {
    const { db } = this;
    const id = Number(
      db
        .prepare(
          `INSERT INTO prediction_log (name, source, imported_at, status, flag_provider, flag_environment, flag_key)
           VALUES (?, ?, ?, 'importing', ?, ?, ?)`,
        )
        .run(
          o.name ?? path.basename(file),
          path.basename(file),
          new Date(o.now()).toISOString(),
          o.flag?.provider ?? null,
          o.flag?.environment ?? null,
          o.flag?.key ?? null,
        ).lastInsertRowid,
    );
    const insert = db.prepare(
      'INSERT INTO prediction (log_id, confidence, label, model_version, segment, unit_id, ts, latency_ms) VALUES (?, ?, ?, ?, ?, ?, ?, ?)',
    );
    const flush = db.transaction((rows: PredictionRow[]) => {
      for (const r of rows)
        insert.run(id, r.confidence, r.label, r.modelVersion, r.segment, r.unitId, r.timestamp, r.latencyMs);
    });
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
      db.prepare(
        "UPDATE prediction_log SET status = 'ready', rows = ?, positives = ?, model_versions_json = ?, segments_json = ? WHERE id = ?",
      ).run(rows, positives, distinct('model_version'), distinct('segment'), id);
    } catch (error) {
      db.transaction(() => {
        db.prepare('DELETE FROM prediction WHERE log_id = ?').run(id);
        db.prepare('DELETE FROM prediction_log WHERE id = ?').run(id);
      })();
      throw error;
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
