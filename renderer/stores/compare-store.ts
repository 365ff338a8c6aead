/**
 * The cohort comparison of one flag (treatment vs control on its metrics).
 *
 * - Definitions: `metrics.list {flag}`; "Add metric" goes through `metrics.define`.
 * - Comparison: `metrics.compare` with the selected window, sequential /
 *   fixed-horizon mode and multiple-testing adjustment; answers for older
 *   inputs (or another flag) are dropped.
 * - Time series of the selected metric: `metrics.series` (already downsampled).
 * - Import of metric events (`metrics.importEvents`) with progress from `metrics.progress`.
 * - {@link refreshCompare} reloads everything keeping what is shown (the page
 *   calls it every {@link REFRESH_MS} while open).
 */
import { create } from 'zustand';
import type { ApiError, ChannelOutput, EventPayload } from '../../shared/contract.ts';
import type { FlagRef } from '../../shared/domain.ts';
import type {
  Direction,
  MetricComparison,
  MetricDefinition,
  MetricKind,
  MetricSeries,
  Window,
} from '../../shared/metrics.ts';
import { api } from '../api/current.ts';
import { sameRef, toRef } from '../lib/format.ts';
import type { LoadStatus } from './fleet-store.ts';

export const REFRESH_MS = 15_000;
export const SERIES_MAX_POINTS = 300;

export type WindowKey = '15m' | '1h' | '24h' | '7d';
export const WINDOWS: { key: WindowKey; label: string; minutes: number }[] = [
  { key: '15m', label: 'last 15 min', minutes: 15 },
  { key: '1h', label: 'last 1 h', minutes: 60 },
  { key: '24h', label: 'last 24 h', minutes: 60 * 24 },
  { key: '7d', label: 'last 7 d', minutes: 60 * 24 * 7 },
];

export type Adjust = 'holm' | 'bh' | 'none';
export const ADJUSTMENTS: { key: Adjust; label: string }[] = [
  { key: 'holm', label: 'Holm' },
  { key: 'bh', label: 'Benjamini–Hochberg' },
  { key: 'none', label: 'none' },
];

export type Scale = 'relative' | 'absolute';
export type ImportStatus = 'idle' | 'importing' | 'failed' | 'succeeded';
export type DefineStatus = 'idle' | 'saving' | 'failed';

export interface ImportState {
  open: boolean;
  path: string;
  environment: string;
  status: ImportStatus;
  progress: EventPayload<'metrics.progress'> | null;
  error: ApiError | null;
  result: ChannelOutput<'metrics.importEvents'> | null;
}

/** The "Add metric" form as typed (numbers and lists are parsed on submit; the server validates). */
export interface DefineDraft {
  name: string;
  kind: MetricKind;
  direction: Direction;
  unit: string;
  sourceType: 'events' | 'prometheus';
  url: string;
  query: string;
  denominator: string;
  controlVariant: string;
  treatmentVariant: string;
  /** Expected share of control, e.g. `0.5`; empty = no SRM check. */
  expectedControlShare: string;
  guardrail: boolean;
}

export interface DefineState {
  open: boolean;
  draft: DefineDraft;
  status: DefineStatus;
  error: ApiError | null;
}

export interface CompareState {
  ref: FlagRef | null;
  definitionsStatus: LoadStatus;
  definitions: MetricDefinition[];
  definitionsError: ApiError | null;
  compareStatus: LoadStatus;
  comparison: ChannelOutput<'metrics.compare'> | null;
  compareError: ApiError | null;
  sequential: boolean;
  window: WindowKey;
  adjust: Adjust;
  scale: Scale;
  /** Metric whose time series is shown. */
  selectedMetric: string | null;
  seriesStatus: LoadStatus;
  series: MetricSeries[];
  /** The metric `series` belongs to. */
  seriesFor: string | null;
  seriesError: ApiError | null;
  import: ImportState;
  define: DefineState;
}

