/**
 * Banners for `notify` events in every open window (severity, title, body, a link to the flag's
 * rollout), each dismissible. Critical ones are announced as alerts, the rest politely.
 */
import { useEffect } from 'react';
import { dismissAllBanners, dismissBanner, startNotifyBanners, useNotifyStore } from './notify-store.ts';
import { showRollout } from '../navigation/navigation-store.ts';

const SEVERITY_LABEL = { critical: 'Critical', warning: 'Warning', info: 'Info' } as const;

/** The notification banners (nothing when there are none); listens for `notify` events while mounted. */
export function NotifyBanner() {
  useEffect(() => startNotifyBanners(), []);
  const banners = useNotifyStore((s) => s.banners);
  if (banners.length === 0) return null;
  return (
    <div className="notify-banners" aria-label="Notifications" role="region">
      {banners.map((b) => (
        <div
          key={b.id}
          className={`notify-banner notify-${b.notify.severity}`}
          role={b.notify.severity === 'critical' ? 'alert' : 'status'}
          data-severity={b.notify.severity}
        >
          <span className={`badge notify-severity`}>{SEVERITY_LABEL[b.notify.severity]}</span>
          <div className="notify-text">
            <strong>{b.notify.title}</strong>
            {b.count > 1 ? <span className="muted small"> (×{b.count})</span> : null}
            <div className="small">{b.notify.body}</div>
          </div>
          {b.notify.flag ? (
            <button
              type="button"
              className="btn btn-small"
              onClick={() => {
                if (b.notify.flag) showRollout(b.notify.flag);
              }}
            >
              Open {b.notify.flag.key}
            </button>
          ) : null}
          <button
            type="button"
            className="btn btn-small btn-ghost"
            aria-label={`Dismiss: ${b.notify.title}`}
            onClick={() => dismissBanner(b.id)}
          >
            Dismiss
          </button>
        </div>
      ))}
      {banners.length > 1 ? (
        <button
          type="button"
          className="btn btn-small btn-ghost notify-dismiss-all"
          onClick={dismissAllBanners}
        >
          Dismiss all
        </button>
      ) : null}
    </div>
  );
}
