/**
 * The p95 difference of quantile metrics: bootstrap over DDSketch bins (see
 * quantile-difference.ts) and its use in `compareMetrics` for `kind: 'quantile'`.
 */
import seedrandom from 'seedrandom';
import { describe, expect, it } from 'vitest';
import type { FlagRef } from '../../../shared/domain.ts';
import type { MetricDefinition } from '../../../shared/metrics.ts';
import { compareMetrics, type ResolvedWindow } from '../metrics/metric-compare.ts';
import type { MetricStore } from '../metrics/metric-store.ts';
import {
  addValue,
  emptyRollup,
  SKETCH_RELATIVE_ACCURACY,
  sketchBins,
  type Rollup,
} from '../metrics/rollup.ts';
import {
  bootstrapQuantileDifference,
  resampledQuantiles,
  weightedQuantile,
  type WeightedValues,
} from './quantile-difference.ts';

const FLAG: FlagRef = { provider: 'local', environment: 'production', key: 'f' };
const WINDOW: ResolvedWindow = { fromMinute: 0, toMinute: 60_000, from: '', to: '' };

/** Lognormal(μ, σ) values × `scale`, from a seeded PRNG. */
function lognormal(n: number, seed: string, scale = 1, mu = 4, sigma = 0.5): number[] {
  const u = seedrandom.alea(seed);
  const out: number[] = [];
  for (let i = 0; i < n; i++) {
    const z = Math.sqrt(-2 * Math.log(1 - u())) * Math.cos(2 * Math.PI * u());
    out.push(scale * Math.exp(mu + sigma * z));
  }
  return out;
}

function rollupOf(values: number[]): Rollup {
  const r = emptyRollup();
  for (const v of values) addValue(r, v);
  return r;
}

const bins = (values: number[]): WeightedValues => sketchBins(rollupOf(values).sketch)!;

/** The exact sample quantile with DDSketch's rank convention. */
const exactQuantile = (values: number[], q: number): number =>
  [...values].sort((a, b) => a - b)[Math.floor(q * (values.length - 1))]!;

/** A store holding one quantile metric with the given control/treatment rollups. */
function fakeStore(def: MetricDefinition, control: Rollup, treatment: Rollup): MetricStore {
  return {
    list: () => [def],
    window: (_f: FlagRef, _m: string, variant: string) => (variant === 'control' ? control : treatment),
  } as unknown as MetricStore;
}

const latencyDef: MetricDefinition = {
  flag: FLAG,
  name: 'latency_ms',
  kind: 'quantile',
  direction: 'lower-is-better',
  unit: 'ms',
  source: { type: 'events' },
  controlVariant: 'control',
  treatmentVariant: 'treatment',
  expectedSplit: null,
  guardrail: false,
};

describe('sketchBins / weightedQuantile', () => {
  it('reproduce getValueAtQuantile, with negative values and zeros', () => {
    const values = [...lognormal(3000, 'mix'), ...lognormal(500, 'neg').map((v) => -v), 0, 0, 0];
    const r = rollupOf(values);
    const w = sketchBins(r.sketch)!;
    expect(w.counts.reduce((a, b) => a + b, 0)).toBe(values.length);
    for (let i = 1; i < w.values.length; i++) expect(w.values[i]!).toBeGreaterThan(w.values[i - 1]!);
    for (const q of [0.01, 0.1, 0.14, 0.145, 0.5, 0.9, 0.95, 0.99])
      expect(weightedQuantile(w, q)).toBe(r.sketch!.getValueAtQuantile(q));
    expect(sketchBins(null)).toBeNull();
  });
});

describe('bootstrapQuantileDifference', () => {
  it('the order-statistic shortcut matches a brute-force bootstrap (draw n values, sort)', () => {
    const w: WeightedValues = { values: [1, 2, 3, 5, 8, 13], counts: [40, 60, 50, 30, 15, 5] };
    const n = 200;
    const q = 0.9;
    const B = 4000;
    // Brute force: n draws with replacement via the inverse CDF, the k-th order statistic.
    const u = seedrandom.alea('brute');
    const cum: number[] = [];
    w.counts.reduce((s, c, i) => (cum[i] = s + c), 0);
    const brute = new Map<number, number>();
    for (let b = 0; b < B; b++) {
      const draws: number[] = [];
      for (let i = 0; i < n; i++) {
        const r = u() * n;
        draws.push(w.values[cum.findIndex((c) => c > r)]!);
      }
      draws.sort((x, y) => x - y);
      const v = draws[Math.floor(q * (n - 1))]!;
      brute.set(v, (brute.get(v) ?? 0) + 1);
    }
    const fast = new Map<number, number>();
    for (const v of resampledQuantiles(w, q, B, 'fast')) fast.set(v, (fast.get(v) ?? 0) + 1);
    let tv = 0;
    for (const v of w.values) tv += Math.abs((fast.get(v) ?? 0) - (brute.get(v) ?? 0)) / B / 2;
    expect(tv).toBeLessThan(0.03);
  });

  it('the estimate is within the sketch accuracy of the exact sample p95 difference', () => {
    const a = lognormal(20_000, 'acc-a');
    const b = lognormal(20_000, 'acc-b', 1.2);
    const r = bootstrapQuantileDifference(bins(a), bins(b), { alpha: 0.05 });
    const ea = exactQuantile(a, 0.95);
    const eb = exactQuantile(b, 0.95);
    expect(Math.abs(r.qA - ea)).toBeLessThanOrEqual(SKETCH_RELATIVE_ACCURACY * ea);
    expect(Math.abs(r.qB - eb)).toBeLessThanOrEqual(SKETCH_RELATIVE_ACCURACY * eb);
    expect(Math.abs(r.absolute.estimate - (eb - ea))).toBeLessThanOrEqual(
      SKETCH_RELATIVE_ACCURACY * (ea + eb),
    );
    expect(r.relative!.estimate).toBeCloseTo(r.absolute.estimate / r.qA, 12);
  });

  it('is deterministic with the seed', () => {
    const a = bins(lognormal(2000, 'det-a'));
    const b = bins(lognormal(2000, 'det-b'));
    const one = bootstrapQuantileDifference(a, b, { alpha: 0.05, seed: 42 });
    expect(bootstrapQuantileDifference(a, b, { alpha: 0.05, seed: 42 })).toEqual(one);
    expect(bootstrapQuantileDifference(a, b, { alpha: 0.05, seed: 43 }).absolute.ci).not.toEqual(
      one.absolute.ci,
    );
    expect(bootstrapQuantileDifference(a, b, { alpha: 0.05 })).toEqual(
      bootstrapQuantileDifference(a, b, { alpha: 0.05 }),
    );
  });

  it('A/A: the 95% interval contains 0 in at least 90 of 100 runs', () => {
    let covered = 0;
    for (let run = 0; run < 100; run++) {
      const a = bins(lognormal(1000, `aa-a-${run}`));
      const b = bins(lognormal(1000, `aa-b-${run}`));
      const r = bootstrapQuantileDifference(a, b, { alpha: 0.05, seed: run });
      if (r.absolute.ci[0] <= 0 && r.absolute.ci[1] >= 0) covered++;
    }
    expect(covered).toBeGreaterThanOrEqual(90);
  });
});

