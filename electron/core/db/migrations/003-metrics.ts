/**
 * Schema v3: metric definitions per flag and per-minute metric rollups (see docs/metrics.md).
 * A rollup row holds the sufficient statistics of one minute of one metric of one variant of a
 * flag, plus a serialized DDSketch (protobuf) for quantiles; windows are merged from these rows.
 */
export const migration003 = `
CREATE TABLE metric_definition (
  provider TEXT NOT NULL,
  environment TEXT NOT NULL,
  flag_key TEXT NOT NULL,
  name TEXT NOT NULL,
  json TEXT NOT NULL,
  PRIMARY KEY (provider, environment, flag_key, name)
) STRICT;

CREATE TABLE metric_rollup (
  provider TEXT NOT NULL,
  environment TEXT NOT NULL,
  flag_key TEXT NOT NULL,
  metric TEXT NOT NULL,
  variant TEXT NOT NULL,
  minute INTEGER NOT NULL,
  count INTEGER NOT NULL CHECK (count >= 0),
  sum REAL NOT NULL,
  sum_sq REAL NOT NULL,
  successes INTEGER NOT NULL CHECK (successes >= 0),
  sketch BLOB,
  PRIMARY KEY (provider, environment, flag_key, metric, variant, minute)
) STRICT, WITHOUT ROWID;
CREATE INDEX metric_rollup_flag_minute ON metric_rollup (provider, environment, flag_key, minute);
`;
