/** Held-out metrics of a binary classifier's scores. */

export interface SliceMetrics {
  n: number;
  positives: number;
  negatives: number;
  /** Fraction correct when predicting spam at confidence ≥ 0.5. */
  accuracyAt05: number;
  /** Precision (spam among confidence ≥ 0.5); `null` when nothing reaches 0.5. */
  precisionAt05: number | null;
  /** Recall (spam reaching confidence ≥ 0.5); `null` without positives. */
  recallAt05: number | null;
  /** ROC AUC; `null` without both classes. */
  rocAuc: number | null;
  /** Brier score: mean squared error of the confidence against the 0/1 label (lower is better). */
  brier: number;
}

/**
 * ROC AUC by the rank (Mann–Whitney U) formula, ties given their average rank:
 * AUC = (Σ ranks of positives − P(P+1)/2) / (P·N). Equals the trapezoidal area
 * under the ROC curve over all distinct thresholds.
 */
export function rocAuc(scores: readonly number[], labels: readonly (0 | 1)[]): number | null {
  const order = scores.map((_, i) => i).sort((a, b) => (scores[a] as number) - (scores[b] as number));
  const rank = new Array<number>(scores.length);
  for (let i = 0; i < order.length;) {
    let j = i;
    while (j + 1 < order.length && scores[order[j + 1] as number] === scores[order[i] as number]) j++;
    for (let k = i; k <= j; k++) rank[order[k] as number] = (i + j) / 2 + 1;
    i = j + 1;
  }
  let pos = 0;
  let rankSum = 0;
  labels.forEach((y, i) => {
    if (y === 1) {
      pos++;
      rankSum += rank[i] as number;
    }
  });
  const neg = labels.length - pos;
  if (pos === 0 || neg === 0) return null;
  return (rankSum - (pos * (pos + 1)) / 2) / (pos * neg);
}

const round4 = (x: number) => Math.round(x * 1e4) / 1e4;

export function sliceMetrics(scores: readonly number[], labels: readonly (0 | 1)[]): SliceMetrics {
  let tp = 0;
  let fp = 0;
  let tn = 0;
  let fn = 0;
  let sq = 0;
  scores.forEach((s, i) => {
    sq += (s - (labels[i] as number)) ** 2;
    const predicted = s >= 0.5;
    if (labels[i] === 1) {
      if (predicted) tp++;
      else fn++;
    } else if (predicted) fp++;
    else tn++;
  });
  const auc = rocAuc(scores, labels);
  return {
    n: scores.length,
    positives: tp + fn,
    negatives: tn + fp,
    accuracyAt05: round4((tp + tn) / scores.length),
    precisionAt05: tp + fp === 0 ? null : round4(tp / (tp + fp)),
    recallAt05: tp + fn === 0 ? null : round4(tp / (tp + fn)),
    rocAuc: auc === null ? null : round4(auc),
    brier: round4(sq / scores.length),
  };
}

export interface ReliabilityBin {
  /** [from, to) of confidence; the last bin includes 1. */
  from: number;
  to: number;
  n: number;
  meanConfidence: number | null;
  /** Fraction that is really spam. */
  spamRate: number | null;
}

/** Reliability diagram: `bins` equal-width confidence bins, mean confidence vs observed spam rate. */
export function reliability(
  scores: readonly number[],
  labels: readonly (0 | 1)[],
  bins: number,
): ReliabilityBin[] {
  const acc = Array.from({ length: bins }, () => ({ n: 0, sum: 0, pos: 0 }));
  scores.forEach((s, i) => {
    const b = acc[Math.min(bins - 1, Math.floor(s * bins))] as { n: number; sum: number; pos: number };
    b.n++;
    b.sum += s;
    b.pos += labels[i] as number;
  });
  return acc.map((b, i) => ({
    from: round4(i / bins),
    to: round4((i + 1) / bins),
    n: b.n,
    meanConfidence: b.n ? round4(b.sum / b.n) : null,
    spamRate: b.n ? round4(b.pos / b.n) : null,
  }));
}

/** Share of scores at or above each threshold. */
export function shareAtLeast(
  scores: readonly number[],
  thresholds: readonly number[],
): Record<string, number> {
  return Object.fromEntries(
    thresholds.map((t) => [`atLeast${t}`, round4(scores.filter((s) => s >= t).length / scores.length)]),
  );
}

export const mean = (xs: readonly number[]): number => round4(xs.reduce((a, b) => a + b, 0) / xs.length);
