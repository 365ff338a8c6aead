/**
 * First-run content of the embedded provider: the example flags with their history, and the
 * shipped sample prediction log (held-out predictions of two classifiers, docs/model-card.md)
 * attached to the seeded AI flag so the simulator has something to show.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { Config } from '../../config.ts';
import type { Db } from '../../db/database.ts';
import type { PredictionStore } from '../../simulator/prediction-store.ts';
import { seedLocalFlags } from './local-provider.ts';
import { SEED_AI_FLAG_KEY } from './local-seed.ts';

/** Default folder of shipped resources (`<repo>/resources`). */
export const DEFAULT_RESOURCES_DIR = path.resolve(import.meta.dirname, '../../../../resources');

/** The sample prediction log shipped with the app, relative to the resources folder. */
export const SAMPLE_PREDICTIONS = 'sample-predictions/predictions.csv';

/**
 * Seeds each embedded (`local`) provider whose tables are empty, and imports the sample
 * prediction log for its AI flag when the resources folder has it. Idempotent: a seeded provider
 * is left as it is.
 * @throws PredictionFormatError if the shipped sample is not a valid prediction log.
 */
export async function seedEmbeddedProviders(o: {
  config: Config;
  db: Db;
  predictions: PredictionStore;
  /** Folder of shipped resources; default {@link DEFAULT_RESOURCES_DIR}. */
  resourcesDir?: string;
  /** Clock, ms since epoch. */
  now: () => number;
}): Promise<void> {
  for (const p of o.config.providers) {
    if (p.kind !== 'local' || !seedLocalFlags(o.db, o.now())) continue;
    const sample = path.join(o.resourcesDir ?? DEFAULT_RESOURCES_DIR, SAMPLE_PREDICTIONS);
    if (fs.existsSync(sample))
      await o.predictions.importFile(sample, {
        name: 'SpamAssassin sample: v2.3 vs v2.4 held-out predictions',
        flag: { provider: p.name, environment: 'production', key: SEED_AI_FLAG_KEY },
        now: o.now,
      });
  }
}
