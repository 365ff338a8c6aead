/**
 * Two-sample inference on summary statistics: Welch's t-test, the Fieller
 * interval of the relative lift, the sample-ratio-mismatch (SRM) chi-square test
 * and the always-valid confidence sequence of the sequential mode.
 *
 * Every function works on per-arm moments `{n, mean, variance}`; `a` is the
 * control and `b` the treatment. Distribution functions come from stdlib
 * (`@stdlib/stats-base-dists-t-quantile`, `-t-cdf`, `-chisquare-cdf`).
 * docs/statistics.md lists every formula with its source.
 */
import tQuantile from '@stdlib/stats-base-dists-t-quantile';
import tCdf from '@stdlib/stats-base-dists-t-cdf';
import chisquareCdf from '@stdlib/stats-base-dists-chisquare-cdf';

/** Sufficient statistics of one arm: unit count, mean and (per-unit) variance. */
export interface Moments {
  n: number;
  mean: number;
  variance: number;
}

/** An estimate with its two-sided confidence interval `[lo, hi]`. */
export interface Interval {
  estimate: number;
  ci: [number, number];
}

/** Result of Welch's t-test: Δ = mean_b − mean_a with its interval at 1 − α. */
export interface WelchResult extends Interval {
  /** Two-sided p-value of H0: Δ = 0. */
  pValue: number;
  /** Standard error of Δ. */
  se: number;
  /** Welch–Satterthwaite degrees of freedom (Infinity when both variances are 0). */
  dof: number;
  /** The quantile t(1 − α/2, dof) the interval uses. */
  tCrit: number;
}

/**
 * Welch's unequal-variance t-test on the absolute difference Δ = mean_b − mean_a.
 *
 *   se² = var_a/n_a + var_b/n_b
 *   dof = se⁴ / ( (var_a/n_a)²/(n_a−1) + (var_b/n_b)²/(n_b−1) )   (Welch–Satterthwaite)
 *   p   = 2·F_t(−|Δ/se|; dof),  CI = Δ ± t(1−α/2, dof)·se
 *
 * Sources: B. L. Welch (1947), Biometrika 34:28–35; F. E. Satterthwaite (1946),
 * Biometrics Bulletin 2:110–114. Identical to scipy's
 * `ttest_ind_from_stats(equal_var=False)` (checked by the fixtures).
 *
 * Degenerate case se = 0 (both variances 0): p = 1 when Δ = 0 else 0, and the
 * interval collapses to [Δ, Δ].
 */
export function welchTest(a: Moments, b: Moments, alpha: number): WelchResult {
  const va = a.variance / a.n;
  const vb = b.variance / b.n;
  const se2 = va + vb;
  const delta = b.mean - a.mean;
  if (!(se2 > 0))
    return {
      estimate: delta,
      ci: [delta, delta],
      pValue: delta === 0 ? 1 : 0,
      se: 0,
      dof: Infinity,
      tCrit: 0,
    };
  const se = Math.sqrt(se2);
  const dof = (se2 * se2) / ((va * va) / (a.n - 1) + (vb * vb) / (b.n - 1));
  const tCrit = tQuantile(1 - alpha / 2, dof);
  const pValue = Math.min(1, 2 * tCdf(-Math.abs(delta / se), dof));
  return { estimate: delta, ci: [delta - tCrit * se, delta + tCrit * se], pValue, se, dof, tCrit };
}

