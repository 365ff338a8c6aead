/**
 * The comparison engine: one metric summary in, estimates, intervals, SRM check
 * and a direction-aware verdict out. See docs/statistics.md.
 */
import {
  fiellerLift,
  sequentialInterval,
  sequentialMultiplier,
  srmTest,
  welchTest,
  type Interval,
  type Moments,
  type RelativeLift,
} from './inference.ts';
import type { BinomialArm, ContinuousArm, Direction, MetricSummary } from './summary.ts';

/** Direction-aware verdict of a comparison; `insufficient` below the minimum sample. */
export type Verdict = 'better' | 'worse' | 'inconclusive' | 'insufficient';

/** What {@link compareMetric} returns for one metric summary. */
export interface ComparisonResult {
  id: string;
  /** Δ = mean_b − mean_a, Welch CI at 1 − α, two-sided Welch p-value. */
  absolute: Interval & { pValue: number };
  /**
   * Δ_rel = Δ/|mean_a| with the fixed-horizon Fieller CI (excludes 0 exactly when the Welch CI
   * does); null when mean_a = 0 or the interval is unbounded (control mean not distinguishable
   * from 0, see `fiellerLift`).
   */
  relative: Interval | null;
  /** Chi-square SRM check; null when no expectedSplit was given. */
  srm: { pValue: number; mismatch: boolean } | null;
  /**
   * Always-valid confidence sequence of Δ and its p-value, and the always-valid Fieller interval
   * of Δ_rel (null as for `relative`); null unless sequential.
   */
  sequential: { ci: [number, number]; pValue: number; relative: Interval | null } | null;
  verdict: Verdict;
}

/** Minimum units per arm before a verdict is given. */
export const MIN_UNITS_PER_ARM = 30;
/** Binomial: minimum successes and minimum failures per arm before a verdict is given. */
export const MIN_BINOMIAL_EVENTS = 5;

/**
 * Per-arm moments. Binomial: mean p = successes/n and variance p(1 − p) (the
 * plug-in Bernoulli variance, without the n/(n − 1) correction, as the issue
 * and GrowthBook's `ProportionStatistic` use). Continuous: mean and sd².
 */
export function armMoments(arm: BinomialArm | ContinuousArm): Moments {
  if ('successes' in arm) {
    const p = arm.successes / arm.n;
    return { n: arm.n, mean: p, variance: p * (1 - p) };
  }
  return { n: arm.n, mean: arm.mean, variance: arm.sd * arm.sd };
}

/**
 * True when both arms have at least {@link MIN_UNITS_PER_ARM} units and, for a
 * binomial metric, at least {@link MIN_BINOMIAL_EVENTS} successes and failures
 * (the usual rule of thumb for the normal approximation, n·p ≥ 5 and n·(1 − p) ≥ 5).
 */
export function hasMinimumSample(s: MetricSummary): boolean {
  for (const arm of [s.control, s.treatment] as (BinomialArm | ContinuousArm)[]) {
    if (arm.n < MIN_UNITS_PER_ARM) return false;
    if ('successes' in arm && Math.min(arm.successes, arm.n - arm.successes) < MIN_BINOMIAL_EVENTS)
      return false;
  }
  return true;
}

/**
 * Verdict from an interval for Δ: `better` when it lies entirely on the good side
 * of 0 for `direction`, `worse` when entirely on the bad side, else `inconclusive`.
 */
export function verdictFromInterval(ci: readonly [number, number], direction: Direction): Verdict {
  const sign = ci[0] > 0 ? 1 : ci[1] < 0 ? -1 : 0;
  if (sign === 0) return 'inconclusive';
  return sign > 0 === (direction === 'higher-is-better') ? 'better' : 'worse';
}

/** A lift with a bounded interval, or null (no baseline, or an unbounded Fieller interval). */
export function boundedLift(r: RelativeLift | null): Interval | null {
  return r?.ci ? { estimate: r.estimate, ci: r.ci } : null;
}

/**
 * Compares treatment with control for one validated summary. The verdict uses
 * the always-valid confidence sequence in sequential mode and the fixed-horizon
 * Welch interval otherwise; `insufficient` below the minimum sample. Each mode's
 * lift interval is the Fieller interval with that mode's multiplier (Welch t or the
 * sequence's c), so it excludes 0 exactly when the mode's interval of Δ does.
 */
export function compareMetric(s: MetricSummary): ComparisonResult {
  const a = armMoments(s.control);
  const b = armMoments(s.treatment);
  const w = welchTest(a, b, s.alpha);
  const seq = s.sequential
    ? {
        ...sequentialInterval(w.estimate, w.se, a.n + b.n, s.alpha, s.sequentialTuning),
        relative: boundedLift(
          fiellerLift(a, b, sequentialMultiplier(a.n + b.n, s.alpha, s.sequentialTuning)),
        ),
      }
    : null;
  const verdict = hasMinimumSample(s)
    ? verdictFromInterval(seq ? seq.ci : w.ci, s.direction)
    : 'insufficient';
  return {
    id: s.id,
    absolute: { estimate: w.estimate, ci: w.ci, pValue: w.pValue },
    relative: boundedLift(fiellerLift(a, b, w.tCrit)),
    srm: s.expectedSplit ? srmTest(a.n, b.n, s.expectedSplit) : null,
    sequential: seq ? { ci: seq.ci, pValue: seq.pValue, relative: seq.relative } : null,
    verdict,
  };
}
