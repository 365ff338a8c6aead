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
 */
import { createHash, randomBytes } from 'node:crypto';
import fs from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { Worker } from 'node:worker_threads';
import type { Db, Sql } from '../db/database.ts';
import { statementCache } from '../db/database.ts';
import { readMetricEventBatches } from './metric-batch-reader.ts';
import type { ReadProgress } from './metric-events-reader.ts';
import type { MetricStore } from './metric-store.ts';
import type { SeriesKey } from './rollup-levels.ts';
import { ImportOverlay } from './rollup-overlay.ts';
import {
  addColumns,
  addValue,
  columnsOf,
  emptyRollup,
  MINUTE_MS,
  type Rollup,
  type RollupColumns,
} from './rollup.ts';

/**
 * Open cells kept in memory before they are staged (each holds a sketch of up to a few KiB). The
 * next ones are aggregated while up to two flushes are written, so up to three times this many
 * are in memory.
 */
export const FLUSH_CELLS = 4096;

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
const LEASE_RENEW_MS = 5_000;

/** How long a write transaction keeps trying to start while another connection writes, ms. */
const BUSY_GIVE_UP_MS = 60_000;

/** Cells read per statement while folding (a fold transaction runs several until its budget is spent). */
const FOLD_STEP = 64;

/** Wait between two looks at an import that is publishing elsewhere, ms. */
const SLOT_POLL_MS = 100;

/** What a write transaction of an import does (for {@link ImportOptions.onWrite}). */
export type WritePhase = 'stage' | 'publish' | 'fold' | 'retract' | 'discard' | 'lease';

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

/** The same content was imported into the same provider/environment before (and not replaced). */
export class DuplicateImportError extends Error {
  readonly importKey: string;
  constructor(file: string, key: string, target: string, earlier: EarlierImport) {
    super(
      `${path.basename(file)}: this content was already imported into ${target} (${earlier.file_name}, ` +
        `${earlier.rows.toLocaleString('en')} rows, at ${new Date(earlier.published_at).toISOString()}); ` +
        'importing it again would count its events twice — replace that import instead (onDuplicate "replace")',
    );
    this.name = 'DuplicateImportError';
    this.importKey = key;
  }
}

interface EarlierImport {
  id: number;
  file_name: string;
  rows: number;
  published_at: number;
}

/** Another process took this import over (its lease had run out): this one stops. */
class ImportLostError extends Error {}

interface Series {
  flagKey: string;
  metric: string;
  variant: string;
  cells: Map<number, Rollup>;
  /** First and last minute staged, and cells stored. */
  lo: number;
  hi: number;
  stored: number;
}

interface ImportRow {
  id: number;
  state: 'staging' | 'publishing' | 'published' | 'retracting' | 'retracted';
  owner: string;
  lease_until: number;
}

interface SeriesRow {
  flag_key: string;
  metric: string;
  variant: string;
  provider: string;
  environment: string;
  hi: number;
  done_to: number;
}

type Cell = RollupColumns & { minute: number };

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

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

/** SHA-256 of the file's bytes (hex); stops early (null) when `signal` aborts. */
async function sha256(file: string, signal: AbortSignal): Promise<string | null> {
  const hash = createHash('sha256');
  for await (const chunk of fs.createReadStream(file, { highWaterMark: 4 << 20 })) {
    if (signal.aborted) return null;
    hash.update(chunk as Buffer);
  }
  return hash.digest('hex');
}

/** better-sqlite3's entry file, for the checkpointer thread; null when it cannot be located (a bundle). */
function sqliteModule(): string | null {
  try {
    return createRequire(import.meta.url).resolve('better-sqlite3');
  } catch {
    return null;
  }
}