const initialDraft = (): DefineDraft => ({
  name: '',
  kind: 'binomial',
  direction: 'higher-is-better',
  unit: '',
  sourceType: 'events',
  url: '',
  query: '',
  denominator: '',
  controlVariant: 'control',
  treatmentVariant: 'treatment',
  expectedControlShare: '0.5',
  guardrail: false,
});

const initialImport = (environment = ''): ImportState => ({
  open: false,
  path: '',
  environment,
  status: 'idle',
  progress: null,
  error: null,
  result: null,
});

export const initialCompareState = (): CompareState => ({
  ref: null,
  definitionsStatus: 'idle',
  definitions: [],
  definitionsError: null,
  compareStatus: 'idle',
  comparison: null,
  compareError: null,
  sequential: true,
  window: '1h',
  adjust: 'holm',
  scale: 'relative',
  selectedMetric: null,
  seriesStatus: 'idle',
  series: [],
  seriesFor: null,
  seriesError: null,
  import: initialImport(),
  define: { open: false, draft: initialDraft(), status: 'idle', error: null },
});

export const useCompareStore = create<CompareState>()(() => initialCompareState());

const get = () => useCompareStore.getState();
const set = (patch: Partial<CompareState>) => useCompareStore.setState(patch);

/* ---------------- pure helpers & selectors ---------------- */

export function windowOf(key: WindowKey): Window {
  return { lastMinutes: WINDOWS.find((w) => w.key === key)?.minutes ?? 60 };
}

/** The interval and p-value of a row in the chosen mode (sequential falls back to fixed-horizon). */
export function effectiveResult(
  row: MetricComparison,
  sequential: boolean,
): { ci: [number, number]; pValue: number; sequential: boolean } | null {
  if (sequential && row.sequential)
    return { ci: row.sequential.ci, pValue: row.sequential.pValue, sequential: true };
  if (row.absolute) return { ci: row.absolute.ci, pValue: row.absolute.pValue, sequential: false };
  return null;
}

/** Rows whose traffic split does not match the expected split. */
export const selectSrmMismatches = (s: CompareState): MetricComparison[] =>
  s.comparison?.rows.filter((r) => r.srm?.mismatch) ?? [];

/** The comparison row of the selected metric, or `null`. */
export const selectSelectedRow = (s: CompareState): MetricComparison | null =>
  s.comparison?.rows.find((r) => r.metric.name === s.selectedMetric) ?? null;

/** One bar of the forest plot. */
export interface ForestDatum {
  metric: string;
  estimate: number;
  /** [low, high]. */
  range: [number, number];
  verdict: MetricComparison['verdict'];
  guardrail: boolean;
  direction: Direction;
}

/**
 * Forest-plot data: per metric its relative (lift) or absolute interval.
 * Absolute uses the interval of the chosen mode; rows without an estimate are left out.
 */
