/**
 * The Electron-free core: SQLite cache, providers, sync and actions behind the
 * one contract. Electron IPC, the HTTP server and the CLI all call
 * {@link AppCore.invoke}, which validates input with the contract's zod schema
 * and returns `{ok, value} | {ok, error}` — it never throws.
 */
import { EventEmitter } from 'node:events';
import fs from 'node:fs';
import os from 'node:os';
import type { Channel, EventName, EventPayload, RcrApi } from '../../shared/contract.ts';
import type { FleetRow, ProviderStatus } from '../../shared/domain.ts';
import { dataPaths } from './data-dir.ts';
import { loadConfig, type Config } from './config.ts';
import { createInvoke } from './contract-invoke.ts';
import { startBackground } from './core-background.ts';
import { openDatabase, type Db } from './db/database.ts';
import { Leases, newOwnerId } from './db/leases.ts';
import type { createProvider } from './providers/registry.ts';
import { openProviders } from './providers/provider-set.ts';
import { seedEmbeddedProviders } from './providers/local/local-sample.ts';
import type { SyncService } from './flags/sync-service.ts';
import type { FlagActions } from './flags/flag-actions.ts';
import { openFlagDomain } from './flags/flag-domain.ts';
import { flagHandlers } from './flags/flag-handlers.ts';
import { NO_CONTEXT } from './flags/confirmed-state.ts';
import { IncidentLedger } from './incidents/incident-ledger.ts';
import { IncidentStore } from './incidents/incident-store.ts';
import { JournalStore } from './decisions/journal-store.ts';
import { Leadership } from './rollout/leadership.ts';
import type { Handlers } from './handler-types.ts';
import { PredictionStore } from './simulator/prediction-store.ts';
import { SimulatorService } from './simulator/simulator-service.ts';
import { simulatorHandlers } from './simulator/simulator-handlers.ts';
import { MetricStore } from './metrics/metric-store.ts';
import { metricsHandlers } from './metrics/metrics-handlers.ts';
import type { RolloutService } from './rollout/rollout-service.ts';
import type { Monitor } from './rollout/monitor.ts';
import { openRollouts } from './rollout/rollout-wiring.ts';
import { rolloutHandlers } from './rollout/rollout-handlers.ts';
import { audienceHandlers } from './audience/audience-handlers.ts';
import type { QueryRange } from './metrics/prometheus-ingest.ts';
import { watchDataSources } from './metrics/data-sources.ts';
import type { SecretStore } from './secrets/secret-store.ts';
import { createTokenSource } from './secrets/token-source.ts';

/** Options of {@link openCore}. */
export interface CoreOptions {
  /** Folder holding `rcr.db` and `config.json` (created if missing). */
  dataDir: string;
  /**
   * The operator recorded as the actor of actions taken through this core (audit log, decision
   * log, history); default: `RCR_ACTOR` from `env`, then config `actor`, then the OS user name.
   * The monitor always acts as `monitor`.
   */
  actor?: string;
  /** Start background polling (default true). The CLI passes false and syncs on demand. */
  startSync?: boolean;
  /** Environment to read provider tokens (`tokenEnv`, `<tokenEnv>_FILE`) from (default `process.env`). */
  env?: NodeJS.ProcessEnv;
  /** Encrypted token store (the desktop app's `safeStorage` adapter); consulted before the environment. */
  secretStore?: SecretStore;
  /**
   * Serve only {@link READ_ONLY_CHANNELS}; every other channel answers `FORBIDDEN` (`rcr serve
   * --read-only`). The core then writes nothing: a read-only SQLite connection, no sync, monitor,
   * outbox, seeding, clean-up or Prometheus polling (docs/security.md, "Browser mode").
   */
  readOnly?: boolean;
  /** Clock, ms since epoch (tests). */
  now?: () => number;
  /** Run the rollout monitor (default: with `startSync` and config `rollouts.monitor`). */
  startMonitor?: boolean;
  /** Monitor interval, ms (default config `rollouts.monitorIntervalMs`, 30 s; at least 5 s). */
  monitorIntervalMs?: number;
  /** Builds providers from config entries; default {@link createProvider} (tests inject fakes). */
  providerFactory?: typeof createProvider;
  /** Folder of shipped resources (the sample prediction log); default `<repo>/resources`. */
  resourcesDir?: string;
  /** Replaces the Prometheus range-query client of metric ingestion (tests). */
  prometheusQueryRange?: QueryRange;
}

/** The running core. */
export interface AppCore extends RcrApi {
  readonly config: Config;
  readonly db: Db;
  readonly sync: SyncService;
  readonly actions: FlagActions;
  /** Flag rows from the cache with freshness. */
  fleet(filter?: { provider?: string; environment?: string; search?: string }): FleetRow[];
  providerStatuses(): ProviderStatus[];
  /** Staged rollouts: plans, guardrails, decisions, the action outbox (docs/rollouts.md). */
  readonly rollouts: RolloutService;
  readonly monitor: Monitor;
  /**
   * The monitor lease of the data folder: only its holder runs the monitor's schedule and takes
   * over orphaned outbox actions (rollout/leadership.ts).
   */
  readonly leadership: Leadership;
  /**
   * Ask every window to show an operator notification (guardrail breach,
   * auto-rollback): emits the `notify` event, which the desktop app shows as an
   * OS notification and browser mode pushes over its WebSocket.
   */
  notify(notification: EventPayload<'notify'>): void;
  close(): Promise<void>;
}

/**
 * Opens the data folder, migrates the database, seeds the embedded provider,
 * and (unless `startSync: false`) starts polling providers.
 * @throws ConfigError for a malformed config file; NewerSchemaError for a database from a newer app.
 */
