/**
 * Pure view logic of the threshold simulator: the 0.001 threshold grid and its lookups into a
 * precomputed sweep, the slices of a prediction log, A/B defaults, and the A/B form's checks and
 * messages. No React, no API.
 */
import type { ApiError } from '../../../shared/contract.ts';
import type { PredictionLog, Slice, SweepPoint, SweepSeries } from '../../../shared/simulator.ts';

/** One side of the model A/B as typed: a model version and its threshold (0–1, as text). */
export interface AbSideDraft {
  modelVersion: string;
  threshold: string;
}

/** The model A/B form as typed: segment (`null` = all), both sides, ship margin in pp (as text). */
export interface AbDraft {
  segment: string | null;
  control: AbSideDraft;
  treatment: AbSideDraft;
  shipMarginPp: string;
}

/** A/B fields that can be invalid. */
export type AbField =
  | 'control.threshold'
  | 'treatment.threshold'
  | 'shipMarginPp'
  | 'control.modelVersion'
  | 'treatment.modelVersion';
/** Plain-language messages shown next to A/B fields, by field. */
export type AbFieldErrors = Partial<Record<AbField, string>>;

/** Side by side fetches at most this many slices. */
export const MAX_SIDE_BY_SIDE_SLICES = 48;

/** Cache key of a slice of a log. */
export function sliceKey(logId: number, slice: Slice): string {
  return JSON.stringify([logId, slice.modelVersion, slice.segment]);
}

/** Round to the 0.001 grid and clamp to [0, 1]; `null` for anything that is not a number. */
export function toGrid(t: number): number | null {
  if (!Number.isFinite(t)) return null;
  return Math.min(1, Math.max(0, Math.round(t * 1000) / 1000));
}

/**
 * The precomputed point at threshold `t`: `points[round(t × (size − 1))]`
 * (size 1001 → step 0.001). `null` for an empty series.
 */
export function pointAt(series: SweepSeries | null | undefined, t: number): SweepPoint | null {
  if (!series || series.points.length === 0) return null;
  const last = series.points.length - 1;
  const i = Math.min(last, Math.max(0, Math.round(t * last)));
  return series.points[i] ?? null;
}

/** Every slice of a log: all, each model version, each segment, each version × segment. */
export function slicesOf(log: Pick<PredictionLog, 'modelVersions' | 'segments'>): Slice[] {
  const out: Slice[] = [];
  for (const modelVersion of [null, ...log.modelVersions])
    for (const segment of [null, ...log.segments]) out.push({ modelVersion, segment });
  return out;
}

/** A/B defaults: v2.3 → v2.4 when present, else the two last versions in order. */
export function defaultAbVersions(
  versions: readonly string[],
): { control: string; treatment: string } | null {
  if (versions.length < 2) return null;
  if (versions.includes('v2.3') && versions.includes('v2.4')) return { control: 'v2.3', treatment: 'v2.4' };
  const sorted = [...versions].sort((a, b) => a.localeCompare(b, undefined, { numeric: true }));
  return { control: sorted[sorted.length - 2]!, treatment: sorted[sorted.length - 1]! };
}

/**
 * A recommended threshold moved onto the 0.001 grid: rounded **up**, since the
 * recommendation is the lowest threshold meeting the target (anything lower
 * does not), so lookups stay exact.
 */
export function gridAtOrAbove(t: number): number {
  return Math.min(1, Math.ceil(Math.round(t * 1e9) / 1e6) / 1000);
}

/** Threshold as the inputs show it: `0.8` → `0.80`, `0.835` → `0.835`. */
export function thresholdText(t: number): string {
  const two = t.toFixed(2);
  return Number(two) === t ? two : String(Number(t.toFixed(3)));
}
/** The side-by-side slices of the open log (capped at {@link MAX_SIDE_BY_SIDE_SLICES}). */
export function sideBySideSlices(log: Pick<PredictionLog, 'modelVersions' | 'segments'>): {
  slices: Slice[];
  total: number;
} {
  const all = slicesOf(log);
  return { slices: all.slice(0, MAX_SIDE_BY_SIDE_SLICES), total: all.length };
}

function parseNumberish(text: string): number {
  const t = text.trim();
  return t === '' ? Number.NaN : Number(t);
}

/** `text` as a number in [lo, hi], or `null` when it is empty, not a number or out of range. */
export function numberIn(text: string, lo: number, hi: number): number | null {
  const x = parseNumberish(text);
  return Number.isFinite(x) && x >= lo && x <= hi ? x : null;
}

const FIELD_LABEL: Record<AbField, string> = {
  'control.threshold': 'Control threshold',
  'treatment.threshold': 'Treatment threshold',
  shipMarginPp: 'Ship margin',
  'control.modelVersion': 'Control model version',
  'treatment.modelVersion': 'Treatment model version',
};
const RANGE_MESSAGE: Partial<Record<AbField, string>> = {
  'control.threshold': 'Control threshold must be between 0 and 1',
  'treatment.threshold': 'Treatment threshold must be between 0 and 1',
  shipMarginPp: 'Ship margin must be between 0 and 100 pp',
};

/**
 * Checks the A/B inputs as typed: thresholds are numbers in 0–1, the ship margin a number in
 * 0–100 (pp).
 * @returns the plain-language message per bad field and, when there is none, the request input
 *   (`input` is `null` otherwise).
 */
export function validateAbDraft(ab: AbDraft): {
  errors: AbFieldErrors;
  input: { control: number; treatment: number; shipMarginPp: number } | null;
} {
  const control = numberIn(ab.control.threshold, 0, 1);
  const treatment = numberIn(ab.treatment.threshold, 0, 1);
  const shipMarginPp = numberIn(ab.shipMarginPp, 0, 100);
  const errors: AbFieldErrors = {};
  if (control === null) errors['control.threshold'] = RANGE_MESSAGE['control.threshold'];
  if (treatment === null) errors['treatment.threshold'] = RANGE_MESSAGE['treatment.threshold'];
  if (shipMarginPp === null) errors.shipMarginPp = RANGE_MESSAGE.shipMarginPp;
  return {
    errors,
    input:
      control === null || treatment === null || shipMarginPp === null
        ? null
        : { control, treatment, shipMarginPp },
  };
}

/**
 * A server `BAD_INPUT` of the form "control.threshold: Too big: …" as a message for that field
 * (range fields get the same wording as {@link validateAbDraft}); `null` for other errors.
 */
export function abFieldErrorFromServer(error: ApiError): AbFieldErrors | null {
  if (error.code !== 'BAD_INPUT') return null;
  const m = /^([\w.]+): (.*)$/s.exec(error.message);
  const field = m?.[1] as AbField | undefined;
  if (!m || !field || !(field in FIELD_LABEL)) return null;
  return { [field]: RANGE_MESSAGE[field] ?? `${FIELD_LABEL[field]}: ${m[2]}` };
}
