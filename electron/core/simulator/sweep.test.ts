import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { allPoints, buildSweepTable, gridPoints, pointAt, rocAuc } from './sweep.ts';
import { wilsonInterval } from './precision-interval.ts';

const FIXTURES = path.resolve(import.meta.dirname, '../../../test/fixtures/sweep');

interface Expected {
  precision_recall_curve: { precision: number[]; recall: number[]; thresholds: number[] };
  roc_curve: { fpr: number[]; tpr: number[]; thresholds: (number | null)[] };
  roc_auc: number;
  wilson: [number, number, number][];
}

function load(name: string): { conf: Float64Array; labels: Uint8Array; expected: Expected } {
  const lines = fs
    .readFileSync(path.join(FIXTURES, `${name}.csv`), 'utf8')
    .trim()
    .split('\n')
    .slice(1);
  const conf = new Float64Array(lines.length);
  const labels = new Uint8Array(lines.length);
  lines.forEach((l, i) => {
    const [c, y] = l.split(',');
    conf[i] = Number(c);
    labels[i] = Number(y);
  });
  return {
    conf,
    labels,
    expected: JSON.parse(fs.readFileSync(path.join(FIXTURES, `${name}.expected.json`), 'utf8')),
  };
}

const close = (a: number | null | undefined, b: number, tol = 1e-12): void => {
  expect(a).not.toBeNull();
  expect(Math.abs((a as number) - b)).toBeLessThanOrEqual(tol);
};

describe.each(['ties', 'continuous', 'all-tied'])('sweep equals scikit-learn on %s', (name) => {
  const { conf, labels, expected } = load(name);
  const table = buildSweepTable(conf, labels);

  it('precision_recall_curve: precision and recall at every threshold', () => {
    const { precision, recall, thresholds } = expected.precision_recall_curve;
    thresholds.forEach((t, i) => {
      const p = pointAt(table, t);
      close(p.precision, precision[i] as number);
      close(p.recall, recall[i] as number);
    });
  });

  it('roc_curve(drop_intermediate=False): fpr and tpr at every threshold; roc_auc_score', () => {
    const { fpr, tpr, thresholds } = expected.roc_curve;
    thresholds.forEach((t, i) => {
      if (i === 0) return; // sklearn's sentinel threshold above every score: (0, 0)
      const p = pointAt(table, t as number);
      close(p.fpr, fpr[i] as number);
      close(p.recall, tpr[i] as number);
    });
    const auc = rocAuc(table);
    expect(auc).not.toBeNull();
    close(auc, expected.roc_auc, 1e-12);
  });

  it("Wilson interval equals statsmodels' proportion_confint(method='wilson')", () => {
    for (const [t, lo, hi] of expected.wilson) {
      const ci = pointAt(table, t).precisionCi;
      close(ci?.[0], lo, 1e-9);
      close(ci?.[1], hi, 1e-9);
    }
  });

  it('has one point per distinct confidence value, ascending', () => {
    const points = allPoints(table);
    expect(points.length).toBe(new Set(conf).size);
    for (let i = 1; i < points.length; i++)
      expect((points[i] as { threshold: number }).threshold).toBeGreaterThan(
        (points[i - 1] as { threshold: number }).threshold,
      );
  });
});

describe('sweep edge cases', () => {
  it('no positives: recall null, precision 0 where covered, fpr defined', () => {
    const t = buildSweepTable([0.2, 0.9], [0, 0]);
    expect(pointAt(t, 0.5)).toMatchObject({ covered: 1, precision: 0, recall: null, fpr: 0.5 });
  });
  it('no negatives: fpr null', () => {
    const t = buildSweepTable([0.2, 0.9], [1, 1]);
    expect(pointAt(t, 0.5)).toMatchObject({ precision: 1, recall: 0.5, fpr: null });
    expect(rocAuc(t)).toBeNull();
  });
  it('nothing covered: precision and its interval are null (not 0 or NaN), fallback 100%', () => {
    const t = buildSweepTable([0.2, 0.3], [1, 0]);
    const p = pointAt(t, 0.95);
    expect(p).toMatchObject({
      covered: 0,
      coverage: 0,
      precision: null,
      precisionCi: null,
      recall: 0,
      fpr: 0,
      fallbackRate: 1,
    });
  });
  it('ties at the threshold are covered (confidence ≥ t)', () => {
    const t = buildSweepTable([0.7, 0.7, 0.69], [1, 0, 1]);
    expect(pointAt(t, 0.7)).toMatchObject({ covered: 2, precision: 0.5 });
    expect(pointAt(t, 0.7000001)).toMatchObject({ covered: 0 });
  });
  it('confidence exactly 0 and 1: t = 0 covers everything, t = 1 only the ones', () => {
    const t = buildSweepTable([0, 1, 0.5], [0, 1, 1]);
    expect(pointAt(t, 0)).toMatchObject({ covered: 3, coverage: 1, fallbackRate: 0 });
    expect(pointAt(t, 1)).toMatchObject({ covered: 1, precision: 1 });
  });
  it('empty input gives a zero sweep without NaN', () => {
    const p = pointAt(buildSweepTable([], []), 0.5);
    expect(p).toMatchObject({ n: 0, covered: 0, coverage: 0, precision: null, recall: null, fpr: null });
  });
  it('bad input is refused with the index', () => {
    expect(() => buildSweepTable([0.5, 1.2], [1, 0])).toThrow(/index 1 is 1.2/);
    expect(() => buildSweepTable([0.5, NaN], [1, 0])).toThrow(/index 1/);
    expect(() => buildSweepTable([0.5], [2])).toThrow(/label at index 0 is 2/);
    expect(() => buildSweepTable([0.5], [])).toThrow(/1 confidences but 0 labels/);
  });
  it('grid points are exact lookups at evenly spaced thresholds', () => {
    const t = buildSweepTable([0.1, 0.5, 0.5, 0.93], [0, 1, 0, 1]);
    const grid = gridPoints(t, 101);
    expect(grid).toHaveLength(101);
    expect(grid[50]).toEqual(pointAt(t, 0.5));
    expect(grid[93]).toEqual(pointAt(t, 0.93));
  });
  it('wilsonInterval refuses impossible counts', () => {
    expect(() => wilsonInterval(3, 2)).toThrow(RangeError);
    expect(wilsonInterval(0, 0)).toBeNull();
  });
});
