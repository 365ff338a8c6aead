/**
 * What a core runs in the background once it is open: polling providers, the monitor (only in
 * the process holding the data folder's monitor lease), this process's unfinished actions, and
 * the recovery of imports a crashed process left half-done. A read-only core starts none of it:
 * each would write.
 */
import type { Config } from './config.ts';
import type { FlagActions } from './flags/flag-actions.ts';
import type { SyncService } from './flags/sync-service.ts';
import type { MetricStore } from './metrics/metric-store.ts';
import type { Leadership } from './rollout/leadership.ts';
import type { Monitor } from './rollout/monitor.ts';

/** What {@link startBackground} starts, and whether. */
export interface BackgroundOptions {
  config: Config;
  readOnly: boolean;
  /** Poll providers (default true; the CLI passes false and syncs on demand). */
  startSync?: boolean;
  /** Run the monitor (default: with `startSync` and config `rollouts.monitor`). */
  startMonitor?: boolean;
  /** Monitor interval, ms (default config `rollouts.monitorIntervalMs`, else 30 s). */
  monitorIntervalMs?: number;
  sync: SyncService;
  monitor: Monitor;
  leadership: Leadership;
  actions: FlagActions;
  metricStore: MetricStore;
}

/**
 * Starts the background work (see the module docs).
 * @returns `recovery`: the import recovery in progress (never rejects), awaited on close.
 */
export function startBackground(o: BackgroundOptions): { recovery: Promise<unknown> } {
  const { config, monitor } = o;
  if (o.readOnly) return { recovery: Promise.resolve() };
  if (o.startSync !== false) o.sync.start(config.syncIntervalMs);
  if (o.startMonitor ?? (o.startSync !== false && config.rollouts?.monitor !== false))
    // One monitor per data folder: this process runs it once it holds the monitor lease (at once,
    // or when the process holding it stops) — and then also takes over orphaned outbox actions.
    o.leadership.campaign(
      () => {
        monitor.start(o.monitorIntervalMs ?? config.rollouts?.monitorIntervalMs ?? 30_000);
        void monitor.drainOutbox(); // a rejected drain is recorded in monitor.status, never thrown
        try {
          o.actions.closeAbandoned();
        } catch {
          // a busy database: tried again at the next start
        }
      },
      // Another process took the lease (this one stalled past its expiry): stop, campaign again.
      () => monitor.stop(),
    );
  // This process's own unfinished actions resume (reconciled against the provider first); a
  // process that does not hold the monitor lease sends nothing else — reading commands send nothing.
  void monitor.drainOutbox();
  // Imports a crashed or killed process left half-done are finished (visible ones) or deleted
  // (staged ones) in the background, in short transactions; a failure waits for the next import.
  return { recovery: o.metricStore.recoverImports().catch(() => undefined) };
}
