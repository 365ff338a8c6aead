/**
 * A prediction file read into columns in memory (for the CLI's file-based
 * sweep and recommend, without a database): confidences as Float64, labels as
 * Uint8, model version and segment dictionary-encoded. ~11 bytes per row.
 */
import type { Slice } from '../../../shared/simulator.ts';
import { readPredictions, type ReadProgress } from './prediction-reader.ts';

/** Columns of a prediction file. */
export interface PredictionColumns {
  length: number;
  confidences: Float64Array;
  labels: Uint8Array;
  /** Index into `modelVersions`, or 0xffff for none. */
  modelVersion: Uint16Array;
  /** Index into `segments`, or 0xffff for none. */
  segment: Uint16Array;
  modelVersions: string[];
  segments: string[];
}

const NONE = 0xffff;

function grow<T extends Float64Array | Uint8Array | Uint16Array>(a: T, size: number): T {
  const b = new (a.constructor as new (n: number) => T)(size);
  b.set(a);
  return b;
}

/**
 * Streams `file` into columns.
 * @throws PredictionFormatError for bad rows; RangeError past 65,534 distinct model versions or segments.
 */
export async function readPredictionColumns(
  file: string,
  onProgress?: (p: ReadProgress) => void,
): Promise<PredictionColumns> {
  let cap = 1 << 16;
  let confidences = new Float64Array(cap);
  let labels = new Uint8Array(cap);
  let mv = new Uint16Array(cap);
  let seg = new Uint16Array(cap);
  const mvIndex = new Map<string, number>();
  const segIndex = new Map<string, number>();
  const code = (dict: Map<string, number>, v: string | null, what: string): number => {
    if (v === null) return NONE;
    let k = dict.get(v);
    if (k === undefined) {
      if (dict.size >= NONE) throw new RangeError(`more than ${NONE - 1} distinct ${what} values`);
      k = dict.size;
      dict.set(v, k);
    }
    return k;
  };
  let n = 0;
  await readPredictions(
    file,
    (r) => {
      if (n === cap) {
        cap *= 2;
        confidences = grow(confidences, cap);
        labels = grow(labels, cap);
        mv = grow(mv, cap);
        seg = grow(seg, cap);
      }
      confidences[n] = r.confidence;
      labels[n] = r.label;
      mv[n] = code(mvIndex, r.modelVersion, 'model_version');
      seg[n] = code(segIndex, r.segment, 'segment');
      n++;
    },
    onProgress,
  );
  return {
    length: n,
    confidences: confidences.subarray(0, n),
    labels: labels.subarray(0, n),
    modelVersion: mv.subarray(0, n),
    segment: seg.subarray(0, n),
    modelVersions: [...mvIndex.keys()],
    segments: [...segIndex.keys()],
  };
}

/** Confidences and labels of one slice (`null` = all); an unknown name selects nothing. */
export function selectSlice(
  c: PredictionColumns,
  slice: Slice,
): { confidences: Float64Array; labels: Uint8Array } {
  if (slice.modelVersion === null && slice.segment === null)
    return { confidences: c.confidences, labels: c.labels };
  const mv = slice.modelVersion === null ? -1 : c.modelVersions.indexOf(slice.modelVersion);
  const sg = slice.segment === null ? -1 : c.segments.indexOf(slice.segment);
  if ((slice.modelVersion !== null && mv < 0) || (slice.segment !== null && sg < 0))
    return { confidences: new Float64Array(0), labels: new Uint8Array(0) };
  let count = 0;
  const keep = (i: number): boolean =>
    (mv < 0 || c.modelVersion[i] === mv) && (sg < 0 || c.segment[i] === sg);
  for (let i = 0; i < c.length; i++) if (keep(i)) count++;
  const confidences = new Float64Array(count);
  const labels = new Uint8Array(count);
  for (let i = 0, k = 0; i < c.length; i++)
    if (keep(i)) {
      confidences[k] = c.confidences[i] as number;
      labels[k++] = c.labels[i] as number;
    }
  return { confidences, labels };
}
