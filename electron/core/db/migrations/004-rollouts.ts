/**
 * Schema v4: staged rollouts (see docs/rollouts.md) — plans and their live state per flag,
 * guardrails and their last evaluation, the monitor's decision records (bounded by the monitor,
 * indexed by flag, time and action), the journaled action outbox (idempotency key unique, indexed
 * by status and next attempt), and incidents.
 */
export const migration004 = `
CREATE TABLE rollout_plan (
  provider TEXT NOT NULL,
  environment TEXT NOT NULL,
  flag_key TEXT NOT NULL,
  json TEXT NOT NULL,
  updated_at TEXT NOT NULL,
  PRIMARY KEY (provider, environment, flag_key)
) STRICT;

CREATE TABLE rollout_state (
  provider TEXT NOT NULL,
  environment TEXT NOT NULL,
  flag_key TEXT NOT NULL,
  stage_index INTEGER NOT NULL,
  status TEXT NOT NULL CHECK (status IN ('draft', 'running', 'paused', 'rolled-back', 'completed')),
  stage_started_at TEXT,
  reason TEXT,
  approvals_json TEXT NOT NULL DEFAULT '[]',
  pending_action_id INTEGER,
  generation INTEGER NOT NULL DEFAULT 0,
  updated_at TEXT NOT NULL,
  PRIMARY KEY (provider, environment, flag_key)
) STRICT;

CREATE TABLE guardrail (
  provider TEXT NOT NULL,
  environment TEXT NOT NULL,
  flag_key TEXT NOT NULL,
  id TEXT NOT NULL,
  json TEXT NOT NULL,
  PRIMARY KEY (provider, environment, flag_key, id)
) STRICT;

CREATE TABLE guardrail_status (
  provider TEXT NOT NULL,
  environment TEXT NOT NULL,
  flag_key TEXT NOT NULL,
  id TEXT NOT NULL,
  state_json TEXT NOT NULL,
  PRIMARY KEY (provider, environment, flag_key, id)
) STRICT;

CREATE TABLE decision (
  id INTEGER PRIMARY KEY,
  at TEXT NOT NULL,
  provider TEXT NOT NULL,
  environment TEXT NOT NULL,
  flag_key TEXT NOT NULL,
  stage_index INTEGER NOT NULL,
  stage_name TEXT,
  actor TEXT NOT NULL,
  action TEXT NOT NULL,
  rule TEXT NOT NULL,
  rationale TEXT NOT NULL,
  inputs_json TEXT NOT NULL,
  outbox_id INTEGER
) STRICT;
CREATE INDEX decision_flag_at ON decision (provider, environment, flag_key, at);
CREATE INDEX decision_at ON decision (at);
CREATE INDEX decision_action_at ON decision (action, at);

CREATE TABLE outbox (
  id INTEGER PRIMARY KEY,
  created_at TEXT NOT NULL,
  provider TEXT NOT NULL,
  environment TEXT NOT NULL,
  flag_key TEXT NOT NULL,
  kind TEXT NOT NULL CHECK (kind IN ('flag-change', 'webhook')),
  payload_json TEXT NOT NULL,
  idempotency_key TEXT NOT NULL UNIQUE,
  status TEXT NOT NULL CHECK (status IN ('pending', 'sent', 'confirmed', 'failed')),
  attempts INTEGER NOT NULL DEFAULT 0,
  next_attempt_at INTEGER,
  last_error TEXT,
  decision_id INTEGER REFERENCES decision(id) ON DELETE SET NULL,
  audit_id INTEGER REFERENCES audit(id),
  confirmed_at TEXT
) STRICT;
CREATE INDEX outbox_due ON outbox (status, next_attempt_at);
CREATE INDEX outbox_flag ON outbox (provider, environment, flag_key, id);

CREATE TABLE incident (
  id INTEGER PRIMARY KEY,
  provider TEXT NOT NULL,
  environment TEXT NOT NULL,
  flag_key TEXT NOT NULL,
  kind TEXT NOT NULL CHECK (kind IN ('breached', 'paused', 'rolled-back')),
  opened_at TEXT NOT NULL,
  closed_at TEXT,
  reason TEXT NOT NULL,
  decision_id INTEGER REFERENCES decision(id) ON DELETE SET NULL
) STRICT;
CREATE INDEX incident_open ON incident (closed_at, provider, environment, flag_key);
`;
