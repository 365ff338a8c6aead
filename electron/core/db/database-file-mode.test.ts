import fs from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openDatabase } from './database.ts';
import { tempDataDir } from '../../../test/support/temp-dir.ts';

/** The permission bits of a file (e.g. 0o600). */
const modeOf = (file: string): number => fs.statSync(file).mode & 0o777;

describe('openDatabase file permissions (issue 15: rcr.db was 0644 next to a 0600 config.json)', () => {
  let tmp: ReturnType<typeof tempDataDir>;
  beforeEach(() => (tmp = tempDataDir()));
  afterEach(() => tmp.cleanup());

  it('creates the database and its -wal and -shm files readable by the owner only, whatever the umask', () => {
    const old = process.umask(0o022);
    try {
      const file = path.join(tmp.dir, 'rcr.db');
      const db = openDatabase(file);
      db.prepare("INSERT INTO provider_status (provider, healthy) VALUES ('x', 1)").run();
      const modes = ['', '-wal', '-shm'].map((s) => [`rcr.db${s}`, modeOf(`${file}${s}`).toString(8)]);
      db.close();
      expect(modes).toEqual([
        ['rcr.db', '600'],
        ['rcr.db-wal', '600'],
        ['rcr.db-shm', '600'],
      ]);
    } finally {
      process.umask(old);
    }
  });

  it('tightens a database an earlier build created world-readable, and leaves the umask as it was', () => {
    const file = path.join(tmp.dir, 'old.db');
    openDatabase(file).close();
    fs.chmodSync(file, 0o644);
    const umask = process.umask();
    const db = openDatabase(file);
    db.prepare("INSERT INTO provider_status (provider, healthy) VALUES ('y', 1)").run();
    expect([modeOf(file), modeOf(`${file}-wal`), modeOf(`${file}-shm`)]).toEqual([0o600, 0o600, 0o600]);
    db.close();
    expect(process.umask()).toBe(umask);
  });
});
