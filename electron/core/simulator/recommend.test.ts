import { describe, expect, it } from 'vitest';
import { abDecision, recommend } from './recommend.ts';
import { buildSweepTable, pointAt, pointFromCounts } from './sweep.ts';

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
    expect(r).toMatchObject({ threshold: null, point: null });
    expect(r.message).toMatch(/no threshold meets precision ≥ 0\.99.*roll back the model, not the threshold/);
  });
});

describe('model A/B decision', () => {
  const at = (tp: number, fp: number) => pointFromCounts(0.8, tp, fp, 100, 100);
  it('ships when treatment ≥ control + 2 pp, rolls back below control, holds between', () => {
    expect(abDecision(at(90, 10), at(93, 7), 2).decision).toBe('ship');
    expect(abDecision(at(90, 10), at(89, 11), 2).decision).toBe('roll-back');
    expect(abDecision(at(90, 10), at(91, 9), 2)).toMatchObject({
      decision: 'hold',
      rationale: expect.stringMatching(/less than the 2 pp/),
    });
    expect(abDecision(at(90, 10), at(91, 9), 1).decision).toBe('ship');
  });
  it('is insufficient when a model covers nothing', () => {
    expect(abDecision(at(90, 10), at(0, 0), 2)).toMatchObject({
      decision: 'insufficient',
      precisionDiffPp: null,
    });
  });
});
