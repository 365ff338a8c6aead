/**
 * A shared ticking clock for relative times ("5 min ago"), so render stays
 * pure: components read `now` from here instead of calling `Date.now()`.
 */
import { useSyncExternalStore } from 'react';

const TICK_MS = 5_000;
let now = Date.now();
const subscribers = new Set<() => void>();
let timer: ReturnType<typeof setInterval> | undefined;

function subscribe(callback: () => void): () => void {
  subscribers.add(callback);
  if (timer === undefined) {
    now = Date.now();
    timer = setInterval(() => {
      now = Date.now();
      for (const s of subscribers) s();
    }, TICK_MS);
  }
  return () => {
    subscribers.delete(callback);
    if (subscribers.size === 0 && timer !== undefined) {
      clearInterval(timer);
      timer = undefined;
    }
  };
}

const getSnapshot = () => now;

/** Current time (epoch ms), updated every few seconds. */
export function useNow(): number {
  return useSyncExternalStore(subscribe, getSnapshot, getSnapshot);
}

/** Move the clock forward right away (e.g. after new data arrived). */
export function tickNow(): void {
  now = Date.now();
  for (const s of subscribers) s();
}
