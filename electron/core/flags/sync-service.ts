/**
 * Polls every provider, caches flag snapshots in SQLite, and turns provider
 * events (or, for providers without an event log, snapshot diffs) into rollout
 * history. A provider that cannot be reached keeps its cached flags, which the
 * fleet then marks stale. A flag whose layers changed since the cached state
 * was changed outside this app: it is written through {@link ConfirmedState}
 * (a kill opens an incident, a decision records the change with the provider's
 * actor when an event names one).
 *
 * Never dies, never stacks: a sync never rejects. When the data folder's database is busy (another
 * process holds its write lock past `busy_timeout`), the outcome says so and the provider's status
 * is left alone — the provider is not to blame; the polling timer then skips that provider for a
 * back-off (1 s, doubling, at most 60 s) and never starts a provider's sync while one is queued. A
 * provider failure is recorded in its status, retried without blocking the event loop while the
 * database is busy ({@link retryWhileBusy}); one that still cannot be written is kept in memory
 * ({@link SyncService.unrecordedFailure}).
 */
import { isBusyError, retryWhileBusy, type Db } from '../db/database.ts';
import type { FlagRef, FlagState, LayerChange } from '../../../shared/domain.ts';
import { diffLayers, type FlagProvider, type ProviderHistoryEvent } from '../providers/provider.ts';
import type { FlagCache } from './flag-cache.ts';
import type { HistoryStore } from './history-store.ts';
import type { AuditStore } from './audit-store.ts';
import type { ProviderStatusStore } from './provider-status-store.ts';
import type { ConfirmedState } from './confirmed-state.ts';

/** How long after an app action a provider event may still be attributed to it, ms. */
const ATTRIBUTION_WINDOW_MS = 10 * 60_000;

/** Longest pause of the polling timer for a provider whose syncs meet a busy database, ms. */
const MAX_BUSY_BACKOFF_MS = 60_000;

/**
 * What {@link SyncService} needs: the database and stores, the providers, the writer of confirmed
 * states, a clock (ms since epoch) and a callback after each sync attempt.
 */
export interface SyncDeps {
  db: Db;
  providers: () => ReadonlyMap<string, FlagProvider>;
  cache: FlagCache;
  history: HistoryStore;
  audit: AuditStore;
  status: ProviderStatusStore;
  /** Writes a changed flag's confirmed state (cache, incidents, the decision of an outside change). */
  confirmed: ConfirmedState;
  now: () => number;
  /** Called after each sync attempt (success or failure). */
  onSynced: (provider: string) => void;
}

/** Outcome of one provider sync. */
export interface SyncOutcome {
  provider: string;
  ok: boolean;
  flags: number;
  newHistory: number;
  ms: number;
  error: string | null;
}

/** True when every changed layer in `changes` was asked for by the audit entry's patch with the same value. */
function matchesPatch(changes: LayerChange[], patch: Record<string, unknown>): boolean {
  return (
    changes.length > 0 &&
    changes.every((c) => c.layer in patch && JSON.stringify(patch[c.layer]) === JSON.stringify(c.after))
  );
}

/**
 * The newest event of this pull that changed one of `changed` layers of the flag: who made the
 * change seen by sync, when the provider says.
 */
function eventFor(
  events: readonly ProviderHistoryEvent[],
  flag: FlagRef,
  changed: readonly LayerChange[],
): ProviderHistoryEvent | undefined {
  const layers = new Set(changed.map((c) => c.layer));
  let found: ProviderHistoryEvent | undefined;
  for (const e of events)
    if (
      e.environment === flag.environment &&
      e.key === flag.key &&
      e.changes.some((c) => layers.has(c.layer)) &&
      (!found || e.at >= found.at)
    )
      found = e;
  return found;
}

/** Serialised per-provider sync with a polling timer. */
export class SyncService {
  private readonly deps: SyncDeps;
  private readonly queues = new Map<string, Promise<SyncOutcome | null>>();
  /** Syncs queued or running per provider (the timer starts none while one is). */
  private readonly queued = new Map<string, number>();
  /** Per provider: syncs in a row that met a busy database, and when the timer may try again (epoch ms). */
  private readonly busy = new Map<string, { count: number; until: number }>();
  /** Per provider: a failure that could not be written to its status (database busy), with when. */
  private readonly unrecorded = new Map<string, { at: string; error: string }>();
  private timer: NodeJS.Timeout | null = null;

  constructor(deps: SyncDeps) {
    this.deps = deps;
  }