export async function openCore(options: CoreOptions): Promise<AppCore> {
  const now = options.now ?? Date.now;
  const readOnly = options.readOnly === true;
  const env = options.env ?? process.env;
  fs.mkdirSync(options.dataDir, { recursive: true });
  const paths = dataPaths(options.dataDir);
  const config = loadConfig(paths.config);
  // A read-only core writes nothing: a read-only SQLite connection refuses any write (docs/security.md).
  const db = openDatabase(paths.db, { readOnly });
  const actor = options.actor ?? (env.RCR_ACTOR?.trim() || config.actor) ?? safeUserName();
  const tokens = createTokenSource({ env, secretStore: options.secretStore });
  const events = new EventEmitter();
  const emitEvent = <E extends EventName>(event: E, payload: EventPayload<E>): void => {
    events.emit(event, payload);
  };
  const emit = (reason: string): void =>
    emitEvent('fleet.changed', { reason, at: new Date(now()).toISOString() });
  const { providers, build: buildProvider } = openProviders({
    config,
    db,
    tokens,
    now,
    factory: options.providerFactory,
    // Providers report waits (e.g. a LaunchDarkly 429) so the UI can say "waiting for rate limit (Ns)".
    hooks: { onWait: (w) => emitEvent('provider.waiting', { ...w, at: new Date(now()).toISOString() }) },
  });
  // Opening deletes abandoned prediction imports (expired lease), never another process's live one.
  const predictions = new PredictionStore(db, { readOnly });
  if (!readOnly)
    await seedEmbeddedProviders({ config, db, predictions, resourcesDir: options.resourcesDir, now });

  // The decision log, the incidents and the one writer of confirmed flag state. The rollout
  // service (made below) follows the flag: the incident rules call it on a confirmed kill or restore.
  const journal = new JournalStore(db);
  const incidents = new IncidentStore(db);
  // This process among those sharing the folder: its leases and claims carry this id.
  const leases = new Leases(db, newOwnerId(), now);
  const leadership = new Leadership(leases);
  let rollouts: RolloutService | null = null;
  const ledger = new IncidentLedger(incidents, {
    onKilled: (flag, cause, at) => rollouts?.flagKilled(flag, cause, at),
    onServingAgain: (flag, cause, at) => rollouts?.flagServingAgain(flag, cause, at),
  });
  const flags = openFlagDomain({
    db,
    config,
    providers,
    journal,
    incidents,
    ledger,
    leases,
    actor,
    now,
    context: (ref) => rollouts?.decisionContext(ref) ?? NO_CONTEXT,
    emit,
    onDecision: (record) => {
      emitEvent('monitor.decision', record);
      emitEvent('rollout.changed', { flag: record.flag, reason: `decision:${record.action}`, at: record.at });
    },
  });
  const { cache, sync, actions, query } = flags;

  const metricStore = new MetricStore(db);
  // The data-source allow-list (config.json `dataSources`), followed as the local user edits it.
  const dataSources = watchDataSources(paths.config, config);
  const { service, monitor } = openRollouts({
    db,
    metrics: metricStore,
    actions,
    journal,
    ledger,
    owner: leases.owner,
    isLeader: () => leadership.held(),
    providers: () => providers,
    cachedLayers: (ref) => (providers.has(ref.provider) ? (cache.get(ref)?.state.layers ?? null) : null),
    actor,
    now,
    emit: emitEvent,
    queryRange: options.prometheusQueryRange,
    prometheusSources: dataSources,
    config: config.rollouts,
    env,
  });
  rollouts = service;

  const handlers: Handlers<Channel> = {
    ...audienceHandlers({ flag: (ref) => query.fleetRow(ref) }),
    ...simulatorHandlers({
      store: predictions,
      simulator: new SimulatorService(predictions),
      now,
      progress: (payload) => emitEvent('predictions.progress', payload),
    }),
    ...rolloutHandlers(service, monitor, () => ({
      leader: leadership.held(),
      monitorProcess: leadership.holder(),
    })),
    ...metricsHandlers({
      store: metricStore,
      now,
      progress: (payload) => emitEvent('metrics.progress', payload),
      queryRange: options.prometheusQueryRange,
      sources: dataSources,
      readOnly,
    }),
    ...flagHandlers({
      ...flags,
      config,
      providers,
      buildProvider,
      tokens,
      secretStore: options.secretStore,
      readOnly,
      emit,
    }),
  };
  const { recovery } = startBackground({
    config,
    readOnly,
    startSync: options.startSync,
    startMonitor: options.startMonitor,
    monitorIntervalMs: options.monitorIntervalMs,
    sync,
    monitor,
    leadership,
    actions,
    metricStore,
  });

  return {
    config,
    db,
    sync,
    actions,
    fleet: (filter) => query.fleet(filter),
    providerStatuses: () => query.providerStatuses(),
    rollouts: service,
    monitor,
    leadership,
    invoke: createInvoke(handlers, readOnly),
    notify(notification) {
      emitEvent('notify', notification);
    },
    on<E extends EventName>(event: E, listener: (payload: EventPayload<E>) => void): () => void {
      events.on(event, listener);
      return () => events.off(event, listener);
    },
    async close() {
      monitor.stop();
      await recovery;
      await monitor.idle();
      service.flushStates();
      // A read-only core never ran the outbox (and its connection cannot release claims).
      if (!readOnly) await service.stopOutbox();
      leadership.release();
      sync.stop();
      await sync.idle();
      for (const p of providers.values()) await p.close?.();
      db.close();
    },
  };
}

function safeUserName(): string {
  try {
    return os.userInfo().username;
  } catch {
    return 'unknown';
  }
}