export function forestData(
  rows: readonly MetricComparison[],
  scale: Scale,
  sequential: boolean,
): ForestDatum[] {
  const out: ForestDatum[] = [];
  for (const r of rows) {
    let estimate: number;
    let range: [number, number];
    if (scale === 'relative') {
      if (!r.relative) continue;
      estimate = r.relative.estimate;
      range = [r.relative.ci[0], r.relative.ci[1]];
    } else {
      const eff = effectiveResult(r, sequential);
      if (!eff || !r.absolute) continue;
      estimate = r.absolute.estimate;
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
  const source: MetricDefinition['source'] =
    d.sourceType === 'events'
      ? { type: 'events' }
      : {
          type: 'prometheus',
          url: d.url.trim(),
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

/* ---------------- actions ---------------- */

/** Bumped when another flag is opened or the store is reset: older answers are dropped. */
let flagGeneration = 0;
let definitionsGeneration = 0;
let compareGeneration = 0;
let seriesGeneration = 0;
let importUnsubscribe: (() => void) | null = null;

function stopImportListener(): void {
  importUnsubscribe?.();
  importUnsubscribe = null;
}

/** Open the comparison of a flag and load it. Reopening the same flag keeps the settings. */
export function openCompare(ref: FlagRef): Promise<void> {
  const clean = toRef(ref);
  if (!sameRef(get().ref, clean)) {
    flagGeneration += 1;
    stopImportListener();
    useCompareStore.setState(
      { ...initialCompareState(), ref: clean, import: initialImport(clean.environment) },
      true,
    );
  }
  return refreshCompare();
}

/** Reload definitions, the comparison and the shown series (keeps what is shown meanwhile). */
export async function refreshCompare(): Promise<void> {
  await Promise.all([loadDefinitions(), loadComparison()]);
  await loadSeries();
}

export async function loadDefinitions(): Promise<void> {
  const ref = get().ref;
  if (!ref) return;
  const gen = ++definitionsGeneration;
  const fg = flagGeneration;
  if (get().definitionsStatus !== 'ready') set({ definitionsStatus: 'loading', definitionsError: null });
  const result = await api().invoke('metrics.list', { flag: ref });
  if (gen !== definitionsGeneration || fg !== flagGeneration) return;
  if (result.ok) set({ definitionsStatus: 'ready', definitions: result.value, definitionsError: null });
  else
    set({
      definitionsStatus: get().definitionsStatus === 'ready' ? 'ready' : 'error',
      definitionsError: result.error,
    });
}

/**
 * Compare treatment vs control with the current settings. A failed refresh
 * keeps the last result (with the error shown); a failed first load is an error state.
 */
export async function loadComparison(): Promise<void> {
  const { ref, window, sequential, adjust } = get();
  if (!ref) return;
  const gen = ++compareGeneration;
  const fg = flagGeneration;
  if (get().compareStatus !== 'ready') set({ compareStatus: 'loading', compareError: null });
  const result = await api().invoke('metrics.compare', {
    flag: ref,
    window: windowOf(window),
    sequential,
    alpha: 0.05,
    adjust,
  });
  if (gen !== compareGeneration || fg !== flagGeneration) return;
  if (!result.ok) {
    set({
      compareStatus: get().comparison ? 'ready' : 'error',
      compareError: result.error,
    });
    return;
  }
  const rows = result.value.rows;
  const selected = get().selectedMetric;
  set({
    compareStatus: 'ready',
    comparison: result.value,
    compareError: null,
    selectedMetric:
      selected !== null && rows.some((r) => r.metric.name === selected)
        ? selected
        : (rows[0]?.metric.name ?? null),
  });
}

/** Load the time series of the selected metric over the window. */
export async function loadSeries(): Promise<void> {
  const { ref, selectedMetric, window } = get();
  if (!ref) return;
  const gen = ++seriesGeneration;
  const fg = flagGeneration;
  if (selectedMetric === null) {
    set({ seriesStatus: 'idle', series: [], seriesFor: null, seriesError: null });
    return;
  }
  if (get().seriesFor !== selectedMetric || get().seriesStatus !== 'ready')
    set({ seriesStatus: 'loading', seriesError: null });
  const result = await api().invoke('metrics.series', {
    flag: ref,
    metric: selectedMetric,
    window: windowOf(window),
    maxPoints: SERIES_MAX_POINTS,
  });
  if (gen !== seriesGeneration || fg !== flagGeneration) return;
  if (result.ok)
    set({ seriesStatus: 'ready', series: result.value, seriesFor: selectedMetric, seriesError: null });
  else if (get().seriesFor === selectedMetric && get().seriesStatus === 'ready')
    set({ seriesError: result.error });
  else set({ seriesStatus: 'error', series: [], seriesFor: selectedMetric, seriesError: result.error });
}

export function setSequential(sequential: boolean): Promise<void> {
  if (sequential === get().sequential) return Promise.resolve();
  set({ sequential });
  return loadComparison();
}

export function setWindow(window: WindowKey): Promise<void> {
  if (window === get().window) return Promise.resolve();
  set({ window });
  return Promise.all([loadComparison(), loadSeries()]).then(() => undefined);
}

export function setAdjust(adjust: Adjust): Promise<void> {
  if (adjust === get().adjust) return Promise.resolve();
  set({ adjust });
  return loadComparison();
}

export function setScale(scale: Scale): void {
  set({ scale });
}

export function selectMetric(name: string): Promise<void> {
  if (name === get().selectedMetric) return Promise.resolve();
  set({ selectedMetric: name });
  return loadSeries();
}

/* ---------------- import ---------------- */

function setImport(patch: Partial<ImportState>): void {
  set({ import: { ...get().import, ...patch } });
}

export function openImport(): void {
  if (get().import.status === 'importing') return setImport({ open: true });
  set({ import: { ...initialImport(get().ref?.environment ?? ''), open: true } });
}

/** Close the dialog (an import in progress keeps running and is shown when reopened). */
export function closeImport(): void {
  if (get().import.status === 'importing') return setImport({ open: false });
  set({ import: initialImport(get().ref?.environment ?? '') });
}

export function setImportField(patch: Partial<Pick<ImportState, 'path' | 'environment'>>): void {
  setImport({
    ...patch,
    ...(get().import.status === 'failed' ? { status: 'idle' as const, error: null } : {}),
  });
}

/** Import metric events (a path on the machine running the core); on success refresh. */
export async function startImport(): Promise<void> {
  const s = get();
  if (s.import.status === 'importing' || !s.ref) return;
  const path = s.import.path.trim();
  const environment = s.import.environment.trim() || s.ref.environment;
  const fg = flagGeneration;
  stopImportListener();
  importUnsubscribe = api().on('metrics.progress', (p) => {
    const cur = get().import;
    if (cur.status !== 'importing') return;
    if (p.path === path || !cur.progress || cur.progress.path === p.path) setImport({ progress: p });
  });
  setImport({ status: 'importing', progress: null, error: null, result: null });
  const result = await api().invoke('metrics.importEvents', { path, provider: s.ref.provider, environment });
  stopImportListener();
  if (fg !== flagGeneration) return;
  if (!result.ok) {
    setImport({ status: 'failed', error: result.error });
    return;
  }
  setImport({ status: 'succeeded', result: result.value });
  await refreshCompare();
}

/* ---------------- add metric ---------------- */

function setDefine(patch: Partial<DefineState>): void {
  set({ define: { ...get().define, ...patch } });
}

export function openDefine(): void {
  set({ define: { open: true, draft: initialDraft(), status: 'idle', error: null } });
}

export function closeDefine(): void {
  setDefine({ open: false, status: 'idle', error: null });
}

export function setDefineField(patch: Partial<DefineDraft>): void {
  setDefine({
    draft: { ...get().define.draft, ...patch },
    ...(get().define.status === 'failed' ? { status: 'idle' as const, error: null } : {}),
  });
}

/** Send the form to `metrics.define`; on success close it and refresh. Returns whether it was saved. */
export async function submitDefine(): Promise<boolean> {
  const { ref, define } = get();
  if (!ref || define.status === 'saving') return false;
  const built = draftToDefinition(ref, define.draft);
  if (!built.ok) {
    setDefine({ status: 'failed', error: { code: 'BAD_INPUT', message: built.message } });
    return false;
  }
  const fg = flagGeneration;
  setDefine({ status: 'saving', error: null });
  const result = await api().invoke('metrics.define', built.value);
  if (fg !== flagGeneration) return false;
  if (!result.ok) {
    setDefine({ status: 'failed', error: result.error });
    return false;
  }
  set({ define: { open: false, draft: initialDraft(), status: 'idle', error: null } });
  await refreshCompare();
  return true;
}

export function resetCompareStore(): void {
  flagGeneration += 1;
  definitionsGeneration += 1;
  compareGeneration += 1;
  seriesGeneration += 1;
  stopImportListener();
  useCompareStore.setState(initialCompareState(), true);
}
