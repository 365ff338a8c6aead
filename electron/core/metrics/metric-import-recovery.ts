/**
 * Recovery of metric imports whose process is gone ({@link recoverImports}): an abandoned import
 * (its lease ran out, or its process no longer runs) is taken over, then deleted when it was
 * never visible, or folded to the end when it was.
 */
import type { Db } from '../db/database.ts';
import { fold, type MinuteFolder } from './metric-import-fold.ts';
import { purge } from './metric-import-staging.ts';
import { Writer, type ImportRow } from './metric-import-writer.ts';

/**
 * Finishes the abandoned imports this writer took over: takes replaced ones out, folds publishing
 * ones in, deletes staged and retracted ones — all but import `except` (the writer's own import
 * in progress).
 * @returns how many staged imports were discarded and how many publishing ones finished.
 * @throws what {@link Writer.write} throws (ImportLostError when another process took the import over).
 */
export async function finishOwned(
  w: Writer,
  store: MinuteFolder,
  except: number | null = null,
): Promise<{ discarded: number; finished: number }> {
  let discarded = 0;
  let finished = 0;
  const owned = (): ImportRow[] =>
    (
      w
        .sql(
          `SELECT id, state, owner, lease_until FROM metric_import WHERE owner = ? AND state != 'published'`,
        )
        .all(w.owner) as ImportRow[]
    ).filter((r) => r.id !== except);
  for (const r of owned()) if (r.state === 'retracting') await fold(w, store, r.id, 'retract');
  for (const r of owned())
    if (r.state === 'publishing') {
      await fold(w, store, r.id, 'fold');
      finished++;
    }
  for (const r of owned())
    if (r.state === 'staging' || r.state === 'retracted') {
      await purge(w, r.id);
      if (r.state === 'staging') discarded++;
    }
  return { discarded, finished };
}

/**
 * {@link recoverImports} with a given writer: takes every abandoned import over, then finishes them.
 * @throws what {@link Writer.write} throws (ImportLostError when another process took the import over).
 */
export async function recover(
  w: Writer,
  store: MinuteFolder,
): Promise<{ discarded: number; finished: number }> {
  const rows = w
    .sql(`SELECT id, state, owner, lease_until FROM metric_import WHERE state != 'published' ORDER BY id`)
    .all() as ImportRow[];
  let any = false;
  for (const r of rows) any = (await w.takeOver(r)) || any;
  return any ? finishOwned(w, store) : { discarded: 0, finished: 0 };
}

/**
 * Cleans up after imports whose process is gone (crashed, killed): a `staging` one is deleted (it
 * was never visible); a `publishing` or `retracting` one (visible whole through the overlay) is
 * folded to the end. Imports of live processes are left alone. Runs in short transactions.
 * @returns how many imports were discarded and how many finished.
 * @throws what a write transaction throws (e.g. the database was closed, or stayed busy too long).
 */
export async function recoverImports(
  db: Db,
  store: MinuteFolder,
): Promise<{ discarded: number; finished: number }> {
  const w = new Writer(db);
  try {
    return await recover(w, store);
  } finally {
    await w.close();
  }
}