const CHECKPOINTER = `
const { workerData, parentPort } = require('node:worker_threads');
const db = new (require(workerData.module))(workerData.file, { fileMustExist: true });
db.pragma('busy_timeout = 1000');
const checkpoint = () => { try { db.pragma('wal_checkpoint(PASSIVE)'); } catch {} };
let timer = null;
parentPort.on('message', (m) => {
  if (m === 'close') { clearTimeout(timer); checkpoint(); db.close(); process.exit(0); }
  timer ??= setTimeout(() => { timer = null; checkpoint(); }, workerData.everyMs);
});`;

/**
 * A checkpoint at most this often, ms: a page written by several transactions in between (the
 * levels, B-tree interior pages) is copied once.
 */
const CHECKPOINT_EVERY_MS = 200;

/**
 * Copies an import's WAL frames back into the database file (`PRAGMA wal_checkpoint(PASSIVE)`)
 * on a connection of its own in a worker thread, {@link CHECKPOINT_EVERY_MS} after a write
 * transaction asked for it. SQLite's
 * automatic checkpoint would run it inside the committing statement on the event loop — up to
 * ~60 ms for every ~4 MiB written, measured here. A passive checkpoint holds no write lock
 * (https://www.sqlite.org/wal.html#checkpointing). When no thread can be started (no file, no
 * module path), the automatic checkpoint stays on.
 */
class Checkpointer {
  private worker: Worker | null = null;

  constructor(db: Db) {
    const module = sqliteModule();
    if (db.memory || !db.name || !module) return;
    try {
      this.worker = new Worker(CHECKPOINTER, {
        eval: true,
        workerData: { file: db.name, module, everyMs: CHECKPOINT_EVERY_MS },
        resourceLimits: { maxOldGenerationSizeMb: 8, maxYoungGenerationSizeMb: 2 },
      });
      this.worker.unref();
      this.worker.on('error', () => (this.worker = null));
      this.worker.on('exit', () => (this.worker = null));
    } catch {
      this.worker = null;
    }
  }

  /** Whether checkpoints run on the thread (the writer turns SQLite's automatic ones off then). */
  get running(): boolean {
    return this.worker !== null;
  }

  /** Asks for a checkpoint (requests made while one is queued are merged). */
  request(): void {
    this.worker?.postMessage('checkpoint');
  }

  /**
   * Runs a last checkpoint and closes the thread's connection (so that the app's connection is
   * the last one again, and removes the WAL file when it closes).
   */
  async close(): Promise<void> {
    const w = this.worker;
    this.worker = null;
    if (!w) return;
    const exited = new Promise((resolve) => w.once('exit', resolve));
    w.ref(); // kept alive until it has closed
    w.postMessage('close');
    await exited;
  }
}

/**
 * The write side of one process's imports on one database: short, paced `BEGIN IMMEDIATE`
 * transactions that renew the lease of every import it owns.
 */
