/**
 * One statistic and one method per comparison row (`compareMetrics`): a quantile metric reports
 * its compared quantile in every column, and the verdict, the p-value and both intervals come
 * from the method the row names (sequential by default; quantiles are fixed-horizon only).
 */
import seedrandom from 'seedrandom';
import { describe, expect, it } from 'vitest';
import type { FlagRef } from '../../../shared/domain.ts';
import type { MetricComparison, MetricDefinition } from '../../../shared/metrics.ts';
import { compareMetrics, type ResolvedWindow } from './metric-compare.ts';
import { metricDef } from '../../../test/support/metric-fixtures.ts';
import type { MetricStore } from './metric-store.ts';
import { addValue, emptyRollup, type Rollup } from './rollup.ts';

const FLAG: FlagRef = { provider: 'local', environment: 'production', key: 'f' };
const WINDOW: ResolvedWindow = { fromMinute: 0, toMinute: 60_000, from: '', to: '' };

const def = (over: Partial<MetricDefinition>): MetricDefinition => metricDef(FLAG, { name: 'm', ...over });

/** Lognormal(4, 0.5) values × `scale` from a seeded PRNG: mean ≈ 62·scale, p95 ≈ 124·scale. */
function lognormal(n: number, seed: string, scale = 1): number[] {
  const u = seedrandom.alea(seed);
  return Array.from({ length: n }, () => {
    const z = Math.sqrt(-2 * Math.log(1 - u())) * Math.cos(2 * Math.PI * u());
    return scale * Math.exp(4 + 0.5 * z);
  });
}

function rollupOf(values: number[]): Rollup {
  const r = emptyRollup();
  for (const v of values) addValue(r, v);
  return r;
}

/** `successes` ones among `n` values. */
const binary = (n: number, successes: number): Rollup =>
  rollupOf(Array.from({ length: n }, (_, i) => (i < successes ? 1 : 0)));

function store(defs: { def: MetricDefinition; control: Rollup; treatment: Rollup }[]): MetricStore {
  return {
    list: () => defs.map((d) => d.def),
    window: (_f: FlagRef, metric: string, variant: string) => {
      const d = defs.find((x) => x.def.name === metric)!;
      return variant === 'control' ? d.control : d.treatment;
    },
  } as unknown as MetricStore;
}

const latency = def({ name: 'latency_ms', kind: 'quantile', unit: 'ms' });
const errors = def({ name: 'error_rate' });
/** The data: p95 latency +30 % (means differ less in ms), error rate 2 % → 3 % at a 90/10 split. */
const data = store([
  { def: latency, control: rollupOf(lognormal(18_000, 'c')), treatment: rollupOf(lognormal(2000, 't', 1.3)) },
  { def: errors, control: binary(18_000, 360), treatment: binary(2000, 60) },
]);

const compare = (sequential: boolean): Record<string, MetricComparison> =>
  Object.fromEntries(
    compareMetrics(data, FLAG, { window: WINDOW, sequential, alpha: 0.05, adjust: 'holm' }).map((r) => [
      r.metric.name,
      r,
    ]),
  );

const excludesZero = (ci: readonly [number, number]): boolean => ci[0] > 0 || ci[1] < 0;

describe('compareMetrics: one statistic per row', () => {
  it('a quantile metric compares its p95 in every column, not the mean', () => {
    const row = compare(true).latency_ms!;
    expect(row.statistic.label).toBe('p95');
    expect(row.statistic.quantile).toBe(0.95);
    expect(row.statistic.control).toBe(row.control.quantiles!.p95);
    expect(row.statistic.treatment).toBe(row.treatment.quantiles!.p95);
    // the means are what the table showed before: a different statistic
    expect(Math.abs(row.statistic.control! - row.control.mean!)).toBeGreaterThan(30);
    expect(row.absolute!.estimate).toBeCloseTo(row.statistic.treatment! - row.statistic.control!, 9);
    expect(row.relative!.estimate).toBeCloseTo(row.absolute!.estimate / row.statistic.control!, 9);
  });

  it('a binomial metric compares rates and a continuous one means', () => {
    const row = compare(true).error_rate!;
    expect(row.statistic).toEqual({ label: 'rate', quantile: null, control: 0.02, treatment: 0.03 });
    const cont = compareMetrics(
      store([
        {
          def: def({ name: 'tokens', kind: 'continuous' }),
          control: rollupOf(lognormal(500, 'a')),
          treatment: rollupOf(lognormal(500, 'b')),
        },
      ]),
      FLAG,
      { window: WINDOW, sequential: true, alpha: 0.05, adjust: 'none' },
    )[0]!;
    expect(cont.statistic).toMatchObject({ label: 'mean', quantile: null, control: cont.control.mean });
  });
});

describe('compareMetrics: one method per row', () => {
  it('sequential by default: verdict, p-value, Δ and lift intervals all from the confidence sequence', () => {
    const row = compare(true).error_rate!;
    expect(row.method).toEqual({ kind: 'sequential', note: null });
    expect(row.verdict).toBe('inconclusive');
    expect(excludesZero(row.sequential!.ci)).toBe(false);
    expect(excludesZero(row.sequential!.relative!.ci)).toBe(false);
    // the fixed-horizon lift that the table used to show excludes 0 here
    expect(excludesZero(row.relative!.ci)).toBe(true);
    expect(row.note).toContain('sequential');
  });

  it('fixed-horizon when asked: verdict and lift interval agree', () => {
    const row = compare(false).error_rate!;
    expect(row.method).toEqual({ kind: 'fixed-horizon', note: null });
    expect(row.sequential).toBeNull();
    expect(row.verdict).toBe('worse');
    expect(row.relative!.ci[0]).toBeGreaterThan(0);
  });

  it('a quantile row says plainly that it is fixed-horizon only, also in sequential mode', () => {
    const row = compare(true).latency_ms!;
    expect(row.method).toEqual({
      kind: 'fixed-horizon',
      note: 'fixed-horizon only: no sequential test for quantiles',
    });
    expect(row.sequential).toBeNull();
    expect(row.verdict).toBe('worse');
    expect(excludesZero(row.absolute!.ci)).toBe(true);
    expect(excludesZero(row.relative!.ci)).toBe(true);
    expect(compare(false).latency_ms!.method).toEqual({ kind: 'fixed-horizon', note: null });
  });
});

describe('compareMetrics: an unbounded lift interval', () => {
  it('is null (not a truncated interval) when the control mean is not distinguishable from 0, and the note says so', () => {
    // control mean 0.6 ± 5 (sd), treatment 1.5 ± 5, 400 units each: bounded at one look, not always-valid
    const spread = (mean: number) => Array.from({ length: 400 }, (_, i) => mean + (i % 2 ? 5 : -5));
    const tokens = def({ name: 'net_score', kind: 'continuous', direction: 'higher-is-better' });
    const s = store([{ def: tokens, control: rollupOf(spread(0.6)), treatment: rollupOf(spread(1.5)) }]);
    const run = (sequential: boolean) =>
      compareMetrics(s, FLAG, { window: WINDOW, sequential, alpha: 0.05, adjust: 'none' })[0]!;
    const seq = run(true);
    expect(seq.sequential!.relative).toBeNull();
    expect(seq.relative).not.toBeNull();
    expect(seq.note).toContain(
      'the sequential lift interval is unbounded: the control mean is not yet distinguishable from 0',
    );
    const fixed = run(false);
    expect(fixed.relative!.ci[0]).toBeLessThan(fixed.relative!.estimate);
    expect(fixed.note).not.toContain('unbounded');
  });
});
