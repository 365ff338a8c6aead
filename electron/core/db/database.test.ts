import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { NewerSchemaError, openDatabase } from './database.ts';
import { MIGRATIONS, SCHEMA_VERSION } from './migrations/index.ts';
import { tempDataDir } from '../../../test/support/temp-dir.ts';

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

  it('v5 → v6 keeps incidents, takes who opened them from their decision, and drops nothing', () => {
    fs.mkdirSync(tmp.dir, { recursive: true });
    const file = path.join(tmp.dir, 'v5.db');
    const raw = new Database(file);
    raw.exec(MIGRATIONS.slice(0, 5).join('\n'));
    raw.pragma('user_version = 5');
    raw
      .prepare(
        `INSERT INTO decision (id, at, provider, environment, flag_key, stage_index, actor, action, rule, rationale, inputs_json)
         VALUES (7, '2026-01-01T00:00:00.000Z', 'local', 'production', 'f', 0, 'alice', 'rollback', 'operator', 'r', '{}')`,
      )
      .run();
    raw
      .prepare(
        `INSERT INTO incident (id, provider, environment, flag_key, kind, opened_at, reason, decision_id)
         VALUES (3, 'local', 'production', 'f', 'rolled-back', '2026-01-01T00:00:00.000Z', 'why', 7),
                (4, 'local', 'production', 'g', 'paused', '2026-01-01T00:00:00.000Z', 'no data', NULL)`,
      )
      .run();
    raw.close();
    const db = openDatabase(file);
    expect(db.pragma('user_version', { simple: true })).toBe(SCHEMA_VERSION);
    expect(
      db.prepare('SELECT id, kind, opened_by, killed, closed_by FROM incident ORDER BY id').all(),
    ).toEqual([
      { id: 3, kind: 'rolled-back', opened_by: 'alice', killed: 0, closed_by: null },
      { id: 4, kind: 'paused', opened_by: 'monitor', killed: 0, closed_by: null },
    ]);
    expect(() => db.prepare(`UPDATE incident SET kind = 'breached' WHERE id = 3`).run()).toThrow(
      /CHECK constraint/,
    );
    db.close();
  });
});
