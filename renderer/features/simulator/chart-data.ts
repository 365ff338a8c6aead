/**
 * Chart data derived from a sweep, computed once per series (memoised by the
 * charts) so moving the candidate only moves the markers. Pure functions.
 */
import type { SweepPoint, SweepSeries } from '../../../shared/simulator.ts';

/** One point of the metrics-vs-threshold chart; fractions 0–1, `null` where undefined. */
export interface CurveDatum {
  threshold: number;
  precision: number | null;
  recall: number | null;
  coverage: number;
  fpr: number | null;
}

/** One point of the risk–coverage chart (fractions 0–1). */
export interface RiskCoverageDatum {
  coverage: number;
  /** 1 − precision: wrong answers among covered requests. */
  risk: number;
  threshold: number;
}

/** One point of the ROC curve (fractions 0–1); `threshold` is `null` for the origin. */
export interface RocDatum {
  fpr: number;
  tpr: number;
  threshold: number | null;
}

/**
 * Metrics vs threshold, keeping every `step`-th grid point plus the last
 * (step 1 = all 1001 points).
 */
export function curveData(series: SweepSeries, step = 1): CurveDatum[] {
  const out: CurveDatum[] = [];
  const pts = series.points;
  for (let i = 0; i < pts.length; i += step) out.push(curveDatum(pts[i]!));
  if (pts.length && (pts.length - 1) % step !== 0) out.push(curveDatum(pts[pts.length - 1]!));
  return out;
}

function curveDatum(p: SweepPoint): CurveDatum {
  return {
    threshold: p.threshold,
    precision: p.precision,
    recall: p.recall,
    coverage: p.coverage,
    fpr: p.fpr,
  };
}

/** Risk (1 − precision) vs coverage, by increasing coverage; points where nothing is covered are left out. */
export function riskCoverageData(series: SweepSeries): RiskCoverageDatum[] {
  const out: RiskCoverageDatum[] = [];
  for (let i = series.points.length - 1; i >= 0; i--) {
    const p = series.points[i]!;
    if (p.precision === null) continue;
    const d = { coverage: p.coverage, risk: 1 - p.precision, threshold: p.threshold };
    const prev = out[out.length - 1];
    // same coverage ⇒ same covered set ⇒ same precision: keep the highest threshold only
    if (prev && prev.coverage === d.coverage) continue;
    out.push(d);
  }
  return out;
}

/** ROC: TPR (recall) vs FPR from (0, 0), by increasing FPR; needs both classes. */
export function rocData(series: SweepSeries): RocDatum[] {
  const out: RocDatum[] = [{ fpr: 0, tpr: 0, threshold: null }];
  for (let i = series.points.length - 1; i >= 0; i--) {
    const p = series.points[i]!;
    if (p.fpr === null || p.recall === null) return [];
    const prev = out[out.length - 1]!;
    if (prev.fpr === p.fpr && prev.tpr === p.recall) continue;
    out.push({ fpr: p.fpr, tpr: p.recall, threshold: p.threshold });
  }
  return out;
}

/** A marker position on the risk–coverage chart, or `null` when nothing is covered. */
export function riskCoverageMarker(p: SweepPoint | null): { coverage: number; risk: number } | null {
  return p && p.precision !== null ? { coverage: p.coverage, risk: 1 - p.precision } : null;
}

/** A marker position on the ROC chart, or `null` without both classes. */
export function rocMarker(p: SweepPoint | null): { fpr: number; tpr: number } | null {
  return p && p.fpr !== null && p.recall !== null ? { fpr: p.fpr, tpr: p.recall } : null;
}

/** Ticks 0 … max risk on a round step (1, 2, 5, 10, 20 or 25 points). */
export function riskTicks(data: readonly { risk: number }[]): number[] {
  const max = Math.max(0.01, ...data.map((d) => d.risk));
  const step = [0.01, 0.02, 0.05, 0.1, 0.2, 0.25].find((s) => max / s <= 5) ?? 0.25;
  const n = Math.min(Math.ceil(max / step - 1e-9), Math.round(1 / step));
  return Array.from({ length: n + 1 }, (_, i) => Math.round(i * step * 100) / 100);
}
