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
 *   (`defaultControlShare` in compare-model.ts).
 * - {@link refreshCompare} reloads everything keeping what is shown (the page
 *   calls it every {@link REFRESH_MS} while open).
 */
import { create } from 'zustand';
import type { ApiError, ChannelOutput } from '../../../shared/contract.ts';
import type { FlagRef, FleetRow } from '../../../shared/domain.ts';
import type {
  DataSourceInfo,
  MetricComparison,
  MetricDefinition,
  MetricSeries,
} from '../../../shared/metrics.ts';
import { api } from '../../api/current.ts';
import { fileImporter, type ImportRunState, type ImportRunStatus } from '../../lib/file-import.ts';
import { sameRef, toRef } from '../../lib/flag-ref.ts';
import type { LoadStatus } from '../fleet/fleet-store.ts';
import {
  defaultControlShare,
  draftToDefinition,
  initialDefineDraft,
  windowOf,
  type Adjust,
  type DefineDraft,
  type Scale,
  type SplitDefault,
  type WindowKey,
} from './compare-model.ts';

/** How often the open page calls {@link refreshCompare}, in ms. */
export const REFRESH_MS = 15_000;
/** Most points per variant asked of `metrics.series` (the core downsamples). */
export const SERIES_MAX_POINTS = 300;

/** Where an events import is: not started, running, failed or done. */
export type ImportStatus = ImportRunStatus;
/** Where the "Add metric" form's save is: idle, saving or failed. */
export type DefineStatus = 'idle' | 'saving' | 'failed';

/** The metric-events import dialog: the file or path, the target environment and the progress. */
export interface ImportState extends ImportRunState<'metrics.importEvents'> {
  open: boolean;
  environment: string;
}

/** The "Add metric" form: the draft, its split default, the data sources and the save outcome. */
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

/** Everything the comparison page shows and edits for the open flag. */
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

const initialDefine = (): DefineState => ({
  open: false,
  draft: initialDefineDraft(),
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

/** A fresh store: no flag open; sequential, last 1 h, Holm, relative scale. */
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

/** The cohort-comparison store (one flag at a time). */
export const useCompareStore = create<CompareState>()(() => initialCompareState());

const get = () => useCompareStore.getState();
const set = (patch: Partial<CompareState>) => useCompareStore.setState(patch);

/* ---------------- selectors ---------------- */

/** Rows whose traffic split does not match the expected split. */
export const selectSrmMismatches = (s: CompareState): MetricComparison[] =>
  s.comparison?.rows.filter((r) => r.srm?.mismatch) ?? [];

/** The comparison row of the selected metric, or `null`. */
export const selectSelectedRow = (s: CompareState): MetricComparison | null =>
  s.comparison?.rows.find((r) => r.metric.name === s.selectedMetric) ?? null;

/* ---------------- actions ---------------- */

/** Bumped when another flag is opened or the store is reset: older answers are dropped. */
let flagGeneration = 0;
let definitionsGeneration = 0;
let compareGeneration = 0;
let seriesGeneration = 0;
const importer = fileImporter('metrics.importEvents');

/** Open the comparison of a flag and load it. Reopening the same flag keeps the settings. */
export async function openCompare(ref: FlagRef): Promise<void> {
  const clean = toRef(ref);
  if (!sameRef(get().ref, clean)) {
    flagGeneration += 1;
    importer.stop();
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

/**
 * Reads the flag's metric definitions (`metrics.list`). A failed refresh keeps the list shown
 * (with the error); a failed first load is an error state.
 */
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

/** Switches between sequential (always-valid) and fixed-horizon tests, then re-compares. */
export function setSequential(sequential: boolean): Promise<void> {
  if (sequential === get().sequential) return Promise.resolve();
  set({ sequential });
  return loadComparison();
}

/** Changes the time window, then re-compares and reloads the series. */
export function setWindow(window: WindowKey): Promise<void> {
  if (window === get().window) return Promise.resolve();
  set({ window });
  return Promise.all([loadComparison(), loadSeries()]).then(() => undefined);
}

/** Changes the multiple-testing adjustment, then re-compares. */
export function setAdjust(adjust: Adjust): Promise<void> {
  if (adjust === get().adjust) return Promise.resolve();
  set({ adjust });
  return loadComparison();
}

/** Shows the forest plot relative (lift) or absolute (Δ); nothing is re-read. */
export function setScale(scale: Scale): void {
  set({ scale });
}

/** Selects the metric whose time series is shown, then loads that series. */
export function selectMetric(name: string): Promise<void> {
  if (name === get().selectedMetric) return Promise.resolve();
  set({ selectedMetric: name });
  return loadSeries();
}

/* ---------------- import ---------------- */

function setImport(patch: Partial<ImportState>): void {
  set({ import: { ...get().import, ...patch } });
}

/**
 * Opens the events-import dialog (an import in progress is shown as it is); the environment starts
 * as the flag's.
 */
export function openImport(): void {
  if (get().import.status === 'importing') return setImport({ open: true });
  set({ import: { ...initialImport(get().ref?.environment ?? ''), open: true } });
}

/** Close the dialog (an import in progress keeps running and is shown when reopened). */
export function closeImport(): void {
  if (get().import.status === 'importing') return setImport({ open: false });
  set({ import: initialImport(get().ref?.environment ?? '') });
}

/** Edits the import form; clears a failed import's error. */
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
  const { ref, import: imp } = get();
  if (!ref) return;
  const fg = flagGeneration;
  const imported = await importer.run({
    state: () => get().import,
    update: setImport,
    fields: { provider: ref.provider, environment: imp.environment.trim() || ref.environment, onDuplicate },
    isCurrent: () => fg === flagGeneration,
  });
  if (imported) await refreshCompare();
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

/** Closes "Add metric" (opening it again starts a new draft). */
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

/**
 * Back to a fresh store; answers and import progress still pending are dropped (tests, leaving
 * the page).
 */
export function resetCompareStore(): void {
  flagGeneration += 1;
  definitionsGeneration += 1;
  compareGeneration += 1;
  seriesGeneration += 1;
  importer.stop();
  useCompareStore.setState(initialCompareState(), true);
}
