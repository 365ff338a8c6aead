/**
 * Threshold recommendations and model A/B decisions (pure).
 *
 * Recommendation: the LOWEST threshold whose metrics meet the target — for a
 * precision target optionally its Wilson lower bound (the seeds' decision tree:
 * "precision ≥ target → lower the threshold for coverage; below → raise it;
 * nothing meets it → roll back the model, not the threshold"). "Nothing meets
 * it" is only said when the data are enough to tell; otherwise the verdict is
 * "not enough data" with the number of labelled predictions that would settle it.
 *
 * Model A/B: the 95% Newcombe interval of the precision difference decides
 * (see {@link abDecision}); sample sizes from Chow, Shao & Wang (2008), §4.2.
 */
import type {
  AbResult,
  Recommendation,
  RecommendationStatus,
  Slice,
  SweepPoint,
  Target,
} from '../../../shared/simulator.ts';
import { wilsonInterval, wilsonSeparationSize } from './precision-interval.ts';
import { allPoints, type SweepTable } from './sweep.ts';
import { newcombeInterval, twoProportionSampleSize } from './two-proportions.ts';

const pct = (x: number): string => `${(x * 100).toFixed(1)}%`;
const count = (x: number): string => x.toLocaleString('en');
/** A threshold for a message (at most 4 decimals; the exact value is in the result). */
const thr = (t: number): string => String(Number(t.toFixed(4)));
const interval = (ci: readonly [number, number] | null): string =>
  ci ? `${pct(ci[0])}–${pct(ci[1])}` : 'undefined';

function describeTarget(t: Target): string {
  return t.kind === 'min-precision'
    ? `precision ≥ ${t.value}${t.useLowerBound ? ' (95% lower bound)' : ''}`
    : `false-positive rate ≤ ${t.value}`;
}

function meets(p: SweepPoint, t: Target): boolean {
  if (t.kind === 'max-fpr') return p.fpr !== null && p.fpr <= t.value;
  const value = t.useLowerBound ? p.precisionCi?.[0] : p.precision;
  return value !== null && value !== undefined && value >= t.value;
}

/** Names a slice for messages: "v2.4 / 2003" or "all predictions". */
export function sliceName(s: Slice): string {
  return [s.modelVersion, s.segment].filter((x) => x !== null).join(' / ') || 'all predictions';
}

function result(
  slice: Slice,
  status: RecommendationStatus,
  message: string,
  extra: Partial<Pick<Recommendation, 'threshold' | 'point' | 'neededLabelled'>> = {},
): Recommendation {
  return { slice, threshold: null, point: null, neededLabelled: null, ...extra, status, message };
}

/**
 * Labelled predictions of the whole slice (n in all) at which `covered` covered
 * predictions are reached, when a fraction `coverage` of predictions is covered.
 */
function labelledFor(covered: number, coverage: number): number {
  return Math.ceil(Math.round((covered / coverage) * 1e9) / 1e9);
}

/**
 * The lowest threshold of `table` meeting `target`, with a verdict and a plain-language message.
 *
 * Precision targets (95% Wilson intervals on precision = covered positives / covered):
 * - `met` when some threshold meets the target (its lower bound, or its point estimate when
 *   `useLowerBound` is false); `threshold` and `point` are the lowest such.
 * - Otherwise a threshold is *open* when its interval still contains the target (upper bound ≥
 *   target). Let n* be the fewest covered predictions at which even 100% precision has a lower
 *   bound ≥ target (z²·t/(1 − t), 73 for 0.95): a threshold covering fewer cannot meet the target
 *   at this sample size whatever its precision. An open threshold keeps the question open
 *   ("not enough data") when it covers ≥ n*, or the whole slice has fewer than n* predictions, or
 *   its observed precision is above the target and it would reach the covered count that
 *   separates it from the target ({@link wilsonSeparationSize}) with at most twice the data.
 * - `insufficient-data` when some threshold keeps it open; `neededLabelled` is then the smallest
 *   number of MORE labelled predictions at which, if the observed precision and coverage at that
 *   threshold held, its lower bound would reach the target (covered needed ÷ coverage − n); when
 *   no open threshold has precision above the target, the number at which every such interval
 *   would fall below it (the verdict would become `not-met`); `null` if a precision equals the target.
 * - `not-met` otherwise: at every threshold with enough data the upper bound is below the target —
 *   "roll back the model, not the threshold".
 *
 * FPR targets (point estimate; FPR = covered negatives / negatives, lowest at the highest
 * threshold): `met` at the lowest threshold with FPR ≤ target; otherwise `not-met` when even at
 * the highest threshold the FPR's Wilson lower bound exceeds the target, else `insufficient-data`
 * with the labelled predictions at which it would (same assumption); `insufficient-data` with
 * `neededLabelled: null` when the slice has no negatives.
 *
 * @param table sweep table of one slice (from {@link buildSweepTable})
 * @param slice the slice, for the result and the message
 * @param target what a threshold must achieve
 */
