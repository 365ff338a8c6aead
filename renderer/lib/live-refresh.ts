/**
 * Keeps a view fresh from the core's push events: a refresh coalesced over `debounceMs` after any
 * of `events`, and a poll every `pollMs` while the page is visible (the fallback should an event be
 * missed). Returns the stop function.
 */
import type { EventName } from '../../shared/contract.ts';
import { api } from '../api/current.ts';

/** Options of {@link startLiveRefresh}. */
export interface LiveRefreshOptions {
  events: readonly EventName[];
  refresh: () => void;
  /** ms to wait after the last event before refreshing. */
  debounceMs: number;
  /** ms between polls. */
  pollMs: number;
}

/** Starts refreshing on `events` and by poll (see the module docs); returns the stop function. */
export function startLiveRefresh(o: LiveRefreshOptions): () => void {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const schedule = () => {
    clearTimeout(timer);
    timer = setTimeout(o.refresh, o.debounceMs);
  };
  const offs = o.events.map((e) => api().on(e, schedule));
  const poll = setInterval(() => {
    if (typeof document === 'undefined' || !document.hidden) o.refresh();
  }, o.pollMs);
  return () => {
    clearTimeout(timer);
    clearInterval(poll);
    offs.forEach((off) => off());
  };
}
