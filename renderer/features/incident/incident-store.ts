/**
 * Incident mode (`#/incidents`): the flags in trouble now — killed (by anyone), rolled back,
 * paused by the monitor, breached (`incidents.list`) — with the decisions that led there, and the
 * journaled outbox (`outbox.list`) so on-call sees whether a rollback was confirmed by the provider.
 * Re-reads on `fleet.changed` / `rollout.changed` / `monitor.decision` events (debounced) and every
 * {@link POLL_MS}.
 */
import { create } from 'zustand';
import type { ApiError } from '../../../shared/contract.ts';
import type { Incident } from '../../../shared/incidents.ts';
import type { OutboxAction, OutboxStatus } from '../../../shared/decisions.ts';
import { api } from '../../api/current.ts';
import { refId } from '../../lib/flag-ref.ts';
import { startLiveRefresh } from '../../lib/live-refresh.ts';

/** Where a load is: not started, loading, loaded, or failed. */
export type LoadStatus = 'idle' | 'loading' | 'ready' | 'error';
/** Interval of the fallback poll, ms. */
export const POLL_MS = 10_000;
const EVENT_DEBOUNCE_MS = 250;

/** State of incident mode: the incidents and the outbox, each with its load status and error. */
export interface IncidentState {
  status: LoadStatus;
  incidents: Incident[];
  error: ApiError | null;
  includeClosed: boolean;
  outboxStatus: LoadStatus;
  outbox: OutboxAction[];
  outboxError: ApiError | null;
  /** Outbox filter (`null` = every status). */
  outboxFilter: OutboxStatus | null;
  loadedAt: string | null;
}

/** A fresh {@link IncidentState}: nothing loaded, open incidents only, every outbox status. */
export const initialIncidentState = (): IncidentState => ({
  status: 'idle',
  incidents: [],
  error: null,
  includeClosed: false,
  outboxStatus: 'idle',
  outbox: [],
  outboxError: null,
  outboxFilter: null,
  loadedAt: null,
});

/** Incident mode's store. */
export const useIncidentStore = create<IncidentState>()(() => initialIncidentState());
const get = () => useIncidentStore.getState();
const set = (patch: Partial<IncidentState>) => useIncidentStore.setState(patch);

let incidentGen = 0;
let outboxGen = 0;

/** Open incidents first (newest first), then closed ones; one entry per incident. */
export function sortIncidents(list: readonly Incident[]): Incident[] {
  return [...list].sort(
    (a, b) =>
      Number(a.closedAt !== null) - Number(b.closedAt !== null) || b.openedAt.localeCompare(a.openedAt),
  );
}

/** The purpose of a flag-change action (`rollback`, `advance`), or the kind for webhooks. */
export function outboxPurpose(a: OutboxAction): string {
  const p = a.payload as { purpose?: unknown; action?: unknown };
  if (a.kind === 'webhook') return 'webhook';
  return typeof p.purpose === 'string' ? p.purpose : typeof p.action === 'string' ? p.action : a.kind;
}

/** The newest rollback action of a flag in the outbox, or null. */
export function latestRollback(outbox: readonly OutboxAction[], flag: Incident['flag']): OutboxAction | null {
  const id = refId(flag);
  return (
    [...outbox]
      .filter((a) => refId(a.flag) === id && a.kind === 'flag-change' && outboxPurpose(a) === 'rollback')
      .sort((a, b) => b.id - a.id)[0] ?? null
  );
}

/**
 * (Re)loads the incidents ({@link sortIncidents}). A failure sets `error` and keeps what was loaded; an
 * answer overtaken by a newer load is dropped.
 */
export async function loadIncidents(): Promise<void> {
  const gen = ++incidentGen;
  if (get().status !== 'ready') set({ status: 'loading', error: null });
  const r = await api().invoke('incidents.list', { includeClosed: get().includeClosed });
  if (gen !== incidentGen) return;
  if (r.ok)
    set({
      status: 'ready',
      incidents: sortIncidents(r.value),
      error: null,
      loadedAt: new Date().toISOString(),
    });
  else set({ status: get().status === 'ready' ? 'ready' : 'error', error: r.error });
}

/**
 * (Re)loads the outbox with the current filter. A failure sets `outboxError` and keeps what was loaded;
 * an answer overtaken by a newer load is dropped.
 */
export async function loadOutbox(): Promise<void> {
  const gen = ++outboxGen;
  if (get().outboxStatus !== 'ready') set({ outboxStatus: 'loading', outboxError: null });
  const filter = get().outboxFilter;
  const r = await api().invoke('outbox.list', filter ? { status: filter } : {});
  if (gen !== outboxGen) return;
  if (r.ok) set({ outboxStatus: 'ready', outbox: r.value, outboxError: null });
  else set({ outboxStatus: get().outboxStatus === 'ready' ? 'ready' : 'error', outboxError: r.error });
}

/** Reloads the incidents and the outbox together. */
export function refreshIncidents(): Promise<void> {
  return Promise.all([loadIncidents(), loadOutbox()]).then(() => undefined);
}

/** Shows or hides closed incidents, and reloads them. */
export function setIncludeClosed(includeClosed: boolean): Promise<void> {
  set({ includeClosed });
  return loadIncidents();
}

/** Filters the outbox by status (`null` = every status), and reloads it. */
export function setOutboxFilter(outboxFilter: OutboxStatus | null): Promise<void> {
  set({ outboxFilter });
  return loadOutbox();
}

/** Subscribes to the events that change incidents; returns the unsubscribe function. */
export function startIncidentLive(): () => void {
  return startLiveRefresh({
    events: ['fleet.changed', 'rollout.changed', 'monitor.decision'],
    refresh: () => void refreshIncidents(),
    debounceMs: EVENT_DEBOUNCE_MS,
    pollMs: POLL_MS,
  });
}

/** Back to a fresh store; answers still pending are dropped. */
export function resetIncidentStore(): void {
  incidentGen += 1;
  outboxGen += 1;
  useIncidentStore.setState(initialIncidentState(), true);
}
