/**
 * The cohort comparison of one flag (treatment vs control on its metrics).
 *
 * - Definitions: `metrics.list {flag}`; "Add metric" goes through `metrics.define`.
 * - Comparison: `metrics.compare` with the selected window, sequential /
 *   fixed-horizon mode and multiple-testing adjustment; answers for older
 *   inputs (or another flag) are dropped.
 * - Time series of the selected metric: `metrics.series` (already downsampled).
 * - Import of metric events (`metrics.importEvents`) with progress from `metrics.progress`.
 * - The compared flag's state (`flag.get`), for the "Add metric" default expected split
 *   ({@link defaultControlShare}).
 * - {@link refreshCompare} reloads everything keeping what is shown (the page
 *   calls it every {@link REFRESH_MS} while open).
 */
import { create } from 'zustand';
import type { ApiError, ChannelOutput, EventPayload } from '../../shared/contract.ts';
import type { FlagRef, FleetRow } from '../../shared/domain.ts';
import type {
  DataSourceInfo,
  Direction,
  MetricComparison,
  MetricDefinition,
  MetricKind,
  MetricSeries,
  Window,
} from '../../shared/metrics.ts';
import { api, uploader, type UploadProgress } from '../api/current.ts';
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
  /** A path on the machine running the core (desktop app). */
  path: string;
  /** The chosen file (browser mode: uploaded). */
  file: File | null;
  /** Bytes of the upload sent so far, or `null`. */
  uploaded: UploadProgress | null;
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

/** The default expected control share of a new metric and where it came from (shown in the form). */
export interface SplitDefault {
  /** Control share in (0, 1), or `null`: no default (the field starts empty = no SRM check). */
  share: number | null;
  /** One sentence for the form: the flag's split, or why there is no default. */
  text: string;
}

export interface DefineState {
  open: boolean;
  draft: DefineDraft;
  status: DefineStatus;
  error: ApiError | null;
  /** The default of `draft.expectedControlShare` (from the flag), or `null` before the form opened. */
  splitDefault: SplitDefault | null;
  /** True once the user typed a share: it is no longer replaced by the flag's split. */
  shareEdited: boolean;
  /** The allow-listed data sources (`sources.list`), or `null` until loaded. */
  sources: DataSourceInfo[] | null;
  /** Why the allow-list could not be read, or `null`. */
  sourcesError: ApiError | null;
}

export interface CompareState {
  ref: FlagRef | null;
  /** The compared flag's cached state (`flag.get`), or `null` until loaded / when it failed. */
  flag: FleetRow | null;
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
  dataSource: '',
  query: '',
  denominator: '',
  controlVariant: 'control',
  treatmentVariant: 'treatment',
  expectedControlShare: '',
  guardrail: false,
});

const initialDefine = (): DefineState => ({
  open: false,
  draft: initialDraft(),
  status: 'idle',
  error: null,
  splitDefault: null,
  shareEdited: false,
  sources: null,
  sourcesError: null,
});

const initialImport = (environment = ''): ImportState => ({
  open: false,
  path: '',
  file: null,
  uploaded: null,
  environment,
  status: 'idle',
  progress: null,
  error: null,
  result: null,
});

export const initialCompareState = (): CompareState => ({
  ref: null,
  flag: null,
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
  define: initialDefine(),
});

export const useCompareStore = create<CompareState>()(() => initialCompareState());

const get = () => useCompareStore.getState();
const set = (patch: Partial<CompareState>) => useCompareStore.setState(patch);

/* ---------------- pure helpers & selectors ---------------- */

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
export async function openCompare(ref: FlagRef): Promise<void> {
  const clean = toRef(ref);
  if (!sameRef(get().ref, clean)) {
    flagGeneration += 1;
    stopImportListener();
    useCompareStore.setState(
      { ...initialCompareState(), ref: clean, import: initialImport(clean.environment) },
      true,
    );
  }
  await Promise.all([refreshCompare(), loadComparedFlag()]);
}

/**
 * Load the compared flag's state (`flag.get`) for the default expected split. A failure leaves
 * the last known state (or none: the form then starts empty and says the split is unknown).
 * An open "Add metric" form whose share was not typed follows the loaded split.
 */