export function recommend(table: SweepTable, slice: Slice, target: Target): Recommendation {
  const name = sliceName(slice);
  const what = describeTarget(target);
  const n = table.positives + table.negatives;
  if (target.kind === 'max-fpr' && table.negatives === 0)
    return result(slice, 'insufficient-data', `${name}: no negatives, the false-positive rate is undefined`);
  const points = allPoints(table);
  const found = points.find((p) => meets(p, target));
  if (found)
    return result(
      slice,
      'met',
      `${name}: lowest threshold meeting ${what} is ${found.threshold} — coverage ${pct(found.coverage)}, precision ${
        found.precision === null ? 'undefined' : `${pct(found.precision)} (${interval(found.precisionCi)})`
      }`,
      { threshold: found.threshold, point: found },
    );
  if (n === 0) return result(slice, 'insufficient-data', `${name}: no predictions`);
  return target.kind === 'max-fpr'
    ? fprVerdict(table, slice, target.value, points)
    : precisionVerdict(slice, target, what, points, n);
}

function precisionVerdict(
  slice: Slice,
  target: Extract<Target, { kind: 'min-precision' }>,
  what: string,
  points: SweepPoint[],
  n: number,
): Recommendation {
  const name = sliceName(slice);
  const t = target.value;
  if (target.useLowerBound && t >= 1)
    return result(
      slice,
      'not-met',
      `${name}: a 95% lower bound never reaches ${t} at any sample size; lower the target or use the point estimate`,
    );
  // fewest covered at which 100% precision has a lower bound ≥ t (1 when t = 0)
  const nStar = t > 0 ? (wilsonSeparationSize(1, t) ?? 1) : 1;
  const open = points.filter((p) => p.precision !== null && p.precisionCi && p.precisionCi[1] >= t);
  const keepsOpen = (p: SweepPoint): boolean => {
    if (p.covered >= nStar || n < nStar) return true;
    if ((p.precision as number) <= t) return false;
    const sep = wilsonSeparationSize(p.precision as number, t);
    return sep !== null && 2 * p.covered >= sep;
  };
  const blockers = open.filter(keepsOpen);
  if (blockers.length === 0) {
    const thin = open.filter((p) => (p.precision as number) > t);
    const note = thin.length
      ? ` (higher thresholds covering at most ${Math.max(...thin.map((p) => p.covered))} predictions are too few to judge)`
      : '';
    return result(
      slice,
      'not-met',
      `${name}: no threshold meets ${what} — ${
        n < nStar
          ? 'the 95% upper bound of precision is below the target at every threshold'
          : `wherever at least ${count(nStar)} predictions are covered, even the 95% upper bound of precision is below ${t}`
      }${note}; roll back the model, not the threshold`,
    );
  }
  const small =
    n < nStar
      ? ` With ${count(n)} predictions no threshold can meet it yet: even 100% precision needs at least ${count(nStar)} covered predictions.`
      : '';
  // Thresholds whose observed precision is above the target: more data could let them meet it.
  const rising = blockers.filter((p) => (p.precision as number) > t);
  if (rising.length) {
    let best: { p: SweepPoint; covered: number; total: number } | null = null;
    for (const p of rising) {
      const covered = wilsonSeparationSize(p.precision as number, t) as number;
      const total = Math.max(n + 1, labelledFor(covered, p.coverage));
      if (!best || total < best.total) best = { p, covered, total };
    }
    const { p, covered, total } = best as { p: SweepPoint; covered: number; total: number };
    const more = total - n;
    return result(
      slice,
      'insufficient-data',
      `${name}: not enough data to tell — no threshold meets ${what} yet, but at threshold ${thr(p.threshold)} the precision is ${pct(
        p.precision as number,
      )} (${interval(p.precisionCi)}) on ${count(p.covered)} covered predictions.${small} About ${count(
        more,
      )} more labelled predictions (${count(total)} in all, ${count(covered)} covered) would let it meet the target, assuming its precision and coverage (${pct(
        p.coverage,
      )}) stay as observed.`,
      { neededLabelled: more },
    );
  }
  // Every open threshold has precision at or below the target: more data would tell "roll back".
  let total = 0;
  let undecidable: SweepPoint | null = null;
  for (const p of blockers) {
    const covered = wilsonSeparationSize(p.precision as number, t);
    if (covered === null) undecidable = p;
    else total = Math.max(total, labelledFor(covered, p.coverage));
  }
  const widest = blockers.reduce((a, b) => (b.covered > a.covered ? b : a));
  if (undecidable)
    return result(
      slice,
      'insufficient-data',
      `${name}: not enough data to tell — no threshold meets ${what}, and at threshold ${thr(undecidable.threshold)} the precision is exactly ${t} (${interval(
        undecidable.precisionCi,
      )}): no sample size would tell at that precision.${small}`,
    );
  total = Math.max(total, n + 1);
  return result(
    slice,
    'insufficient-data',
    `${name}: not enough data to tell — no threshold meets ${what}, but the interval still includes ${t} (e.g. at threshold ${thr(
      widest.threshold,
    )}: ${pct(widest.precision as number)}, ${interval(widest.precisionCi)}).${small} About ${count(
      total - n,
    )} more labelled predictions (${count(total)} in all) would tell whether any threshold can meet it, assuming precision and coverage stay as observed.`,
    { neededLabelled: total - n },
  );
}

