import { describe, expect, it } from 'vitest';
import { sweepOf, type MockPrediction } from '../../../test/fakes/fake-simulator.ts';
import { pointAt } from './simulator-model.ts';
import {
  curveData,
  riskCoverageData,
  riskCoverageMarker,
  riskTicks,
  rocData,
  rocMarker,
} from './chart-data.ts';

const rows: MockPrediction[] = [
  { confidence: 0.9, label: 1, modelVersion: null, segment: null },
  { confidence: 0.8, label: 0, modelVersion: null, segment: null },
  { confidence: 0.6, label: 1, modelVersion: null, segment: null },
  { confidence: 0.3, label: 0, modelVersion: null, segment: null },
];
const series = sweepOf(rows, { modelVersion: null, segment: null });

describe('chart data', () => {
  it('keeps every grid point (or every n-th plus the last)', () => {
    expect(curveData(series)).toHaveLength(1001);
    const sparse = curveData(series, 3);
    expect(sparse).toHaveLength(335);
    expect(sparse.at(-1)?.threshold).toBe(1);
    expect(curveData(series)[900]).toEqual({
      threshold: 0.9,
      precision: 1,
      recall: 0.5,
      coverage: 0.25,
      fpr: 0,
    });
    expect(curveData(series)[950]?.precision).toBeNull();
  });

  it('risk–coverage: by increasing coverage, one point per covered set, nothing-covered left out', () => {
    expect(riskCoverageData(series).map((d) => [d.coverage, Number(d.risk.toFixed(6))])).toEqual([
      [0.25, 0],
      [0.5, 0.5],
      [0.75, 0.333333],
      [1, 0.5],
    ]);
    expect(riskCoverageMarker(pointAt(series, 0.95))).toBeNull();
    expect(riskCoverageMarker(pointAt(series, 0.7))).toEqual({ coverage: 0.5, risk: 0.5 });
  });

  it('ROC: from (0, 0) by increasing FPR; empty without both classes', () => {
    expect(rocData(series).map((d) => [d.fpr, d.tpr])).toEqual([
      [0, 0],
      [0, 0.5],
      [0.5, 0.5],
      [0.5, 1],
      [1, 1],
    ]);
    expect(series.auc).toBe(0.75);
    const onlyPositives = sweepOf(
      rows.filter((r) => r.label === 1),
      { modelVersion: null, segment: null },
    );
    expect(rocData(onlyPositives)).toEqual([]);
    expect(rocMarker(pointAt(onlyPositives, 0.5))).toBeNull();
  });

  it('picks round risk ticks', () => {
    expect(riskTicks([{ risk: 0.5 }])).toEqual([0, 0.1, 0.2, 0.3, 0.4, 0.5]);
    expect(riskTicks([{ risk: 0.07 }])).toEqual([0, 0.02, 0.04, 0.06, 0.08]);
    expect(riskTicks([{ risk: 0.95 }])).toEqual([0, 0.2, 0.4, 0.6, 0.8, 1]);
    expect(riskTicks([])).toEqual([0, 0.01]);
  });
});
