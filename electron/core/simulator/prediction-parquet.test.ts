import fs from 'node:fs';
import path from 'node:path';
import { parquetWriteBuffer } from 'hyparquet-writer';
import { afterAll, describe, expect, it } from 'vitest';
import { tempDataDir } from '../../../test/support/temp-dir.ts';
import { readPredictions, type PredictionRow } from './prediction-reader.ts';

const tmp = tempDataDir();
afterAll(() => tmp.cleanup());

function writeParquet(name: string, columns: Record<string, unknown[]>, rowGroupSize = 3): string {
  fs.mkdirSync(tmp.dir, { recursive: true });
  const buffer = parquetWriteBuffer({
    columnData: Object.entries(columns).map(([name, data]) => ({ name, data })),
    rowGroupSize,
  });
  const file = path.join(tmp.dir, name);
  fs.writeFileSync(file, Buffer.from(buffer));
  return file;
}

describe('Parquet prediction logs', () => {
  it('reads every row group with optional columns', async () => {
    const file = writeParquet('ok.parquet', {
      confidence: [0.1, 0.5, 0.9, 0.95, 0.2, 0.7, 0.33],
      label: [0, 1, 1, 1, 0, 0, 1],
      model_version: ['v2.3', 'v2.3', 'v2.4', 'v2.4', 'v2.3', 'v2.4', 'v2.4'],
      segment: ['a', 'b', 'a', 'b', 'a', 'b', 'a'],
    });
    const rows: PredictionRow[] = [];
    const progress: number[] = [];
    const n = await readPredictions(
      file,
      (r) => rows.push(r),
      (p) => progress.push(p.rows),
    );
    expect(n).toBe(7);
    expect(rows[2]).toMatchObject({ confidence: 0.9, label: 1, modelVersion: 'v2.4', segment: 'a' });
    expect(progress).toEqual([3, 6, 7, 7]);
  });

  it('names the bad row and the missing column', async () => {
    const bad = writeParquet('bad.parquet', { confidence: [0.1, 0.5, 1.5], label: [0, 1, 1] });
    await expect(readPredictions(bad, () => undefined)).rejects.toThrow(
      /bad\.parquet row 3: confidence 1\.5 must be between 0 and 1/,
    );
    const missing = writeParquet('missing.parquet', { confidence: [0.1] });
    await expect(readPredictions(missing, () => undefined)).rejects.toThrow(/missing column "label"/);
    fs.writeFileSync(path.join(tmp.dir, 'junk.parquet'), 'not parquet at all');
    await expect(readPredictions(path.join(tmp.dir, 'junk.parquet'), () => undefined)).rejects.toThrow(
      /not a Parquet file/,
    );
  });
});