function fprVerdict(table: SweepTable, slice: Slice, t: number, points: SweepPoint[]): Recommendation {
  const name = sliceName(slice);
  const top = points[points.length - 1] as SweepPoint;
  const fp = table.fp[table.fp.length - 1] as number;
  const fpr = top.fpr as number;
  const ci = wilsonInterval(fp, table.negatives) as [number, number];
  const what = `false-positive rate ≤ ${t}`;
  if (ci[0] > t)
    return result(
      slice,
      'not-met',
      `${name}: no threshold meets ${what} — even at the highest threshold (${thr(top.threshold)}) it is ${pct(
        fpr,
      )} (95% interval ${interval(ci)}); roll back the model, not the threshold`,
    );
  const n = table.positives + table.negatives;
  const negatives = (wilsonSeparationSize(fpr, t) as number) + 1; // lower bound strictly above t
  const total = Math.max(n + 1, labelledFor(negatives, table.negatives / n));
  return result(
    slice,
    'insufficient-data',
    `${name}: not enough data to tell — no threshold meets ${what}; at the highest threshold (${thr(top.threshold)}) it is ${pct(
      fpr,
    )} but the 95% interval (${interval(ci)}) still includes ${t} with ${count(
      table.negatives,
    )} negatives. About ${count(total - n)} more labelled predictions (${count(
      total,
    )} in all) would tell, assuming the false-positive rate and the share of negatives stay as observed.`,
    { neededLabelled: total - n },
  );
}

const signedPp = (v: number): string => `${v > 0 ? '+' : v < 0 ? '−' : ''}${Math.abs(v).toFixed(1)} pp`;

/**
 * Model A/B at their thresholds, from the 95% Newcombe hybrid score interval [L, U] of the
 * precision difference d = treatment − control (Newcombe 1998, method 10) and the ship margin m:
 * - `ship` when L ≥ m (the whole interval clears the margin);
 * - `roll-back` when U < 0 (treatment is worse than control);
 * - `hold` when 0 ≤ L and U < m (not worse, but less lift than the margin);
 * - `inconclusive` otherwise, with `neededPerArm` = covered predictions per arm that would settle it
 *   with 80% power at two-sided 5% if the observed precisions held (Chow, Shao & Wang 2008, §4.2:
 *   (z₀.₉₇₅ + z₀.₈)² (p₁q₁ + p₂q₂) / (d − b)²; b = m when d ≥ m, b = 0 when d < 0, the larger of the
 *   two when 0 ≤ d < m), and `neededLabelled` = that many covered ÷ each arm's coverage;
 * - `insufficient` when either precision is undefined (nothing covered).
 * @param control control model's point at its threshold
 * @param treatment treatment model's point at its threshold
 * @param shipMarginPp required lift to ship, percentage points (≥ 0)
 */
