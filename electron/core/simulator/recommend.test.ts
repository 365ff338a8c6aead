import { describe, expect, it } from 'vitest';
import { wilsonInterval, wilsonSeparationSize } from './precision-interval.ts';
import { abDecision, recommend } from './recommend.ts';
import { buildSweepTable, pointAt, pointFromCounts } from './sweep.ts';
import { newcombeInterval, twoProportionSampleSize } from './two-proportions.ts';

const slice = { modelVersion: 'v2.4', segment: null };

describe('recommend', () => {
  // 100 negatives spread over 0–0.5 and 0.6, 300 positives over 0.55–1.
  const conf: number[] = [];
  const labels: number[] = [];
  for (let i = 0; i < 100; i++) {
    conf.push(i < 95 ? i / 200 : 0.6);
    labels.push(0);
  }
  for (let i = 0; i < 300; i++) {
    conf.push(0.55 + (i / 300) * 0.45);
    labels.push(1);
  }
  const table = buildSweepTable(conf, labels);

  it('returns the lowest threshold whose precision lower bound meets the target', () => {
    const r = recommend(table, slice, { kind: 'min-precision', value: 0.95, useLowerBound: true });
    expect(r.threshold).not.toBeNull();
    const p = pointAt(table, r.threshold as number);
    expect(p.precisionCi?.[0]).toBeGreaterThanOrEqual(0.95);
    // Any lower distinct threshold fails the target.
    const lower = [...table.thresholds].filter((t) => t < (r.threshold as number));
    for (const t of lower) expect(pointAt(table, t).precisionCi?.[0] ?? 0).toBeLessThan(0.95);
    expect(r.message).toMatch(/v2\.4: lowest threshold meeting precision ≥ 0\.95 \(95% lower bound\)/);
  });

  it('point estimate is less strict than the lower bound', () => {
    const point = recommend(table, slice, { kind: 'min-precision', value: 0.95, useLowerBound: false });
    const bound = recommend(table, slice, { kind: 'min-precision', value: 0.95, useLowerBound: true });
    expect(point.threshold as number).toBeLessThanOrEqual(bound.threshold as number);
  });

  it('max FPR picks the lowest threshold with fpr ≤ target', () => {
    const r = recommend(table, slice, { kind: 'max-fpr', value: 0.05 });
    expect(pointAt(table, r.threshold as number).fpr).toBeLessThanOrEqual(0.05);
  });

  it('says "roll back the model, not the threshold" when nothing meets the target', () => {
    const bad = buildSweepTable([0.9, 0.8, 0.7], [0, 1, 0]);
    const r = recommend(bad, slice, { kind: 'min-precision', value: 0.99, useLowerBound: true });
    expect(r).toMatchObject({ threshold: null, point: null, status: 'not-met', neededLabelled: null });
    expect(r.message).toMatch(/no threshold meets precision ≥ 0\.99.*roll back the model, not the threshold/);
  });
});

/** `n` predictions with descending confidences; `labels[i]` is the label of the i-th most confident. */
function ranked(labels: number[]) {
  return buildSweepTable(
    labels.map((_, i) => 1 - i / (labels.length + 1)),
    labels,
  );
}
const at95 = { kind: 'min-precision', value: 0.95, useLowerBound: true } as const;

