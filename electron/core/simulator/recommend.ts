/**
 * Threshold recommendations and model A/B decisions (pure).
 *
 * Recommendation: the LOWEST threshold whose metrics meet the target — for a
 * precision target optionally its Wilson lower bound (the seeds' decision tree:
 * "precision ≥ target → lower the threshold for coverage; below → raise it;
 * nothing meets it → roll back the model, not the threshold").
 */
import type { AbResult, Recommendation, Slice, SweepPoint, Target } from '../../../shared/simulator.ts';
import { allPoints, type SweepTable } from './sweep.ts';

const pct = (x: number): string => `${(x * 100).toFixed(1)}%`;

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

/** The lowest threshold of `table` meeting `target`, with a plain-language message. */
export function recommend(table: SweepTable, slice: Slice, target: Target): Recommendation {
  const what = describeTarget(target);
  if (target.kind === 'min-precision' && table.positives === 0)
    return {
      slice,
      threshold: null,
      point: null,
      message: `${sliceName(slice)}: no positives, precision is 0 at every threshold; roll back the model, not the threshold`,
    };
  if (target.kind === 'max-fpr' && table.negatives === 0)
    return {
      slice,
      threshold: null,
      point: null,
      message: `${sliceName(slice)}: no negatives, the false-positive rate is undefined`,
    };
  for (const p of allPoints(table)) {
    if (meets(p, target))
      return {
        slice,
        threshold: p.threshold,
        point: p,
        message: `${sliceName(slice)}: lowest threshold meeting ${what} is ${p.threshold} — coverage ${pct(p.coverage)}, precision ${p.precision === null ? 'undefined' : pct(p.precision)}`,
      };
  }
  return {
    slice,
    threshold: null,
    point: null,
    message: `${sliceName(slice)}: no threshold meets ${what}; roll back the model, not the threshold`,
  };
}

/**
 * Model A/B at their thresholds: ship if treatment precision ≥ control + margin (pp),
 * roll back if below control, otherwise hold (seed 002's decision rule, margin configurable).
 */
export function abDecision(control: SweepPoint, treatment: SweepPoint, shipMarginPp: number): AbResult {
  const coverageDiffPp = (treatment.coverage - control.coverage) * 100;
  if (control.precision === null || treatment.precision === null)
    return {
      control,
      treatment,
      precisionDiffPp: null,
      coverageDiffPp,
      decision: 'insufficient',
      rationale: `precision is undefined for the ${control.precision === null ? 'control' : 'treatment'} model at its threshold (nothing covered)`,
    };
  const diff = (treatment.precision - control.precision) * 100;
  const decision = diff >= shipMarginPp ? 'ship' : diff < 0 ? 'roll-back' : 'hold';
  const rationale =
    decision === 'ship'
      ? `treatment precision ${pct(treatment.precision)} is ${diff.toFixed(1)} pp above control (≥ ${shipMarginPp} pp): ship`
      : decision === 'roll-back'
        ? `treatment precision ${pct(treatment.precision)} is ${(-diff).toFixed(1)} pp below control: roll back`
        : `treatment precision is ${diff.toFixed(1)} pp above control, less than the ${shipMarginPp} pp needed to ship: hold`;
  return { control, treatment, precisionDiffPp: diff, coverageDiffPp, decision, rationale };
}
