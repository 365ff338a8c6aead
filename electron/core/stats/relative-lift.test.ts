/**
 * The relative lift interval (Fieller inversion, fixed-horizon and always-valid) and its
 * agreement with the verdict: a lift interval excludes 0 exactly when the interval of Δ
 * the verdict reads does. See docs/statistics.md ("Relative lift").
 */
import { readFileSync } from 'node:fs';
import binomial from '@stdlib/random-base-binomial';
import { describe, expect, it } from 'vitest';
import { compareMetric } from './compare.ts';
import { fiellerLift, type Interval } from './inference.ts';
import { parseMetricSummary } from './summary.ts';

const excludesZero = (ci: readonly [number, number]): boolean => ci[0] > 0 || ci[1] < 0;

/** Binomial summaries: control fixed, treatment successes scanned across the significance boundary. */
function scan(sequential: boolean, nA: number, sA: number, nB: number, from: number, to: number) {
  const out = [];
  for (let sB = from; sB <= to; sB++)
    out.push(
      compareMetric(
        parseMetricSummary({
          id: `s${sB}`,
          kind: 'binomial',
          control: { n: nA, successes: sA },
          treatment: { n: nB, successes: sB },
          alpha: 0.05,
          sequential,
          direction: 'lower-is-better',
        }),
      ),
    );
  return out;
}

describe('relative lift agrees with the verdict', () => {
  it('fixed-horizon: the lift interval excludes 0 exactly when the Welch interval does', () => {
    // 2 % errors in control; treatment from 1 % to 5 % (lift −50 % … +150 %) crosses the boundary
    // on both sides, where a delta-method lift (variance at the observed ratio) would disagree.
    const rows = scan(false, 2000, 40, 2000, 15, 100);
    let significant = 0;
    for (const r of rows) {
      expect(r.relative, r.id).not.toBeNull();
      expect(excludesZero(r.relative!.ci), r.id).toBe(excludesZero(r.absolute.ci));
      expect(r.verdict === 'inconclusive', r.id).toBe(!excludesZero(r.relative!.ci));
      if (excludesZero(r.absolute.ci)) significant++;
    }
    expect(significant).toBeGreaterThan(10);
    expect(significant).toBeLessThan(rows.length - 10);
  });

  it('sequential: an always-valid lift interval that excludes 0 exactly when the sequence of Δ does', () => {
    const rows = scan(true, 2000, 40, 2000, 10, 120);
    let significant = 0;
    for (const r of rows) {
      const seq = r.sequential!;
      expect(seq.relative, r.id).toBeTruthy();
      expect(excludesZero(seq.relative!.ci), r.id).toBe(excludesZero(seq.ci));
      expect(r.verdict === 'inconclusive', r.id).toBe(!excludesZero(seq.relative!.ci));
      expect(seq.relative!.estimate).toBeCloseTo(r.relative!.estimate, 12);
      // The always-valid interval is wider than the fixed-horizon one on both sides.
      expect(seq.relative!.ci[0]).toBeLessThan(r.relative!.ci[0]);
      expect(seq.relative!.ci[1]).toBeGreaterThan(r.relative!.ci[1]);
      if (excludesZero(seq.ci)) significant++;
    }
    expect(significant).toBeGreaterThan(5);
  });

  it('the issue case: 2 % vs 3 % errors at a 90/10 split is inconclusive sequentially, and so is its lift', () => {
    const [r] = scan(true, 18_000, 360, 2000, 60, 60);
    // A single fixed-horizon look would call it (lift interval clear of 0) …
    expect(excludesZero(r!.absolute.ci)).toBe(true);
    expect(excludesZero(r!.relative!.ci)).toBe(true);
    // … the sequential verdict does not, and the sequential lift interval must not either.
    expect(r!.verdict).toBe('inconclusive');
    expect(r!.sequential!.relative!.ci[0]).toBeLessThan(0);
    expect(r!.sequential!.relative!.ci[1]).toBeGreaterThan(0.5);
  });
});

