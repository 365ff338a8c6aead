/**
 * Keep views fresh: re-read on every `fleet.changed` event (coalesced), poll
 * every 15 s as a fallback, and re-read when the window becomes visible again.
 */
import { api } from '../api/current.ts';
import { tickNow } from '../lib/clock.ts';
import { loadFleet } from '../features/fleet/fleet-store.ts';
import { refreshFlag, useFlagStore } from '../features/flag/flag-store.ts';

/** Fallback poll of the fleet and the open flag, in ms. */
export const POLL_MS = 15_000;
const EVENT_DEBOUNCE_MS = 200;

function refreshAll(): void {
  void loadFleet().then(tickNow);
  if (useFlagStore.getState().ref) void refreshFlag();
}

/**
 * Starts keeping the fleet and the open flag fresh (events, poll, visibility); returns the stop
 * function.
 */
export function startLiveUpdates(): () => void {
  let debounce: ReturnType<typeof setTimeout> | undefined;
  const unsubscribe = api().on('fleet.changed', () => {
    clearTimeout(debounce);
    debounce = setTimeout(refreshAll, EVENT_DEBOUNCE_MS);
  });
  const poll = setInterval(refreshAll, POLL_MS);
  const onVisible = () => {
    if (document.visibilityState === 'visible') refreshAll();
  };
  document.addEventListener('visibilitychange', onVisible);
  return () => {
    unsubscribe();
    clearTimeout(debounce);
    clearInterval(poll);
    document.removeEventListener('visibilitychange', onVisible);
  };
}