/**
 * Relative lift θ = (μ_b − μ_a)/|μ_a| with the Fieller interval: every θ whose implied
 * contrast is not rejected by the same test the verdict reads on Δ.
 *
 * With ratio r = μ_b/μ_a (θ = sign(μ_a)·(r − 1)), x̄ the arm means and v = variance/n per arm,
 * r is in the set when the contrast x̄_b − r·x̄_a is within `crit` standard errors of 0:
 *
 *   (x̄_b − r·x̄_a)² ≤ crit² · (v_b + r²·v_a)
 *
 * a quadratic in r. With A = x̄_a² − crit²·v_a > 0 its solution is one interval, here written
 * directly in θ (no cancellation for small Δ = x̄_b − x̄_a):
 *
 *   θ = sign(x̄_a) · ( x̄_a·Δ + crit²·v_a ± crit·sqrt(v_a·x̄_b² + v_b·A) ) / A
 *
 * How the control mean's own uncertainty is handled: exactly, not linearised. The control
 * mean is not taken as known (as dividing the interval of Δ by x̄_a would) and not replaced by
 * a first-order (delta-method) variance at the observed ratio; at each candidate ratio r the
 * contrast's standard error includes r²·v_a. Hence the interval is asymmetric, widening on the
 * side of large ratios when x̄_a is uncertain, and it is unbounded when A ≤ 0 — when the control
 * mean itself is within `crit` standard errors of 0 — in which case this returns `ci: null`
 * rather than a truncated (falsely narrow) interval.
 *
 * At r = 1 (θ = 0) the condition is exactly |Δ| ≤ crit·sqrt(v_a + v_b), the test of Δ with the
 * same `crit`; so the lift interval excludes 0 exactly when the interval of Δ does, and the
 * verdict, the Δ interval and the lift interval never disagree.
 *
 * - Fixed-horizon: `crit` = the Welch quantile t(1 − α/2, dof of Δ) ({@link welchTest}). (A
 *   fully Welch–Fieller interval would recompute the dof at each r; using Δ's dof keeps the
 *   agreement with the Welch test exact; the difference vanishes as n grows.)
 * - Sequential: `crit` = {@link sequentialMultiplier}. The condition at the true ratio r* is
 *   "0 lies in the confidence sequence of the two-sample difference for (treatment values,
 *   r*·control values)", whose mean is 0; that sequence is time-uniformly valid (Waudby-Smith et
 *   al. 2023, as in {@link sequentialInterval}), so the Fieller set covers θ* at every look with
 *   the same probability ≥ 1 − α: an always-valid interval for the lift.
 *
 * Sources: E. C. Fieller (1954), "Some problems in interval estimation", JRSS B 16:175–185
 * (the ratio interval by test inversion); confidence sequences: Howard, Ramdas, McAuliffe &
 * Sekhon (2021), "Time-uniform, nonparametric, nonasymptotic confidence sequences", Ann. Statist.
 * 49:1055–1080, and the asymptotic version used here, Waudby-Smith et al. (2023), arXiv:2103.06476.
 *
 * @param a control moments, `b` treatment moments (any unit; θ is unitless).
 * @param crit the multiplier of the standard error, > 0 (0 gives the point estimate).
 * @returns null when x̄_a = 0 (no baseline); `ci: null` when the interval is unbounded.
 */
export function fiellerLift(a: Moments, b: Moments, crit: number): RelativeLift | null {
  if (a.mean === 0) return null;
  const delta = b.mean - a.mean;
  const estimate = delta / Math.abs(a.mean);
  const va = a.variance / a.n;
  const vb = b.variance / b.n;
  const c2 = crit * crit;
  const A = a.mean * a.mean - c2 * va;
  if (!(A > 0)) return { estimate, ci: null };
  const centre = a.mean * delta + c2 * va;
  const half = crit * Math.sqrt(va * b.mean * b.mean + vb * A);
  const sign = a.mean > 0 ? 1 : -1;
  const x = (sign * (centre - half)) / A;
  const y = (sign * (centre + half)) / A;
  return { estimate, ci: [Math.min(x, y), Math.max(x, y)] };
}

/** A relative lift with its interval, or `ci: null` when the interval is unbounded (see {@link fiellerLift}). */
export interface RelativeLift {
  estimate: number;
  ci: [number, number] | null;
}

/** SRM threshold: a mismatch is flagged when the chi-square p-value is below this. */
export const SRM_P_THRESHOLD = 0.001;

/**
 * Sample ratio mismatch: Pearson chi-square goodness of fit of the observed
 * unit counts against the configured split (1 degree of freedom).
 *
 *   E_i = (n_a + n_b)·split_i,  X² = Σ (n_i − E_i)²/E_i,  p = 1 − F_χ²(X²; 1)
 *
 * Source: K. Pearson (1900); as `scipy.stats.chisquare(observed, f_exp)`.
 * Mismatch when p < 0.001 (Fabijan et al. 2019, "Diagnosing Sample Ratio
 * Mismatch in Online Controlled Experiments", KDD).
 * @param split `[control, treatment]` fractions summing to 1.
 */
