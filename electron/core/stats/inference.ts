/**
 * Two-sample inference on summary statistics: Welch's t-test, the delta-method
 * relative lift, the sample-ratio-mismatch (SRM) chi-square test and the
 * always-valid confidence sequence of the sequential mode.
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
 * Relative lift Δ_rel = (mean_b − mean_a)/|mean_a| with the delta-method variance
 *
 *   var(Δ_rel) = var_b/(n_b·mean_a²) + var_a·mean_b²/(n_a·mean_a⁴)
 *
 * and the interval Δ_rel ± tCrit·sqrt(var(Δ_rel)), `tCrit` being the Welch
 * quantile of the absolute difference. Source: the first-order delta method for
 * a ratio of independent means (e.g. Kohavi, Tang & Xu, "Trustworthy Online
 * Controlled Experiments", 2020, ch. 18); the same variance as GrowthBook's
 * gbstats `TTest.variance` (packages/stats/gbstats/frequentist/tests.py).
 * @returns null when mean_a is 0 (no baseline to be relative to).
 */
export function relativeLift(a: Moments, b: Moments, tCrit: number): Interval | null {
  if (a.mean === 0) return null;
  const ma2 = a.mean * a.mean;
  const estimate = (b.mean - a.mean) / Math.abs(a.mean);
  const v = b.variance / (b.n * ma2) + (a.variance * b.mean * b.mean) / (a.n * ma2 * ma2);
  const half = tCrit * Math.sqrt(v);
  return { estimate, ci: [estimate - half, estimate + half] };
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

export interface SequentialResult extends Interval {
  /** Always-valid two-sided p-value of H0: Δ = 0. */
  pValue: number;
}

/**
 * Always-valid (time-uniform) confidence sequence and p-value for Δ, valid under
 * continuous monitoring ("peeking").
 *
 * With n = n_a + n_b, per-unit variance s² = se²·n and ρ from {@link sequentialRho}:
 *
 *   halfwidth = sqrt(s²) · sqrt( 2(nρ²+1)/(n²ρ²) · ln( sqrt(nρ²+1)/α ) )      (eq. 9)
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
  const s2 = se * se * n;
  const half = Math.sqrt(s2) * Math.sqrt(((2 * tr) / (n * n * r2)) * Math.log(Math.sqrt(tr) / alpha));
  const st2 = (delta * delta * n) / (se * se);
  const logE = (r2 * st2) / (2 * tr) - 0.5 * Math.log(tr);
  const pValue = logE <= 0 ? 1 : Math.exp(-logE);
  return { estimate: delta, ci: [delta - half, delta + half], pValue };
}