interface RelativeFixture {
  cases: {
    input: unknown;
    expected: {
      relative: { estimate: number; ci: [number, number] } | null;
      sequential: { relative: { estimate: number; ci: [number, number] } | null } | null;
    };
  }[];
}

const fixture = JSON.parse(
  readFileSync(new URL('../../../test/fixtures/stats/relative-reference.json', import.meta.url), 'utf8'),
) as RelativeFixture;

/** |actual − expected| ≤ 1e-6·|expected| (absolute floor 1e-12). */
function closeRel(actual: number, expected: number, what: string): void {
  const tol = Math.max(1e-6 * Math.abs(expected), 1e-12);
  if (!(Math.abs(actual - expected) <= tol)) expect.fail(`${what}: ${actual} vs reference ${expected}`);
}

function checkLift(actual: Interval | null, expected: Interval | null, what: string): void {
  if (expected === null) return void expect(actual, what).toBeNull();
  expect(actual, what).not.toBeNull();
  closeRel(actual!.estimate, expected.estimate, `${what}.estimate`);
  closeRel(actual!.ci[0], expected.ci[0], `${what}.ci[0]`);
  closeRel(actual!.ci[1], expected.ci[1], `${what}.ci[1]`);
}

describe('Fieller lift intervals vs scipy/numpy reference (make_relative_fixtures.py)', () => {
  it('covers bounded and unbounded, fixed and sequential, negative control means', () => {
    const e = fixture.cases.map((c) => c.expected);
    expect(fixture.cases.length).toBeGreaterThanOrEqual(60);
    expect(e.some((x) => x.relative === null)).toBe(true);
    expect(e.some((x) => x.sequential?.relative === null && x.relative !== null)).toBe(true);
    expect(e.filter((x) => x.sequential?.relative).length).toBeGreaterThan(20);
  });

  it.each(fixture.cases.map((c) => [(c.input as { id: string }).id, c] as const))('%s', (_id, c) => {
    const r = compareMetric(parseMetricSummary(c.input));
    checkLift(r.relative, c.expected.relative, 'relative');
    if (c.expected.sequential === null) expect(r.sequential).toBeNull();
    else checkLift(r.sequential!.relative, c.expected.sequential.relative, 'sequential.relative');
  });

  it('fiellerLift: no baseline → null; unbounded → ci null; zero variance → the point', () => {
    expect(fiellerLift({ n: 100, mean: 0, variance: 1 }, { n: 100, mean: 1, variance: 1 }, 2)).toBeNull();
    expect(fiellerLift({ n: 10, mean: 0.1, variance: 1 }, { n: 10, mean: 1, variance: 1 }, 2)).toEqual({
      estimate: 9,
      ci: null,
    });
    expect(fiellerLift({ n: 10, mean: 4, variance: 0 }, { n: 10, mean: 5, variance: 0 }, 2)).toEqual({
      estimate: 0.25,
      ci: [0.25, 0.25],
    });
  });
});

/**
 * Time-uniform coverage of the lift interval by simulation: per run, the arms receive Binomial
 * successes look after look (stdlib's seeded MT19937 binomial); a run "misses" when the true lift
 * is outside the reported interval at ANY look (an unbounded interval claims nothing and never
 * misses; the runs where that happened are counted separately).
 */
