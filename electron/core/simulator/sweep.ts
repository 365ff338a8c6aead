/**
 * Confidence-threshold sweep: coverage, precision, recall, FPR and fallback
 * rate at every distinct threshold, in one pass after one sort (O(N log N)).
 *
 * A prediction is covered at threshold t when `confidence ≥ t`. Positives and
 * negatives are sorted separately (native typed-array sort) and merged from the
 * highest confidence down, so each distinct confidence value yields the counts
 * of covered positives (TP) and covered negatives (FP) at that threshold.
 * Matches scikit-learn's `precision_recall_curve` / `roc_curve(drop_intermediate=False)`
 * (fixtures in `test/fixtures/sweep/`).
 */
import type { SweepPoint } from '../../../shared/simulator.ts';
import { wilsonInterval } from './precision-interval.ts';

/** Cumulative counts at each distinct threshold (ascending). */
export interface SweepTable {
  /** Distinct confidence values, ascending. */
  thresholds: Float64Array;
  /** Covered positives (confidence ≥ thresholds[i]). */
  tp: Float64Array;
  /** Covered negatives (confidence ≥ thresholds[i]). */
  fp: Float64Array;
  positives: number;
  negatives: number;
}

/**
 * Builds the sweep table from parallel arrays.
 * @param confidences values in [0, 1]
 * @param labels 1 = positive (the AI answer is right / true class positive), 0 = negative
 * @throws RangeError on length mismatch, a confidence outside [0, 1] or NaN, or a label not 0/1.
 */
export function buildSweepTable(confidences: ArrayLike<number>, labels: ArrayLike<number>): SweepTable {
  const n = confidences.length;
  if (labels.length !== n)
    throw new RangeError(`buildSweepTable: ${n} confidences but ${labels.length} labels`);
  let positives = 0;
  for (let i = 0; i < n; i++) {
    const c = confidences[i] as number;
    if (!(c >= 0 && c <= 1))
      throw new RangeError(`buildSweepTable: confidence at index ${i} is ${c}, not in [0, 1]`);
    const l = labels[i];
    if (l === 1) positives++;
    else if (l !== 0) throw new RangeError(`buildSweepTable: label at index ${i} is ${l}, not 0 or 1`);
  }
  const pos = new Float64Array(positives);
  const neg = new Float64Array(n - positives);
  for (let i = 0, p = 0, q = 0; i < n; i++) {
    if (labels[i] === 1) pos[p++] = confidences[i] as number;
    else neg[q++] = confidences[i] as number;
  }
  pos.sort();
  neg.sort();
  // Merge from the top: distinct values descending, with cumulative counts.
  const desc: number[] = [];
  const tpDesc: number[] = [];
  const fpDesc: number[] = [];
  let i = pos.length - 1;
  let j = neg.length - 1;
  let tp = 0;
  let fp = 0;
  while (i >= 0 || j >= 0) {
    const a = i >= 0 ? (pos[i] as number) : -1;
    const b = j >= 0 ? (neg[j] as number) : -1;
    const v = a > b ? a : b;
    while (i >= 0 && pos[i] === v) {
      tp++;
      i--;
    }
    while (j >= 0 && neg[j] === v) {
      fp++;
      j--;
    }
    desc.push(v);
    tpDesc.push(tp);
    fpDesc.push(fp);
  }
  const m = desc.length;
  const thresholds = new Float64Array(m);
  const tpA = new Float64Array(m);
  const fpA = new Float64Array(m);
  for (let k = 0; k < m; k++) {
    thresholds[k] = desc[m - 1 - k] as number;
    tpA[k] = tpDesc[m - 1 - k] as number;
    fpA[k] = fpDesc[m - 1 - k] as number;
  }
  return { thresholds, tp: tpA, fp: fpA, positives, negatives: n - positives };
}

/** Index of the first distinct threshold ≥ t, or `thresholds.length` when none. */
function lowerBound(thresholds: Float64Array, t: number): number {
  let lo = 0;
  let hi = thresholds.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if ((thresholds[mid] as number) < t) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** Metrics from counts; undefined ratios are `null`, never NaN. */
export function pointFromCounts(
  threshold: number,
  tp: number,
  fp: number,
  positives: number,
  negatives: number,
): SweepPoint {
  const n = positives + negatives;
  const covered = tp + fp;
  const coverage = n ? covered / n : 0;
  return {
    threshold,
    n,
    covered,
    coverage,
    precision: covered ? tp / covered : null,
    recall: positives ? tp / positives : null,
    fpr: negatives ? fp / negatives : null,
    fallbackRate: n ? 1 - coverage : 0,
    precisionCi: wilsonInterval(tp, covered),
  };
}

/** Exact metrics at any threshold t (covered ⇔ confidence ≥ t), by binary search. */
export function pointAt(table: SweepTable, t: number): SweepPoint {
  const k = lowerBound(table.thresholds, t);
  const tp = k < table.thresholds.length ? (table.tp[k] as number) : 0;
  const fp = k < table.thresholds.length ? (table.fp[k] as number) : 0;
  return pointFromCounts(t, tp, fp, table.positives, table.negatives);
}

/** Points at every distinct threshold, ascending. */
export function allPoints(table: SweepTable): SweepPoint[] {
  const out: SweepPoint[] = new Array(table.thresholds.length);
  for (let k = 0; k < table.thresholds.length; k++)
    out[k] = pointFromCounts(
      table.thresholds[k] as number,
      table.tp[k] as number,
      table.fp[k] as number,
      table.positives,
      table.negatives,
    );
  return out;
}

/** Points at `size` evenly spaced thresholds 0 … 1 (size ≥ 2), e.g. 1001 → step 0.001. */
export function gridPoints(table: SweepTable, size: number): SweepPoint[] {
  if (size < 2) throw new RangeError(`gridPoints: size must be ≥ 2, got ${size}`);
  const out: SweepPoint[] = new Array(size);
  for (let k = 0; k < size; k++) out[k] = pointAt(table, Math.round((k / (size - 1)) * 1e9) / 1e9);
  return out;
}

/**
 * ROC AUC by the trapezoidal rule over (FPR, TPR) at every distinct threshold
 * plus (0, 0) — scikit-learn's `roc_auc_score`. `null` without both classes.
 */
export function rocAuc(table: SweepTable): number | null {
  const { positives: P, negatives: N } = table;
  if (!P || !N) return null;
  let auc = 0;
  let prevX = 0;
  let prevY = 0;
  for (let k = table.thresholds.length - 1; k >= 0; k--) {
    const x = (table.fp[k] as number) / N;
    const y = (table.tp[k] as number) / P;
    auc += ((x - prevX) * (y + prevY)) / 2;
    prevX = x;
    prevY = y;
  }
  return auc;
}
