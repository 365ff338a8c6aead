import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { openCore } from '../app-core.ts';
import { openDatabase, type Db } from '../db/database.ts';
import { tempMetricStore } from '../../../test/support/metric-fixtures.ts';
import { DuplicateImportError } from './metric-import-publish.ts';
import { FLUSH_CELLS, type ImportOptions } from './metric-import.ts';
import { MetricStore } from './metric-store.ts';
import { MINUTE_MS } from './rollup.ts';

const FLAG = { provider: 'local', environment: 'production', key: 'f' };
const T0 = Date.UTC(2026, 0, 5);
const OPTS = { provider: 'local', environment: 'production' };

// Imports write in short paced transactions; on a loaded 2-core machine a test takes seconds.
vi.setConfig({ testTimeout: 60_000 });

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

/** Imports in the ledger and their stored cells. */
const ledger = (): { imports: number; cells: number } => ({
  imports: db.prepare('SELECT COUNT(*) FROM metric_import').pluck().get() as number,
  cells: db.prepare('SELECT COUNT(*) FROM metric_import_cell').pluck().get() as number,
});

/** Every stored minute and level row (sketches as hex), in key order. */
const dump = (d: Db = db): { minutes: unknown[]; levels: unknown[] } => ({
  minutes: d
    .prepare(
      `SELECT flag_key, metric, variant, minute, count, sum, sum_sq, successes, hex(sketch) AS sketch
       FROM metric_rollup ORDER BY 1, 2, 3, 4`,
    )
    .all(),
  levels: d
    .prepare(
      `SELECT flag_key, metric, variant, resolution, bucket, count, sum, successes, minutes, hex(sketch) AS sketch
       FROM metric_rollup_level ORDER BY 1, 2, 3, 4, 5`,
    )
    .all(),
});

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
    expect(ledger()).toEqual({ imports: 1, cells: minutes });

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
    expect(ledger()).toEqual({ imports: 1, cells: 100 });
  });
});

/** `minutes` minutes of `latency` (control and treatment) and `errors` (0/1) events; `seed` changes the values. */
function writeMixed(name: string, minutes: number, seed: number, perMinute = 2): string {
  const lines = ['timestamp,unit_id,flag_key,variant,metric,value'];
  for (let m = 0; m < minutes; m++)
    for (let i = 0; i < perMinute; i++) {
      const t = new Date(T0 + m * MINUTE_MS + i * 1000).toISOString();
      for (const variant of ['control', 'treatment']) {
        lines.push(
          `${t},u${seed}-${m}-${i},f,${variant},latency,${((m * 37 + i * 11 + seed * 101) % 500) / 3}`,
        );
        lines.push(`${t},u${seed}-${m}-${i},f,${variant},errors,${(m + i + seed) % 7 === 0 ? 1 : 0}`);
      }
    }
  const file = path.join(fx.dir, name);
  fs.writeFileSync(file, lines.join('\n') + '\n');
  return file;
}

const count = (from = T0, to = T0 + 3 * 86_400_000): number =>
  store.window(FLAG, 'latency', 'control', from, to).count;

describe('import keys: the same content twice (issue 15, item 10)', () => {
  it('refuses the same content again (e.g. a retry after a lost answer), naming the earlier import, and stores nothing', async () => {
    const file = writeMixed('a.csv', 100, 1);
    const first = await store.importFile(file, OPTS);
    expect(first).toMatchObject({ rows: 800, replaced: false });
    expect(first.importKey).toBe(createHash('sha256').update(fs.readFileSync(file)).digest('hex'));
    const before = dump();
    const copy = path.join(fx.dir, 'retry.csv');
    fs.copyFileSync(file, copy);
    const error = await store.importFile(copy, OPTS).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DuplicateImportError);
    expect((error as Error).message).toMatch(
      /^retry\.csv: this content was already imported into local\/production \(a\.csv, 800 rows, at \d{4}-\d\d-\d\dT[\d:.]+Z\); importing it again would count its events twice — replace that import instead \(onDuplicate "replace"\)$/,
    );
    expect(dump()).toEqual(before);
    expect(ledger()).toEqual({ imports: 1, cells: 400 });
    // The same file into another environment is another import.
    await store.importFile(copy, { ...OPTS, environment: 'staging' });
    expect(ledger()).toEqual({ imports: 2, cells: 800 });
  });

  it('replaces exactly the earlier import when asked, next to another import of the same minutes', async () => {
    const a = writeMixed('a.csv', 150, 1);
    await store.importFile(a, OPTS);
    const onlyA = dump();
    // Alone: a replace gives back the very same rows (sketch bytes included).
    expect(await store.importFile(a, { ...OPTS, onDuplicate: 'replace' })).toMatchObject({ replaced: true });
    expect(dump()).toEqual(onlyA);
    expect(ledger()).toEqual({ imports: 1, cells: 600 });

    const b = writeMixed('b.csv', 150, 2, 3);
    await store.importFile(b, OPTS);
    const both = dump();
    expect(count()).toBe(150 * 5);
    const replaced = await store.importFile(a, { ...OPTS, onDuplicate: 'replace' });
    expect(replaced).toMatchObject({ rows: 1200, replaced: true });
    expect(count()).toBe(150 * 5);
    const after = dump();
    expect(after.minutes).toEqual(both.minutes); // two contributions per minute: a + b = b + a exactly
    expect(after.levels.length).toBe(both.levels.length);
    after.levels.forEach((row, i) => {
      const was = both.levels[i] as Record<string, number>;
      const now = row as Record<string, number>;
      expect({ ...now, sum: 0 }).toEqual({ ...was, sum: 0 });
      expect(now.sum).toBeCloseTo(was.sum as number, 6);
    });
    expect(ledger()).toEqual({ imports: 2, cells: 1200 });
  });
});

