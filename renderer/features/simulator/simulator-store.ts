/**
 * The confidence-threshold what-if simulator of one flag.
 *
 * - Prediction logs: those attached to the flag (`predictions.list {flag}`)
 *   and all others (`predictions.list {}`), so the user can pick any log.
 * - Sweeps: one `simulator.sweep` per slice (model version × segment, `null`
 *   = all), cached by log and slice. Each has exact metrics at thresholds
 *   0, 0.001, …, 1, so moving the candidate threshold is a lookup
 *   (`pointAt` in simulator-model.ts), never a server call.
 * - Recommendations (`simulator.recommend`) and model A/B (`simulator.ab`)
 *   run on demand; answers for another log or older inputs are dropped.
 * - Import (`predictions.import`) with progress from `predictions.progress`.
 * - Apply goes through the change store (`flag.previewChange` → confirmation
 *   with reason → `flag.applyChange`), like any other layer edit.
 */
import { create } from 'zustand';
import type { FlagRef, FleetRow } from '../../../shared/domain.ts';
import type { PredictionLog, Slice } from '../../../shared/simulator.ts';
import { api } from '../../api/current.ts';
import { fileImporter } from '../../lib/file-import.ts';
import { sameRef, toRef } from '../../lib/flag-ref.ts';
import { previewEdit, setDraft, startEdit } from '../flag/change-store.ts';
import {
  abFieldErrorFromServer,
  defaultAbVersions,
  numberIn,
  sideBySideSlices,
  sliceKey,
  thresholdText,
  toGrid,
  validateAbDraft,
  type AbDraft,
  type AbSideDraft,
} from './simulator-model.ts';
import {
  initialImport,
  initialSimulatorState,
  type FlagContext,
  type ImportState,
  type SimulatorState,
  type SweepEntry,
  type TargetDraft,
} from './simulator-state.ts';

const SWEEP_CONCURRENCY = 4;

/** The threshold-simulator store (one flag at a time). */
export const useSimulatorStore = create<SimulatorState>()(() => initialSimulatorState());

const get = () => useSimulatorStore.getState();
const set = (patch: Partial<SimulatorState>) => useSimulatorStore.setState(patch);

/* ---------------- selectors ---------------- */

/** The open log, or `null`. */
export const selectLog = (s: SimulatorState): PredictionLog | null =>
  s.allLogs.find((l) => l.id === s.logId) ?? s.flagLogs.find((l) => l.id === s.logId) ?? null;

/** The cache entry of a slice of the open log. */
export const selectSweep = (s: SimulatorState, slice: Slice = s.slice): SweepEntry | null =>
  s.logId === null ? null : (s.sweeps[sliceKey(s.logId, slice)] ?? null);

/** Users per day as a number, or `null` when the field is not a non-negative number. */
export const selectUsersPerDay = (s: SimulatorState): number | null => {
  const text = s.usersPerDay.trim();
  if (text === '') return null;
  const n = Number(text.replace(/[,_\s]/g, ''));
  return Number.isFinite(n) && n >= 0 ? n : null;
};

/* ---------------- actions ---------------- */

/** Bumped when another flag is opened or the store is reset: older answers are dropped. */
let flagGeneration = 0;
let logsGeneration = 0;
let recommendGeneration = 0;
let abGeneration = 0;
const importer = fileImporter('predictions.import');

/**
 * Open the simulator of a flag (call once the flag is loaded): sets the
 * candidate to the flag's current threshold and loads the logs. Reopening the
 * same flag keeps the cache and the candidate.
 */
export function openSimulator(ref: FlagRef, flag: FlagContext): Promise<void> {
  const clean = toRef(ref);
  if (!sameRef(get().ref, clean)) {
    flagGeneration += 1;
    importer.stop();
    useSimulatorStore.setState({ ...initialSimulatorState(), ref: clean }, true);
  }
  set({ flag: { threshold: flag.threshold, modelVersion: flag.modelVersion } });
  if (get().candidate === null) set({ candidate: toGrid(flag.threshold ?? 0.5) });
  return loadLogs();
}

