/**
 * Publication of a metric import ({@link publish}): one small transaction makes the whole import
 * visible (state `publishing`) — or refuses it as a duplicate ({@link DuplicateImportError}), or
 * marks the earlier import of the same content as being replaced (`retracting`).
 */
import path from 'node:path';
import type { MinuteFolder } from './metric-import-fold.ts';
import { finishOwned } from './metric-import-recovery.ts';
import {
  IMPORT_LEASE_MS,
  ImportLostError,
  sleep,
  type ImportRow,
  type Writer,
} from './metric-import-writer.ts';
import { ImportOverlay } from './rollup-overlay.ts';

/** Wait between two looks at an import that is publishing elsewhere, ms. */
const SLOT_POLL_MS = 100;

/**
 * The same content was imported into the same provider/environment before (and not replaced).
 * `importKey`: the content's SHA-256 (hex); the message names the earlier import.
 */
export class DuplicateImportError extends Error {
  readonly importKey: string;
  constructor(file: string, key: string, target: string, earlier: EarlierImport) {
    super(
      `${path.basename(file)}: this content was already imported into ${target} (${earlier.file_name}, ` +
        `${earlier.rows.toLocaleString('en')} rows, at ${new Date(earlier.published_at).toISOString()}); ` +
        'importing it again would count its events twice — replace that import instead (onDuplicate "replace")',
    );
    this.name = 'DuplicateImportError';
    this.importKey = key;
  }
}

/** The published (or publishing) import of the same content (`published_at`: ms since epoch). */
export interface EarlierImport {
  id: number;
  file_name: string;
  rows: number;
  published_at: number;
}

/**
 * Makes import `id` visible (state `publishing`) in one small transaction, once no other import
 * is publishing or retracting (an abandoned one is finished first). With an earlier import of the
 * same key: refused, or — `replace` — that one becomes `retracting` in the same transaction.
 * @returns the id of the import being replaced, or null.
 * @throws DuplicateImportError (refused); ImportLostError when the import is no longer this
 * writer's; what {@link Writer.write} throws.
 */
export async function publish(
  w: Writer,
  store: MinuteFolder,
  id: number,
  o: { key: string; rows: number; file: string; target: string; onDuplicate?: 'refuse' | 'replace' },
): Promise<number | null> {
  const { sql } = w;
  const overlay = ImportOverlay.of(w.db);
  for (;;) {
    const r = await w.write('publish', () => {
      const busy = sql(
        `SELECT id, state, owner, lease_until FROM metric_import WHERE state IN ('publishing', 'retracting') AND id != ?`,
      ).all(id) as ImportRow[];
      if (busy.length) return { busy, replacing: null };
      const e = sql(
        `SELECT e.id, e.file_name, e.rows, e.published_at FROM metric_import e
           JOIN metric_import me ON me.id = ? AND e.provider = me.provider AND e.environment = me.environment
         WHERE e.import_key = ? AND e.state IN ('publishing', 'published')`,
      ).get(id, o.key) as EarlierImport | undefined;
      if (e && o.onDuplicate !== 'replace') throw new DuplicateImportError(o.file, o.key, o.target, e);
      if (e) {
        sql(`UPDATE metric_import SET state = 'retracting', owner = ?, lease_until = ? WHERE id = ?`).run(
          w.owner,
          Date.now() + IMPORT_LEASE_MS,
          e.id,
        );
        sql(`UPDATE metric_import_series SET done_to = -1 WHERE import_id = ?`).run(e.id);
      }
      const mine = sql(
        `UPDATE metric_import SET state = 'publishing', import_key = ?, rows = ?, published_at = ?
         WHERE id = ? AND state = 'staging' AND owner = ?`,
      ).run(o.key, o.rows, Date.now(), id, w.owner);
      if (mine.changes !== 1)
        throw new ImportLostError(`metric import ${id} is no longer this process's to publish`);
      overlay.touch();
      return { busy: [], replacing: e?.id ?? null };
    });
    if (r.busy.length === 0) {
      const replacing = r.replacing ?? null;
      if (replacing !== null) w.owned.add(replacing);
      return replacing;
    }
    // Another import is being published: wait for it, or finish it when its process is gone.
    let tookOver = false;
    for (const b of r.busy) tookOver = (await w.takeOver(b)) || tookOver;
    if (tookOver) await finishOwned(w, store, id);
    else await sleep(SLOT_POLL_MS);
  }
}