describe('publishing an import in short transactions (issue 15, item 4)', () => {
  it('lands two imports of the same minutes made at the same time, one publication after the other', async () => {
    const [a, b] = await Promise.all([
      store.importFile(writeMixed('a.csv', 1500, 1), OPTS),
      store.importFile(writeMixed('b.csv', 1500, 2, 3), OPTS),
    ]);
    expect([a.rows, b.rows]).toEqual([12_000, 18_000]);
    expect(count()).toBe(1500 * 5);
    expect(db.prepare(`SELECT state FROM metric_import ORDER BY id`).pluck().all()).toEqual([
      'published',
      'published',
    ]);
  });

  it('shows readers the whole import or none of it, across minutes, hours and days, while it is folded in', async () => {
    const minutes = 3000; // two days and more: windows read day, hour and minute rows
    await store.importFile(writeMixed('a.csv', minutes, 1), OPTS);
    const to = T0 + minutes * MINUTE_MS;
    const read = () => ({
      window: count(T0, to),
      means: store.minuteMeans(FLAG, 'latency', 'control', T0, to).count,
      edge: store.window(FLAG, 'latency', 'control', T0 + 61 * MINUTE_MS, to - 59 * MINUTE_MS).count,
      errors: store.window(FLAG, 'errors', 'treatment', T0, to).count,
      minuteRows: store.minutes(FLAG, 'latency', 'control', T0, to).reduce((n, m) => n + m.rollup.count, 0),
      p: store.window(FLAG, 'latency', 'control', T0, to, true).sketch?.count ?? 0,
    });
    const before = read();
    const seen: Array<ReturnType<typeof read>> = [];
    const writes: number[] = [];
    const options: ImportOptions = {
      ...OPTS,
      // Called between two write transactions of the import: read as any other code would then.
      onWrite: (ms) => {
        writes.push(ms);
        seen.push(read());
      },
    };
    await store.importFile(writeMixed('b.csv', minutes, 2), options);
    const after = read();
    expect(after.window).toBe(2 * before.window);
    expect(after).toEqual({
      ...before,
      window: 2 * before.window,
      edge: 2 * before.edge,
      errors: 2 * before.errors,
      minuteRows: 2 * before.minuteRows,
      p: 2 * before.p,
      means: before.means,
    });
    // Many short transactions, and every read between them saw all of the import or none of it.
    // (Writes are cut by time, ~12 ms of work each: about 30 here, fewer on a faster machine.)
    expect(writes.length).toBeGreaterThan(8);
    const states = new Set(seen.map((r) => JSON.stringify(r)));
    expect([...states].sort()).toEqual([JSON.stringify(before), JSON.stringify(after)].sort());
    expect(Math.max(...writes)).toBeLessThan(200);
  });
});

/** Runs an import of `file` into the database `dbFile` in another process that kills itself (SIGKILL) at its `n`-th write of `phase`. */
function crashingImport(dbFile: string, file: string, phase: string, n: number): Promise<void> {
  const script = path.join(fx.dir, 'crash.mts');
  const url = (p: string) => JSON.stringify(pathToFileURL(path.join(import.meta.dirname, p)).href);
  fs.writeFileSync(
    script,
    `import { openDatabase } from ${url('../db/database.ts')};
     import { MetricStore } from ${url('./metric-store.ts')};
     const store = new MetricStore(openDatabase(process.argv[2]));
     let n = 0;
     await store.importFile(process.argv[3], {
       provider: 'local', environment: 'production',
       onWrite: (_ms, phase) => { if (phase === process.argv[4] && ++n === Number(process.argv[5])) process.kill(process.pid, 'SIGKILL'); },
     });
     console.log('finished without crashing');`,
  );
  return new Promise((resolve, reject) =>
    execFile(
      process.execPath,
      ['--disable-warning=ExperimentalWarning', script, dbFile, file, phase, String(n)],
      (error, stdout, stderr) =>
        error?.signal === 'SIGKILL'
          ? resolve()
          : reject(new Error(`expected a crash: ${error?.message ?? stdout} ${stderr}`)),
    ),
  );
}

