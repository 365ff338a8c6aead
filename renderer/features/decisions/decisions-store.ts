/**
 * The decision log (`#/decisions`): every decision the monitor or an operator recorded, newest
 * first (`decisions.list`), filtered by flag, action and time; exported for audit as JSON or CSV
 * (`decisions.export`, oldest first) — the returned document is saved as a file download.
 */
import { create } from 'zustand';
import type { ApiError, ChannelInput } from '../../../shared/contract.ts';
import type { FlagRef } from '../../../shared/domain.ts';
import type { DecisionAction, DecisionRecord } from '../../../shared/decisions.ts';
import { api } from '../../api/current.ts';
import { refId } from '../../lib/flag-ref.ts';

/** Where a load is: not started, loading, loaded, or failed. */
export type LoadStatus = 'idle' | 'loading' | 'ready' | 'error';
/** Most decisions read per load (`decisions.list` limit). */
export const PAGE_LIMIT = 500;

/** The log's filters; '' means no filter. */
export interface DecisionFilters {
  /** `provider/environment/key`, or '' for every flag. */
  flag: string;
  action: DecisionAction | '';
  /** A `datetime-local` value (local time, `2025-03-01T12:00`), or ''. */
  since: string;
}

/** State of the decision log page: filters, records, the flags offered, and the last export. */
export interface DecisionsState {
  filters: DecisionFilters;
  status: LoadStatus;
  records: DecisionRecord[];
  error: ApiError | null;
  /** Flags offered by the flag filter (with a plan or guardrails, or seen in the log). */
  flags: FlagRef[];
  exportStatus: 'idle' | 'exporting' | 'done' | 'failed';
  exportError: ApiError | null;
  lastExport: { filename: string; rows: number; format: 'json' | 'csv' } | null;
}

/** Filters that keep everything. */
export const initialFilters = (): DecisionFilters => ({ flag: '', action: '', since: '' });

/** A fresh {@link DecisionsState}: no filters, nothing loaded or exported. */
export const initialDecisionsState = (): DecisionsState => ({
  filters: initialFilters(),
  status: 'idle',
  records: [],
  error: null,
  flags: [],
  exportStatus: 'idle',
  exportError: null,
  lastExport: null,
});

/** The decision log's store. */
export const useDecisionsStore = create<DecisionsState>()(() => initialDecisionsState());
const get = () => useDecisionsStore.getState();
const set = (patch: Partial<DecisionsState>) => useDecisionsStore.setState(patch);

/* ---------------- pure helpers ---------------- */

/** A `datetime-local` value (local time) → ISO 8601 UTC, or null when empty/invalid. */
export function localInputToIso(value: string): string | null {
  if (!value.trim()) return null;
  const m = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2}))?$/.exec(value.trim());
  if (!m) return null;
  const d = new Date(
    Number(m[1]),
    Number(m[2]) - 1,
    Number(m[3]),
    Number(m[4]),
    Number(m[5]),
    Number(m[6] ?? '0'),
  );
  return Number.isNaN(d.getTime()) ? null : d.toISOString();
}