/** Keep the flag's current threshold / model version up to date (e.g. after an apply). */
export function setFlagContext(flag: FlagContext): void {
  const cur = get().flag;
  if (cur.threshold !== flag.threshold || cur.modelVersion !== flag.modelVersion)
    set({ flag: { threshold: flag.threshold, modelVersion: flag.modelVersion } });
}

/** (Re)load the flag's logs and all logs; keeps the selected log when it still exists. */
export async function loadLogs(): Promise<void> {
  const ref = get().ref;
  if (!ref) return;
  const gen = ++logsGeneration;
  const fg = flagGeneration;
  if (get().logsStatus !== 'ready') set({ logsStatus: 'loading', logsError: null });
  const [mine, all] = await Promise.all([
    api().invoke('predictions.list', { flag: ref }),
    api().invoke('predictions.list', {}),
  ]);
  if (gen !== logsGeneration || fg !== flagGeneration) return;
  if (!mine.ok || !all.ok) {
    const error = !mine.ok ? mine.error : !all.ok ? all.error : null;
    set({ logsStatus: get().logsStatus === 'ready' ? 'ready' : 'error', logsError: error });
    return;
  }
  const allLogs = [...all.value, ...mine.value.filter((m) => all.value.every((l) => l.id !== m.id))];
  set({ logsStatus: 'ready', logsError: null, flagLogs: mine.value, allLogs });
  const current = get().logId;
  if (current !== null && allLogs.some((l) => l.id === current)) return;
  // Open the flag's own log; logs of other flags are only opened on request.
  const first = mine.value[0];
  if (first) selectPredictionLog(first.id);
  else if (current !== null) selectPredictionLog(null);
}

/** The slice to show first: the flag's model version when the log has it. */
function defaultSlice(log: PredictionLog, flagModel: string | null): Slice {
  return {
    modelVersion: flagModel && log.modelVersions.includes(flagModel) ? flagModel : null,
    segment: null,
  };
}

/** Open a log: fetch the shown slice, then the side-by-side slices; run recommendations and the A/B. */
export function selectPredictionLog(logId: number | null): void {
  recommendGeneration += 1;
  abGeneration += 1;
  const cleared = {
    recommendStatus: 'idle' as const,
    recommendations: [],
    recommendError: null,
    targetFieldErrors: {},
    abStatus: 'idle' as const,
    abResult: null,
    abResultFor: null,
    abError: null,
    abFieldErrors: {},
  };
  if (logId === null) {
    set({ logId: null, ab: null, ...cleared });
    return;
  }
  const s = get();
  const log = [...s.allLogs, ...s.flagLogs].find((l) => l.id === logId);
  if (!log) return;
  const versions = defaultAbVersions(log.modelVersions);
  const control = s.flag.threshold ?? s.candidate ?? 0.5;
  const treatment = s.candidate ?? control;
  set({
    logId,
    slice: defaultSlice(log, s.flag.modelVersion),
    ...cleared,
    ab: versions
      ? {
          segment: null,
          control: { modelVersion: versions.control, threshold: thresholdText(control) },
          treatment: { modelVersion: versions.treatment, threshold: thresholdText(treatment) },
          shipMarginPp: '2',
        }
      : null,
  });
  void loadSweep(get().slice).then(() => loadSideBySide());
  void runRecommend();
  if (versions) void runAb();
}

/** Show another slice (fetched once, then cached). */
export function setSlice(patch: Partial<Slice>): void {
  const slice = { ...get().slice, ...patch };
  set({ slice });
  void loadSweep(slice);
}

