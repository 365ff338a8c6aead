/**
 * Schema v7: prediction imports in progress are owned by a live process (issue 15; docs/security.md,
 * "Processes sharing a data folder"). An `importing` log carries its lease: `import_owner`
 * (`host:pid:random` of the process writing it) and `import_lease_expires_at` (ms since epoch),
 * renewed while the import runs. Opening the data folder deletes only `importing` logs whose lease
 * expired (or that have none: written by an earlier build, which had no lease) — abandoned by a
 * crash — never one another process is writing. A `ready` log keeps the columns NULL.
 */
export const migration007 = `
ALTER TABLE prediction_log ADD COLUMN import_owner TEXT;
ALTER TABLE prediction_log ADD COLUMN import_lease_expires_at INTEGER;
`;