export function abDecision(control: SweepPoint, treatment: SweepPoint, shipMarginPp: number): AbResult {
  const coverageDiffPp = (treatment.coverage - control.coverage) * 100;
  const base = { control, treatment, coverageDiffPp, neededPerArm: null, neededLabelled: null };
  if (control.precision === null || treatment.precision === null)
    return {
      ...base,
      precisionDiffPp: null,
      precisionDiffCiPp: null,
      decision: 'insufficient',
      rationale: `precision is undefined for the ${control.precision === null ? 'control' : 'treatment'} model at its threshold (nothing covered)`,
    };
  const pc = control.precision;
  const pt = treatment.precision;
  const m = shipMarginPp / 100;
  const d = pt - pc;
  // covered positives (precision × covered is an integer up to floating noise)
  const ci = newcombeInterval(
    Math.round(pt * treatment.covered),
    treatment.covered,
    Math.round(pc * control.covered),
    control.covered,
  ) as [number, number];
  const [lo, hi] = ci;
  const diffPp = d * 100;
  const ciPp: [number, number] = [lo * 100, hi * 100];
  const ciText = `95% interval ${signedPp(ciPp[0])} to ${signedPp(ciPp[1])}`;
  const head = `treatment precision ${pct(pt)} vs control ${pct(pc)}: ${signedPp(diffPp)} (${ciText})`;
  const common = { ...base, precisionDiffPp: diffPp, precisionDiffCiPp: ciPp };
  if (lo >= m)
    return {
      ...common,
      decision: 'ship',
      rationale: `${head}; the whole interval clears the ${shipMarginPp} pp ship margin: ship`,
    };
  if (hi < 0)
    return {
      ...common,
      decision: 'roll-back',
      rationale: `${head}; the whole interval is below 0 — treatment is worse than control: roll back`,
    };
  if (lo >= 0 && hi < m)
    return {
      ...common,
      decision: 'hold',
      rationale: `${head}; not worse than control, but the interval stays below the ${shipMarginPp} pp ship margin: hold`,
    };
  // Which boundaries the observed difference has to be told apart from.
  const boundaries = d >= m ? [m] : d < 0 ? [0] : m > 0 ? [0, m] : [0];
  let perArm: number | null = 0;
  for (const b of boundaries) {
    const size = twoProportionSampleSize(pt, pc, b);
    perArm = size === null || perArm === null ? null : Math.max(perArm, size);
  }
  const includes = [
    lo < 0 && hi >= 0 ? '0' : null,
    lo < m && hi >= m ? `the +${shipMarginPp} pp margin` : null,
  ]
    .filter(Boolean)
    .join(' and ');
  const question =
    d >= m
      ? 'whether it clears the margin'
      : d < 0
        ? 'whether treatment is worse'
        : 'whether the lift is real but below the margin';
  if (perArm === null)
    return {
      ...common,
      decision: 'inconclusive',
      rationale: `${head}; the interval includes ${includes}: inconclusive — at the observed precisions no sample size would tell ${question}`,
    };
  const neededLabelled = {
    control: labelledFor(perArm, control.coverage),
    treatment: labelledFor(perArm, treatment.coverage),
  };
  return {
    ...common,
    neededPerArm: perArm,
    neededLabelled,
    decision: 'inconclusive',
    rationale: `${head}; the interval includes ${includes}: inconclusive — to tell ${question}, about ${count(
      perArm,
    )} covered predictions per arm would be needed (${count(neededLabelled.control)} labelled for control, ${count(
      neededLabelled.treatment,
    )} for treatment at the observed coverage; 80% power, two-sided 5%, assuming the observed precisions)`,
  };
}