class Writer {
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
  store: MetricStore,
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

async function runImport(
  w: Writer,
  store: MetricStore,
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

  const series: Series[] = [];
  const flags = new Set<string>();
  const metrics = new Set<string>();
  let open = 0;
  let staging: Promise<void> = Promise.resolve();
  /** Flushes whose cells are not all written yet. */
  let flushing = 0;
  const flush = (): Promise<void> => {
    const cells: Array<{ s: Series; minute: number; r: Rollup }> = [];
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
          const s = series[b.series[i] as number] as Series;
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

/**
 * Writes staged cells of import `id` (merging with a cell staged before for the same minute), in
 * transactions of at most {@link WRITE_BUDGET_MS}; sketches are encoded before each one, so it
 * only writes.
 */
async function stage(
  w: Writer,
  id: number,
  cells: Array<{ s: Series; minute: number; r: Rollup }>,
): Promise<void> {
  const { sql } = w;
  const pending: Array<{ s: Series; minute: number; c: RollupColumns }> = [];
  for (let i = 0; i < cells.length || pending.length > 0;) {
    const encodeUntil = performance.now() + WRITE_BUDGET_MS / 2;
    while (i < cells.length && (pending.length < 64 || performance.now() < encodeUntil)) {
      const x = cells[i++] as { s: Series; minute: number; r: Rollup };
      pending.push({ s: x.s, minute: x.minute, c: columnsOf(x.r) });
    }
    await w.write('stage', () => {
      const deadline = performance.now() + WRITE_BUDGET_MS;
      const insert = sql(
        `INSERT INTO metric_import_cell (import_id, flag_key, metric, variant, minute, count, sum, sum_sq, successes, sketch)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING`,
      );
      let done = 0;
      for (; done < pending.length && (done % 32 !== 0 || performance.now() < deadline); done++) {
        const { s, minute, c } = pending[done] as { s: Series; minute: number; c: RollupColumns };
        const pk = [id, s.flagKey, s.metric, s.variant, minute] as const;
        if (insert.run(...pk, c.count, c.sum, c.sum_sq, c.successes, c.sketch).changes === 1) {
          s.stored++;
          s.lo = Math.min(s.lo, minute);
          s.hi = Math.max(s.hi, minute);
          continue;
        }
        // Staged before (the file is not in time order): merge.
        const old = sql(
          `SELECT count, sum, sum_sq, successes, sketch FROM metric_import_cell
           WHERE import_id = ? AND flag_key = ? AND metric = ? AND variant = ? AND minute = ?`,
        ).get(...pk) as RollupColumns;
        const m = addColumns(old, c);
        sql(
          `UPDATE metric_import_cell SET count = ?, sum = ?, sum_sq = ?, successes = ?, sketch = ?
           WHERE import_id = ? AND flag_key = ? AND metric = ? AND variant = ? AND minute = ?`,
        ).run(m.count, m.sum, m.sum_sq, m.successes, m.sketch, ...pk);
      }
      pending.splice(0, done);
    });
  }
}

/** Records the series of import `id` (their minute range and cell count). */
async function writeSeries(
  w: Writer,
  id: number,
  o: { provider: string; environment: string },
  series: readonly Series[],
): Promise<void> {
  const todo = series.filter((s) => s.stored > 0);
  for (let i = 0; i < todo.length;) {
    const deadline = performance.now() + WRITE_BUDGET_MS;
    await w.write('stage', () => {
      while (i < todo.length && performance.now() < deadline) {
        const s = todo[i++] as Series;
        w.sql(
          `INSERT INTO metric_import_series (import_id, provider, environment, flag_key, metric, variant, lo, hi, cells)
           VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
        ).run(id, o.provider, o.environment, s.flagKey, s.metric, s.variant, s.lo, s.hi, s.stored);
      }
    });
  }
}

/**
 * Makes import `id` visible (state `publishing`) in one small transaction, once no other import
 * is publishing or retracting (an abandoned one is finished first). With an earlier import of the
 * same key: refused, or — `replace` — that one becomes `retracting` in the same transaction.
 * @returns the id of the import being replaced, or null.
 * @throws DuplicateImportError (refused).
 */
async function publish(
  w: Writer,
  store: MetricStore,
  id: number,
  o: { key: string; rows: number; file: string; target: string; onDuplicate?: 'refuse' | 'replace' },
): Promise<number | null> {
  const { sql } = w;
  const overlay = ImportOverlay.of(w.db);
  for (;;) {
    const r = await w.write('publish', () => {
      const busy = sql(
        `SELECT id, state, owner, lease_until FROM metric_import WHERE state IN ('publishing', 'retracting') AND id != ?`,
      ).all(id) as ImportRow[];
      if (busy.length) return { busy, replacing: null };
      const e = sql(
        `SELECT e.id, e.file_name, e.rows, e.published_at FROM metric_import e
           JOIN metric_import me ON me.id = ? AND e.provider = me.provider AND e.environment = me.environment
         WHERE e.import_key = ? AND e.state IN ('publishing', 'published')`,
      ).get(id, o.key) as EarlierImport | undefined;
      if (e && o.onDuplicate !== 'replace') throw new DuplicateImportError(o.file, o.key, o.target, e);
      if (e) {
        sql(`UPDATE metric_import SET state = 'retracting', owner = ?, lease_until = ? WHERE id = ?`).run(
          w.owner,
          Date.now() + IMPORT_LEASE_MS,
          e.id,
        );
        sql(`UPDATE metric_import_series SET done_to = -1 WHERE import_id = ?`).run(e.id);
      }
      const mine = sql(
        `UPDATE metric_import SET state = 'publishing', import_key = ?, rows = ?, published_at = ?
         WHERE id = ? AND state = 'staging' AND owner = ?`,
      ).run(o.key, o.rows, Date.now(), id, w.owner);
      if (mine.changes !== 1)
        throw new ImportLostError(`metric import ${id} is no longer this process's to publish`);
      overlay.touch();
      return { busy: [], replacing: e?.id ?? null };
    });
    if (r.busy.length === 0) {
      const replacing = r.replacing ?? null;
      if (replacing !== null) w.owned.add(replacing);
      return replacing;
    }
    // Another import is being published: wait for it, or finish it when its process is gone.
    let tookOver = false;
    for (const b of r.busy) tookOver = (await w.takeOver(b)) || tookOver;
    if (tookOver) await finishOwned(w, store, id);
    else await sleep(SLOT_POLL_MS);
  }
}

/**
 * Folds the cells of import `id` into the stored rollups (`fold`: added) or out of them
 * (`retract`: taken out; a minute made only of imports is rebuilt from the others' cells
 * exactly), series by series in short transactions, each moving the series' cursor (`done_to`)
 * with the rows it changed; then sets the state `published` / `retracted`.
 */
async function fold(w: Writer, store: MetricStore, id: number, phase: 'fold' | 'retract'): Promise<void> {
  const { sql } = w;
  const list = sql(
    `SELECT provider, environment, flag_key, metric, variant, hi, done_to FROM metric_import_series
     WHERE import_id = ? AND done_to < hi ORDER BY flag_key, metric, variant`,
  ).all(id) as SeriesRow[];
  for (const s of list) {
    const key: SeriesKey = {
      provider: s.provider,
      environment: s.environment,
      flagKey: s.flag_key,
      metric: s.metric,
      variant: s.variant,
    };
    let cursor = s.done_to;
    while (cursor < s.hi)
      await w.write(phase, () => {
        const deadline = performance.now() + WRITE_BUDGET_MS;
        while (cursor < s.hi && performance.now() < deadline) {
          const cells = sql(
            `SELECT minute, count, sum, sum_sq, successes, sketch FROM metric_import_cell
             WHERE import_id = ? AND flag_key = ? AND metric = ? AND variant = ? AND minute > ?
             ORDER BY minute LIMIT ${FOLD_STEP}`,
          ).all(id, s.flag_key, s.metric, s.variant, cursor) as Cell[];
          if (phase === 'fold') store.foldIn(key, cells);
          else store.foldOut(key, cells, (minute) => otherContributions(sql, id, key, minute));
          cursor = cells.length ? (cells.at(-1) as Cell).minute : s.hi;
          if (cursor >= s.hi) cursor = s.hi;
          sql(
            `UPDATE metric_import_series SET done_to = ? WHERE import_id = ? AND flag_key = ? AND metric = ? AND variant = ?`,
          ).run(cursor, id, s.flag_key, s.metric, s.variant);
        }
      });
  }
  await w.write('publish', () => {
    sql(`UPDATE metric_import SET state = ? WHERE id = ?`).run(
      phase === 'fold' ? 'published' : 'retracted',
      id,
    );
    ImportOverlay.of(w.db).touch();
  });
  if (phase === 'fold') w.owned.delete(id);
}

/**
 * The cells other imports contributed to one minute of a series that are in the stored rows now:
 * those of published imports, and of a publishing one up to its cursor.
 */
function otherContributions(sql: Sql, id: number, k: SeriesKey, minute: number): RollupColumns[] {
  return sql(
    `SELECT c.count, c.sum, c.sum_sq, c.successes, c.sketch
     FROM metric_import_series s
     JOIN metric_import i ON i.id = s.import_id
       AND (i.state = 'published' OR (i.state = 'publishing' AND s.done_to >= ?))
     JOIN metric_import_cell c ON c.import_id = s.import_id AND c.flag_key = s.flag_key
       AND c.metric = s.metric AND c.variant = s.variant AND c.minute = ?
     WHERE s.provider = ? AND s.environment = ? AND s.flag_key = ? AND s.metric = ? AND s.variant = ?
       AND s.import_id != ? AND s.lo <= ? AND s.hi >= ?
     ORDER BY i.published_at, i.id`,
  ).all(
    minute,
    minute,
    k.provider,
    k.environment,
    k.flagKey,
    k.metric,
    k.variant,
    id,
    minute,
    minute,
  ) as RollupColumns[];
}

/** Deletes import `id` — its cells in short transactions, then its series and row (never visible while it goes). */
async function purge(w: Writer, id: number): Promise<void> {
  const { sql } = w;
  for (let more = true; more;)
    more = await w.write('discard', () => {
      const deadline = performance.now() + WRITE_BUDGET_MS;
      while (performance.now() < deadline) {
        const n = sql(
          `DELETE FROM metric_import_cell WHERE import_id = ? AND (flag_key, metric, variant, minute) IN
             (SELECT flag_key, metric, variant, minute FROM metric_import_cell WHERE import_id = ? LIMIT 500)`,
        ).run(id, id).changes;
        if (n === 0) return false;
      }
      return true;
    });
  await w.write('discard', () => {
    sql(`DELETE FROM metric_import_series WHERE import_id = ?`).run(id);
    sql(`DELETE FROM metric_import WHERE id = ?`).run(id);
  });
  w.owned.delete(id);
}

/**
 * Finishes the abandoned imports this writer took over: takes replaced ones out, folds publishing
 * ones in, deletes staged and retracted ones — all but import `except` (the writer's own import
 * in progress).
 */
async function finishOwned(
  w: Writer,
  store: MetricStore,
  except: number | null = null,
): Promise<{ discarded: number; finished: number }> {
  let discarded = 0;
  let finished = 0;
  const owned = (): ImportRow[] =>
    (
      w
        .sql(
          `SELECT id, state, owner, lease_until FROM metric_import WHERE owner = ? AND state != 'published'`,
        )
        .all(w.owner) as ImportRow[]
    ).filter((r) => r.id !== except);
  for (const r of owned()) if (r.state === 'retracting') await fold(w, store, r.id, 'retract');
  for (const r of owned())
    if (r.state === 'publishing') {
      await fold(w, store, r.id, 'fold');
      finished++;
    }
  for (const r of owned())
    if (r.state === 'staging' || r.state === 'retracted') {
      await purge(w, r.id);
      if (r.state === 'staging') discarded++;
    }
  return { discarded, finished };
}

/** {@link recoverImports} with a given writer. */
async function recover(w: Writer, store: MetricStore): Promise<{ discarded: number; finished: number }> {
  const rows = w
    .sql(`SELECT id, state, owner, lease_until FROM metric_import WHERE state != 'published' ORDER BY id`)
    .all() as ImportRow[];
  let any = false;
  for (const r of rows) any = (await w.takeOver(r)) || any;
  return any ? finishOwned(w, store) : { discarded: 0, finished: 0 };
}

/**
 * Cleans up after imports whose process is gone (crashed, killed): a `staging` one is deleted (it
 * was never visible); a `publishing` or `retracting` one (visible whole through the overlay) is
 * folded to the end. Imports of live processes are left alone. Runs in short transactions.
 * @returns how many imports were discarded and how many finished.
 */
export async function recoverImports(
  db: Db,
  store: MetricStore,
): Promise<{ discarded: number; finished: number }> {
  const w = new Writer(db);
  try {
    return await recover(w, store);
  } finally {
    await w.close();
  }
}
