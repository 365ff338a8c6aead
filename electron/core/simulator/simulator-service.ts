/**
 * The simulator behind the contract: sweeps over stored prediction logs with a
 * small cache of sweep tables, so a slice is read from SQLite and sorted once.
 */
import type { AbResult, Recommendation, Slice, SweepSeries, Target } from '../../../shared/simulator.ts';
import { abDecision, recommend } from './recommend.ts';
import type { PredictionStore } from './prediction-store.ts';
import { allPoints, buildSweepTable, gridPoints, pointAt, rocAuc, type SweepTable } from './sweep.ts';

const CACHE_SIZE = 32;

/** Sweeps, recommendations and A/B over stored logs. */
export class SimulatorService {
  private readonly store: PredictionStore;
  private readonly cache = new Map<string, SweepTable>();
  constructor(store: PredictionStore) {
    this.store = store;
  }

  /** The sweep table of a slice (cached, least recently used evicted). */
  table(logId: number, slice: Slice): SweepTable {
    const key = `${logId}\u0000${slice.modelVersion ?? '\u0001'}\u0000${slice.segment ?? '\u0001'}`;
    let t = this.cache.get(key);
    if (t) {
      this.cache.delete(key);
    } else {
      this.store.get(logId);
      const { confidences, labels } = this.store.loadSlice(logId, slice);
      t = buildSweepTable(confidences, labels);
    }
    this.cache.set(key, t);
    if (this.cache.size > CACHE_SIZE) this.cache.delete(this.cache.keys().next().value as string);
    return t;
  }

  /** Sweep of one slice: `grid` evenly spaced thresholds, or every distinct one when `grid` is 0. */
  sweep(logId: number, slice: Slice, grid: number): SweepSeries {
    const t = this.table(logId, slice);
    if (grid === 1) throw new RangeError('grid must be 0 (every distinct threshold) or at least 2');
    return {
      slice,
      n: t.positives + t.negatives,
      positives: t.positives,
      negatives: t.negatives,
      points: grid === 0 ? allPoints(t) : gridPoints(t, grid),
      auc: rocAuc(t),
    };
  }

  /** Recommendation per model version (all segments) and per model version × segment. */
  recommend(logId: number, target: Target): Recommendation[] {
    const log = this.store.get(logId);
    const versions = log.modelVersions.length ? log.modelVersions : [null];
    const out: Recommendation[] = [];
    for (const modelVersion of versions) {
      for (const segment of [null, ...log.segments]) {
        const slice = { modelVersion, segment };
        const t = this.table(logId, slice);
        if (t.positives + t.negatives === 0) continue;
        out.push(recommend(t, slice, target));
      }
    }
    return out;
  }

  /** Model A/B at their thresholds on one segment (or all). */
  ab(
    logId: number,
    segment: string | null,
    control: { modelVersion: string; threshold: number },
    treatment: { modelVersion: string; threshold: number },
    shipMarginPp: number,
  ): AbResult {
    const c = pointAt(this.table(logId, { modelVersion: control.modelVersion, segment }), control.threshold);
    const t = pointAt(
      this.table(logId, { modelVersion: treatment.modelVersion, segment }),
      treatment.threshold,
    );
    return abDecision(c, t, shipMarginPp);
  }

  /** Drops cached tables of a log (after it changed). */
  forget(logId: number): void {
    for (const key of [...this.cache.keys()]) if (key.startsWith(`${logId}\u0000`)) this.cache.delete(key);
  }
}
