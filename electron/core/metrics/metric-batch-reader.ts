/**
 * Reads a metric-event file as {@link EventBatch}es. Parsing and validation
 * (most of an import's CPU time) run in a worker thread
 * (`metric-parse-worker.ts`, or its bundled `.cjs` next to the Electron main
 * bundle) while the caller aggregates the previous batches, so an import uses
 * two cores. When no worker can be started (e.g. the worker file is missing from
 * a package), the same reader runs on the calling thread.
 */
import fs from 'node:fs';
import path from 'node:path';
import { Worker } from 'node:worker_threads';
import { BatchBuilder, type EventBatch } from './metric-event-batches.ts';
import { MetricFormatError, readMetricEvents, type ReadProgress } from './metric-events-reader.ts';
import type { ParseWorkerData } from './metric-parse-worker.ts';

/** Batches parsed ahead of the aggregation at most (each ≈ 0.6 MiB). */
const MAX_IN_FLIGHT = 4;

/** How to read: in a worker when possible (default) or on the calling thread. */
export interface BatchReadOptions {
  worker?: boolean;
  onProgress?: (p: ReadProgress) => void;
  /** Stops the read: it rejects with the signal's reason (the worker is terminated). */
  signal?: AbortSignal;
}

/**
 * Handles one batch. A returned promise is waited for before the batch counts as handled: in a
 * worker read, the parser stops once {@link MAX_IN_FLIGHT} batches are not handled, so an
 * asynchronous consumer (e.g. one writing to SQLite in short transactions) bounds the memory.
 * Batches are handed over one at a time, in file order.
 */
export type BatchHandler = (b: EventBatch) => void | Promise<void>;

/** The worker script next to this module (`.ts` in a source checkout, `.cjs` in a bundle), or null. */
function workerScript(): string | null {
  try {
    for (const name of ['metric-parse-worker.ts', 'metric-parse-worker.cjs']) {
      const file = path.join(import.meta.dirname, name);
      if (fs.existsSync(file)) return file;
    }
  } catch {
    // import.meta.dirname is not available in every bundle format: read on this thread.
  }
  return null;
}

/** The worker could not start (as opposed to failing on the file). */
class WorkerStartError extends Error {}

function readInWorker(
  script: string,
  file: string,
  onBatch: BatchHandler,
  onProgress?: (p: ReadProgress) => void,
  signal?: AbortSignal,
): Promise<number> {
  return new Promise<number>((resolve, reject) => {
    const inFlightBuffer = new SharedArrayBuffer(4);
    const inFlight = new Int32Array(inFlightBuffer);
    const data: ParseWorkerData = { file, inFlight: inFlightBuffer, maxInFlight: MAX_IN_FLIGHT };
    // The parser's garbage is short-lived; a small heap makes V8 collect it instead of growing
    // (measured: peak RSS of a 2M-row import 608 → see bench/README.md). Its live data is one
    // 1 MiB chunk, the series names and at most MAX_IN_FLIGHT batches.
    const worker = new Worker(script, {
      workerData: data,
      resourceLimits: { maxOldGenerationSizeMb: 64, maxYoungGenerationSizeMb: 8 },
    });
    let started = false;
    let settled = false;
    /** The worker sent `done`: its exit is expected. */
    let finished = false;
    /** Batches are handled one after the other, each after the previous one's promise. */
    let handled: Promise<void> = Promise.resolve();
    const settle = (error: Error | null, rows = 0): void => {
      if (settled) return;
      settled = true;
      signal?.removeEventListener('abort', onAbort);
      void worker.terminate();
      if (error) reject(error);
      else resolve(rows);
    };
    const onAbort = (): void =>
      settle(signal?.reason instanceof Error ? signal.reason : new Error('aborted'));
    if (signal?.aborted) return onAbort();
    signal?.addEventListener('abort', onAbort, { once: true });
    const release = (): void => {
      Atomics.sub(inFlight, 0, 1);
      Atomics.notify(inFlight, 0);
    };
    worker.on('online', () => (started = true));
    worker.on('message', (m: WorkerMessage) => {
      if (settled) return;
      if (m.type === 'batch')
        handled = handled.then(async () => {
          if (settled) return;
          try {
            await onBatch(m.batch);
            release();
          } catch (error) {
            settle(error as Error);
          }
        });
      else if (m.type === 'progress') onProgress?.(m.progress);
      else if (m.type === 'done') {
        finished = true;
        void handled.then(() => settle(null, m.rows));
      } else
        settle(
          m.error.format
            ? new MetricFormatError(
                m.error.file,
                m.error.line,
                m.error.detail ?? m.error.message,
                m.error.column,
              )
            : new Error(m.error.message),
        );
    });
    worker.on('error', (e) => settle(started ? e : new WorkerStartError(e.message)));
    worker.on('exit', (code) => {
      if (!finished) settle(new Error(`the metric parser worker stopped (exit code ${code})`));
    });
  });
}

type WorkerMessage =
  | { type: 'batch'; batch: EventBatch }
  | { type: 'progress'; progress: ReadProgress }
  | { type: 'done'; rows: number }
  | {
      type: 'error';
      error: {
        format: boolean;
        file: string;
        line: number | null;
        column: string | null;
        detail: string | null;
        message: string;
      };
    };

/**
 * Reads every event of `file` as batches (in order), calling `onBatch` for each (see
 * {@link BatchHandler}). On the calling thread (no worker), batches are handed over as the parser
 * makes them and their promises only chained: the parser does not wait for them.
 * @returns the number of events and whether they were parsed in a worker thread (after every
 * batch was handled).
 * @throws MetricFormatError for a bad row or file (see {@link readMetricEvents}); what `onBatch`
 * throws; the signal's reason when aborted.
 */
export async function readMetricEventBatches(
  file: string,
  onBatch: BatchHandler,
  o: BatchReadOptions = {},
): Promise<{ rows: number; inWorker: boolean }> {
  const script = o.worker === false ? null : workerScript();
  if (script) {
    try {
      return { rows: await readInWorker(script, file, onBatch, o.onProgress, o.signal), inWorker: true };
    } catch (error) {
      if (!(error instanceof WorkerStartError)) throw error;
    }
  }
  let handled: Promise<void> = Promise.resolve();
  let failure: unknown = null;
  const builder = new BatchBuilder((b) => {
    handled = handled.then(() => onBatch(b)).catch((e: unknown) => void (failure ??= e));
  });
  const rows = await readMetricEvents(
    file,
    (e) => {
      if (failure !== null) throw failure;
      o.signal?.throwIfAborted();
      builder.add(e);
    },
    o.onProgress,
  ).catch(async (error: unknown) => {
    await handled;
    throw error;
  });
  builder.flush();
  await handled;
  if (failure !== null) throw failure;
  o.signal?.throwIfAborted();
  return { rows, inWorker: false };
}
