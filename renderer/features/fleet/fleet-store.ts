/**
 * Fleet: every flag across providers and environments, the providers' health,
 * and the fleet filters. Loads the whole fleet once and filters on the client
 * so search stays instant with thousands of rows.
 */
import { create } from 'zustand';
import type { ApiError } from '../../../shared/contract.ts';
import type { FleetRow, ProviderStatus } from '../../../shared/domain.ts';
import { api } from '../../api/current.ts';

/** The fleet filters as chosen (empty strings: no filter). */
export interface FleetFilters {
  /** Provider name, or `''` for all. */
  provider: string;
  /** Environment, or `''` for all. */
  environment: string;
  search: string;
}

/** How far a load got: not started, running, done (`ready`), or failed with nothing to show. */
export type LoadStatus = 'idle' | 'loading' | 'ready' | 'error';

/** The fleet (`fleet.list`), the providers' health, the filters and a running sync. */
export interface FleetState {
  rows: FleetRow[];
  providers: ProviderStatus[];
  /** `error` only when nothing could be loaded yet; later failures keep `ready` and set `error`. */
  status: LoadStatus;
  /** The last load error (cleared by the next successful load). */
  error: ApiError | null;
  /** When the fleet was last loaded successfully (epoch ms). */
  loadedAt: number | null;
  filters: FleetFilters;
  syncing: boolean;
  syncError: ApiError | null;
}

/** No filter: every provider, every environment, no search. */
export const EMPTY_FILTERS: FleetFilters = { provider: '', environment: '', search: '' };

/** A fresh store: nothing loaded, no filter. */
export const initialFleetState = (): FleetState => ({
  rows: [],
  providers: [],
  status: 'idle',
  error: null,
  loadedAt: null,
  filters: EMPTY_FILTERS,
  syncing: false,
  syncError: null,
});

/** The fleet store (every flag's row, shared by the fleet, flag and simulator pages). */
export const useFleetStore = create<FleetState>()(() => initialFleetState());

const collator = new Intl.Collator('en', { numeric: true, sensitivity: 'base' });

/** Stable display order: provider, environment, key (natural order: `flag-9` before `flag-10`). */
export function compareRows(a: FleetRow, b: FleetRow): number {
  return (
    collator.compare(a.provider, b.provider) ||
    collator.compare(a.environment, b.environment) ||
    collator.compare(a.key, b.key)
  );
}

/**
 * Rows matching the filters. Search is case-insensitive; every
 * whitespace-separated term must occur in the key, the name or the model version.
 */
export function filterRows(rows: readonly FleetRow[], filters: FleetFilters): FleetRow[] {
  const terms = filters.search.trim().toLowerCase().split(/\s+/).filter(Boolean);
  if (!filters.provider && !filters.environment && terms.length === 0) return rows as FleetRow[];
  return rows.filter((r) => {
    if (filters.provider && r.provider !== filters.provider) return false;
    if (filters.environment && r.environment !== filters.environment) return false;
    if (terms.length === 0) return true;
    const hay = `${r.key}\n${r.name}\n${r.layers.modelVersion ?? ''}`.toLowerCase();
    return terms.every((t) => hay.includes(t));
  });
}

/** Environments to offer in the filter (those of the selected provider, if any), sorted. */
export function environmentsOf(rows: readonly FleetRow[], provider: string): string[] {
  const set = new Set<string>();
  for (const r of rows) if (!provider || r.provider === provider) set.add(r.environment);
  return [...set].sort();
}

/** Provider names to offer in the filter: configured providers plus any seen in rows. */
export function providerNamesOf(providers: readonly ProviderStatus[], rows: readonly FleetRow[]): string[] {
  const set = new Set(providers.map((p) => p.name));
  for (const r of rows) set.add(r.provider);
  return [...set].sort();
}

let inflight: Promise<void> | null = null;
let again = false;

async function loadOnce(): Promise<void> {
  const s = useFleetStore.getState();
  if (s.status !== 'ready') useFleetStore.setState({ status: 'loading' });
  const result = await api().invoke('fleet.list', {});
  if (result.ok) {
    useFleetStore.setState({
      rows: [...result.value.rows].sort(compareRows),
      providers: [...result.value.providers].sort((a, b) => a.name.localeCompare(b.name)),
      status: 'ready',
      error: null,
      loadedAt: Date.now(),
    });
  } else {
    const wasReady = useFleetStore.getState().loadedAt !== null;
    useFleetStore.setState({ status: wasReady ? 'ready' : 'error', error: result.error });
  }
}

/**
 * Load (or refresh) the fleet. Concurrent calls are coalesced: while a load is
 * running, further calls schedule exactly one more load after it.
 */
export function loadFleet(): Promise<void> {
  if (inflight) {
    again = true;
    return inflight;
  }
  inflight = (async () => {
    try {
      do {
        again = false;
        await loadOnce();
      } while (again);
    } finally {
      inflight = null;
    }
  })();
  return inflight;
}

/** Ask the core to sync every provider now, then reload the fleet. */
export async function syncNow(): Promise<void> {
  if (useFleetStore.getState().syncing) return;
  useFleetStore.setState({ syncing: true, syncError: null });
  const result = await api().invoke('sync.now', {});
  if (result.ok) {
    useFleetStore.setState({ providers: [...result.value].sort((a, b) => a.name.localeCompare(b.name)) });
    await loadFleet();
    useFleetStore.setState({ syncing: false });
  } else {
    useFleetStore.setState({ syncing: false, syncError: result.error });
  }
}

/** Filter by provider (`''` = all); an environment the provider does not have is cleared. */
export function setProviderFilter(provider: string): void {
  useFleetStore.setState((s) => {
    const envs = environmentsOf(s.rows, provider);
    const environment =
      s.filters.environment && !envs.includes(s.filters.environment) ? '' : s.filters.environment;
    return { filters: { ...s.filters, provider, environment } };
  });
}

/** Filter by environment (`''` = all). */
export function setEnvironmentFilter(environment: string): void {
  useFleetStore.setState((s) => ({ filters: { ...s.filters, environment } }));
}

/** Set the search text (see {@link filterRows}). */
export function setSearch(search: string): void {
  useFleetStore.setState((s) => ({ filters: { ...s.filters, search } }));
}

/** Show every row again. */
export function clearFilters(): void {
  useFleetStore.setState({ filters: EMPTY_FILTERS });
}

/** Hide the last sync error. */
export function dismissSyncError(): void {
  useFleetStore.setState({ syncError: null });
}

/** Visible rows for the current filters. */
export const selectVisibleRows = (s: FleetState): FleetRow[] => filterRows(s.rows, s.filters);

/** Back to a fresh store; a load in progress is forgotten (tests). */
export function resetFleetStore(): void {
  inflight = null;
  again = false;
  useFleetStore.setState(initialFleetState(), true);
}
