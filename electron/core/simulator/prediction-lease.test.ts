/**
 * Prediction imports in progress are owned by a live process (issue 15, item 5): opening the data
 * folder cleaned up every log still marked `importing` — including one another process was writing
 * at that moment (`FOREIGN KEY constraint failed`, every row lost). Now an import holds a lease on
 * its log (owner `host:pid:random`, expiry renewed while it runs); only an abandoned import, whose
 * lease expired, is cleaned up.
 *
 * The slow import reads a named pipe the test writes in two parts, with a pause in between.
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openDatabase, type Db } from '../db/database.ts';
import { openCore } from '../app-core.ts';
import { tempDataDir } from '../../../test/support/temp-dir.ts';
import { PredictionStore } from './prediction-store.ts';

let tmp: ReturnType<typeof tempDataDir>;
let dataDir: string;
let dbFile: string;
const open: Db[] = [];

beforeEach(() => {
  tmp = tempDataDir('rcr-prediction-lease-');
  dataDir = path.join(tmp.dir, 'data');
  fs.mkdirSync(dataDir, { recursive: true });
  dbFile = path.join(dataDir, 'rcr.db');
});
afterEach(() => {
  for (const db of open.splice(0)) if (db.open) db.close();
  tmp.cleanup();
});

const connect = (): Db => {
  const db = openDatabase(dbFile);
  open.push(db);
  return db;
};
const rows = (from: number, to: number): string =>
  Array.from({ length: to - from }, (_, i) => `${((from + i) % 100) / 100},${(from + i) % 2},v2.4\n`).join(
    '',
  );

/** A named pipe `name.csv` and a writer for it (opened once the reader opens the pipe). */
function pipe(name: string): {
  file: string;
  write: (text: string) => Promise<void>;
  end: () => Promise<void>;
} {
  const file = path.join(tmp.dir, `${name}.csv`);
  execFileSync('mkfifo', [file]);
  const out = fs.createWriteStream(file);
  return {
    file,
    write: (text) => new Promise((resolve, reject) => out.write(text, (e) => (e ? reject(e) : resolve()))),
    end: () => new Promise((resolve) => out.end(resolve)),
  };
}

async function until(test: () => boolean, ms = 10_000): Promise<void> {
  const end = Date.now() + ms;
  while (!test()) {
    if (Date.now() > end) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 20));
  }
}

const stored = (db: Db): number =>
  (db.prepare('SELECT COUNT(*) AS n FROM prediction').get() as { n: number }).n;

describe('prediction imports owned by a live process', () => {
  it('another process opening the folder mid-import leaves it alone: the import completes with all rows', async () => {
    const a = new PredictionStore(connect());
    const p = pipe('slow');
    const importing = a.importFile(p.file, { name: 'slow', now: Date.now });
    await p.write(`confidence,label,model_version\n${rows(0, 25_000)}`);
    const probe = connect();
    await until(() => stored(probe) >= 20_000); // one batch committed, the log still `importing`

    // Another process opens the same data folder (its open-time clean-up runs).
    const other = await openCore({
      dataDir,
      env: {},
      startSync: false,
      startMonitor: false,
      resourcesDir: path.join(tmp.dir, 'none'),
    });
    try {
      await p.write(rows(25_000, 30_000));
      await p.end();
      const log = await importing;
      expect(log).toMatchObject({ name: 'slow', rows: 30_000 });
      expect(stored(probe)).toBe(30_000);
      const seen = await other.invoke('predictions.list', {});
      expect(seen.ok && seen.value.map((l) => [l.name, l.rows])).toEqual([['slow', 30_000]]);
    } finally {
      await other.close();
    }
  });

  it('the lease is renewed while the import runs: a slow import outlives its lease period', async () => {
    const a = new PredictionStore(connect(), { leaseMs: 300 });
    const p = pipe('renewed');
    const importing = a.importFile(p.file, { name: 'renewed', now: Date.now });
    await p.write(`confidence,label,model_version\n${rows(0, 100)}`);
    await new Promise((r) => setTimeout(r, 1000)); // > 3 lease periods, no batch committed meanwhile
    const b = new PredictionStore(connect(), { leaseMs: 300 });
    expect(b.cleanedUp).toBe(0);
    await p.write(rows(100, 200));
    await p.end();
    expect(await importing).toMatchObject({ rows: 200 });
  });

  it('an abandoned import (expired lease, or none from an older build) is cleaned up when the folder is opened', () => {
    const db = connect();
    new PredictionStore(db);
    const insert = db.prepare(
      `INSERT INTO prediction_log (name, source, imported_at, status, import_owner, import_lease_expires_at)
       VALUES (?, 'x.csv', '2026-01-01T00:00:00Z', 'importing', ?, ?)`,
    );
    const expired = Number(insert.run('expired', 'host:1:dead', Date.now() - 1).lastInsertRowid);
    const legacy = Number(insert.run('legacy', null, null).lastInsertRowid);
    const live = Number(insert.run('live', 'host:2:beef', Date.now() + 60_000).lastInsertRowid);
    for (const id of [expired, legacy, live])
      db.prepare('INSERT INTO prediction (log_id, confidence, label) VALUES (?, 0.5, 1)').run(id);
    const b = new PredictionStore(connect());
    expect(b.cleanedUp).toBe(2);
    expect(db.prepare('SELECT name FROM prediction_log ORDER BY id').all()).toEqual([{ name: 'live' }]);
    expect(stored(db)).toBe(1);
  });

  it('an import whose lease was lost (cleaned up as abandoned) stops with a clear error and keeps nothing', async () => {
    const db = connect();
    const a = new PredictionStore(db, { leaseMs: 60_000 });
    const p = pipe('lost');
    const importing = a.importFile(p.file, { name: 'lost', now: Date.now }).catch((e: unknown) => e);
    await p.write(`confidence,label,model_version\n${rows(0, 10)}`);
    await until(
      () => (db.prepare('SELECT COUNT(*) AS n FROM prediction_log').get() as { n: number }).n === 1,
    );
    // As if this process had been suspended past its lease: another one finds it expired.
    db.prepare('UPDATE prediction_log SET import_lease_expires_at = 0').run();
    expect(new PredictionStore(connect()).cleanedUp).toBe(1);
    await p.write(rows(10, 25_000));
    await p.end();
    const error = await importing;
    expect(error).toBeInstanceOf(Error);
    expect((error as Error).message).toMatch(/prediction import "lost".*lease.*lost/);
    expect(db.prepare('SELECT COUNT(*) AS n FROM prediction_log').get()).toEqual({ n: 0 });
    expect(stored(db)).toBe(0);
  });
});
