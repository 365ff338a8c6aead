/** Metric fixtures shared by the core's tests: a definition builder and a MetricStore on a temporary database. */
import path from 'node:path';
import type { FlagRef } from '../../shared/domain.ts';
import type { MetricDefinition } from '../../shared/metrics.ts';
import { openDatabase, type Db } from '../../electron/core/db/database.ts';
import { MetricStore } from '../../electron/core/metrics/metric-store.ts';
import { tempDataDir } from './temp-dir.ts';

/**
 * A metric definition of `flag`: by default the events-sourced binomial guardrail metric `errors`
 * (lower is better, cohorts `control` / `treatment`, no expected split), with `over` applied.
 */
export function metricDef(flag: FlagRef, over: Partial<MetricDefinition> = {}): MetricDefinition {
  return {
    flag,
    name: 'errors',
    kind: 'binomial',
    direction: 'lower-is-better',
    unit: '',
    source: { type: 'events' },
    controlVariant: 'control',
    treatmentVariant: 'treatment',
    expectedSplit: null,
    guardrail: true,
    ...over,
  };
}

/** A MetricStore on a fresh database in a temporary folder; `close()` closes it and removes the folder. */
export function tempMetricStore(prefix?: string): {
  dir: string;
  db: Db;
  store: MetricStore;
  close: () => void;
} {
  const tmp = tempDataDir(prefix);
  const db = openDatabase(path.join(tmp.dir, 'rcr.db'));
  return {
    dir: tmp.dir,
    db,
    store: new MetricStore(db),
    close: () => {
      db.close();
      tmp.cleanup();
    },
  };
}
