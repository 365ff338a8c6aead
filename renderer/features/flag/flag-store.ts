/**
 * Flag page data: the flag's cached state, its history and its audit entries
 * (`flag.get`). Responses for a flag that is no longer open are dropped.
 */
import { create } from 'zustand';
import type { ApiError } from '../../../shared/contract.ts';
import type { AuditEntry, FlagRef, FleetRow, HistoryEntry } from '../../../shared/domain.ts';
import { api } from '../../api/current.ts';
import { sameRef, toRef } from '../../lib/flag-ref.ts';
import type { LoadStatus } from '../fleet/fleet-store.ts';

/** The open flag's data (`flag.get`) and its load status. */
export interface FlagPageState {
  ref: FlagRef | null;
  status: LoadStatus;
  flag: FleetRow | null;
  history: HistoryEntry[];
  audit: AuditEntry[];
  /** Last load error; with `status: 'ready'` the page keeps showing the previous data. */
  error: ApiError | null;
}

/** A fresh store: no flag open. */
export const initialFlagState = (): FlagPageState => ({
  ref: null,
  status: 'idle',
  flag: null,
  history: [],
  audit: [],
  error: null,
});

/** The flag-page store (the open flag's state, history and audit). */
export const useFlagStore = create<FlagPageState>()(() => initialFlagState());

let generation = 0;

async function fetchFlag(ref: FlagRef, gen: number): Promise<void> {
  const result = await api().invoke('flag.get', ref);
  if (gen !== generation || !sameRef(useFlagStore.getState().ref, ref)) return;
  if (result.ok) {
    useFlagStore.setState({
      status: 'ready',
      flag: result.value.flag,
      history: result.value.history,
      audit: result.value.audit,
      error: null,
    });
  } else {
    const hadData = useFlagStore.getState().flag !== null;
    useFlagStore.setState({ status: hadData ? 'ready' : 'error', error: result.error });
  }
}

/** Open a flag: clears the previous flag's data and loads this one. */
export function loadFlag(ref: FlagRef): Promise<void> {
  const clean = toRef(ref);
  generation += 1;
  if (!sameRef(useFlagStore.getState().ref, clean)) {
    useFlagStore.setState({ ...initialFlagState(), ref: clean, status: 'loading' });
  } else if (useFlagStore.getState().status !== 'ready') {
    useFlagStore.setState({ status: 'loading' });
  }
  return fetchFlag(clean, generation);
}

/** Re-read the open flag in the background (keeps showing the current data). */
export function refreshFlag(): Promise<void> {
  const ref = useFlagStore.getState().ref;
  if (!ref) return Promise.resolve();
  generation += 1;
  return fetchFlag(ref, generation);
}

/** Leave the flag page. */
export function closeFlag(): void {
  generation += 1;
  useFlagStore.setState(initialFlagState(), true);
}

/** Back to a fresh store (same as {@link closeFlag}). */
export function resetFlagStore(): void {
  closeFlag();
}