/** An epoch time → a `datetime-local` value in local time (minutes). */
export function isoToLocalInput(ms: number): string {
  const d = new Date(ms);
  const p = (n: number) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())}T${p(d.getHours())}:${p(d.getMinutes())}`;
}

/** The filter part of `decisions.list` / `decisions.export` inputs. */
export function filtersToInput(
  f: DecisionFilters,
  flags: readonly FlagRef[],
): Pick<ChannelInput<'decisions.list'>, 'flag' | 'action' | 'since'> {
  const flag = f.flag ? flags.find((x) => refId(x) === f.flag) : undefined;
  const since = localInputToIso(f.since);
  return {
    ...(flag ? { flag: { provider: flag.provider, environment: flag.environment, key: flag.key } } : {}),
    ...(f.action ? { action: f.action } : {}),
    ...(since ? { since } : {}),
  };
}

/** Distinct flags, sorted by id. */
export function mergeFlags(...lists: readonly (readonly FlagRef[])[]): FlagRef[] {
  const out = new Map<string, FlagRef>();
  for (const list of lists)
    for (const f of list) out.set(refId(f), { provider: f.provider, environment: f.environment, key: f.key });
  return [...out.values()].sort((a, b) => refId(a).localeCompare(refId(b)));
}

/** MIME type of an export. */
export function exportMime(format: 'json' | 'csv'): string {
  return format === 'csv' ? 'text/csv;charset=utf-8' : 'application/json';
}

/** Saves a document as a download (browser mode and Electron both accept an `<a download>` of a blob). */
export type SaveFile = (content: string, filename: string, mime: string) => void;

/** The default {@link SaveFile}: an `<a download>` of a blob URL (revoked after 10 s). */
export const downloadFile: SaveFile = (content, filename, mime) => {
  const url = URL.createObjectURL(new Blob([content], { type: mime }));
  const a = document.createElement('a');
  a.href = url;
  a.download = filename;
  a.rel = 'noopener';
  a.style.display = 'none';
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
};

let saveFile: SaveFile = downloadFile;

/** Replaces how exports are saved (tests). */
export function setSaveFile(fn: SaveFile): void {
  saveFile = fn;
}

/* ---------------- actions ---------------- */

let gen = 0;

/** Loads the flags for the filter and the log. `flag` preselects a flag (from a link). */
export async function openDecisions(flag?: FlagRef): Promise<void> {
  if (flag) set({ filters: { ...get().filters, flag: refId(flag) }, flags: mergeFlags(get().flags, [flag]) });
  const r = await api().invoke('rollout.list', {});
  if (r.ok)
    set({
      flags: mergeFlags(
        get().flags,
        r.value.map((v) => v.flag),
      ),
    });
  await loadDecisions();
}

/**
 * (Re)loads the log with the current filters (up to {@link PAGE_LIMIT} records); a failure sets `error`
 * and empties the records. An answer overtaken by a newer load is dropped.
 */
export async function loadDecisions(): Promise<void> {
  const g = ++gen;
  const { filters, flags } = get();
  if (get().status !== 'ready') set({ status: 'loading', error: null });
  const r = await api().invoke('decisions.list', { ...filtersToInput(filters, flags), limit: PAGE_LIMIT });
  if (g !== gen) return;
  if (r.ok)
    set({
      status: 'ready',
      records: r.value,
      error: null,
      flags: mergeFlags(
        get().flags,
        r.value.map((d) => d.flag),
      ),
    });
  else set({ status: 'error', error: r.error, records: [] });
}

/** Changes some filters, clears the export outcome, and reloads. */
export function setFilters(patch: Partial<DecisionFilters>): Promise<void> {
  set({ filters: { ...get().filters, ...patch }, exportStatus: 'idle', exportError: null });
  return loadDecisions();
}

/** Clears every filter and reloads. */
export function clearFilters(): Promise<void> {
  return setFilters(initialFilters());
}

/** Exports the filtered log and saves it; returns whether a file was saved. */
export async function exportDecisions(format: 'json' | 'csv'): Promise<boolean> {
  if (get().exportStatus === 'exporting') return false;
  const { filters, flags } = get();
  set({ exportStatus: 'exporting', exportError: null });
  const r = await api().invoke('decisions.export', { ...filtersToInput(filters, flags), format });
  if (!r.ok) {
    set({ exportStatus: 'failed', exportError: r.error });
    return false;
  }
  try {
    saveFile(r.value.content, r.value.filename, exportMime(r.value.format));
  } catch (error) {
    set({
      exportStatus: 'failed',
      exportError: { code: 'INTERNAL', message: `could not save the file: ${(error as Error).message}` },
    });
    return false;
  }
  set({
    exportStatus: 'done',
    lastExport: { filename: r.value.filename, rows: r.value.rows, format: r.value.format },
  });
  return true;
}

/** Re-reads on `monitor.decision` events (debounced); returns the unsubscribe function. */
export function startDecisionsLive(): () => void {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const off = api().on('monitor.decision', () => {
    clearTimeout(timer);
    timer = setTimeout(() => void loadDecisions(), 300);
  });
  return () => {
    clearTimeout(timer);
    off();
  };
}

/**
 * Back to a fresh store; an answer still pending is dropped and the default {@link downloadFile} restored.
 */
export function resetDecisionsStore(): void {
  gen += 1;
  saveFile = downloadFile;
  useDecisionsStore.setState(initialDecisionsState(), true);
}
