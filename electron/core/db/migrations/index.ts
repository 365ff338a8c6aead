/**
 * Numbered schema migrations. Index i holds the SQL that takes the schema from
 * version i to i+1 (`PRAGMA user_version`). Append only; never edit a shipped one.
 */
import { migration001 } from './001-initial.ts';
import { migration002 } from './002-predictions.ts';
import { migration003 } from './003-metrics.ts';
import { migration004 } from './004-rollouts.ts';
import { migration005 } from './005-metric-levels.ts';
import { migration006 } from './006-incident-facts.ts';
import { migration007 } from './007-prediction-import-lease.ts';
import { migration008 } from './008-metric-imports.ts';
import { migration009 } from './009-action-leases.ts';

/** The migrations in order: index i takes the schema from version i to i + 1. */
export const MIGRATIONS: readonly string[] = [
  migration001,
  migration002,
  migration003,
  migration004,
  migration005,
  migration006,
  migration007,
  migration008,
  migration009,
];

/** The schema version this build writes. */
export const SCHEMA_VERSION = MIGRATIONS.length;