  /** Syncs one provider; queued behind a sync of the same provider already running. Never throws. */
  syncProvider(name: string): Promise<SyncOutcome> {
    const previous = this.queues.get(name) ?? Promise.resolve(null);
    const next = previous.then(() => this.runSync(name));
    this.queues.set(name, next);
    this.queued.set(name, (this.queued.get(name) ?? 0) + 1);
    const done = (): void => {
      const n = (this.queued.get(name) ?? 1) - 1;
      if (n > 0) this.queued.set(name, n);
      else this.queued.delete(name);
    };
    next.then(done, done);
    return next;
  }

  /**
   * A provider failure this service could not write to the provider's status because the database
   * stayed busy (`{at: ISO time, error}`), or null. Cleared by the next recorded sync of it.
   */
  unrecordedFailure(name: string): { at: string; error: string } | null {
    return this.unrecorded.get(name) ?? null;
  }

  /**
   * Imports only the provider's new history events (no flag listing), queued like a sync.
   * Used right after an action so its history row appears without a full sync. Never throws.
   */
  syncHistory(name: string): Promise<number> {
    const previous = this.queues.get(name) ?? Promise.resolve(null);
    const next = previous.then(() => this.runHistory(name));
    this.queues.set(
      name,
      next.then(() => null),
    );
    return next;
  }

  private async runHistory(name: string): Promise<number> {
    const provider = this.deps.providers().get(name);
    if (!provider?.capabilities().history) return 0;
    try {
      const { events, cursor } = await this.pullHistory(provider, this.deps.status.get(name).historyCursor);
      return this.deps.db.transaction(() => {
        let added = 0;
        for (const event of events) added += this.recordEvent(name, event) ? 1 : 0;
        this.deps.status.setCursor(name, cursor);
        return added;
      })();
    } catch {
      return 0;
    }
  }

  /** Pages through `historySince` from `from` (at most 50 pages). */
  private async pullHistory(
    provider: FlagProvider,
    from: string | null,
  ): Promise<{ events: ProviderHistoryEvent[]; cursor: string | null }> {
    let cursor = from;
    const events: ProviderHistoryEvent[] = [];
    for (let page = 0; page < 50; page++) {
      const result = await provider.historySince(cursor);
      events.push(...result.events);
      const moved = result.cursor !== cursor;
      // Keep the provider's cursor even when a page had no events (e.g. audit entries that
      // change no layer), so those are not read again on every sync.
      cursor = result.cursor;
      if (!result.events.length || !moved) break;
    }
    return { events, cursor };
  }

  /** Syncs all providers in parallel. */
  async syncAll(): Promise<SyncOutcome[]> {
    return Promise.all([...this.deps.providers().keys()].map((name) => this.syncProvider(name)));
  }

  /**
   * Starts polling every `intervalMs` (the first sync runs at once). A tick skips a provider whose
   * sync is still queued or running, and one backing off from a busy database.
   */
  start(intervalMs: number): void {
    this.stop();
    this.tick();
    this.timer = setInterval(() => this.tick(), intervalMs);
    this.timer.unref();
  }

  /** One polling tick (see {@link start}); never throws. */
  private tick(): void {
    try {
      const t = Date.now();
      for (const name of this.deps.providers().keys()) {
        if (this.queued.has(name) || (this.busy.get(name)?.until ?? 0) > t) continue;
        void this.syncProvider(name).catch(() => undefined);
      }
    } catch {
      // A provider map that cannot be read now is read again on the next tick.
    }
  }

