/**
 * Tells in-memory caches of stored rows when to drop what they hold: {@link ConnectionWatch.stamp}
 * changes when another connection to the same database file committed — another process on the
 * same data folder, e.g. `rcr import` or `rcr plan` while the app is open — or when code on this
 * connection declared a write to the topic ({@link ConnectionWatch.touch}).
 *
 * SQLite's `PRAGMA data_version` changes when another connection commits
 * (https://www.sqlite.org/pragma.html#pragma_data_version). Reading it takes a read lock (~8 µs),
 * so it is read at most once per turn of the event loop (a flag reset by `setImmediate`): a
 * monitor tick awaits once per flag without leaving its turn, and read the version hundreds of
 * times per tick when the flag was reset in a microtask. Reads outside a transaction share no snapshot
 * anyway, and another process's commit is seen from the next turn on — as before, where it
 * could land between any two reads.
 */
import type Database from 'better-sqlite3';
import type { Db } from './database.ts';

const watches = new WeakMap<Db, ConnectionWatch>();

/**
 * Per-connection change stamp for in-memory caches (see the module docs); get one with
 * {@link ConnectionWatch.of}.
 */
export class ConnectionWatch {
  /** The watch of connection `db` (created on first use). */
  static of(db: Db): ConnectionWatch {
    let w = watches.get(db);
    if (!w) watches.set(db, (w = new ConnectionWatch(db)));
    return w;
  }

  private readonly dataVersion: Database.Statement;
  private version: number;
  private current = 0;
  private checked = false;
  private readonly topics = new Map<string, number>();

  private constructor(db: Db) {
    // A statement of its own: `pluck` sticks to a statement, so it must not be a shared one.
    this.dataVersion = db.prepare('PRAGMA data_version').pluck();
    this.version = this.dataVersion.get() as number;
  }

  /** Declares a write to `topic` (e.g. a table) through this connection. */
  touch(topic: string): void {
    this.topics.set(topic, (this.topics.get(topic) ?? 0) + 1);
  }

  /**
   * A value that changes after every {@link touch} of `topic` and whenever another connection
   * committed: a cache made under one stamp is valid while the stamp is the same.
   */
  stamp(topic: string): string {
    return `${this.epoch()}.${this.topics.get(topic) ?? 0}`;
  }

  /** A number that changes whenever another connection has committed since the last call. */
  epoch(): number {
    if (this.checked) return this.current;
    this.checked = true;
    setImmediate(() => {
      this.checked = false;
    });
    const v = this.dataVersion.get() as number;
    if (v !== this.version) {
      this.version = v;
      this.current++;
    }
    return this.current;
  }
}