describe('bootstrapQuantileDifference: one verdict from every interval', () => {
  it('the lift interval excludes 0 exactly when the difference interval does, and p < α then', () => {
    const excludes = (ci: readonly [number, number]) => ci[0] > 0 || ci[1] < 0;
    let significant = 0;
    let disagreements = 0;
    for (let run = 0; run < 300; run++) {
      // small effects (×1.00 … ×1.10) around the significance boundary, n = 300
      const a = bins(lognormal(300, `agree-a-${run}`));
      const b = bins(lognormal(300, `agree-b-${run}`, 1 + (run % 11) / 100));
      const r = bootstrapQuantileDifference(a, b, { alpha: 0.05, seed: run });
      if (excludes(r.relative!.ci) !== excludes(r.absolute.ci)) disagreements++;
      if (excludes(r.absolute.ci)) {
        significant++;
        expect(r.absolute.pValue, `run ${run}`).toBeLessThan(0.05);
      } else expect(r.absolute.pValue, `run ${run}`).toBeGreaterThanOrEqual(0.05);
    }
    expect(disagreements).toBe(0);
    expect(significant).toBeGreaterThan(20);
  });
});

describe('compareMetrics, kind quantile', () => {
  it('treatment latency ×1.5 is worse (lower-is-better), CI and relative CI exclude 0', () => {
    const c = rollupOf(lognormal(5000, 'ab-c'));
    const t = rollupOf(lognormal(5000, 'ab-t', 1.5));
    const [row] = compareMetrics(fakeStore(latencyDef, c, t), FLAG, {
      window: WINDOW,
      sequential: true,
      alpha: 0.05,
      adjust: 'holm',
    });
    expect(row!.verdict).toBe('worse');
    expect(row!.sequential).toBeNull();
    expect(row!.absolute!.estimate).toBeCloseTo(
      row!.treatment.quantiles!.p95 - row!.control.quantiles!.p95,
      9,
    );
    expect(row!.absolute!.ci[0]).toBeGreaterThan(0);
    expect(row!.absolute!.pValue).toBeCloseTo(2 / 1001, 9);
    expect(row!.relative!.ci[0]).toBeGreaterThan(0.3);
    expect(row!.relative!.ci[1]).toBeLessThan(0.7);
    expect(row!.note).toContain(
      'p95 difference, bootstrap interval (1000 resamples, fixed-horizon; no sequential version)',
    );
  });

  it('A/A is inconclusive; higher-is-better flips the verdict; below 30 units is insufficient', () => {
    const c = rollupOf(lognormal(3000, 'aa2-c'));
    const t = rollupOf(lognormal(3000, 'aa2-t'));
    const opts = { window: WINDOW, sequential: false, alpha: 0.05, adjust: 'none' } as const;
    const [aa] = compareMetrics(fakeStore(latencyDef, c, t), FLAG, opts);
    expect(aa!.verdict).toBe('inconclusive');
    expect(aa!.absolute!.ci[0]).toBeLessThanOrEqual(0);
    expect(aa!.absolute!.ci[1]).toBeGreaterThanOrEqual(0);

    const hib = { ...latencyDef, direction: 'higher-is-better' as const };
    const [better] = compareMetrics(fakeStore(hib, c, rollupOf(lognormal(3000, 'x', 1.5))), FLAG, opts);
    expect(better!.verdict).toBe('better');

    const [few] = compareMetrics(fakeStore(latencyDef, rollupOf(lognormal(20, 's')), t), FLAG, opts);
    expect(few!.verdict).toBe('insufficient');
    expect(few!.note).toBe('not enough data: 20 control units, need 30');
  });
});