export function srmTest(
  nA: number,
  nB: number,
  split: [number, number],
): { pValue: number; mismatch: boolean } {
  const total = nA + nB;
  const eA = total * split[0];
  const eB = total * split[1];
  const x2 = ((nA - eA) * (nA - eA)) / eA + ((nB - eB) * (nB - eB)) / eB;
  const pValue = Math.max(0, 1 - chisquareCdf(x2, 1));
  return { pValue, mismatch: pValue < SRM_P_THRESHOLD };
}

/**
 * Mixing parameter ρ of the asymptotic confidence sequence, chosen so that the
 * sequence is tightest around N* total units (two-sided):
 *
 *   ρ = sqrt( (−2·ln α + ln(−2·ln α + 1)) / N* )
 *
 * Source: Waudby-Smith, Arbour, Sinha, Kennedy & Ramdas (2023), "Time-uniform
 * central limit theory and asymptotic confidence sequences", arXiv:2103.06476v7,
 * eq. 161; as GrowthBook's `sequential_rho` (gbstats/frequentist/tests.py).
 */
export function sequentialRho(alpha: number, tuning: number): number {
  const l = -2 * Math.log(alpha);
  return Math.sqrt((l + Math.log(l + 1)) / tuning);
}

/** An always-valid confidence sequence of Δ with its p-value. */
export interface SequentialResult extends Interval {
  /** Always-valid two-sided p-value of H0: Δ = 0. */
  pValue: number;
}

/**
 * The multiplier c of the asymptotic confidence sequence: halfwidth = c·se at n total units.
 * GrowthBook's halfwidth sqrt(s²)·sqrt(2(nρ²+1)/(n²ρ²)·ln(sqrt(nρ²+1)/α)) with the per-unit
 * variance s² = se²·n is se times
 *
 *   c = sqrt( 2(nρ²+1)/(nρ²) · ln( sqrt(nρ²+1)/α ) ),   ρ from {@link sequentialRho}
 *
 * (Waudby-Smith et al. 2023, arXiv:2103.06476v7, eq. 9). It depends on n, α and N* only, so
 * any two-sample contrast with standard error se has the always-valid halfwidth c·se.
 * @param n total units (n_a + n_b), > 0. @param alpha in (0, 1). @param tuning N* > 0.
 */
export function sequentialMultiplier(n: number, alpha: number, tuning: number): number {
  const rho = sequentialRho(alpha, tuning);
  const r2 = rho * rho;
  const tr = n * r2 + 1;
  return Math.sqrt(((2 * tr) / (n * r2)) * Math.log(Math.sqrt(tr) / alpha));
}

/**
 * Always-valid (time-uniform) confidence sequence and p-value for Δ, valid under
 * continuous monitoring ("peeking").
 *
 * With n = n_a + n_b, per-unit variance s² = se²·n and ρ from {@link sequentialRho}:
 *
 *   halfwidth = sqrt(s²) · sqrt( 2(nρ²+1)/(n²ρ²) · ln( sqrt(nρ²+1)/α ) )      (eq. 9)
 *             = c · se,  c = {@link sequentialMultiplier}
 *   p         = min(1, sqrt(nρ²+1) · exp( −ρ²·(Δ²·n/se²) / (2(nρ²+1)) ))      (eq. 155)
 *
 * Sources: Waudby-Smith et al. (2023), arXiv:2103.06476v7, eq. 9 and 155;
 * GrowthBook `sequential_interval_halfwidth` and `SequentialTwoSidedTTest.p_value`
 * (packages/stats/gbstats/frequentist/tests.py). The p-value is exactly the
 * inversion of the sequence at fixed ρ: the smallest α′ whose halfwidth excludes 0,
 * so p < α ⇔ 0 ∉ CS. It is computed in log space to avoid overflow.
 */
export function sequentialInterval(
  delta: number,
  se: number,
  n: number,
  alpha: number,
  tuning: number,
): SequentialResult {
  if (!(se > 0)) return { estimate: delta, ci: [delta, delta], pValue: delta === 0 ? 1 : 0 };
  const rho = sequentialRho(alpha, tuning);
  const r2 = rho * rho;
  const tr = n * r2 + 1;
  const half = se * sequentialMultiplier(n, alpha, tuning);
  const st2 = (delta * delta * n) / (se * se);
  const logE = (r2 * st2) / (2 * tr) - 0.5 * Math.log(tr);
  const pValue = logE <= 0 ? 1 : Math.exp(-logE);
  return { estimate: delta, ci: [delta - half, delta + half], pValue };
}
