/**
 * The WAL checkpointer thread of a metric import ({@link Checkpointer}): an import's short write
 * transactions commit without copying the WAL back into the database file on the event loop.
 * Used by the import's writer (metric-import-writer.ts).
 */
import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';
import type { Db } from '../db/database.ts';

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
export class Checkpointer {
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
