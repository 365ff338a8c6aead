/** Small status badges used across the fleet, flag page and dialogs. */
import type { AuditStatus, HistoryEntry, ProviderStatus } from '../../shared/domain.ts';
import { formatDateTime, formatStale } from '../lib/format.ts';
import { formatKillSwitch } from '../lib/layer-format.ts';

/** The kill switch as a badge: Serving or Killed. */
export function KillBadge({ enabled }: { enabled: boolean }) {
  return (
    <span className={`badge ${enabled ? 'badge-on' : 'badge-killed'}`} data-state={enabled ? 'on' : 'killed'}>
      {formatKillSwitch(enabled)}
    </span>
  );
}

/**
 * "Stale" badge of cached state: how long ago it was read (`now` in ms since epoch); the exact time in
 * its title.
 */
export function StaleBadge({ syncedAt, now }: { syncedAt: string; now: number }) {
  return (
    <span
      className="badge badge-stale"
      title={`Cached state: last read from the provider at ${formatDateTime(syncedAt)}`}
    >
      {formatStale(syncedAt, now)}
    </span>
  );
}

/** Where a history entry came from (`provider-event`, `app` or `observed`). */
export function SourceBadge({ source }: { source: HistoryEntry['source'] }) {
  return (
    <span className={`badge badge-source badge-source-${source}`} data-source={source}>
      {source}
    </span>
  );
}

/** An audit entry's status: `pending`, `succeeded` or `failed`. */
export function AuditStatusBadge({ status }: { status: AuditStatus }) {
  return (
    <span className={`badge badge-audit-${status}`} data-status={status}>
      {status}
    </span>
  );
}

/** A provider's health: healthy when its last sync reached it, else unreachable. */
export function HealthBadge({ provider }: { provider: ProviderStatus }) {
  return (
    <span
      className={`badge ${provider.healthy ? 'badge-healthy' : 'badge-unreachable'}`}
      data-health={provider.healthy ? 'healthy' : 'unreachable'}
    >
      {provider.healthy ? 'healthy' : 'unreachable'}
    </span>
  );
}
