/**
 * Worker-thread entry: parses and validates one metric-event file with
 * {@link readMetricEvents} and posts the events as {@link EventBatch}es
 * (typed arrays, transferred). Flow control: at most `MAX_IN_FLIGHT` batches are
 * unacknowledged; the worker blocks (`Atomics.wait`) until the importing thread
 * has aggregated one, so memory stays bounded when aggregation is the slower side.
 *
 * Messages posted: `{type: 'batch', batch}`, `{type: 'progress', progress}`,
 * `{type: 'done', rows}`, `{type: 'error', error: {format: boolean, file, line, column, detail, message}}`.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { BatchBuilder, type EventBatch } from './metric-event-batches.ts';
import { MetricFormatError, readMetricEvents } from './metric-events-reader.ts';

/** What the importing thread passes as `workerData`. */
export interface ParseWorkerData {
  file: string;
  /** Int32Array over a SharedArrayBuffer: [batches posted and not yet acknowledged]. */
  inFlight: SharedArrayBuffer;
  maxInFlight: number;
}

async function main(): Promise<void> {
  const port = parentPort;
  if (!port) throw new Error('metric-parse-worker must run in a worker thread');
  const data = workerData as ParseWorkerData;
  const inFlight = new Int32Array(data.inFlight);
  const post = (batch: EventBatch): void => {
    for (let n = Atomics.load(inFlight, 0); n >= data.maxInFlight; n = Atomics.load(inFlight, 0))
      Atomics.wait(inFlight, 0, n, 1000);
    Atomics.add(inFlight, 0, 1);
    port.postMessage({ type: 'batch', batch }, [
      batch.series.buffer as ArrayBuffer,
      batch.timestamps.buffer as ArrayBuffer,
      batch.values.buffer as ArrayBuffer,
    ]);
  };
  const builder = new BatchBuilder(post);
  try {
    const rows = await readMetricEvents(
      data.file,
      (e) => builder.add(e),
      (progress) => port.postMessage({ type: 'progress', progress }),
    );
    builder.flush();
    port.postMessage({ type: 'done', rows });
  } catch (error) {
    const format = error instanceof MetricFormatError;
    port.postMessage({
      type: 'error',
      error: {
        format,
        file: format ? error.file : data.file,
        line: format ? error.line : null,
        column: format ? error.column : null,
        detail: format ? error.detail : null,
        message: error instanceof Error ? error.message : String(error),
      },
    });
  }
}

void main();
