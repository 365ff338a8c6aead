/**
 * What the desktop app does with a `notify` event from the core (guardrail
 * breach, auto-rollback): the OS notification's fields and a throttle so a
 * flapping guardrail cannot flood the screen. Pure (unit-tested); the
 * Electron side is `notifications.ts`.
 */
import type { EventPayload } from '../../shared/contract.ts';
import { flagId } from '../../shared/domain.ts';

/** Payload of a `notify` event. */
export type Notify = EventPayload<'notify'>;

/** Fields of an Electron `Notification`. */
export interface NotificationFields {
  title: string;
  body: string;
  /** Linux urgency: `critical` stays on screen until dismissed. */
  urgency: 'low' | 'normal' | 'critical';
  silent: boolean;
}

const MAX_TITLE = 120;
const MAX_BODY = 500;

function clip(text: string, max: number): string {
  // Strip control characters (a provider-controlled flag name must not spoof extra lines).
  // eslint-disable-next-line no-control-regex
  const clean = text.replace(/[\u0000-\u0008\u000b-\u001f\u007f]/g, ' ').trim();
  return clean.length > max ? `${clean.slice(0, max - 1)}…` : clean;
}

/** The OS notification for a `notify` event. */
export function notificationFields(n: Notify): NotificationFields {
  const flag = n.flag ? `${n.flag.key} (${n.flag.provider}/${n.flag.environment})` : null;
  const prefix = n.severity === 'critical' ? '⛔ ' : n.severity === 'warning' ? '⚠ ' : '';
  const body = flag && !n.body.includes(n.flag!.key) ? `${flag}: ${n.body}` : n.body;
  return {
    title: clip(`${prefix}${n.title}`, MAX_TITLE),
    body: clip(body, MAX_BODY),
    urgency: n.severity === 'critical' ? 'critical' : n.severity === 'warning' ? 'normal' : 'low',
    silent: n.severity === 'info',
  };
}

/**
 * A throttle: the same notification (severity + flag + title) is shown at
 * most once per `windowMs`; critical ones always pass when the title differs.
 *
 * @returns `shouldShow(n, nowMs)`.
 */
export function createNotificationThrottle(windowMs = 60_000): (n: Notify, nowMs: number) => boolean {
  const last = new Map<string, number>();
  return (n, nowMs) => {
    const flag = n.flag ? flagId(n.flag) : '-';
    const key = `${n.severity}|${flag}|${n.title}`;
    const prev = last.get(key);
    if (prev !== undefined && nowMs - prev < windowMs) return false;
    last.set(key, nowMs);
    if (last.size > 1000) for (const [k, t] of last) if (nowMs - t >= windowMs) last.delete(k);
    return true;
  };
}
