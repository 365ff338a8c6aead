import fs from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openDatabase, type Db } from '../db/database.ts';
import { tempDataDir } from '../../../test/support/temp-dir.ts';
import { PredictionStore } from './prediction-store.ts';
import { PredictionFormatError } from './prediction-reader.ts';

const now = (): number => Date.parse('2026-11-21T12:00:00Z');

describe('prediction import', () => {
  const tmp = tempDataDir();
  let db: Db;
  let store: PredictionStore;
  const write = (name: string, text: string): string => {
    const file = path.join(tmp.dir, name);
    fs.writeFileSync(file, text);
    return file;
  };
  const counts = (): { logs: number; rows: number } => ({
    logs: (db.prepare('SELECT COUNT(*) AS n FROM prediction_log').get() as { n: number }).n,
    rows: (db.prepare('SELECT COUNT(*) AS n FROM prediction').get() as { n: number }).n,
  });
  beforeEach(() => {
    fs.mkdirSync(tmp.dir, { recursive: true });
    db = openDatabase(path.join(tmp.dir, 'p.db'));
    store = new PredictionStore(db);
  });
  afterEach(() => {
    db.close();
    tmp.cleanup();
  });

  it('imports CSV with optional columns and lists model versions and segments', async () => {
    const file = write(
      'log.csv',
      'confidence,label,model_version,segment,unit_id,timestamp,latency_ms\n0.9,1,v2.4,eu,u1,2026-11-01T00:00:00Z,12\n0.4,0,v2.3,us,u2,,\n',
    );
    const log = await store.importFile(file, {
      now,
      flag: { provider: 'local', environment: 'production', key: 'f' },
    });
    expect(log).toMatchObject({
      rows: 2,
      positives: 1,
      modelVersions: ['v2.3', 'v2.4'],
      segments: ['eu', 'us'],
      source: 'log.csv',
    });
    expect(store.list({ provider: 'local', environment: 'staging', key: 'f' })).toHaveLength(1);
    expect(store.loadSlice(log.id, { modelVersion: 'v2.4', segment: null }).confidences).toEqual(
      new Float64Array([0.9]),
    );
  });

  it('imports JSONL (booleans or 0/1 labels) and reports progress', async () => {
    const file = write(
      'log.jsonl',
      '{"confidence":0.8,"label":1}\n\n{"confidence":0.1,"label":false,"segment":"x"}\n',
    );
    const seen: number[] = [];
    const log = await store.importFile(file, { now, onProgress: (p) => seen.push(p.rows) });
    expect(log.rows).toBe(2);
    expect(seen.at(-1)).toBe(2);
  });

  it.each([
    [
      'bad-conf.csv',
      'confidence,label\n0.5,1\n1.2,0\n',
      /bad-conf\.csv line 3: confidence 1\.2 must be between 0 and 1/,
    ],
    ['nan.csv', 'confidence,label\n0.5,1\nabc,0\n', /line 3: confidence "abc" is not a number/],
    ['bad-label.csv', 'confidence,label\n0.5,2\n', /line 2: label "2" must be 0 or 1/],
    ['missing.csv', 'confidence,model_version\n0.5,v1\n', /line 1: missing column "label"/],
    ['empty.csv', '', /has no prediction rows/],
    ['header-only.csv', 'confidence,label\n', /has no prediction rows/],
    ['broken.csv', 'confidence,label\n0.5,1\n0.4,0,extra\n', /broken\.csv line 3/],
    ['bad.jsonl', '{"confidence":0.5,"label":1}\n{"confidence":0.5,\n', /bad\.jsonl line 2: not valid JSON/],
    ['nolabel.jsonl', '{"confidence":0.5,"label":1}\n{"confidence":0.5}\n', /line 2: missing "label"/],
    ['x.txt', 'confidence,label\n0.5,1\n', /unknown format ".txt"/],
  ])('%s is refused with its line, and nothing is stored', async (name, text, message) => {
    await store.importFile(write('ok.csv', 'confidence,label\n0.3,1\n'), { now });
    const before = counts();
    const err = await store.importFile(write(name, text), { now }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(PredictionFormatError);
    expect((err as Error).message).toMatch(message);
    expect(counts()).toEqual(before);
  });

  it('a failure after many good rows leaves nothing half-imported', async () => {
    const good = Array.from({ length: 45_000 }, (_, i) => `${(i % 100) / 100},${i % 2}`).join('\n');
    const err = await store
      .importFile(write('late.csv', `confidence,label\n${good}\n0.5,7\n`), { now })
      .catch((e: unknown) => e as Error);
    expect((err as Error).message).toMatch(/line 45002: label "7"/);
    expect(counts()).toEqual({ logs: 0, rows: 0 });
  });

  it('forgets an import a crash left behind', () => {
    db.prepare(
      "INSERT INTO prediction_log (name, source, imported_at, status) VALUES ('x', 'x', 'now', 'importing')",
    ).run();
    new PredictionStore(db);
    expect(counts().logs).toBe(0);
  });
});
