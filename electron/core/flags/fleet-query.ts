/**
 * The fleet as the screens show it: every cached flag row with its freshness, one flag's row, and
 * each provider's status — all read from the provider-confirmed cache (`flag_cache`), the recorded
 * history and the last sync results, never from a view's own bookkeeping.
 */
import { flagId, type FlagRef, type FleetRow, type ProviderStatus } from '../../../shared/domain.ts';
import { CoreError } from '../errors.ts';
import type { FlagProvider } from '../providers/provider.ts';
import type { FlagCache } from './flag-cache.ts';
import type { HistoryStore } from './history-store.ts';
import type { ProviderStatusStore } from './provider-status-store.ts';

/** Filter of {@link FleetQuery.fleet}: provider name, environment, and a case-insensitive search. */
export interface FleetFilter {
  provider?: string;
  environment?: string;
  /** Matched against key, name, model version, environment and provider. */
  search?: string;
}

/** What the fleet query reads. */
export interface FleetQueryDeps {
  cache: FlagCache;
  history: HistoryStore;
  status: ProviderStatusStore;
  /** The configured providers by name (flags of providers no longer configured are hidden). */
  providers: () => ReadonlyMap<string, FlagProvider>;
  /** The polling interval, ms: a cache older than 3 intervals (at least 30 s) is stale. */
  syncIntervalMs: number;
  /** Clock, ms since epoch. */
  now: () => number;
}

/** Reads fleet rows and provider statuses (see the module docs). */
export class FleetQuery {
  private readonly deps: FleetQueryDeps;
  private readonly staleAfterMs: number;

  constructor(deps: FleetQueryDeps) {
    this.deps = deps;
    this.staleAfterMs = Math.max(3 * deps.syncIntervalMs, 30_000);
  }

  /** Whether `provider`'s cache is stale: its last sync failed or is older than 3 polling intervals. */
  isStale(provider: string): boolean {
    const s = this.deps.status.get(provider);
    if (!s.healthy || !s.lastSuccessAt) return true;
    return this.deps.now() - Date.parse(s.lastSuccessAt) > this.staleAfterMs;
  }

  /** The cached flag rows matching `filter`, each with `syncedAt`, `stale` and `lastChangeAt`. */
  fleet(filter: FleetFilter = {}): FleetRow[] {
    const providers = this.deps.providers();
    const lastChanges = this.deps.history.lastChangeTimes();
    const staleByProvider = new Map<string, boolean>();
    const needle = filter.search?.trim().toLowerCase();
    const rows: FleetRow[] = [];
    for (const { state, syncedAt } of this.deps.cache.list(filter.provider)) {
      if (!providers.has(state.provider)) continue;
      if (filter.environment && state.environment !== filter.environment) continue;
      if (
        needle &&
        ![state.key, state.name, state.layers.modelVersion ?? '', state.environment, state.provider].some(
          (s) => s.toLowerCase().includes(needle),
        )
      )
        continue;
      if (!staleByProvider.has(state.provider))
        staleByProvider.set(state.provider, this.isStale(state.provider));
      rows.push({
        ...state,
        syncedAt,
        stale: staleByProvider.get(state.provider) ?? true,
        lastChangeAt: lastChanges.get(flagId(state)) ?? null,
      });
    }
    return rows;
  }

  /**
   * One flag's row.
   * @throws CoreError NOT_FOUND when the flag is not cached or its provider is not configured.
   */
  fleetRow(ref: FlagRef): FleetRow {
    const cached = this.deps.providers().has(ref.provider) ? this.deps.cache.get(ref) : undefined;
    if (!cached)
      throw new CoreError(
        'NOT_FOUND',
        `flag "${ref.key}" not found in environment "${ref.environment}" of provider "${ref.provider}"`,
      );
    return {
      ...cached.state,
      syncedAt: cached.syncedAt,
      stale: this.isStale(ref.provider),
      lastChangeAt: this.deps.history.lastChangeAt(ref),
    };
  }

  /** Each configured provider with its capabilities, last sync result and cached flag count. */
  providerStatuses(): ProviderStatus[] {
    const counts = this.deps.cache.countByProvider();
    return [...this.deps.providers().values()].map((p) => {
      const s = this.deps.status.get(p.name);
      return {
        name: p.name,
        kind: p.kind,
        url: p.url,
        capabilities: p.capabilities(),
        healthy: s.healthy,
        lastAttemptAt: s.lastAttemptAt,
        lastSuccessAt: s.lastSuccessAt,
        lastError: s.lastError,
        lastSyncMs: s.lastSyncMs,
        flagCount: counts.get(p.name) ?? 0,
      };
    });
  }
}