  /** Stops polling. */
  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
  }

  /** Waits for running syncs. */
  async idle(): Promise<void> {
    await Promise.all([...this.queues.values()]);
  }

  private async runSync(name: string): Promise<SyncOutcome> {
    const { cache, status, now } = this.deps;
    const provider = this.deps.providers().get(name);
    const started = now();
    const startedIso = new Date(started).toISOString();
    if (!provider) {
      return {
        provider: name,
        ok: false,
        flags: 0,
        newHistory: 0,
        ms: 0,
        error: `unknown provider "${name}"`,
      };
    }
    try {
      const flags = await provider.listFlags();
      const hasHistory = provider.capabilities().history;
      const { events, cursor } = hasHistory
        ? await this.pullHistory(provider, status.get(name).historyCursor)
        : { events: [], cursor: status.get(name).historyCursor };
      const syncedAt = new Date(now()).toISOString();
      let added = 0;
      this.deps.db.transaction(() => {
        const stored = cache.rawStates(name);
        const keep = new Set<string>();
        for (const flag of flags) {
          const id = `${flag.environment}/${flag.key}`;
          keep.add(id);
          const previous = stored.get(id);
          if (previous === JSON.stringify(flag)) continue;
          const before = previous === undefined ? null : (JSON.parse(previous) as FlagState).layers;
          const changes = before ? diffLayers(before, flag.layers) : [];
          if (!hasHistory && changes.length) added += this.recordObserved(flag, changes, syncedAt) ? 1 : 0;
          // A change this app made whose confirmation never landed (its process died mid-call) is
          // the app's, not an outside one: attributed to its audit row, no "observed" decision.
          const ours = changes.length ? this.appActionFor(flag, changes, syncedAt) : undefined;
          const by = changes.length && !ours ? eventFor(events, flag, changes) : undefined;
          this.deps.confirmed.write(
            flag,
            syncedAt,
            ours
              ? {
                  source: 'app',
                  actor: ours.actor,
                  reason: ours.reason,
                  decisionId: null,
                  freshBefore: ours.before,
                }
              : { source: 'provider', actor: by?.actor ?? null, eventType: by?.type ?? null },
            before,
          );
        }
        cache.touchProvider(name, syncedAt);
        cache.removeMissing(name, keep);
        for (const event of events) added += this.recordEvent(name, event) ? 1 : 0;
        status.success(name, syncedAt, now() - started, cursor);
      })();
      this.busy.delete(name);
      this.unrecorded.delete(name);
      this.notifySynced(name);
      return {
        provider: name,
        ok: true,
        flags: flags.length,
        newHistory: added,
        ms: now() - started,
        error: null,
      };
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      if (isBusyError(error)) {
        // Our database, not the provider: leave its status alone and let the timer back off.
        const count = (this.busy.get(name)?.count ?? 0) + 1;
        const backoff = Math.min(MAX_BUSY_BACKOFF_MS, 1000 * 2 ** (count - 1));
        this.busy.set(name, { count, until: Date.now() + backoff });
        return {
          provider: name,
          ok: false,
          flags: 0,
          newHistory: 0,
          ms: now() - started,
          error: `the database is busy (another process holds its write lock; ${message}); the sync of "${name}" is retried in ${Math.round(backoff / 1000)} s`,
        };
      }
      this.busy.delete(name);
      await this.recordFailure(name, startedIso, message);
      this.notifySynced(name);
      return { provider: name, ok: false, flags: 0, newHistory: 0, ms: now() - started, error: message };
    }
  }

  /**
   * Writes a failed sync to the provider's status, trying again while the database is busy; a
   * failure that still cannot be written is kept in {@link unrecorded}. Never throws.
   */
  private async recordFailure(name: string, at: string, message: string): Promise<void> {
    try {
      await retryWhileBusy(this.deps.db, () => this.deps.status.failure(name, at, message));
      this.unrecorded.delete(name);
    } catch {
      this.unrecorded.set(name, { at, error: message });
    }
  }

  /** Calls `onSynced`; a listener's failure must not turn into a failed sync. */
  private notifySynced(name: string): void {
    try {
      this.deps.onSynced(name);
    } catch {
      // The listener's own problem (e.g. a closed socket); the sync itself is recorded.
    }
  }

  /**
   * The app action (audit row, pending or succeeded, within the attribution window) whose patch
   * these changes are, or undefined.
   */
  private appActionFor(ref: FlagRef, changes: LayerChange[], atIso: string) {
    const since = new Date(Date.parse(atIso) - ATTRIBUTION_WINDOW_MS).toISOString();
    return this.deps.audit.recentUnlinked(ref, since).find((a) => matchesPatch(changes, a.patch));
  }

  /** Stores a provider event, attributing it to a recent app action when it is that action's effect. */
  private recordEvent(provider: string, event: ProviderHistoryEvent): boolean {
    const ref: FlagRef = { provider, environment: event.environment, key: event.key };
    if (!event.changes.length) return false;
    const since = new Date(Date.parse(event.at) - ATTRIBUTION_WINDOW_MS).toISOString();
    const action = this.deps.audit
      .recentUnlinked(ref, since)
      .find((a) => matchesPatch(event.changes, a.patch));
    return (
      this.deps.history.add({
        ...ref,
        at: event.at,
        actor: action?.actor ?? event.actor,
        source: action ? 'app' : 'provider-event',
        providerEventId: event.id,
        eventType: event.type,
        changes: event.changes,
        auditId: action?.id ?? null,
      }) !== null
    );
  }

  private recordObserved(ref: FlagRef, changes: LayerChange[], at: string): boolean {
    return (
      this.deps.history.add({
        provider: ref.provider,
        environment: ref.environment,
        key: ref.key,
        at,
        actor: null,
        source: 'observed',
        providerEventId: null,
        eventType: 'sync-diff',
        changes,
        auditId: null,
      }) !== null
    );
  }
}
