import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { NewerSchemaError, openDatabase } from './database.ts';
import { SCHEMA_VERSION } from './migrations/index.ts';
import { tempDataDir } from '../test-support/temp-dir.ts';

describe('openDatabase migrations', () => {
  const tmp = tempDataDir();
  afterEach(() => tmp.cleanup());

  it('creates a new database at the newest schema with WAL and STRICT tables, and reopens it', () => {
    const file = path.join(tmp.dir, 'a.db');
    const db = openDatabase(file);
    expect(db.pragma('user_version', { simple: true })).toBe(SCHEMA_VERSION);
    expect(db.pragma('journal_mode', { simple: true })).toBe('wal');
    const sql = (db.prepare("SELECT sql FROM sqlite_master WHERE name = 'audit'").get() as { sql: string })
      .sql;
    expect(sql).toMatch(/STRICT/);
    db.prepare("INSERT INTO provider_status (provider, healthy) VALUES ('x', 1)").run();
    db.close();
    const again = openDatabase(file);
    expect(again.prepare('SELECT COUNT(*) AS n FROM provider_status').get()).toEqual({ n: 1 });
    again.close();
  });

  it('refuses a database with a higher user_version, naming both versions, and leaves it untouched', () => {
    fs.mkdirSync(tmp.dir, { recursive: true });
    const file = path.join(tmp.dir, 'future.db');
    const raw = new Database(file);
    raw.exec('CREATE TABLE future_thing (x INTEGER)');
    raw.pragma(`user_version = ${SCHEMA_VERSION + 5}`);
    raw.close();
    expect(() => openDatabase(file)).toThrow(NewerSchemaError);
    expect(() => openDatabase(file)).toThrow(
      new RegExp(`schema version ${SCHEMA_VERSION + 5}.*\\(${SCHEMA_VERSION}\\)`),
    );
    const check = new Database(file);
    expect(check.pragma('user_version', { simple: true })).toBe(SCHEMA_VERSION + 5);
    expect(check.prepare("SELECT COUNT(*) AS n FROM sqlite_master WHERE name = 'audit'").get()).toEqual({
      n: 0,
    });
    check.close();
  });
});
