/**
 * The all-or-nothing, idempotent import of a metric-event file into per-minute rollups, written
 * in short transactions so that it never keeps the database's write lock — nor the event loop —
 * for long (issue 15: a kill, a monitor tick or another process must not wait for an import).
 * Design and reasons: docs/metrics.md, "Imports: staging, publishing, replacing".
 *
 * 1. **Read**: events are parsed in a worker thread ({@link readMetricEventBatches}) and
 *    aggregated here per (flag, metric, variant, minute) cell; the file's SHA-256 — the import
 *    key — is computed alongside (node:crypto).
 * 2. **Stage**: when more than {@link FLUSH_CELLS} cells are open they are written to
 *    `metric_import_cell` under this import (state `staging`: no reader looks at them) and dropped
 *    from memory — memory stays bounded by the open cells, not by the file.
 * 3. **Publish**: once every row is valid, one small transaction checks the key (the same content
 *    already imported into this provider/environment is refused, or replaced with
 *    `onDuplicate: 'replace'`) and sets the state to `publishing`: from then on every reader adds
 *    the import's cells ({@link ImportOverlay}) — the whole import becomes visible at once.
 * 4. **Fold**: the cells are added to `metric_rollup` and its hour/day levels series by series,
 *    each transaction moving the series' cursor with the rows it changes; then the state becomes
 *    `published`. A replaced import is first taken out the same way (`retracting`).
 *
 * Every write is its own `BEGIN IMMEDIATE` transaction of at most {@link WRITE_BUDGET_MS} of work,
 * followed by a pause half as long (other connections get the lock, this process answers
 * requests). A bad row, a refused duplicate or any failure before step 3 deletes the staged cells.
 * A crash leaves staged cells invisible; the next import ({@link recoverImports}) deletes them,
 * or — after step 3 — finishes the fold. An import is owned by its process through a lease
 * (`owner`, `lease_until`) renewed while it runs: only abandoned imports are touched.
 *
 * This module reads and aggregates (step 1) and runs the steps in order. The others: staging
 * (metric-import-staging.ts), publishing (metric-import-publish.ts), folding
 * (metric-import-fold.ts), recovery (metric-import-recovery.ts), the paced transactions and the
 * lease (metric-import-writer.ts, with its WAL checkpointer thread, metric-import-checkpointer.ts).
 */
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import type { Db } from '../db/database.ts';
import { readMetricEventBatches } from './metric-batch-reader.ts';
import type { ReadProgress } from './metric-events-reader.ts';
import { fold, type MinuteFolder } from './metric-import-fold.ts';
import { DuplicateImportError, publish, type EarlierImport } from './metric-import-publish.ts';
import { recover } from './metric-import-recovery.ts';
import { purge, stage, writeSeries, type StagedSeries } from './metric-import-staging.ts';
import {
  IMPORT_LEASE_MS,
  ImportLostError,
  LEASE_RENEW_MS,
  Writer,
  type WritePhase,
} from './metric-import-writer.ts';
import { addValue, emptyRollup, MINUTE_MS, type Rollup } from './rollup.ts';

/**
 * Open cells kept in memory before they are staged (each holds a sketch of up to a few KiB). The
 * next ones are aggregated while up to two flushes are written, so up to three times this many
 * are in memory.
 */
export const FLUSH_CELLS = 4096;

/** Options of {@link importMetricEvents}. */
export interface ImportOptions {
  /** Rollups are stored under this provider and environment. */
  provider: string;
  environment: string;
  onProgress?: (p: ReadProgress) => void;
  /**
   * When this content (same SHA-256) was imported into `provider`/`environment` before: `refuse`
   * (default — also what makes a retried request harmless) or `replace` that earlier import.
   */
  onDuplicate?: 'refuse' | 'replace';
  /**
   * Called after each write transaction with its duration (ms) and phase, between two
   * transactions (benches and tests measure the lock, or read as other code would then).
   */
  onWrite?: (ms: number, phase: WritePhase) => void;
}

/** Result of an import. */
export interface ImportSummary {
  rows: number;
  /** Distinct flags and metrics seen, sorted. */
  flags: string[];
  metrics: string[];
  /** SHA-256 of the file's bytes, hex. */
  importKey: string;
  /** Whether an earlier import of the same content was replaced. */
  replaced: boolean;
}

/** SHA-256 of the file's bytes (hex); stops early (null) when `signal` aborts. */
async function sha256(file: string, signal: AbortSignal): Promise<string | null> {
  const hash = createHash('sha256');
  for await (const chunk of fs.createReadStream(file, { highWaterMark: 4 << 20 })) {
    if (signal.aborted) return null;
    hash.update(chunk as Buffer);
  }
  return hash.digest('hex');
}

/**
 * Imports `file` (CSV or JSONL metric events) into `store`, all-or-nothing and idempotent by the
 * file's SHA-256 (see the module doc). Abandoned imports of other processes are cleaned up or
 * finished first ({@link recoverImports}).
 * @returns rows read, the flags and metrics seen (sorted), the import key and whether an earlier
 * import was replaced.
 * @throws MetricFormatError naming the first bad line and column (nothing stored then);
 * DuplicateImportError when the content was imported before and `onDuplicate` is not `replace`.
 */
