/**
 * The rollout planner: sizes each stage by power analysis and lays out the expected calendar.
 *
 * Sample size per cohort for a one-sided two-sample z-test (normal approximation) at level α with
 * power 1 − β, allocation ratio r = n_control / n_treatment:
 *
 *   n_treatment = (z_{1−α} + z_{1−β})² · (1 + 1/r) / d²,   n_control = r · n_treatment
 *
 * where d is the standardized effect:
 * - proportion (two-proportion test, arcsine variance-stabilised): Cohen's h
 *   d = |2·asin(√p₁) − 2·asin(√p₀)|, p₀ the baseline rate, p₁ = p₀·(1 + mde)
 *   (J. Cohen, "Statistical Power Analysis for the Behavioral Sciences", 2nd ed. 1988, §6.2);
 * - mean: d = mde·|μ₀| / σ (Chow, Shao & Wang, "Sample Size Calculations in Clinical Research",
 *   2nd ed. 2008, §3.2.1, one-sided two-sample test with known variance).
 *
 * This is exactly statsmodels' `NormalIndPower().solve_power(effect_size=d, alpha, power,
 * ratio=r, alternative='larger')` (statsmodels/stats/power.py), checked against it by
 * test/fixtures/planner (made by make_fixtures.py there). Quantiles come from
 * `@stdlib/stats-base-dists-normal-quantile`.
 *
 * Stage duration = clamp(max(min observation, n / cohort traffic per day), ≤ max observation), with
 * cohort traffic: treatment = traffic · p, control = traffic · (1 − p) · controlShare at a stage of
 * p %. The last stage at 100 % has no control cohort: it only observes for the minimum time.
 */
import normalQuantile from '@stdlib/stats-base-dists-normal-quantile';
import {
  DAY_MS,
  type PlannedStage,
  type PlannerInputs,
  type PlannerResult,
  type Stage,
} from '../../../shared/rollout-plans.ts';
import { CoreError } from '../errors.ts';

/** Standard normal quantile. */
const z = (p: number): number => normalQuantile(p, 0, 1);

/** The standardized effect d of the planner's metric (see the module docs). */
export function standardizedEffect(inputs: PlannerInputs): { d: number; effect: number; method: string } {
  const m = inputs.metric;
  const mde = inputs.minDetectableRelative;
  if (m.kind === 'proportion') {
    const p0 = m.baselineRate;
    const p1 = p0 * (1 + mde);
    if (!(p1 < 1))
      throw new CoreError(
        'BAD_INPUT',
        `inputs.minDetectableRelative: baseline ${p0} × (1 + ${mde}) = ${p1} is not a rate below 1`,
      );
    return {
      d: Math.abs(2 * Math.asin(Math.sqrt(p1)) - 2 * Math.asin(Math.sqrt(p0))),
      effect: p1 - p0,
      method:
        "one-sided two-proportion z-test, Cohen's h (arcsine); n = (z₁₋α + z₁₋β)²·(1 + 1/r)/h² — Cohen (1988) §6.2; as statsmodels NormalIndPower",
    };
  }
  const effect = mde * Math.abs(m.baselineMean);
  return {
    d: effect / m.sd,
    effect,
    method:
      'one-sided two-sample z-test on means; n = (z₁₋α + z₁₋β)²·(1 + 1/r)·σ²/δ² — Chow, Shao & Wang (2008) §3.2.1; as statsmodels NormalIndPower',
  };
}

/**
 * Units needed in the treatment cohort (the control needs `ratio` times as many).
 * @param d standardized effect (> 0); @param ratio n_control / n_treatment (> 0).
 * @throws CoreError BAD_INPUT when d or ratio is not positive.
 */
export function sampleSizeTreatment(d: number, alpha: number, power: number, ratio = 1): number {
  if (!(d > 0)) throw new CoreError('BAD_INPUT', `the effect to detect must be above 0, got ${d}`);
  if (!(ratio > 0)) throw new CoreError('BAD_INPUT', `the allocation ratio must be above 0, got ${ratio}`);
  const s = z(1 - alpha) + z(power);
  return (s * s * (1 + 1 / ratio)) / (d * d);
}

/**
 * Sizes `stages` from `inputs`: per stage the sample per cohort (rounded up; the smaller cohort's
 * requirement), the duration and the calendar from `inputs.startAt` (default `now`).
 * @returns the planner result and the stages with `minObservationMs` and `minSamplePerCohort` set.
 * @throws CoreError BAD_INPUT for impossible inputs (e.g. a baseline rate × (1 + mde) ≥ 1).
 */
export function planStages(
  stages: readonly Stage[],
  inputs: PlannerInputs,
  now: number,
): { stages: Stage[]; result: PlannerResult } {
  if (inputs.maxObservationMs < inputs.minObservationMs)
    throw new CoreError(
      'BAD_INPUT',
      `inputs.maxObservationMs (${inputs.maxObservationMs}) must be at least minObservationMs (${inputs.minObservationMs})`,
    );
  const { d, effect, method } = standardizedEffect(inputs);
  const equal = Math.ceil(sampleSizeTreatment(d, inputs.alpha, inputs.power, 1));
  let at = inputs.startAt ? Date.parse(inputs.startAt) : now;
  const planned: PlannedStage[] = [];
  const out: Stage[] = stages.map((s, i) => {
    const p = s.targetPercent / 100;
    const treatmentPerDay = inputs.trafficPerDay * p;
    const controlPerDay = inputs.trafficPerDay * (1 - p) * inputs.controlShare;
    let sample = 0;
    let daysForSample = 0;
    if (controlPerDay > 0) {
      const nT = sampleSizeTreatment(d, inputs.alpha, inputs.power, controlPerDay / treatmentPerDay);
      // The gate checks the smaller cohort: the treatment below 50 %, the control above.
      const nSmall = treatmentPerDay <= controlPerDay ? nT : (nT * controlPerDay) / treatmentPerDay;
      sample = Math.ceil(nSmall);
      daysForSample = nT / treatmentPerDay;
    }
    const needMs = Math.ceil(daysForSample * DAY_MS);
    const durationMs = Math.min(inputs.maxObservationMs, Math.max(inputs.minObservationMs, needMs));
    const startsAt = new Date(at).toISOString();
    at += durationMs;
    planned.push({
      stageIndex: i,
      treatmentPerDay,
      controlPerDay,
      daysForSample,
      durationMs,
      sampleShortfall: needMs > inputs.maxObservationMs,
      startsAt,
      endsAt: new Date(at).toISOString(),
    });
    return { ...s, minObservationMs: durationMs, minSamplePerCohort: sample };
  });
  const first = planned[0];
  return {
    stages: out,
    result: {
      inputs,
      samplePerCohort: equal,
      effect,
      method,
      stages: planned,
      endsAt: new Date(at).toISOString(),
      totalDurationMs: first ? at - Date.parse(first.startsAt) : 0,
    },
  };
}
