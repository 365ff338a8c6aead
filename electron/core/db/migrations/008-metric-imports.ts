/**
 * Schema v8: the ledger of metric-event imports (docs/metrics.md, "Imports: staging, publishing,
 * replacing"). An import's per-minute cells are written in short transactions while the file is
 * read (`staging`: no reader looks at them), made visible all at once by one small transaction
 * (`publishing`: readers add the cells not yet folded in), then folded into `metric_rollup` and
 * its levels in short transactions; a cursor per series (`done_to`) says which cells are folded,
 * so a reader counts every cell exactly once. The cells stay afterwards: they are what the import
 * contributed, so a re-import of the same file (same `import_key`) can replace exactly that
 * (`retracting`: readers subtract the cells not yet folded out).
 *
 * - `metric_import`: one row per import; `import_key` = SHA-256 (hex) of the file's bytes; `owner`
 *   (`host:pid:random`) keeps it alive by renewing `lease_until` (ms since epoch) — an import whose
 *   lease ran out was abandoned (a crash): a `staging` one is deleted, a `publishing` or
 *   `retracting` one is finished by the next import. At most one import per (provider,
 *   environment, key) is `publishing` or `published`.
 * - `metric_import_series`: per import, each flag × metric × variant it holds, its first and last
 *   minute and the fold cursor (`done_to`: cells with `minute <= done_to` are folded).
 * - `metric_import_cell`: the import's rollup cell of each minute (columns as `metric_rollup`).
 */
export const migration008 = `
CREATE TABLE metric_import (
  id INTEGER PRIMARY KEY,
  provider TEXT NOT NULL,
  environment TEXT NOT NULL,
  import_key TEXT NOT NULL,
  file_name TEXT NOT NULL,
  rows INTEGER NOT NULL DEFAULT 0,
  state TEXT NOT NULL CHECK (state IN ('staging', 'publishing', 'published', 'retracting', 'retracted')),
  owner TEXT NOT NULL,
  lease_until INTEGER NOT NULL,
  started_at INTEGER NOT NULL,
  published_at INTEGER
) STRICT;
CREATE UNIQUE INDEX metric_import_key ON metric_import (provider, environment, import_key)
  WHERE state IN ('publishing', 'published');
CREATE INDEX metric_import_state ON metric_import (state);

CREATE TABLE metric_import_series (
  import_id INTEGER NOT NULL REFERENCES metric_import (id),
  provider TEXT NOT NULL,
  environment TEXT NOT NULL,
  flag_key TEXT NOT NULL,
  metric TEXT NOT NULL,
  variant TEXT NOT NULL,
  lo INTEGER NOT NULL,
  hi INTEGER NOT NULL,
  cells INTEGER NOT NULL,
  done_to INTEGER NOT NULL DEFAULT -1,
  PRIMARY KEY (import_id, flag_key, metric, variant)
) STRICT, WITHOUT ROWID;
CREATE INDEX metric_import_series_key ON metric_import_series (provider, environment, flag_key, metric, variant);

CREATE TABLE metric_import_cell (
  import_id INTEGER NOT NULL REFERENCES metric_import (id),
  flag_key TEXT NOT NULL,
  metric TEXT NOT NULL,
  variant TEXT NOT NULL,
  minute INTEGER NOT NULL,
  count INTEGER NOT NULL CHECK (count >= 0),
  sum REAL NOT NULL,
  sum_sq REAL NOT NULL,
  successes INTEGER NOT NULL CHECK (successes >= 0),
  sketch BLOB,
  PRIMARY KEY (import_id, flag_key, metric, variant, minute)
) STRICT, WITHOUT ROWID;
`;