describe('a crash during an import (issue 15, item 4: all-or-nothing)', () => {
  it('leaves nothing visible when it crashes while staging, and the next import cleans the leftovers up', async () => {
    await store.importFile(writeMixed('a.csv', 100, 1), OPTS);
    const before = dump();
    await crashingImport(
      path.join(fx.dir, 'rcr.db'),
      writeMixed('big.csv', 3 * FLUSH_CELLS, 2, 1),
      'stage',
      2,
    );
    expect(dump()).toEqual(before);
    expect(count()).toBe(200);
    const left = db
      .prepare(`SELECT state, COUNT(*) AS n FROM metric_import GROUP BY state ORDER BY state`)
      .all();
    expect(left).toEqual([
      { state: 'published', n: 1 },
      { state: 'staging', n: 1 },
    ]);
    expect(ledger().cells).toBeGreaterThan(400);
    // The crashed process is gone: its leftovers are removed at once (no need to wait for its lease).
    expect(await store.recoverImports()).toEqual({ discarded: 1, finished: 0 });
    expect(ledger()).toEqual({ imports: 1, cells: 400 });
    expect(dump()).toEqual(before);
  });

  it('is cleaned up when the app opens its data folder, without waiting for the next import', async () => {
    await store.importFile(writeMixed('a.csv', 100, 1), OPTS);
    const before = dump();
    await crashingImport(
      path.join(fx.dir, 'rcr.db'),
      writeMixed('big.csv', 3 * FLUSH_CELLS, 2, 1),
      'stage',
      2,
    );
    expect(ledger().imports).toBe(2);
    const core = await openCore({ dataDir: fx.dir, startSync: false, actor: 'tester' });
    await core.close(); // waits for the background recovery
    expect(ledger()).toEqual({ imports: 1, cells: 400 });
    expect(dump()).toEqual(before);
  });

  it('finishes an import abandoned while the next one was being read, then publishes that one', async () => {
    await store.importFile(writeMixed('a.csv', 1000, 1), OPTS);
    await crashingImport(path.join(fx.dir, 'rcr.db'), writeMixed('b.csv', 1000, 2), 'fold', 2);
    // Its owner seems alive elsewhere (another host, lease running): the next import leaves it…
    db.prepare(
      `UPDATE metric_import SET owner = 'elsewhere:1:x', lease_until = ? WHERE state = 'publishing'`,
    ).run(Date.now() + 60_000);
    let expired = false;
    const c = await store.importFile(writeMixed('c.csv', 1000, 3), {
      ...OPTS,
      // …until its lease runs out while this one is being read: this one finishes it, then publishes.
      onWrite: (_ms, phase) => {
        if (phase !== 'stage' || expired) return;
        expired = true;
        db.prepare(`UPDATE metric_import SET lease_until = 0 WHERE owner = 'elsewhere:1:x'`).run();
      },
    });
    expect(c.rows).toBe(8000);
    expect(db.prepare(`SELECT state FROM metric_import ORDER BY id`).pluck().all()).toEqual([
      'published',
      'published',
      'published',
    ]);
    expect(count()).toBe(3 * 1000 * 2);
    expect(ledger()).toEqual({ imports: 3, cells: 3 * 4000 });
  });

  it('shows all of an import that crashed while it was being folded in, and finishes it on recovery', async () => {
    const dbFile = path.join(fx.dir, 'rcr.db');
    await store.importFile(writeMixed('a.csv', 2000, 1), OPTS);
    const b = writeMixed('b.csv', 2000, 2);
    // What the database holds after a complete import of b, in a copy.
    const reference = tempMetricStore('rcr-reference-');
    try {
      await reference.store.importFile(writeMixed('a.csv', 2000, 1), OPTS);
      await reference.store.importFile(b, OPTS);
      const expected = dump(reference.db);
      const expectedCount = 2 * 2000 * 2;
      await crashingImport(dbFile, b, 'fold', 3);
      expect(db.prepare(`SELECT state FROM metric_import ORDER BY id`).pluck().all()).toEqual([
        'published',
        'publishing',
      ]);
      // Half folded in, yet readers see all of it — in this process and in a fresh one.
      expect(count()).toBe(expectedCount);
      const other = openDatabase(dbFile);
      expect(new MetricStore(other).window(FLAG, 'latency', 'control', T0, T0 + 3 * 86_400_000).count).toBe(
        expectedCount,
      );
      other.close();
      expect(await store.recoverImports()).toEqual({ discarded: 0, finished: 1 });
      expect(count()).toBe(expectedCount);
      expect(dump().minutes).toEqual(expected.minutes);
      expect(db.prepare(`SELECT state FROM metric_import ORDER BY id`).pluck().all()).toEqual([
        'published',
        'published',
      ]);
    } finally {
      reference.close();
    }
  });
});
