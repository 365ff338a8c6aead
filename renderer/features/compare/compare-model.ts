/**
 * Pure view logic of the cohort comparison: the window and adjustment choices, what a row shows
 * for its difference (from the row's own method), forest-plot and time-series chart data, the
 * default expected split of a new metric, and the "Add metric" form → `MetricDefinition`. No React,
 * no API.
 */
import type { FlagRef, FleetRow } from '../../../shared/domain.ts';
import type {
  Direction,
  MetricComparison,
  MetricDefinition,
  MetricKind,
  MetricSeries,
  Window,
} from '../../../shared/metrics.ts';
import { toRef } from '../../lib/flag-ref.ts';

/** The time windows offered: last 15 min, 1 h, 24 h or 7 d. */
export type WindowKey = '15m' | '1h' | '24h' | '7d';
/** Each window's label and length in minutes, in the order offered. */
export const WINDOWS: { key: WindowKey; label: string; minutes: number }[] = [
  { key: '15m', label: 'last 15 min', minutes: 15 },
  { key: '1h', label: 'last 1 h', minutes: 60 },
  { key: '24h', label: 'last 24 h', minutes: 60 * 24 },
  { key: '7d', label: 'last 7 d', minutes: 60 * 24 * 7 },
];

/** The multiple-testing adjustment: Holm, Benjamini–Hochberg, or none. */
export type Adjust = 'holm' | 'bh' | 'none';
/** Each adjustment's label, in the order offered. */
export const ADJUSTMENTS: { key: Adjust; label: string }[] = [
  { key: 'holm', label: 'Holm' },
  { key: 'bh', label: 'Benjamini–Hochberg' },
  { key: 'none', label: 'none' },
];

/** How the forest plot draws intervals: relative (lift) or absolute (Δ). */
export type Scale = 'relative' | 'absolute';

/** The "Add metric" form as typed (numbers and lists are parsed on submit; the server validates). */
export interface DefineDraft {
  name: string;
  kind: MetricKind;
  direction: Direction;
  unit: string;
  sourceType: 'events' | 'prometheus';
  /** The allow-listed Prometheus source (`sources.list`) the metric names. */
  dataSource: string;
  query: string;
  denominator: string;
  controlVariant: string;
  treatmentVariant: string;
  /** Expected share of control, e.g. `0.5`; empty = no SRM check. */
  expectedControlShare: string;
  guardrail: boolean;
}

/** A new metric's form: a binomial, higher-is-better events metric of `control` vs `treatment`, no SRM check. */
export const initialDefineDraft = (): DefineDraft => ({
  name: '',
  kind: 'binomial',
  direction: 'higher-is-better',
  unit: '',
  sourceType: 'events',
  dataSource: '',
  query: '',
  denominator: '',
  controlVariant: 'control',
  treatmentVariant: 'treatment',
  expectedControlShare: '',
  guardrail: false,
});

/** The default expected control share of a new metric and where it came from (shown in the form). */
export interface SplitDefault {
  /** Control share in (0, 1), or `null`: no default (the field starts empty = no SRM check). */
  share: number | null;
  /** One sentence for the form: the flag's split, or why there is no default. */
  text: string;
}

/** The contract's window for a window key (`{ lastMinutes }`; 60 for an unknown key). */
export function windowOf(key: WindowKey): Window {
  return { lastMinutes: WINDOWS.find((w) => w.key === key)?.minutes ?? 60 };
}

/** What a row shows for its difference, lift and p-value: all from the row's one method. */
export interface RowResult {
  method: MetricComparison['method']['kind'];
  /** Δ of the row's statistic and its interval. */
  estimate: number;
  ci: [number, number];
  pValue: number;
  /** Lift Δ/|control|; `ci` null when the method's interval is unbounded. Null without a baseline. */
  lift: { estimate: number; ci: [number, number] | null } | null;
}

/**
 * The difference, lift and p-value of a row from the method the core used for its verdict
 * (`row.method`): the always-valid sequence and lift of a sequential row, the fixed-horizon
 * ones otherwise (quantile metrics are always fixed-horizon). Never mixes the two; `null` when
 * the row has no estimate in its method.
 */
export function effectiveResult(row: MetricComparison): RowResult | null {
  if (!row.absolute) return null;
  const estimate = row.absolute.estimate;
  const base = row.statistic.control;
  const pointLift = base !== null && base !== 0 ? estimate / Math.abs(base) : null;
  const lift = (r: { estimate: number; ci: [number, number] } | null): RowResult['lift'] =>
    r ? { estimate: r.estimate, ci: r.ci } : pointLift === null ? null : { estimate: pointLift, ci: null };
  if (row.method.kind === 'sequential') {
    if (!row.sequential) return null;
    const s = row.sequential;
    return { method: 'sequential', estimate, ci: s.ci, pValue: s.pValue, lift: lift(s.relative) };
  }
  const a = row.absolute;
  return { method: 'fixed-horizon', estimate, ci: a.ci, pValue: a.pValue, lift: lift(row.relative) };
}

/**
 * The default expected control share of a new metric: the flag's ACTUAL split now, never a
 * silent 0.5.
 *
 * 1. The flag is off → none (nobody is in treatment).
 * 2. The flag lists the metric's control and treatment variants with weights (multivariate flags,
 *    the embedded provider's `control` / `treatment`) → w_control / (w_control + w_treatment):
 *    this also covers a control that is a separate cohort (a holdout variant).
 * 3. A rollout % strictly between 0 and 100 → 1 − rollout/100: treatment is the rollout and
 *    control every other unit (our choice when no variant weights say otherwise; a control that is a
 *    separate cohort, e.g. a holdout of equal size, must be entered by hand — the form says so).
 * 4. Otherwise (no rollout %, 0 % or 100 %, flag not loaded) → none, with why.
 *
 * Allow/block lists move a few named units and are ignored.
 */
