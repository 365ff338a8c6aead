/**
 * Polls every provider, caches flag snapshots in SQLite, and turns provider
 * events (or, for providers without an event log, snapshot diffs) into rollout
 * history. A provider that cannot be reached keeps its cached flags, which the
 * fleet then marks stale. A flag whose layers changed since the cached state
 * was changed outside this app: it is written through {@link ConfirmedState}
 * (a kill opens an incident, a decision records the change with the provider's
 * actor when an event names one).
 */
import type { Db } from '../db/database.ts';
import type { FlagRef, FlagState, LayerChange } from '../../../shared/domain.ts';
import { diffLayers, type FlagProvider, type ProviderHistoryEvent } from '../providers/provider.ts';
import type { FlagCache } from '../store/flag-cache.ts';
import type { HistoryStore } from '../store/history-store.ts';
import type { AuditStore } from '../store/audit-store.ts';
import type { ProviderStatusStore } from '../store/provider-status-store.ts';
import type { ConfirmedState } from '../actions/confirmed-state.ts';

/** How long after an app action a provider event may still be attributed to it, ms. */
const ATTRIBUTION_WINDOW_MS = 10 * 60_000;

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
  private timer: NodeJS.Timeout | null = null;

  constructor(deps: SyncDeps) {
    this.deps = deps;
  }

  /** Syncs one provider; queued behind a sync of the same provider already running. Never throws. */
  syncProvider(name: string): Promise<SyncOutcome> {
    const previous = this.queues.get(name) ?? Promise.resolve(null);
    const next = previous.then(() => this.runSync(name));
    this.queues.set(name, next);
    return next;
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

  /** Starts polling every `intervalMs` (the first sync runs at once). */
  start(intervalMs: number): void {
    this.stop();
    void this.syncAll();
    this.timer = setInterval(() => void this.syncAll(), intervalMs);
    this.timer.unref();
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
          const by = changes.length ? eventFor(events, flag, changes) : undefined;
          this.deps.confirmed.write(
            flag,
            syncedAt,
            { source: 'provider', actor: by?.actor ?? null, eventType: by?.type ?? null },
            before,
          );
        }
        cache.touchProvider(name, syncedAt);
        cache.removeMissing(name, keep);
        for (const event of events) added += this.recordEvent(name, event) ? 1 : 0;
        status.success(name, syncedAt, now() - started, cursor);
      })();
      this.deps.onSynced(name);
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
      status.failure(name, startedIso, message);
      this.deps.onSynced(name);
      return { provider: name, ok: false, flags: 0, newHistory: 0, ms: now() - started, error: message };
    }
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