/** Fetch one slice's sweep unless it is cached or in flight (errors are retried). */
export async function loadSweep(slice: Slice): Promise<void> {
  const { logId } = get();
  if (logId === null) return;
  const key = sliceKey(logId, slice);
  const cached = get().sweeps[key];
  if (cached && cached.status !== 'error') return;
  const fg = flagGeneration;
  set({ sweeps: { ...get().sweeps, [key]: { status: 'loading', series: null, error: null } } });
  const result = await api().invoke('simulator.sweep', {
    logId,
    slice: { modelVersion: slice.modelVersion, segment: slice.segment },
    grid: 1001,
  });
  // The store was reset for another flag meanwhile (another log of this flag is still cached).
  if (fg !== flagGeneration) return;
  const entry: SweepEntry = result.ok
    ? { status: 'ready', series: result.value, error: null }
    : { status: 'error', series: null, error: result.error };
  set({ sweeps: { ...get().sweeps, [key]: entry } });
}

/** Fetch every side-by-side slice, a few at a time. */
export async function loadSideBySide(): Promise<void> {
  const log = selectLog(get());
  if (!log) return;
  const logId = log.id;
  const queue = [...sideBySideSlices(log).slices];
  const worker = async () => {
    while (queue.length && get().logId === logId) {
      const slice = queue.shift()!;
      // failed slices stay failed (with their Retry) instead of being retried silently
      if (!get().sweeps[sliceKey(logId, slice)]) await loadSweep(slice);
    }
  };
  await Promise.all(Array.from({ length: SWEEP_CONCURRENCY }, worker));
}

/** Move the candidate (clamped to 0–1, on the 0.001 grid). Pure lookup; no server call. */
export function setCandidate(t: number): void {
  const g = toGrid(t);
  if (g !== null && g !== get().candidate) set({ candidate: g });
}

/** Change the users per day of the projection (as typed; see {@link selectUsersPerDay}). */
export function setUsersPerDay(text: string): void {
  set({ usersPerDay: text });
}

/** Edit the target; an edited field's message is cleared. */
export function setTarget(patch: Partial<TargetDraft>): void {
  const errors = { ...get().targetFieldErrors };
  if (patch.minPrecision !== undefined || patch.kind !== undefined) delete errors.minPrecision;
  if (patch.maxFpr !== undefined || patch.kind !== undefined) delete errors.maxFpr;
  set({ target: { ...get().target, ...patch }, targetFieldErrors: errors });
}

/**
 * Ask for the lowest threshold meeting the target per model version × segment. A target that is
 * not a number in 0–1 is not sent: its field gets a message instead.
 */
export async function runRecommend(): Promise<void> {
  const { logId, target } = get();
  if (logId === null) return;
  const value =
    target.kind === 'max-fpr' ? numberIn(target.maxFpr, 0, 1) : numberIn(target.minPrecision, 0, 1);
  if (value === null) {
    recommendGeneration += 1;
    set({
      recommendStatus: get().recommendStatus === 'loading' ? 'idle' : get().recommendStatus,
      targetFieldErrors:
        target.kind === 'max-fpr'
          ? { maxFpr: 'Maximum FPR must be between 0 and 1' }
          : { minPrecision: 'Minimum precision must be between 0 and 1' },
    });
    return;
  }
  const gen = ++recommendGeneration;
  set({ recommendStatus: 'loading', recommendError: null, targetFieldErrors: {} });
  const result = await api().invoke('simulator.recommend', {
    logId,
    target:
      target.kind === 'max-fpr'
        ? { kind: 'max-fpr', value }
        : { kind: 'min-precision', value, useLowerBound: target.useLowerBound },
  });
  if (gen !== recommendGeneration) return;
  if (result.ok) set({ recommendStatus: 'ready', recommendations: result.value, recommendError: null });
  else set({ recommendStatus: 'error', recommendError: result.error });
}

/** Edit the A/B inputs; the message of an edited field is cleared. */
export function setAbDraft(
  patch: Partial<Omit<AbDraft, 'control' | 'treatment'>> & {
    control?: Partial<AbSideDraft>;
    treatment?: Partial<AbSideDraft>;
  },
): void {
  const ab = get().ab;
  if (!ab) return;
  const errors = { ...get().abFieldErrors };
  for (const side of ['control', 'treatment'] as const) {
    if (patch[side]?.threshold !== undefined) delete errors[`${side}.threshold`];
    if (patch[side]?.modelVersion !== undefined) delete errors[`${side}.modelVersion`];
  }
  if (patch.shipMarginPp !== undefined) delete errors.shipMarginPp;
  set({
    ab: {
      ...ab,
      ...patch,
      control: { ...ab.control, ...patch.control },
      treatment: { ...ab.treatment, ...patch.treatment },
    },
    abFieldErrors: errors,
  });
}

