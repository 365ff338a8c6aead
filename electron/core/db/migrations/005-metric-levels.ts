/**
 * Schema v5: pre-merged hour and day levels of the per-minute metric rollups
 * (see docs/metrics.md, "Rollup levels"). A level row holds the merged moments
 * and sketch of the minutes in its bucket, plus the sums a ratio metric needs
 * (each minute's mean is one observation). Levels are derived data: MetricStore
 * keeps them in step with `metric_rollup` in the same transactions and rebuilds
 * them from the minutes when they are missing (e.g. right after this migration).
 */
export const migration005 = `
CREATE TABLE metric_rollup_level (
  provider TEXT NOT NULL,
  environment TEXT NOT NULL,
  flag_key TEXT NOT NULL,
  metric TEXT NOT NULL,
  variant TEXT NOT NULL,
  resolution INTEGER NOT NULL CHECK (resolution IN (3600000, 86400000)),
  bucket INTEGER NOT NULL,
  count INTEGER NOT NULL CHECK (count >= 0),
  sum REAL NOT NULL,
  sum_sq REAL NOT NULL,
  successes INTEGER NOT NULL CHECK (successes >= 0),
  minutes INTEGER NOT NULL CHECK (minutes >= 0),
  ratio_sum REAL NOT NULL,
  ratio_sum_sq REAL NOT NULL,
  ratio_nonzero INTEGER NOT NULL,
  sketch BLOB,
  PRIMARY KEY (provider, environment, flag_key, metric, variant, resolution, bucket)
) STRICT, WITHOUT ROWID;
`;