export async function importMetricEvents(
  db: Db,
  store: MinuteFolder,
  file: string,
  opts: ImportOptions,
): Promise<ImportSummary> {
  const w = new Writer(db, opts.onWrite);
  const renewal = setInterval(
    () => void w.write('lease', () => undefined).catch(() => undefined),
    LEASE_RENEW_MS,
  );
  renewal.unref();
  try {
    await recover(w, store);
    return await runImport(w, store, file, opts);
  } finally {
    clearInterval(renewal);
    await w.close();
  }
}

/** {@link importMetricEvents} with a given writer (recovery done): read, stage, publish, fold. */
async function runImport(
  w: Writer,
  store: MinuteFolder,
  file: string,
  opts: ImportOptions,
): Promise<ImportSummary> {
  const { sql } = w;
  const target = `${opts.provider}/${opts.environment}`;
  const id = await w.write('stage', () => {
    const now = Date.now();
    return Number(
      sql(
        `INSERT INTO metric_import (provider, environment, import_key, file_name, state, owner, lease_until, started_at)
         VALUES (?, ?, '', ?, 'staging', ?, ?, ?)`,
      ).run(opts.provider, opts.environment, path.basename(file), w.owner, now + IMPORT_LEASE_MS, now)
        .lastInsertRowid,
    );
  });
  w.owned.add(id);
  const earlier = (key: string): EarlierImport | undefined =>
    sql(
      `SELECT id, file_name, rows, published_at FROM metric_import
       WHERE provider = ? AND environment = ? AND import_key = ? AND state IN ('publishing', 'published')`,
    ).get(opts.provider, opts.environment, key) as EarlierImport | undefined;

  const stop = new AbortController();
  const hashing = sha256(file, stop.signal);
  // The key is known long before the parse ends: a refused duplicate stops the read early.
  hashing.then(
    (key) => {
      try {
        const e = key && opts.onDuplicate !== 'replace' ? earlier(key) : undefined;
        if (key && e) stop.abort(new DuplicateImportError(file, key, target, e));
      } catch {
        // Checked again when publishing.
      }
    },
    () => undefined,
  );

  const series: StagedSeries[] = [];
  const flags = new Set<string>();
  const metrics = new Set<string>();
  let open = 0;
  let staging: Promise<void> = Promise.resolve();
  /** Flushes whose cells are not all written yet. */
  let flushing = 0;
  const flush = (): Promise<void> => {
    const cells: Array<{ s: StagedSeries; minute: number; r: Rollup }> = [];
    for (const s of series) {
      for (const [minute, r] of s.cells) cells.push({ s, minute, r });
      s.cells.clear();
    }
    open = 0;
    flushing++;
    staging = staging.then(() => stage(w, id, cells)).finally(() => flushing--);
    // A failed write stops the read (and the failure is seen by whoever awaits `staging`).
    staging.catch((e: unknown) => stop.abort(e));
    return staging;
  };

  let published = false;
  try {
    const { rows } = await readMetricEventBatches(
      file,
      (b) => {
        for (const n of b.newSeries) {
          series.push({ ...n, cells: new Map(), lo: Infinity, hi: -Infinity, stored: 0 });
          flags.add(n.flagKey);
          metrics.add(n.metric);
        }
        for (let i = 0; i < b.length; i++) {
          const s = series[b.series[i] as number] as StagedSeries;
          const minute = Math.floor((b.timestamps[i] as number) / MINUTE_MS) * MINUTE_MS;
          let cell = s.cells.get(minute);
          if (!cell) {
            s.cells.set(minute, (cell = emptyRollup()));
            open++;
          }
          addValue(cell, b.values[i] as number);
        }
        // The cells are written while the next batches are aggregated; with two flushes still
        // being written, the next batch waits for them (the parser then stops): memory stays
        // bounded by three flushes' cells.
        if (open > FLUSH_CELLS) {
          const written = flush();
          if (flushing > 2) return written;
        }
      },
      { onProgress: opts.onProgress, signal: stop.signal },
    );
    await flush();
    const key = await hashing;
    if (key === null) throw stop.signal.reason;
    await writeSeries(w, id, opts, series);
    const replacing = await publish(w, store, id, { key, rows, file, target, onDuplicate: opts.onDuplicate });
    published = true;
    if (replacing !== null) {
      await fold(w, store, replacing, 'retract');
      await purge(w, replacing);
    }
    await fold(w, store, id, 'fold');
    return {
      rows,
      flags: [...flags].sort(),
      metrics: [...metrics].sort(),
      importKey: key,
      replaced: replacing !== null,
    };
  } catch (error) {
    stop.abort(error);
    await staging.catch(() => undefined);
    // Before publication nothing of this import was visible: its staged cells go. After it, the
    // import stands (readers see it whole) and the next import finishes the fold.
    if (!published && !(error instanceof ImportLostError)) await purge(w, id).catch(() => undefined);
    throw error;
  }
}