/**
 * Compare two model versions at their thresholds. Bad input is not sent: each bad field gets a
 * plain message ({@link validateAbDraft}); a server `BAD_INPUT` naming a field is shown at that
 * field too. The last good result stays visible meanwhile.
 */
export async function runAb(): Promise<void> {
  const { logId, ab } = get();
  if (logId === null || !ab) return;
  const { errors, input } = validateAbDraft(ab);
  if (!input) {
    abGeneration += 1;
    set({ abFieldErrors: errors, abStatus: get().abResult ? 'ready' : 'idle', abError: null });
    return;
  }
  const gen = ++abGeneration;
  set({ abStatus: 'loading', abError: null, abFieldErrors: {} });
  const result = await api().invoke('simulator.ab', {
    logId,
    segment: ab.segment,
    control: { modelVersion: ab.control.modelVersion, threshold: input.control },
    treatment: { modelVersion: ab.treatment.modelVersion, threshold: input.treatment },
    shipMarginPp: input.shipMarginPp,
  });
  if (gen !== abGeneration) return;
  if (result.ok) {
    set({ abStatus: 'ready', abResult: result.value, abResultFor: ab, abError: null });
    return;
  }
  const fieldErrors = abFieldErrorFromServer(result.error);
  if (fieldErrors) set({ abStatus: get().abResult ? 'ready' : 'idle', abFieldErrors: fieldErrors });
  else set({ abStatus: 'error', abError: result.error });
}

/** Apply the candidate: opens the usual confirmation (before → after, reason) for `confidenceThreshold`. */
export function applyThreshold(flag: FleetRow, t: number): Promise<void> {
  startEdit(flag, 'confidenceThreshold', flag.layers);
  setDraft(String(t));
  return previewEdit();
}

/* ---------------- import ---------------- */

function setImport(patch: Partial<ImportState>): void {
  set({ import: { ...get().import, ...patch } });
}

/**
 * Open the import dialog (an import in progress is shown as it is); attaching to the open flag
 * starts checked when a flag is open.
 */
export function openImport(): void {
  if (get().import.status === 'importing') return setImport({ open: true });
  set({ import: { ...initialImport(), open: true, attach: get().ref !== null } });
}

/** Close the import dialog (an import in progress keeps running and is shown when reopened). */
export function closeImport(): void {
  if (get().import.status === 'importing') return setImport({ open: false });
  set({ import: initialImport() });
}

/** Edit the import form; clears a failed import's error. */
export function setImportField(patch: Partial<Pick<ImportState, 'path' | 'file' | 'name' | 'attach'>>): void {
  setImport({
    ...patch,
    ...(get().import.status === 'failed' ? { status: 'idle' as const, error: null } : {}),
  });
}

/**
 * Import the chosen file — uploaded in browser mode (the server refuses paths from a browser), by
 * path on the machine running the core in the desktop app; on success reload logs and open it.
 */
export async function startImport(): Promise<void> {
  const { ref, import: imp } = get();
  const name = imp.name.trim();
  const fg = flagGeneration;
  const imported = await importer.run({
    state: () => get().import,
    update: setImport,
    fields: { ...(name ? { name } : {}), ...(imp.attach && ref ? { flag: ref } : {}) },
    isCurrent: () => fg === flagGeneration,
  });
  if (!imported) return;
  await loadLogs();
  selectPredictionLog(imported.id);
}

/**
 * Back to a fresh store; answers and import progress still pending are dropped (tests, leaving
 * the page).
 */
export function resetSimulatorStore(): void {
  flagGeneration += 1;
  logsGeneration += 1;
  recommendGeneration += 1;
  abGeneration += 1;
  importer.stop();
  useSimulatorStore.setState(initialSimulatorState(), true);
}
