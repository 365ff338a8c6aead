/**
 * Desktop notifications for the core's `notify` event (guardrail breaches,
 * auto-rollbacks — emitted by the rollout monitor through `AppCore.notify`).
 * Formatting and throttling are in `notifications-policy.ts`.
 */
import { Notification } from 'electron';
import type { RcrApi } from '../../shared/contract.ts';
import type { FlagRef } from '../../shared/domain.ts';
import { createNotificationThrottle, notificationFields } from './notifications-policy.ts';

/**
 * Shows an OS notification for every `notify` event (throttled); clicking it
 * calls `onClick` with the event's flag (or `null`), which focuses the window
 * and opens the flag.
 *
 * @returns a function that stops listening.
 */
export function startDesktopNotifications(core: RcrApi, onClick: (flag: FlagRef | null) => void): () => void {
  const shouldShow = createNotificationThrottle();
  // Electron may garbage-collect a shown Notification and lose its click handler; keep them alive.
  const alive = new Set<Notification>();
  return core.on('notify', (n) => {
    if (!Notification.isSupported() || !shouldShow(n, Date.now())) return;
    const fields = notificationFields(n);
    const note = new Notification(fields);
    alive.add(note);
    note.on('click', () => onClick(n.flag));
    note.on('close', () => alive.delete(note));
    note.show();
  });
}
