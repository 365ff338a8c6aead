/**
 * Schema v9 (numbering follows the migrations of the same release): leases and outbox claims, so
 * the processes sharing a data folder never act on one thing at once (electron/core/db/leases.ts).
 *
 * - `lease`: a named right (`monitor`, `flag:<id>`) held by one owner (`host:pid:random`) until
 *   `expires_at` (ms since epoch).
 * - `outbox.claimed_by` / `outbox.claim_expires_at`: the process sending an action claims it
 *   first; only the claimant, or — after the claim expires — the monitor's process, may send it.
 */
export const migration009 = `
CREATE TABLE lease (
  name TEXT PRIMARY KEY,
  owner TEXT NOT NULL,
  expires_at INTEGER NOT NULL
) STRICT;

ALTER TABLE outbox ADD COLUMN claimed_by TEXT;
ALTER TABLE outbox ADD COLUMN claim_expires_at INTEGER;
`;
