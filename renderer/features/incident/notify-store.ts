/**
 * Banners for `notify` events (guardrail breaches, pauses, rollbacks and their confirmation),
 * shown in every open window until dismissed. The same notification arriving again while its
 * banner is still shown is counted instead of stacked; at most {@link MAX_BANNERS} are kept.
 */
import { create } from 'zustand';
import type { EventPayload } from '../../../shared/contract.ts';
import { api } from '../../api/current.ts';

/** Most banners shown at once. */
export const MAX_BANNERS = 5;

/**
 * One notification banner: the `notify` payload, when it last arrived (ms since epoch) and how many
 * times it arrived while shown.
 */
export interface Banner {
  id: number;
  notify: EventPayload<'notify'>;
  /** When it (last) arrived, epoch ms. */
  at: number;
  /** How many times it arrived while shown. */
  count: number;
}

/** The banners shown, by severity (critical first), then newest first. */
export interface NotifyState {
  banners: Banner[];
}

/** The banners' store. */
export const useNotifyStore = create<NotifyState>()(() => ({ banners: [] }));

let nextId = 1;

const SEVERITY_RANK = { critical: 0, warning: 1, info: 2 } as const;

/** Adds (or counts again) a notification; critical ones first, then newest first. */
export function pushNotify(notify: EventPayload<'notify'>, at = Date.now()): void {
  const banners = useNotifyStore.getState().banners;
  const same = banners.find(
    (b) =>
      b.notify.title === notify.title &&
      b.notify.body === notify.body &&
      b.notify.severity === notify.severity,
  );
  const next = same
    ? banners.map((b) => (b === same ? { ...b, at, count: b.count + 1 } : b))
    : [{ id: nextId++, notify, at, count: 1 }, ...banners];
  next.sort((a, b) => SEVERITY_RANK[a.notify.severity] - SEVERITY_RANK[b.notify.severity] || b.at - a.at);
  useNotifyStore.setState({ banners: next.slice(0, MAX_BANNERS) });
}

/** Removes the banner with this id. */
export function dismissBanner(id: number): void {
  useNotifyStore.setState({ banners: useNotifyStore.getState().banners.filter((b) => b.id !== id) });
}

/** Removes every banner. */
export function dismissAllBanners(): void {
  useNotifyStore.setState({ banners: [] });
}

/** Subscribes to `notify`; returns the unsubscribe function. */
export function startNotifyBanners(): () => void {
  return api().on('notify', (n) => pushNotify(n));
}