export function defaultControlShare(
  flag: FleetRow | null,
  controlVariant: string,
  treatmentVariant: string,
): SplitDefault {
  const share = (x: number) => Number(x.toFixed(6));
  const edit = 'Edit it if your control is a separate cohort (e.g. a holdout); empty = no check.';
  if (!flag)
    return {
      share: null,
      text: "The flag's current split is not known: enter the control share of the two cohorts, or leave empty for no check.",
    };
  if (!flag.layers.enabled)
    return {
      share: null,
      text: 'The flag is off (nobody in treatment): enter the control share you will run, or leave empty for no check.',
    };
  const weight = (key: string) => flag.variants.find((v) => v.key === key)?.weightPercent ?? null;
  const wc = weight(controlVariant.trim() || 'control');
  const wt = weight(treatmentVariant.trim() || 'treatment');
  if (wc !== null && wt !== null && wc > 0 && wt > 0)
    return {
      share: share(wc / (wc + wt)),
      text: `From the flag's current split (variant weights): ${share(wc)} % control, ${share(wt)} % treatment. ${edit}`,
    };
  const r = flag.layers.rolloutPercent;
  if (r === null)
    return {
      share: null,
      text: 'The flag has no rollout percentage: enter the control share of the two cohorts, or leave empty for no check.',
    };
  if (r <= 0 || r >= 100)
    return {
      share: null,
      text: `The flag is at ${r} %: there is no ${r <= 0 ? 'treatment' : 'control'} cohort outside the rollout. Enter the control share if your cohorts are split otherwise, or leave empty for no check.`,
    };
  return {
    share: share(1 - r / 100),
    text: `From the flag's current rollout: ${share(r)} % in treatment, ${share(100 - r)} % in control (every unit outside the rollout). ${edit}`,
  };
}

/** One bar of the forest plot. */
export interface ForestDatum {
  metric: string;
  estimate: number;
  /** [low, high]. */
  range: [number, number];
  verdict: MetricComparison['verdict'];
  guardrail: boolean;
  direction: Direction;
  /** The method of the interval (the row's, also the verdict's). */
  method: RowResult['method'];
  /** The compared statistic (`rate`, `mean`, `p95`…). */
  statistic: string;
}

/**
 * Forest-plot data: per metric its relative (lift) or absolute interval from the row's own
 * method ({@link effectiveResult}), so the drawn interval is the one the verdict read. Rows without
 * an estimate or with an unbounded lift interval are left out.
 */
export function forestData(rows: readonly MetricComparison[], scale: Scale): ForestDatum[] {
  const out: ForestDatum[] = [];
  for (const r of rows) {
    const eff = effectiveResult(r);
    if (!eff) continue;
    let estimate: number;
    let range: [number, number];
    if (scale === 'relative') {
      if (!eff.lift?.ci) continue;
      estimate = eff.lift.estimate;
      range = [eff.lift.ci[0], eff.lift.ci[1]];
    } else {
      estimate = eff.estimate;
      range = [eff.ci[0], eff.ci[1]];
    }
    if (![estimate, ...range].every(Number.isFinite)) continue;
    out.push({
      metric: r.metric.name,
      estimate,
      range,
      verdict: r.verdict,
      guardrail: r.metric.guardrail,
      direction: r.metric.direction,
      method: eff.method,
      statistic: r.statistic.label,
    });
  }
  return out;
}

/** Series merged for a line chart: one entry per minute, one key per variant. */
export function seriesChartData(series: readonly MetricSeries[]): Record<string, number | string>[] {
  const byT = new Map<string, Record<string, number | string>>();
  for (const s of series)
    for (const p of s.points) {
      const entry = byT.get(p.t) ?? { t: p.t, ms: Date.parse(p.t) };
      entry[s.variant] = p.value;
      byT.set(p.t, entry);
    }
  return [...byT.values()].sort((a, b) => (a.ms as number) - (b.ms as number));
}

/** The definition the "Add metric" form would send, or an error message. */
export function draftToDefinition(
  ref: FlagRef,
  d: DefineDraft,
): { ok: true; value: MetricDefinition } | { ok: false; message: string } {
  const shareText = d.expectedControlShare.trim();
  let expectedSplit: [number, number] | null = null;
  if (shareText !== '') {
    const share = Number(shareText);
    if (!Number.isFinite(share) || share <= 0 || share >= 1)
      return { ok: false, message: 'expected control share must be a number between 0 and 1' };
    expectedSplit = [share, Number((1 - share).toFixed(6))];
  }
  if (d.sourceType === 'prometheus' && !d.dataSource)
    return {
      ok: false,
      message:
        'choose a Prometheus source; the allow-list is set on the machine running the control room: ' +
        'rcr sources add prometheus --name NAME --url URL',
    };
  const source: MetricDefinition['source'] =
    d.sourceType === 'events'
      ? { type: 'events' }
      : {
          type: 'prometheus',
          dataSource: d.dataSource,
          query: d.query.trim(),
          ...(d.denominator.trim() ? { denominator: d.denominator.trim() } : {}),
          stepSeconds: 15,
        };
  return {
    ok: true,
    value: {
      flag: toRef(ref),
      name: d.name.trim(),
      kind: d.kind,
      direction: d.direction,
      unit: d.unit.trim(),
      source,
      controlVariant: d.controlVariant.trim() || 'control',
      treatmentVariant: d.treatmentVariant.trim() || 'treatment',
      expectedSplit,
      guardrail: d.guardrail,
    },
  };
}
