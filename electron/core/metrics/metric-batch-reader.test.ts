import fs from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { tempDataDir } from '../../../test/support/temp-dir.ts';
import { readMetricEventBatches } from './metric-batch-reader.ts';
import { BATCH_EVENTS, type EventBatch } from './metric-event-batches.ts';
import { MetricFormatError } from './metric-events-reader.ts';

const tmp = tempDataDir();
afterAll(() => tmp.cleanup());

function write(name: string, rows: number, tail: string[] = []): string {
  const lines = ['timestamp,unit_id,flag_key,variant,metric,value'];
  for (let i = 0; i < rows; i++)
    lines.push(
      `${new Date(Date.UTC(2026, 0, 5) + i * 1000).toISOString()},u${i},f${i % 3},${i % 2 ? 'treatment' : 'control'},m${i % 5},${i / 7}`,
    );
  const file = path.join(tmp.dir, name);
  fs.writeFileSync(file, [...lines, ...tail].join('\n') + '\n');
  return file;
}

/** Events as [flag, metric, variant, timestamp, value] in file order. */
async function events(
  file: string,
  worker: boolean,
): Promise<{ rows: number; inWorker: boolean; list: unknown[][] }> {
  const names: Array<{ flagKey: string; metric: string; variant: string }> = [];
  const list: unknown[][] = [];
  const { rows, inWorker } = await readMetricEventBatches(
    file,
    (b: EventBatch) => {
      names.push(...b.newSeries);
      for (let i = 0; i < b.length; i++) {
        const n = names[b.series[i] as number];
        list.push([n?.flagKey, n?.metric, n?.variant, b.timestamps[i], b.values[i]]);
      }
    },
    { worker },
  );
  return { rows, inWorker, list };
}

describe('readMetricEventBatches', () => {
  it('gives the same events in the same order from the worker as on this thread, across batches', async () => {
    const file = write('ok.csv', BATCH_EVENTS * 2 + 17);
    const inWorker = await events(file, true);
    const inline = await events(file, false);
    expect([inWorker.inWorker, inline.inWorker]).toEqual([true, false]);
    expect(inWorker.rows).toBe(BATCH_EVENTS * 2 + 17);
    expect(inWorker.list.length).toBe(inWorker.rows);
    expect(inWorker.list).toEqual(inline.list);
    expect(inWorker.list[7]).toEqual(['f1', 'm2', 'treatment', Date.UTC(2026, 0, 5) + 7000, 1]);
  });

  it('reports a bad row from the worker as a MetricFormatError with its line', async () => {
    const file = write('bad.csv', 100, ['2026-01-05T00:00:00Z,u,f,control,m,abc']);
    const error = await events(file, true).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(MetricFormatError);
    expect((error as MetricFormatError).message).toBe('bad.csv line 102: value "abc" is not a number');
    expect((error as MetricFormatError).line).toBe(102);
  });
});