export async function loadComparedFlag(): Promise<void> {
  const ref = get().ref;
  if (!ref) return;
  const fg = flagGeneration;
  const result = await api().invoke('flag.get', ref);
  if (fg !== flagGeneration || !result.ok) return;
  set({ flag: result.value.flag });
  const { define } = get();
  if (define.open && !define.shareEdited) applySplitDefault(define.draft);
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

export function setImportField(patch: Partial<Pick<ImportState, 'path' | 'file' | 'environment'>>): void {
  setImport({
    ...patch,
    ...(get().import.status === 'failed' ? { status: 'idle' as const, error: null } : {}),
  });
}

/**
 * Import metric events — the chosen file uploaded in browser mode (the server refuses paths from a
 * browser), a path on the machine running the core in the desktop app; on success refresh.
 * @param onDuplicate `refuse` (default): the same content imported before fails with `CONFLICT`
 *   (a retry never counts events twice); `replace`: that earlier import is replaced by this one.
 */
export async function startImport(onDuplicate: 'refuse' | 'replace' = 'refuse'): Promise<void> {
  const s = get();
  if (s.import.status === 'importing' || !s.ref) return;
  const up = uploader();
  const file = s.import.file;
  if (up && !file) return;
  // Progress events of an upload name the uploaded file, those of a path import the path.
  const path = up && file ? file.name : s.import.path.trim();
  const environment = s.import.environment.trim() || s.ref.environment;
  const fg = flagGeneration;
  stopImportListener();
  importUnsubscribe = api().on('metrics.progress', (p) => {
    const cur = get().import;
    if (cur.status !== 'importing') return;
    if (p.path === path || !cur.progress || cur.progress.path === p.path) setImport({ progress: p });
  });
  setImport({ status: 'importing', progress: null, uploaded: null, error: null, result: null });
  const fields = { provider: s.ref.provider, environment, onDuplicate };
  const result =
    up && file
      ? await up.upload('metrics.importEvents', file, fields, (uploaded) => setImport({ uploaded }))
      : await api().invoke('metrics.importEvents', { path, ...fields });
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

/** Put the flag's split into the draft as the default expected control share (shown with its reason). */
function applySplitDefault(draft: DefineDraft): void {
  const d = defaultControlShare(get().flag, draft.controlVariant, draft.treatmentVariant);
  setDefine({
    draft: { ...draft, expectedControlShare: d.share === null ? '' : String(d.share) },
    splitDefault: d,
  });
}

/**
 * Open "Add metric" with the flag's current split as the expected split (refreshed from the flag),
 * and load the allow-listed data sources a Prometheus metric may name (`sources.list`).
 */
export function openDefine(): Promise<void> {
  set({ define: { ...initialDefine(), open: true } });
  applySplitDefault(get().define.draft);
  return Promise.all([loadComparedFlag(), loadSources()]).then(() => undefined);
}

/** Load the data-source allow-list into the form; the first source is preselected. */
async function loadSources(): Promise<void> {
  const fg = flagGeneration;
  const result = await api().invoke('sources.list', {});
  if (fg !== flagGeneration || !get().define.open) return;
  if (!result.ok) return setDefine({ sources: [], sourcesError: result.error });
  const { draft } = get().define;
  setDefine({
    sources: result.value,
    sourcesError: null,
    ...(draft.dataSource ? {} : { draft: { ...draft, dataSource: result.value[0]?.name ?? '' } }),
  });
}

export function closeDefine(): void {
  setDefine({ open: false, status: 'idle', error: null });
}

/**
 * Edit the form. Typing a share keeps it; changing the cohort names re-derives an untyped share
 * from the flag (variant weights depend on the names).
 */
export function setDefineField(patch: Partial<DefineDraft>): void {
  const { define } = get();
  const shareEdited = define.shareEdited || patch.expectedControlShare !== undefined;
  const draft = { ...define.draft, ...patch };
  setDefine({
    draft,
    shareEdited,
    ...(define.status === 'failed' ? { status: 'idle' as const, error: null } : {}),
  });
  if (!shareEdited && (patch.controlVariant !== undefined || patch.treatmentVariant !== undefined))
    applySplitDefault(draft);
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
  set({ define: initialDefine() });
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
