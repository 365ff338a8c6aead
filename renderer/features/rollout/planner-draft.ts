/** The stage planner's form: its inputs as typed (strings) ↔ the contract's `PlannerInputs`. */
import type { PlannerInputs } from '../../../shared/rollout-plans.ts';
import { DAY_MS, formatDuration, formatFraction, formatValue } from '../../lib/format.ts';

/** The planner's inputs as typed. Percent fields are 0–100; durations in days. */
export interface PlannerDraft {
  trafficPerDay: string;
  metricKind: 'proportion' | 'mean';
  /** Baseline rate, percent (e.g. `2` for a 2 % error rate). */
  baselineRatePercent: string;
  baselineMean: string;
  sd: string;
  /** Smallest regression to catch, percent relative to the baseline (e.g. `20`). */
  minDetectablePercent: string;
  alpha: string;
  power: string;
  minObservationDays: string;
  maxObservationDays: string;
  controlSharePercent: string;
}

/** The planner form's defaults: 20,000 units/day, a 2 % baseline rate, catch a 20 % regression. */
export const initialPlannerDraft = (): PlannerDraft => ({
  trafficPerDay: '20000',
  metricKind: 'proportion',
  baselineRatePercent: '2',
  baselineMean: '',
  sd: '',
  minDetectablePercent: '20',
  alpha: '0.05',
  power: '0.8',
  minObservationDays: '3',
  maxObservationDays: '7',
  controlSharePercent: '100',
});

/** The planner's inputs (`rollout.plan`), or the first error. */
export function plannerDraftToInputs(
  d: PlannerDraft,
): { ok: true; inputs: PlannerInputs } | { ok: false; message: string } {
  const num = (s: string) => (s.trim() === '' ? NaN : Number(s.trim()));
  const traffic = num(d.trafficPerDay);
  if (!(traffic > 0)) return { ok: false, message: 'traffic per day must be a number above 0' };
  let metric: PlannerInputs['metric'];
  if (d.metricKind === 'proportion') {
    const rate = num(d.baselineRatePercent) / 100;
    if (!(rate > 0 && rate < 1)) return { ok: false, message: 'baseline rate must be between 0 and 100 %' };
    metric = { kind: 'proportion', baselineRate: rate };
  } else {
    const mean = num(d.baselineMean);
    const sd = num(d.sd);
    if (!Number.isFinite(mean) || mean === 0)
      return { ok: false, message: 'baseline mean must be a number other than 0' };
    if (!(sd > 0)) return { ok: false, message: 'standard deviation must be above 0' };
    metric = { kind: 'mean', baselineMean: mean, sd };
  }
  const mde = num(d.minDetectablePercent) / 100;
  if (!(mde > 0 && mde <= 10))
    return { ok: false, message: 'smallest regression to catch must be above 0 % (and at most 1000 %)' };
  const alpha = num(d.alpha);
  if (!(alpha > 0 && alpha < 0.5)) return { ok: false, message: 'α must be between 0 and 0.5' };
  const power = num(d.power);
  if (!(power > 0.5 && power < 1)) return { ok: false, message: 'power must be between 0.5 and 1' };
  const minDays = num(d.minObservationDays);
  const maxDays = num(d.maxObservationDays);
  if (!(minDays >= 0)) return { ok: false, message: 'minimum observation must be ≥ 0 days' };
  if (!(maxDays >= minDays)) return { ok: false, message: 'maximum observation must be ≥ the minimum' };
  const share = num(d.controlSharePercent) / 100;
  if (!(share > 0 && share <= 1))
    return { ok: false, message: 'control share must be above 0 and at most 100 %' };
  return {
    ok: true,
    inputs: {
      trafficPerDay: traffic,
      metric,
      minDetectableRelative: mde,
      alpha,
      power,
      minObservationMs: Math.round(minDays * DAY_MS),
      maxObservationMs: Math.round(maxDays * DAY_MS),
      controlShare: share,
    },
  };
}

/** The planner's inputs as sentences, for "this plan came from…". */
export function describePlannerInputs(i: PlannerInputs): string[] {
  const metric =
    i.metric.kind === 'proportion'
      ? `baseline rate ${formatFraction(i.metric.baselineRate)}`
      : `baseline mean ${formatValue(i.metric.baselineMean)} (sd ${formatValue(i.metric.sd)})`;
  return [
    `traffic ${Math.round(i.trafficPerDay).toLocaleString('en-US')} units/day`,
    metric,
    `smallest regression to catch ${formatFraction(i.minDetectableRelative)} relative`,
    `α ${formatValue(i.alpha)} (one-sided), power ${formatValue(i.power)}`,
    `observation ${formatDuration(i.minObservationMs)} – ${formatDuration(i.maxObservationMs)} per stage`,
    `control share ${formatFraction(i.controlShare)}`,
  ];
}
