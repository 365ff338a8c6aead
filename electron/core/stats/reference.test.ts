/**
 * The engine against independent reference values computed with scipy /
 * statsmodels by test/fixtures/stats/make_fixtures.py (regenerate with
 * `/usr/bin/python3 test/fixtures/stats/make_fixtures.py`). The relative lift is
 * checked against make_relative_fixtures.py in relative-lift.test.ts.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { compareMetric } from './compare.ts';
import { adjustPValues } from './adjust.ts';
import { parseMetricSummary } from './summary.ts';

interface Expected {
  absolute: { estimate: number; ci: [number, number]; pValue: number };
  srm: { pValue: number; mismatch: boolean } | null;
  sequential: { ci: [number, number]; pValue: number } | null;
}
interface Fixture {
  cases: { input: unknown; expected: Expected }[];
  adjust: { pValues: number[]; holm: number[]; bh: number[] }[];
}

const fixture = JSON.parse(
  readFileSync(new URL('../../../test/fixtures/stats/reference.json', import.meta.url), 'utf8'),
) as Fixture;

/** |actual − expected| ≤ 1e-6·|expected| (with an absolute floor of 1e-12 for values at 0). */
function closeRel(actual: number, expected: number, what: string): void {
  const tol = Math.max(1e-6 * Math.abs(expected), 1e-12);
  if (!(Math.abs(actual - expected) <= tol)) expect.fail(`${what}: ${actual} vs reference ${expected}`);
}
function closeAbs(actual: number, expected: number, what: string): void {
  if (!(Math.abs(actual - expected) <= 1e-6)) expect.fail(`${what}: ${actual} vs reference ${expected}`);
}

describe('engine vs scipy/statsmodels reference', () => {
  it('has a varied fixture set', () => {
    const kinds = fixture.cases.map((c) => (c.input as { kind: string }).kind);
    expect(fixture.cases.length).toBeGreaterThanOrEqual(50);
    expect(kinds).toContain('binomial');
    expect(kinds).toContain('continuous');
  });

  it.each(fixture.cases.map((c) => [(c.input as { id: string }).id, c] as const))('%s', (_id, c) => {
    const r = compareMetric(parseMetricSummary(c.input));
    const e = c.expected;
    closeRel(r.absolute.estimate, e.absolute.estimate, 'absolute.estimate');
    closeRel(r.absolute.ci[0], e.absolute.ci[0], 'absolute.ci[0]');
    closeRel(r.absolute.ci[1], e.absolute.ci[1], 'absolute.ci[1]');
    closeAbs(r.absolute.pValue, e.absolute.pValue, 'absolute.pValue');
    if (e.srm === null) expect(r.srm).toBeNull();
    else {
      closeAbs(r.srm!.pValue, e.srm.pValue, 'srm.pValue');
      expect(r.srm!.mismatch).toBe(e.srm.mismatch);
    }
    if (e.sequential === null) expect(r.sequential).toBeNull();
    else {
      closeRel(r.sequential!.ci[0], e.sequential.ci[0], 'sequential.ci[0]');
      closeRel(r.sequential!.ci[1], e.sequential.ci[1], 'sequential.ci[1]');
      closeAbs(r.sequential!.pValue, e.sequential.pValue, 'sequential.pValue');
    }
  });

  it('Holm and Benjamini–Hochberg match statsmodels multipletests', () => {
    for (const set of fixture.adjust) {
      adjustPValues(set.pValues, 'holm').forEach((p, i) => closeAbs(p, set.holm[i]!, `holm[${i}]`));
      adjustPValues(set.pValues, 'bh').forEach((p, i) => closeAbs(p, set.bh[i]!, `bh[${i}]`));
    }
  });
});