function liftCoverage(s: {
  runs: number;
  looks: number;
  perLook: [number, number];
  p: [number, number];
  seed: number;
}) {
  const draw = binomial.factory({ seed: s.seed });
  const truth = (s.p[1] - s.p[0]) / s.p[0];
  const misses = { sequential: 0, controlKnown: 0, fixedPeeking: 0, fixedFinal: 0 };
  let unbounded = 0;
  const outside = (ci: readonly [number, number]) => truth < ci[0] || truth > ci[1];
  for (let r = 0; r < s.runs; r++) {
    let sa = 0;
    let sb = 0;
    const miss = { sequential: false, controlKnown: false, fixedPeeking: false, fixedFinal: false };
    let wasUnbounded = false;
    for (let look = 1; look <= s.looks; look++) {
      sa += draw(s.perLook[0], s.p[0]);
      sb += draw(s.perLook[1], s.p[1]);
      const summary = {
        id: 'sim',
        kind: 'binomial' as const,
        control: { n: look * s.perLook[0], successes: sa },
        treatment: { n: look * s.perLook[1], successes: sb },
        alpha: ALPHA,
        expectedSplit: null,
        sequentialTuning: 5000,
        direction: 'lower-is-better' as const,
      };
      const seq = compareMetric({ ...summary, sequential: true });
      const fixed = compareMetric({ ...summary, sequential: false });
      const rel = seq.sequential!.relative;
      if (rel) miss.sequential ||= outside(rel.ci);
      else wasUnbounded = true;
      // What dividing the always-valid interval of Δ by the observed control rate gives (the
      // control rate taken as known).
      const pa = sa / summary.control.n;
      if (pa > 0) miss.controlKnown ||= outside([seq.sequential!.ci[0] / pa, seq.sequential!.ci[1] / pa]);
      if (fixed.relative) {
        miss.fixedPeeking ||= outside(fixed.relative.ci);
        if (look === s.looks) miss.fixedFinal = outside(fixed.relative.ci);
      }
    }
    for (const k of Object.keys(miss) as (keyof typeof miss)[]) if (miss[k]) misses[k]++;
    if (wasUnbounded) unbounded++;
  }
  const rate = (k: keyof typeof misses) => misses[k] / s.runs;
  return {
    sequential: rate('sequential'),
    controlKnown: rate('controlKnown'),
    fixedPeeking: rate('fixedPeeking'),
    fixedFinal: rate('fixedFinal'),
    unboundedRuns: unbounded,
  };
}

const ALPHA = 0.05;

describe('the always-valid lift interval under repeated looks', () => {
  const runs = 1000;
  const margin = 3 * Math.sqrt((ALPHA * (1 - ALPHA)) / runs);
  it.each([
    ['2 % → 3 % at a 90/10 split, 20 looks of 4,500 + 500 units', [4500, 500], [0.02, 0.03], 11],
    ['A/A at 1 %, 50/50, 20 looks of 1,000 + 1,000 units', [1000, 1000], [0.01, 0.01], 12],
    ['5 % → 2.5 % (lift −50 %), 50/50, 20 looks of 400 + 400 units', [400, 400], [0.05, 0.025], 13],
    ['5 % → 10 %, a small control arm, 20 looks of 300 + 3,000 units', [300, 3000], [0.05, 0.1], 14],
  ] as const)('%s: misses the true lift at some look in ≤ α of runs', (name, perLook, p, seed) => {
    const c = liftCoverage({ runs, looks: 20, perLook: [...perLook], p: [...p], seed });
    console.info(
      `lift coverage, ${name}, ${runs} runs: missed at any look — sequential (Fieller) ${c.sequential}, ` +
        `Δ-sequence ÷ observed control ${c.controlKnown}, fixed-horizon peeking ${c.fixedPeeking}; ` +
        `fixed-horizon read once at the end ${c.fixedFinal}; runs with an unbounded look ${c.unboundedRuns}`,
    );
    expect(c.sequential).toBeLessThanOrEqual(ALPHA + margin);
    expect(c.fixedPeeking).toBeGreaterThan(ALPHA + margin);
    expect(Math.abs(c.fixedFinal - ALPHA)).toBeLessThanOrEqual(margin);
    // Taking the control rate as known is not honest when control is the small arm.
    if (perLook[0] < perLook[1]) expect(c.controlKnown).toBeGreaterThan(ALPHA + margin);
  });
});
