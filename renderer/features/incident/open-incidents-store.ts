/**
 * The open incidents, app-wide: the count in the header (from the first load, not only from a
 * live banner) and the incident marker on fleet rows. Read from `incidents.list` — the same source
 * as Incident mode — on start, on every `fleet.changed` / `rollout.changed` / `monitor.decision`
 * event (coalesced) and every {@link POLL_MS}; never kept from the views' own bookkeeping.
 */
import { create } from 'zustand';
import type { ApiError } from '../../../shared/contract.ts';
import type { IncidentKind } from '../../../shared/incidents.ts';
import { api } from '../../api/current.ts';
import { refId } from '../../lib/flag-ref.ts';
import { startLiveRefresh } from '../../lib/live-refresh.ts';

/** Fallback poll of `incidents.list`, in ms. */
export const POLL_MS = 15_000;
const EVENT_DEBOUNCE_MS = 300;

/** The open incidents as the header and the fleet show them. */
export interface OpenIncidentsState {
  /** `ready` once `incidents.list` answered; `error` when it never did. */
  status: 'idle' | 'ready' | 'error';
  /** Open incidents (including guardrails breached now). */
  count: number;
  /** The open incident's kind by flag id (`provider/environment/key`). */
  kindByFlag: Record<string, IncidentKind>;
  error: ApiError | null;
}

/** A fresh store: nothing read yet (`status: 'idle'`, count 0). */
export const initialOpenIncidents = (): OpenIncidentsState => ({
  status: 'idle',
  count: 0,
  kindByFlag: {},
  error: null,
});

/** The app-wide open-incidents store. */
export const useOpenIncidentsStore = create<OpenIncidentsState>()(() => initialOpenIncidents());

let generation = 0;

/** Reads the open incidents. */
export async function loadOpenIncidents(): Promise<void> {
  const gen = ++generation;
  const r = await api().invoke('incidents.list', { includeClosed: false });
  if (gen !== generation) return;
  if (!r.ok) {
    useOpenIncidentsStore.setState((s) => ({
      status: s.status === 'ready' ? 'ready' : 'error',
      error: r.error,
    }));
    return;
  }
  const kindByFlag: Record<string, IncidentKind> = {};
  for (const i of r.value)
    if (i.state === 'open' && !kindByFlag[refId(i.flag)]) kindByFlag[refId(i.flag)] = i.kind;
  useOpenIncidentsStore.setState({
    status: 'ready',
    count: r.value.filter((i) => i.state === 'open').length,
    kindByFlag,
    error: null,
  });
}

/** Loads the open incidents now and keeps them fresh; returns the stop function. */
export function startOpenIncidentsLive(): () => void {
  void loadOpenIncidents();
  return startLiveRefresh({
    events: ['fleet.changed', 'rollout.changed', 'monitor.decision'],
    refresh: () => void loadOpenIncidents(),
    debounceMs: EVENT_DEBOUNCE_MS,
    pollMs: POLL_MS,
  });
}

/** Back to a fresh store; an answer still pending is dropped (tests). */
export function resetOpenIncidents(): void {
  generation += 1;
  useOpenIncidentsStore.setState(initialOpenIncidents(), true);
}
