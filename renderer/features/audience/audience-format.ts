/**
 * Pure helpers of the audience panel: key-list parsing in the browser, cohort and reason labels,
 * stacked-bar segments and the monotonicity sentence. Counts and shares are formatted by
 * lib/format.ts.
 */
import { parse } from 'csv-parse/browser/esm/sync';
import {
  COHORTS,
  parseKeyList,
  type AudiencePreview,
  type Cohort,
  type CohortCounts,
  type CohortReason,
} from '../../../shared/audience.ts';
import { count } from '../../lib/format.ts';

/** Keys of pasted text or a picked file: one per line, or a CSV with a `key` column. */
export function readKeys(text: string): { keys: string[]; format: 'lines' | 'csv' } {
  return parseKeyList(
    text,
    (t) =>
      parse(t, { bom: true, relax_column_count: true, skip_empty_lines: true, trim: true }) as string[][],
  );
}

/** Display names of the cohorts. */
export const COHORT_LABELS: Record<Cohort, string> = {
  treatment: 'Treatment',
  control: 'Control',
  excluded: 'Excluded',
};

/** Display texts of the cohort reasons. */
export const REASON_LABELS: Record<CohortReason, string> = {
  'allow-listed': 'allow-listed',
  'in-rollout': 'in rollout',
  'not-in-rollout': 'not in rollout',
  blocked: 'blocked',
  killed: 'killed',
};

/** One segment of a stacked bar: cohort, count and share of the total in % (0–100). */
export interface BarSegment {
  cohort: Cohort;
  count: number;
  percent: number;
}

/** Stacked-bar segments of cohort counts, in cohort order; empty cohorts are kept with 0 %. */
export function barSegments(counts: CohortCounts): BarSegment[] {
  const total = COHORTS.reduce((s, c) => s + counts[c], 0);
  return COHORTS.map((cohort) => ({
    cohort,
    count: counts[cohort],
    percent: total ? (100 * counts[cohort]) / total : 0,
  }));
}

/** One sentence on monotonicity, or `null` when the rollout does not change. */
export function monotonicText(p: AudiencePreview): string | null {
  const rb = p.before.rolloutPercent;
  const ra = p.after.rolloutPercent;
  if (p.monotonic === null) return null;
  const grows = ra !== null && rb !== null && ra > rb;
  return p.monotonic
    ? `Rollout ${rb}% → ${ra}% ${grows ? 'only adds users' : 'only removes users'}: checked on all ${count(p.keys.unique)} keys.`
    : `Rollout ${rb}% → ${ra}%: ${count(p.monotonicViolations)} keys move against the change.`;
}
