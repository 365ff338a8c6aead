/**
 * Opens the SQLite cache (better-sqlite3) and brings its schema up to date.
 *
 * WAL mode, foreign keys on, all pending migrations in ONE transaction followed
 * by `PRAGMA user_version` (the Signal-Desktop pattern): either the whole
 * upgrade lands or none of it does.
 *
 * Several processes share one data folder (the desktop app, `rcr serve`, `rcr monitor`, a
 * terminal). A write waits up to {@link BUSY_TIMEOUT_MS} for another process's write lock
 * (`busy_timeout`; the wait blocks this thread), then fails with `SQLITE_BUSY`
 * ({@link isBusyError}). Background writers retry such failures later without blocking the event
 * loop ({@link retryWhileBusy}). A read-only session opens the file with a read-only connection
 * ({@link openDatabase} `readOnly`), so no code path can write through it.
 */
import type { ErrorCode } from '../../../shared/contract.ts';
import fs from 'node:fs';
import Database from 'better-sqlite3';
import { MIGRATIONS, SCHEMA_VERSION } from './migrations/index.ts';

/** An open better-sqlite3 database connection. */
export type Db = Database.Database;

/** The database was written by a newer version of the app; opening it could lose data. */
export class NewerSchemaError extends Error {
  /** The contract error code this maps to (`toApiError` in `errors.ts`). */
  readonly apiCode: ErrorCode = 'BAD_INPUT';
  constructor(file: string, found: number) {
    super(
      `database ${file} has schema version ${found}, newer than this app supports (${SCHEMA_VERSION}); ` +
        'upgrade Rollout Control Room or choose another --data-dir',
    );
    this.name = 'NewerSchemaError';
  }
}

/** How long one statement waits for another connection's write lock before `SQLITE_BUSY`, ms. */
export const BUSY_TIMEOUT_MS = 5000;

/** Options of {@link openDatabase}. */
export interface OpenDatabaseOptions {
  /**
   * Open a read-only connection (`rcr serve --read-only`): every write through it fails with
   * `SQLITE_READONLY`. A missing database, or one at an older schema, is first created or migrated
   * by a short-lived writable connection — a read-only session cannot read anything else — and
   * the read-only connection is opened afterwards.
   */
  readOnly?: boolean;
}

/**
 * Opens (creating if needed) the database at `file` and migrates it.
 * @throws NewerSchemaError when `user_version` is higher than {@link SCHEMA_VERSION}.
 */
export function openDatabase(file: string, options: OpenDatabaseOptions = {}): Db {
  if (options.readOnly) return openReadOnly(file);
  keepPrivate(file);
  const db = new Database(file);
  try {
    db.pragma('journal_mode = WAL');
    db.pragma('foreign_keys = ON');
    db.pragma(`busy_timeout = ${BUSY_TIMEOUT_MS}`);
    migrate(db, file);
    return db;
  } catch (error) {
    db.close();
    throw error;
  }
}

/** Permissions of the database files: owner read/write only, as `config.json`. */
const PRIVATE_MODE = 0o600;

/**
 * Creates `file` (empty — a valid empty SQLite database) with mode 0600 when it is missing, and
 * takes group and other permissions off it and its `-wal`, `-shm` and `-journal` files when an
 * earlier build created them wider (0644). SQLite creates `-wal` and `-shm` with the permissions of
 * the database file (`findCreateFileMode` in os_unix.c), so new ones are 0600 too. Not for
 * `:memory:` or temporary (`''`) databases. A file this user cannot chmod is left as it is.
 */
function keepPrivate(file: string): void {
  if (file === '' || file === ':memory:' || file.startsWith('file:')) return;
  if (!fs.existsSync(file)) fs.closeSync(fs.openSync(file, 'a', PRIVATE_MODE));
  for (const f of [file, `${file}-wal`, `${file}-shm`, `${file}-journal`]) {
    try {
      if ((fs.statSync(f).mode & 0o077) !== 0) fs.chmodSync(f, PRIVATE_MODE);
    } catch {
      // Missing (-wal/-shm appear on first use) or not ours to change.
    }
  }
}

/** A read-only connection to `file` at the current schema (see {@link OpenDatabaseOptions.readOnly}). */
function openReadOnly(file: string): Db {
  for (let attempt = 0; ; attempt++) {
    if (!fs.existsSync(file)) openDatabase(file).close();
    const db = new Database(file, { readonly: true, fileMustExist: true });
    try {
      db.pragma(`busy_timeout = ${BUSY_TIMEOUT_MS}`);
      const version = db.pragma('user_version', { simple: true }) as number;
      if (version > SCHEMA_VERSION) throw new NewerSchemaError(file, version);
      if (version === SCHEMA_VERSION) return db;
    } catch (error) {
      db.close();
      throw error;
    }
    db.close();
    if (attempt > 0)
      throw new Error(`database ${file} stays at an older schema; open it once without --read-only`);
    openDatabase(file).close(); // migrates
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

/**
 * True when `error` is SQLite's "another connection holds the lock" (`SQLITE_BUSY`,
 * `SQLITE_BUSY_SNAPSHOT`, `SQLITE_BUSY_TIMEOUT`, …, and `SQLITE_LOCKED*`): a transient condition —
 * the statement (or transaction) did nothing and may be tried again.
 */
export function isBusyError(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' && /^SQLITE_(BUSY|LOCKED)/.test(code);
}

/** Options of {@link retryWhileBusy}. */
export interface RetryWhileBusyOptions {
  /** Tries in all, the first included (default 4). */
  attempts?: number;
  /** How long each try may block the thread waiting for the lock (`busy_timeout` during it), ms (default 250). */
  waitMs?: number;
  /** Pause before the second try, doubled before each further one, ms (default 250). */
  delayMs?: number;
}

/**
 * Runs the synchronous database write `write` on `db`; while it fails with a busy error
 * ({@link isBusyError}) it is tried again after a pause in which the event loop runs (so a server
 * keeps answering). Each try waits at most `waitMs` for the lock inside SQLite.
 * With the defaults: 4 tries over ~2.75 s (0.25 s blocked per try, pauses 0.25 + 0.5 + 1 s).
 * @returns what `write` returned.
 * @throws the last busy error when every try met the lock; any other error at once.
 */
export async function retryWhileBusy<T>(db: Db, write: () => T, o: RetryWhileBusyOptions = {}): Promise<T> {
  const attempts = Math.max(1, o.attempts ?? 4);
  const waitMs = o.waitMs ?? 250;
  let delay = o.delayMs ?? 250;
  for (let i = 1; ; i++) {
    try {
      return withBusyTimeout(db, waitMs, write);
    } catch (error) {
      if (!isBusyError(error) || i >= attempts || !db.open) throw error;
    }
    await new Promise((resolve) => setTimeout(resolve, delay));
    delay *= 2;
  }
}

/**
 * Runs `fn` with the connection's `busy_timeout` lowered to at most `ms` (restored afterwards), so
 * a background write does not block the thread for {@link BUSY_TIMEOUT_MS}.
 */
export function withBusyTimeout<T>(db: Db, ms: number, fn: () => T): T {
  const before = db.pragma('busy_timeout', { simple: true }) as number;
  if (before <= ms) return fn();
  db.pragma(`busy_timeout = ${Math.max(0, Math.round(ms))}`);
  try {
    return fn();
  } finally {
    if (db.open) db.pragma(`busy_timeout = ${before}`);
  }
}
