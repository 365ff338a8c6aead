/**
 * Property tests of the sequential (peeking-safe) mode on simulated experiments.
 * Summary statistics are simulated directly: at each look every arm receives a
 * Binomial(m, p) number of successes from stdlib's seeded MT19937 binomial PRNG.
 */
import binomial from '@stdlib/random-base-binomial';
import { describe, expect, it } from 'vitest';
import { compareMetric, type Verdict } from './compare.ts';
import type { BinomialSummary } from './summary.ts';

const ALPHA = 0.05;

interface Sim {
  runs: number;
  looks: number;
  unitsPerLook: number;
  pControl: number;
  pTreatment: number;
  direction: BinomialSummary['direction'];
  seed: number;
}

/** For each run, the verdicts at every look, fixed-horizon and sequential. */
function simulate(s: Sim): { fixed: Verdict[][]; sequential: Verdict[][] } {
  const draw = binomial.factory({ seed: s.seed });
  const fixed: Verdict[][] = [];
  const sequential: Verdict[][] = [];
  for (let r = 0; r < s.runs; r++) {
    let sa = 0;
    let sb = 0;
    const f: Verdict[] = [];
    const q: Verdict[] = [];
    for (let look = 1; look <= s.looks; look++) {
      sa += draw(s.unitsPerLook, s.pControl);
      sb += draw(s.unitsPerLook, s.pTreatment);
      const n = look * s.unitsPerLook;
      const summary: BinomialSummary = {
        id: `run-${r}`,
        kind: 'binomial',
        control: { n, successes: sa },
        treatment: { n, successes: sb },
        alpha: ALPHA,
        expectedSplit: null,
        sequential: false,
        sequentialTuning: 5000,
        direction: s.direction,
      };
      f.push(compareMetric(summary).verdict);
      q.push(compareMetric({ ...summary, sequential: true }).verdict);
    }
    fixed.push(f);
    sequential.push(q);
  }
  return { fixed, sequential };
}

const decided = (v: Verdict): boolean => v === 'better' || v === 'worse';

describe('sequential mode', () => {
  it('A/A: peeking 20 times keeps the false better/worse rate ≤ α; naive peeking exceeds it', () => {
    const runs = 2000;
    const { fixed, sequential } = simulate({
      runs,
      looks: 20,
      unitsPerLook: 500,
      pControl: 0.1,
      pTreatment: 0.1,
      direction: 'higher-is-better',
      seed: 20261121,
    });
    const margin = 3 * Math.sqrt((ALPHA * (1 - ALPHA)) / runs);
    const seqRate = sequential.filter((vs) => vs.some(decided)).length / runs;
    const naiveRate = fixed.filter((vs) => vs.some(decided)).length / runs;
    const finalLookRate = fixed.filter((vs) => decided(vs.at(-1)!)).length / runs;
    console.info(
      `A/A ${runs} runs × 20 looks: sequential ${seqRate}, naive peeking ${naiveRate}, fixed final look ${finalLookRate}`,
    );
    expect(seqRate).toBeLessThanOrEqual(ALPHA + margin);
    expect(naiveRate).toBeGreaterThan(ALPHA + margin);
    // the fixed-horizon test read once is itself calibrated
    expect(Math.abs(finalLookRate - ALPHA)).toBeLessThanOrEqual(margin);
  });

  it('detects a doubled error rate (1% → 2%, lower is better) as worse', () => {
    const runs = 200;
    const { sequential } = simulate({
      runs,
      looks: 20,
      unitsPerLook: 2000,
      pControl: 0.01,
      pTreatment: 0.02,
      direction: 'lower-is-better',
      seed: 7,
    });
    const finalWorse = sequential.filter((vs) => vs.at(-1) === 'worse').length / runs;
    const everBetter = sequential.filter((vs) => vs.includes('better')).length;
    console.info(
      `1% vs 2%: sequential "worse" at the last look (40k units/arm) in ${Math.round(finalWorse * runs)} of ${runs} runs`,
    );
    expect(finalWorse).toBeGreaterThanOrEqual(0.95);
    expect(everBetter).toBe(0);
  });

  it('the always-valid p-value is below α exactly when the sequence excludes 0', () => {
    for (const [sb, n] of [
      [120, 1000],
      [140, 1000],
      [160, 1000],
      [1150, 10000],
      [1250, 10000],
    ] as const) {
      const r = compareMetric({
        id: 'x',
        kind: 'binomial',
        control: { n, successes: n / 10 },
        treatment: { n, successes: sb },
        alpha: ALPHA,
        expectedSplit: null,
        sequential: true,
        sequentialTuning: 5000,
        direction: 'higher-is-better',
      });
      const excludes = r.sequential!.ci[0] > 0 || r.sequential!.ci[1] < 0;
      expect(r.sequential!.pValue < ALPHA).toBe(excludes);
      // and the sequence is wider than the fixed-horizon interval
      expect(r.sequential!.ci[1] - r.sequential!.ci[0]).toBeGreaterThan(r.absolute.ci[1] - r.absolute.ci[0]);
    }
  });
});
