/** Contract handlers of the threshold simulator (`predictions.*`, `simulator.*`). */
import fs from 'node:fs';
import path from 'node:path';
import type { EventPayload } from '../../../shared/contract.ts';
import type { Handlers } from '../handler-types.ts';
import { CoreError } from '../errors.ts';
import { checkImportHeader, PREDICTION_IMPORT } from '../io/import-header.ts';
import type { PredictionStore } from './prediction-store.ts';
import type { SimulatorService } from './simulator-service.ts';

/**
 * What {@link simulatorHandlers} needs: the prediction store, the simulator, a clock (ms since epoch)
 * and the sink of `predictions.progress` events.
 */
export interface SimulatorHandlerDeps {
  store: PredictionStore;
  simulator: SimulatorService;
  now: () => number;
  progress: (p: EventPayload<'predictions.progress'>) => void;
}

type SimulatorChannel =
  'predictions.list' | 'predictions.import' | 'simulator.sweep' | 'simulator.recommend' | 'simulator.ab';

/** Builds the handlers; unknown log ids become NOT_FOUND. */
export function simulatorHandlers(d: SimulatorHandlerDeps): Handlers<SimulatorChannel> {
  const known = (logId: number): void => {
    try {
      d.store.get(logId);
    } catch {
      throw new CoreError('NOT_FOUND', `prediction log ${logId} not found`);
    }
  };
  return {
    'predictions.list': async ({ flag }) => d.store.list(flag),
    'predictions.import': async ({ path: file, name, flag }) => {
      const abs = path.resolve(file);
      if (!fs.existsSync(abs)) throw new CoreError('BAD_INPUT', `path: no file at ${abs}`);
      // Nothing of a file without a recognised header is read as rows or quoted in an error.
      await checkImportHeader(abs, path.basename(abs), PREDICTION_IMPORT);
      const totalBytes = fs.statSync(abs).size;
      const log = await d.store.importFile(abs, {
        name,
        flag,
        now: d.now,
        onProgress: (p) => d.progress({ path: abs, ...p, done: false }),
      });
      d.progress({ path: abs, rows: log.rows, bytesRead: totalBytes, totalBytes, done: true });
      return log;
    },
    'simulator.sweep': async ({ logId, slice, grid }) => {
      known(logId);
      if (grid === 1)
        throw new CoreError('BAD_INPUT', 'grid: must be 0 (every distinct threshold) or at least 2');
      return d.simulator.sweep(logId, slice, grid);
    },
    'simulator.recommend': async ({ logId, target }) => {
      known(logId);
      return d.simulator.recommend(logId, target);
    },
    'simulator.ab': async ({ logId, segment, control, treatment, shipMarginPp }) => {
      known(logId);
      const versions = d.store.get(logId).modelVersions;
      for (const [field, v] of [
        ['control.modelVersion', control.modelVersion],
        ['treatment.modelVersion', treatment.modelVersion],
      ] as const)
        if (!versions.includes(v))
          throw new CoreError(
            'BAD_INPUT',
            `${field}: "${v}" is not in this log (has: ${versions.join(', ') || 'none'})`,
          );
      return d.simulator.ab(logId, segment, control, treatment, shipMarginPp);
    },
  };
}
