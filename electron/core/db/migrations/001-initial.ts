/** Schema v1: flag snapshots, rollout history, audit log, provider status, local provider tables. */
export const migration001 = `
CREATE TABLE flag_snapshot (
  provider TEXT NOT NULL,
  environment TEXT NOT NULL,
  flag_key TEXT NOT NULL,
  state_json TEXT NOT NULL,
  synced_at TEXT NOT NULL,
  PRIMARY KEY (provider, environment, flag_key)
) STRICT;

CREATE TABLE history (
  id INTEGER PRIMARY KEY,
  provider TEXT NOT NULL,
  environment TEXT NOT NULL,
  flag_key TEXT NOT NULL,
  at TEXT NOT NULL,
  actor TEXT,
  source TEXT NOT NULL CHECK (source IN ('provider-event', 'app', 'observed')),
  provider_event_id TEXT,
  event_type TEXT NOT NULL,
  changes_json TEXT NOT NULL,
  audit_id INTEGER REFERENCES audit(id)
) STRICT;
CREATE INDEX history_flag ON history (provider, environment, flag_key, at);
CREATE UNIQUE INDEX history_event ON history (provider, provider_event_id, environment, flag_key)
  WHERE provider_event_id IS NOT NULL;

CREATE TABLE audit (
  id INTEGER PRIMARY KEY,
  at TEXT NOT NULL,
  actor TEXT NOT NULL,
  provider TEXT NOT NULL,
  environment TEXT NOT NULL,
  flag_key TEXT NOT NULL,
  action TEXT NOT NULL CHECK (action IN ('kill', 'revert', 'set-layers')),
  reason TEXT NOT NULL,
  patch_json TEXT NOT NULL,
  request_json TEXT NOT NULL,
  response_json TEXT,
  status TEXT NOT NULL CHECK (status IN ('pending', 'succeeded', 'failed')),
  error TEXT,
  before_json TEXT,
  confirmed_json TEXT,
  completed_at TEXT
) STRICT;
CREATE INDEX audit_flag ON audit (provider, environment, flag_key, at);

CREATE TABLE provider_status (
  provider TEXT PRIMARY KEY,
  healthy INTEGER NOT NULL,
  last_attempt_at TEXT,
  last_success_at TEXT,
  last_error TEXT,
  last_sync_ms REAL,
  history_cursor TEXT
) STRICT;

CREATE TABLE local_flag (
  environment TEXT NOT NULL,
  flag_key TEXT NOT NULL,
  name TEXT NOT NULL,
  description TEXT NOT NULL,
  kind TEXT NOT NULL,
  layers_json TEXT NOT NULL,
  variants_json TEXT NOT NULL,
  version INTEGER NOT NULL,
  updated_at TEXT NOT NULL,
  PRIMARY KEY (environment, flag_key)
) STRICT;

CREATE TABLE local_event (
  id INTEGER PRIMARY KEY,
  at TEXT NOT NULL,
  actor TEXT,
  environment TEXT NOT NULL,
  flag_key TEXT NOT NULL,
  type TEXT NOT NULL,
  changes_json TEXT NOT NULL
) STRICT;
`;
