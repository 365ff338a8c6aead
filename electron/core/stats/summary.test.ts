import { describe, expect, it } from 'vitest';
import { adjustPValues } from './adjust.ts';
import { compareMetric, hasMinimumSample, verdictFromInterval } from './compare.ts';
import { parseMetricSummary, StatsInputError } from './summary.ts';

const bin = (over: Record<string, unknown> = {}): Record<string, unknown> => ({
  id: 'm',
  kind: 'binomial',
  control: { n: 10000, successes: 120 },
  treatment: { n: 1000, successes: 25 },
  ...over,
});

function errorOf(v: unknown): StatsInputError {
  try {
    parseMetricSummary(v);
  } catch (e) {
    if (e instanceof StatsInputError) return e;
    throw e;
  }
  throw new Error('expected a StatsInputError');
}

describe('parseMetricSummary', () => {
  it('fills the documented defaults', () => {
    expect(parseMetricSummary(bin())).toMatchObject({
      alpha: 0.05,
      expectedSplit: null,
      sequential: false,
      sequentialTuning: 5000,
      direction: 'higher-is-better',
    });
    expect(parseMetricSummary(bin({ expectedSplit: [9, 1] })).expectedSplit).toEqual([0.9, 0.1]);
  });

  it.each([
    [
      bin({ treatment: { n: 10, successes: 12 } }),
      'treatment.successes',
      'treatment.successes: 12 > treatment.n (10)',
    ],
    [bin({ control: { n: 0, successes: 0 } }), 'control.n', 'control.n: is 0 (empty cohort)'],
    [bin({ control: { n: -5, successes: 0 } }), 'control.n', 'control.n: must not be negative, got -5'],
    [bin({ control: { n: 100, successes: -1 } }), 'control.successes', undefined],
    [bin({ control: { n: 100.5, successes: 1 } }), 'control.n', undefined],
    [bin({ kind: 'poisson' }), 'kind', undefined],
    [bin({ id: 7 }), 'id', undefined],
    [bin({ alpha: 1.5 }), 'alpha', undefined],
    [bin({ expectedSplit: [0.5] }), 'expectedSplit', undefined],
    [bin({ expectedSplit: [0, 1] }), 'expectedSplit[0]', undefined],
    [bin({ sequential: 'yes' }), 'sequential', undefined],
    [bin({ direction: 'up' }), 'direction', undefined],
    [bin({ expected_split: [0.5, 0.5] }), 'expected_split', undefined],
    [bin({ treatment: { n: 100, successes: 1, mean: 3 } }), 'treatment.mean', undefined],
    [
      {
        id: 'c',
        kind: 'continuous',
        control: { n: 50, mean: NaN, sd: 1 },
        treatment: { n: 50, mean: 1, sd: 1 },
      },
      'control.mean',
      'control.mean: must be a finite number, got NaN',
    ],
    [
      { id: 'c', kind: 'continuous', control: { n: 50, mean: 1, sd: 1 }, treatment: { n: 50, mean: 1 } },
      'treatment.sd',
      undefined,
    ],
    [[1, 2], '(line)', undefined],
  ])('rejects bad input naming the field (%#)', (input, field, message) => {
    const e = errorOf(input);
    expect(e.field).toBe(field);
    expect(e.message.startsWith(`${field}: `)).toBe(true);
    if (message) expect(e.message).toBe(message);
  });
});

describe('verdict', () => {
  it('respects the direction', () => {
    expect(verdictFromInterval([0.1, 0.2], 'higher-is-better')).toBe('better');
    expect(verdictFromInterval([0.1, 0.2], 'lower-is-better')).toBe('worse');
    expect(verdictFromInterval([-0.2, -0.1], 'higher-is-better')).toBe('worse');
    expect(verdictFromInterval([-0.2, -0.1], 'lower-is-better')).toBe('better');
    expect(verdictFromInterval([-0.1, 0.1], 'lower-is-better')).toBe('inconclusive');
  });

  it('is insufficient below 30 units per arm or 5 successes/failures', () => {
    const s = (c: object, t: object) => parseMetricSummary(bin({ control: c, treatment: t }));
    expect(hasMinimumSample(s({ n: 29, successes: 10 }, { n: 100, successes: 10 }))).toBe(false);
    expect(hasMinimumSample(s({ n: 100, successes: 4 }, { n: 100, successes: 10 }))).toBe(false);
    expect(hasMinimumSample(s({ n: 100, successes: 96 }, { n: 100, successes: 10 }))).toBe(false);
    expect(hasMinimumSample(s({ n: 30, successes: 5 }, { n: 30, successes: 25 }))).toBe(true);
    expect(compareMetric(s({ n: 20, successes: 1 }, { n: 20, successes: 19 })).verdict).toBe('insufficient');
  });

  it('the issue example: 1.2% → 2.5% errors, lower is better, is worse; SRM against 90/10', () => {
    const r = compareMetric(
      parseMetricSummary(bin({ expectedSplit: [0.9, 0.1], direction: 'lower-is-better' })),
    );
    expect(r.verdict).toBe('worse');
    expect(r.absolute.estimate).toBeCloseTo(0.013, 12);
    // 10000 vs 1000 units against 90/10: expected 9900/1100, X² ≈ 10.1, p ≈ 0.0015 ≥ 0.001
    expect(r.srm!.pValue).toBeCloseTo(0.00148188, 7);
    expect(r.srm!.mismatch).toBe(false);
    const exact = compareMetric(
      parseMetricSummary(bin({ control: { n: 9000, successes: 120 }, expectedSplit: [0.9, 0.1] })),
    );
    expect(exact.srm).toEqual({ pValue: 1, mismatch: false });
    const skewed = compareMetric(parseMetricSummary(bin({ expectedSplit: [0.5, 0.5] })));
    expect(skewed.srm!.mismatch).toBe(true);
  });

  it('relative lift is null without a control baseline; zero variance is handled', () => {
    const r = compareMetric(
      parseMetricSummary({
        id: 'z',
        kind: 'continuous',
        control: { n: 50, mean: 0, sd: 0 },
        treatment: { n: 50, mean: 0, sd: 0 },
      }),
    );
    expect(r.relative).toBeNull();
    expect(r.absolute).toEqual({ estimate: 0, ci: [0, 0], pValue: 1 });
    expect(r.verdict).toBe('inconclusive');
  });
});

describe('adjustPValues', () => {
  it('Holm and BH on a textbook example, input order kept', () => {
    const p = [0.04, 0.01, 0.03, 0.005];
    expect(adjustPValues(p, 'none')).toEqual(p);
    const holm = adjustPValues(p, 'holm');
    [0.06, 0.03, 0.06, 0.02].forEach((x, i) => expect(holm[i]).toBeCloseTo(x, 12));
    const bh = adjustPValues(p, 'bh');
    [0.04, 0.02, 0.04, 0.02].forEach((x, i) => expect(bh[i]).toBeCloseTo(x, 12));
    expect(adjustPValues([], 'holm')).toEqual([]);
  });

  it('rejects p-values outside [0, 1]', () => {
    expect(() => adjustPValues([0.1, NaN], 'bh')).toThrow(/pValues\[1\]/);
    expect(() => adjustPValues([1.1], 'holm')).toThrow(/pValues\[0\]/);
  });
});