describe('recommend: not enough data vs no threshold meets the target', () => {
  it('a small log with perfect precision is "not enough data" with the number needed, not "roll back"', () => {
    // 40 predictions, all right: even 100% precision has a 95% lower bound of 40/(40 + z²) = 0.912.
    const r = recommend(ranked(new Array(40).fill(1)), slice, at95);
    expect(r).toMatchObject({ status: 'insufficient-data', threshold: null, point: null });
    // 73 covered is the fewest at which 100% precision has a lower bound ≥ 0.95; all 40 are covered
    // at the lowest threshold, so 73 − 40 = 33 more labelled predictions.
    expect(wilsonInterval(73, 73)![0]).toBeGreaterThanOrEqual(0.95);
    expect(wilsonInterval(72, 72)![0]).toBeLessThan(0.95);
    expect(r.neededLabelled).toBe(33);
    expect(r.message).toMatch(/not enough data/);
    expect(r.message).toMatch(/33 more labelled predictions/);
    expect(r.message).not.toMatch(/roll back/);
  });

  it('a perfect top band just short of enough covered predictions is "not enough data" (converted with its coverage)', () => {
    // 60 right at the top, then 20 wrong: the thresholds covering ≥ 73 are far below 0.95, but the
    // top 60 (coverage 75%) are all right and 73 covered there need 73 / 0.75 → 98 labelled in all.
    const r = recommend(ranked([...new Array(60).fill(1), ...new Array(20).fill(0)]), slice, at95);
    expect(r.status).toBe('insufficient-data');
    expect(r.neededLabelled).toBe(98 - 80);
    expect(r.message).not.toMatch(/roll back/);
  });

  it('says "roll back the model" when every threshold with enough data has an upper bound below the target', () => {
    // 400 predictions, 60% right everywhere below the top 5 (all right: too few to judge).
    const labels = [1, 1, 1, 1, 1, ...Array.from({ length: 395 }, (_, i) => (i % 5 < 3 ? 1 : 0))];
    const table = ranked(labels);
    const r = recommend(table, slice, at95);
    expect(r).toMatchObject({ status: 'not-met', threshold: null, neededLabelled: null });
    expect(r.message).toMatch(/roll back the model, not the threshold/);
    // the claim holds: wherever ≥ 73 are covered, the upper bound is below 0.95
    for (let k = 73; k <= 400; k++) {
      const tp = labels.slice(0, k).reduce((a, b) => a + b, 0);
      expect(wilsonInterval(tp, k)![1]).toBeLessThan(0.95);
    }
  });

  it('an interval that still contains the target where enough are covered is "not enough data"', () => {
    // 200 predictions at 94% precision, one error every 17: the upper bound is ≈ 0.966 ≥ 0.95 at
    // 200 covered, and precision stays below 0.95 wherever ≥ 73 are covered.
    const labels = Array.from({ length: 200 }, (_, i) => (i % 17 === 8 ? 0 : 1));
    const r = recommend(ranked(labels), slice, at95);
    expect(r.status).toBe('insufficient-data');
    expect(r.message).not.toMatch(/roll back/);
    expect(r.message).toMatch(/would tell whether any threshold can meet it/);
    // at the observed 94% (200 covered, coverage 100%) the upper bound falls below 0.95 from
    // this many covered on; the verdict needs at least that many in all
    const needCovered = wilsonSeparationSize(0.94, 0.95)!;
    expect(wilsonInterval(0.94 * needCovered, needCovered)![1]).toBeLessThan(0.95);
    expect(r.neededLabelled).toBeGreaterThanOrEqual(needCovered - 200);
  });

  it('a precision exactly at the target can never be told apart: not enough data, no number', () => {
    // the 5 most confident are wrong, the other 95 right: 95/100 = 0.95 exactly at the lowest
    // threshold (interval 0.888–0.978), below 0.95 everywhere else
    const labels = Array.from({ length: 100 }, (_, i) => (i < 5 ? 0 : 1));
    const r = recommend(ranked(labels), slice, at95);
    expect(r).toMatchObject({ status: 'insufficient-data', neededLabelled: null });
    expect(r.message).toMatch(/no sample size would tell/);
  });

  it('point-estimate targets use the same rule', () => {
    const r = recommend(ranked([1, 1, 0, 1, 1, 1, 1, 1, 1, 1]), slice, {
      kind: 'min-precision',
      value: 0.95,
      useLowerBound: false,
    });
    // top 2 are right (precision 1 ≥ 0.95): met on the point estimate
    expect(r.status).toBe('met');
    const few = recommend(ranked([0, 1, 1, 1, 1, 1, 1, 1, 1, 1]), slice, {
      kind: 'min-precision',
      value: 0.95,
      useLowerBound: false,
    });
    expect(few.status).toBe('insufficient-data');
    expect(few.message).not.toMatch(/roll back/);
  });

  it('max FPR: a handful of negatives cannot tell; many negatives at the top can', () => {
    // 5 negatives, the top prediction is one of them: FPR ≥ 20% at every threshold, but 1/5 has a
    // 95% interval reaching down to 3.6%.
    const few = recommend(ranked([0, 1, 1, 1, 0, 0, 0, 0, 1, 1]), slice, { kind: 'max-fpr', value: 0.05 });
    expect(few).toMatchObject({ status: 'insufficient-data', threshold: null });
    expect(few.neededLabelled).toBeGreaterThan(0);
    const many = recommend(
      buildSweepTable(
        [...new Array(50).fill(0.99), ...new Array(100).fill(0.5)],
        [...new Array(50).fill(0), ...new Array(100).fill(1)],
      ),
      slice,
      { kind: 'max-fpr', value: 0.05 },
    );
    expect(many).toMatchObject({ status: 'not-met', neededLabelled: null });
  });
});

