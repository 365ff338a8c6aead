/**
 * Opens the SQLite cache (better-sqlite3) and brings its schema up to date.
 *
 * WAL mode, foreign keys on, all pending migrations in ONE transaction followed
 * by `PRAGMA user_version` (the Signal-Desktop pattern): either the whole
 * upgrade lands or none of it does.
 */
import Database from 'better-sqlite3';
import { MIGRATIONS, SCHEMA_VERSION } from './migrations/index.ts';

export type Db = Database.Database;

/** The database was written by a newer version of the app; opening it could lose data. */
export class NewerSchemaError extends Error {
  constructor(file: string, found: number) {
    super(
      `database ${file} has schema version ${found}, newer than this app supports (${SCHEMA_VERSION}); ` +
        'upgrade Rollout Control Room or choose another --data-dir',
    );
    this.name = 'NewerSchemaError';
  }
}

/**
 * Opens (creating if needed) the database at `file` and migrates it.
 * @throws NewerSchemaError when `user_version` is higher than {@link SCHEMA_VERSION}.
 */
export function openDatabase(file: string): Db {
  const db = new Database(file);
  try {
    db.pragma('journal_mode = WAL');
    db.pragma('foreign_keys = ON');
    db.pragma('busy_timeout = 5000');
    migrate(db, file);
    return db;
  } catch (error) {
    db.close();
    throw error;
  }
}

/** Applies every pending migration in one transaction. */
export function migrate(db: Db, file = 'in memory'): void {
  const current = db.pragma('user_version', { simple: true }) as number;
  if (current > SCHEMA_VERSION) throw new NewerSchemaError(file, current);
  if (current === SCHEMA_VERSION) return;
  db.transaction(() => {
    for (let v = current; v < SCHEMA_VERSION; v++) db.exec(MIGRATIONS[v] as string);
    db.pragma(`user_version = ${SCHEMA_VERSION}`);
  })();
}

/** A function returning the prepared statement for an SQL text, preparing each text once. */
export type Sql = (text: string) => Database.Statement;

/**
 * Memoizes prepared statements by SQL text. Preparing on every call was ~27% of
 * a sync's CPU in bench/sync-2000 (bench/README.md). Do not call `.raw()` or
 * `.pluck()` on a shared statement: those modes stick to it.
 */
export function statementCache(db: Db): Sql {
  const cache = new Map<string, Database.Statement>();
  return (text) => {
    let s = cache.get(text);
    if (!s) {
      s = db.prepare(text);
      cache.set(text, s);
    }
    return s;
  };
}
