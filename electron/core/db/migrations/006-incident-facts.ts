/**
 * Schema v6: incidents from facts (shared/incidents.ts).
 *
 * - `incident` gains who opened it (`opened_by`; earlier rows take the actor of the decision that
 *   opened them, else `monitor`), whether the provider confirmed a kill during it (`killed`), the
 *   layers confirmed right before that kill (`layers_before_kill_json`: what Restore brings back),
 *   and who closed it and why (`closed_by`, `close_reason`). The kind `killed` is added; the
 *   never-stored kind `breached` is dropped from the CHECK (breaches are derived, not stored).
 *   SQLite cannot alter a CHECK, so the table is rebuilt; ids are kept.
 * - `decision.audit_id`: the audit row of a direct flag change recorded as a decision.
 * - `rollout_state.evidence_since`: start of the evidence window after a restart.
 */
export const migration006 = `
CREATE TABLE incident_v6 (
  id INTEGER PRIMARY KEY,
  provider TEXT NOT NULL,
  environment TEXT NOT NULL,
  flag_key TEXT NOT NULL,
  kind TEXT NOT NULL CHECK (kind IN ('killed', 'rolled-back', 'paused')),
  opened_at TEXT NOT NULL,
  opened_by TEXT NOT NULL,
  reason TEXT NOT NULL,
  decision_id INTEGER REFERENCES decision(id) ON DELETE SET NULL,
  killed INTEGER NOT NULL DEFAULT 0 CHECK (killed IN (0, 1)),
  layers_before_kill_json TEXT,
  closed_at TEXT,
  closed_by TEXT,
  close_reason TEXT
) STRICT;
INSERT INTO incident_v6 (id, provider, environment, flag_key, kind, opened_at, opened_by, reason, decision_id, closed_at)
  SELECT i.id, i.provider, i.environment, i.flag_key, CASE i.kind WHEN 'breached' THEN 'paused' ELSE i.kind END,
         i.opened_at, COALESCE((SELECT d.actor FROM decision d WHERE d.id = i.decision_id), 'monitor'),
         i.reason, i.decision_id, i.closed_at
  FROM incident i;
DROP TABLE incident;
ALTER TABLE incident_v6 RENAME TO incident;
CREATE INDEX incident_open ON incident (closed_at, provider, environment, flag_key);
CREATE INDEX incident_flag ON incident (provider, environment, flag_key, id);

ALTER TABLE decision ADD COLUMN audit_id INTEGER REFERENCES audit(id);
ALTER TABLE rollout_state ADD COLUMN evidence_since TEXT;
`;