describe('model A/B decision (Newcombe interval of the precision difference)', () => {
  const at = (tp: number, covered: number) => pointFromCounts(0.8, tp, covered - tp, 1000, 1000);
  it('a −0.7 pp gap with overlapping intervals is inconclusive, with the sample needed — not "roll back"', () => {
    const r = abDecision(at(270, 300), at(268, 300), 2);
    expect(r.precisionDiffPp).toBeCloseTo(-0.667, 2);
    expect(r.decision).toBe('inconclusive');
    const ci = newcombeInterval(268, 300, 270, 300)!;
    expect(r.precisionDiffCiPp![0]).toBeCloseTo(ci[0] * 100, 9);
    expect(r.precisionDiffCiPp![1]).toBeCloseTo(ci[1] * 100, 9);
    expect(r.precisionDiffCiPp![0]).toBeLessThan(0);
    expect(r.precisionDiffCiPp![1]).toBeGreaterThan(2);
    // the observed difference is below 0: telling "worse than control" needs n per arm
    expect(r.neededPerArm).toBe(twoProportionSampleSize(268 / 300, 270 / 300, 0));
    expect(r.neededPerArm).toBeGreaterThan(30_000);
    expect(r.rationale).toMatch(/inconclusive/);
    expect(r.rationale).not.toMatch(/roll back/);
  });

  it('rolls back only when the whole interval is below zero', () => {
    const r = abDecision(at(900, 1000), at(850, 1000), 2);
    expect(r.decision).toBe('roll-back');
    expect(r.precisionDiffCiPp![1]).toBeLessThan(0);
    expect(r.neededPerArm).toBeNull();
  });

  it('ships only when the lower bound clears the margin; holds when the interval lies within [0, margin)', () => {
    const ship = abDecision(at(880, 1000), at(940, 1000), 2);
    expect(ship.decision).toBe('ship');
    expect(ship.precisionDiffCiPp![0]).toBeGreaterThanOrEqual(2);
    // +3 pp on 100 per arm: interval ≈ (−5, +11) — not "ship"
    expect(abDecision(at(90, 100), at(93, 100), 2).decision).toBe('inconclusive');
    const big = (tp: number) => pointFromCounts(0.8, tp, 100_000 - tp, 200_000, 200_000);
    const hold = abDecision(big(90_000), big(91_000), 2);
    expect(hold.decision).toBe('hold');
    expect(hold.precisionDiffCiPp![0]).toBeGreaterThanOrEqual(0);
    expect(hold.precisionDiffCiPp![1]).toBeLessThan(2);
  });

  it('converts the per-arm sample to labelled predictions with each arm’s coverage', () => {
    const c = pointFromCounts(0.7, 270, 30, 600, 400); // coverage 30%
    const t = pointFromCounts(0.8, 268, 32, 400, 100); // coverage 60%
    const r = abDecision(c, t, 2);
    expect(r.decision).toBe('inconclusive');
    expect(r.neededLabelled).toEqual({
      control: Math.ceil(r.neededPerArm! / 0.3),
      treatment: Math.ceil(r.neededPerArm! / 0.6),
    });
  });

  it('is insufficient when a model covers nothing', () => {
    expect(abDecision(at(90, 100), at(0, 0), 2)).toMatchObject({
      decision: 'insufficient',
      precisionDiffPp: null,
      precisionDiffCiPp: null,
    });
  });
});
