/** Schema v2: prediction logs for the confidence-threshold simulator; index of history by audit id. */
export const migration002 = `
CREATE TABLE prediction_log (
  id INTEGER PRIMARY KEY,
  name TEXT NOT NULL,
  source TEXT NOT NULL,
  imported_at TEXT NOT NULL,
  status TEXT NOT NULL CHECK (status IN ('importing', 'ready')),
  rows INTEGER NOT NULL DEFAULT 0,
  positives INTEGER NOT NULL DEFAULT 0,
  model_versions_json TEXT NOT NULL DEFAULT '[]',
  segments_json TEXT NOT NULL DEFAULT '[]',
  flag_provider TEXT,
  flag_environment TEXT,
  flag_key TEXT
) STRICT;

CREATE TABLE prediction (
  log_id INTEGER NOT NULL REFERENCES prediction_log(id) ON DELETE CASCADE,
  confidence REAL NOT NULL CHECK (confidence BETWEEN 0 AND 1),
  label INTEGER NOT NULL CHECK (label IN (0, 1)),
  model_version TEXT,
  segment TEXT,
  unit_id TEXT,
  ts TEXT,
  latency_ms REAL
) STRICT;
CREATE INDEX prediction_slice ON prediction (log_id, model_version, segment);
CREATE INDEX history_audit ON history (audit_id);
`;
