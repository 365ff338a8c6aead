import fs from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Db } from '../db/database.ts';
import { tempMetricStore } from '../test-support/metric-fixtures.ts';
import { FLUSH_CELLS } from './metric-import.ts';
import type { MetricStore } from './metric-store.ts';
import { MINUTE_MS } from './rollup.ts';

const FLAG = { provider: 'local', environment: 'production', key: 'f' };
const T0 = Date.UTC(2026, 0, 5);
const OPTS = { provider: 'local', environment: 'production' };

let fx: ReturnType<typeof tempMetricStore>;
let db: Db;
let store: MetricStore;

beforeEach(() => {
  fx = tempMetricStore();
  ({ db, store } = fx);
});
afterEach(() => fx.close());

/** Events spread over more minutes than {@link FLUSH_CELLS}, out of time order, so cells are staged twice. */
function writeEvents(name: string, minutes: number, tail: string[] = []): string {
  const lines = ['timestamp,unit_id,flag_key,variant,metric,value'];
  for (let pass = 0; pass < 2; pass++)
    for (let m = 0; m < minutes; m++)
      lines.push(`${T0 + m * MINUTE_MS + pass * 1000},u${m},f,control,latency,${(m % 50) + pass * 100}`);
  fs.writeFileSync(path.join(fx.dir, name), [...lines, ...tail].join('\n') + '\n');
  return path.join(fx.dir, name);
}

const tables = (): unknown[] =>
  ['metric_rollup', 'metric_rollup_level'].map((t) =>
    db.prepare(`SELECT COUNT(*) AS n, TOTAL(count) AS c, TOTAL(sum) AS s FROM ${t}`).get(),
  );

describe('metric event import with staging', () => {
  it('stages more cells than fit in memory and merges them into exact minutes and levels', async () => {
    const minutes = FLUSH_CELLS + 1500;
    const out = await store.importFile(writeEvents('a.csv', minutes), OPTS);
    expect(out.rows).toBe(2 * minutes);
    const rows = store.minutes(FLAG, 'latency', 'control', T0, T0 + minutes * MINUTE_MS, true);
    expect(rows.length).toBe(minutes);
    // Every minute got both passes, even though the second pass arrived after its cell was staged.
    const bad = rows.find((r) => r.rollup.count !== 2 || r.rollup.sketch?.count !== 2);
    expect(
      bad && { minute: bad.minute, count: bad.rollup.count, sketch: bad.rollup.sketch?.count },
    ).toBeUndefined();
    const w = store.window(FLAG, 'latency', 'control', T0, T0 + minutes * MINUTE_MS, true);
    expect(w.count).toBe(2 * minutes);
    expect(w.sketch?.count).toBe(2 * minutes);
    expect(db.prepare('SELECT COUNT(*) FROM temp.metric_import_stage').pluck().get()).toBe(0);

    // A second import adds to the stored minutes (and their levels) instead of replacing them.
    await store.importFile(writeEvents('b.csv', 10), OPTS);
    expect(store.window(FLAG, 'latency', 'control', T0, T0 + minutes * MINUTE_MS).count).toBe(
      2 * minutes + 20,
    );
    expect(store.window(FLAG, 'latency', 'control', T0, T0 + 10 * MINUTE_MS, true).sketch?.count).toBe(40);
  });

  it('stores nothing when a row after several stagings is bad, and names its line', async () => {
    await store.importFile(writeEvents('ok.csv', 100), OPTS);
    const before = tables();
    const minutes = 2 * FLUSH_CELLS + 10;
    const file = writeEvents('bad.csv', minutes, [`${T0},u,f,control,latency,NaN`]);
    await expect(store.importFile(file, OPTS)).rejects.toThrow(
      `bad.csv line ${2 * minutes + 2}: value "NaN"`,
    );
    expect(tables()).toEqual(before);
    expect(db.prepare('SELECT COUNT(*) FROM temp.metric_import_stage').pluck().get()).toBe(0);
  });
});
