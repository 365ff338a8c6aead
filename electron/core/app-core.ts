/**
 * The Electron-free core: SQLite cache, providers, sync and actions behind the
 * one contract. Electron IPC, the HTTP server and the CLI all call
 * {@link AppCore.invoke}, which validates input with the contract's zod schema
 * and returns `{ok, value} | {ok, error}` — it never throws.
 */
import { EventEmitter } from 'node:events';
import fs from 'node:fs';
import os from 'node:os';
import {
  contract,
  READ_ONLY_CHANNELS,
  type Channel,
  type ChannelInput,
  type ChannelOutput,
  type EventName,
  type EventPayload,
  type RcrApi,
  type Result,
} from '../../shared/contract.ts';
import type { FlagRef, FleetRow, ProviderStatus } from '../../shared/domain.ts';
import { dataPaths } from './data-dir.ts';
import { loadConfig, type Config } from './config.ts';
import { openDatabase, type Db } from './db/database.ts';
import { CoreError, toApiError } from './errors.ts';
import type { FlagProvider } from './providers/provider.ts';
import { createProvider, type ProviderHooks } from './providers/registry.ts';
import { seedLocalFlags } from './providers/local/local-provider.ts';
import { FlagCache } from './flags/flag-cache.ts';
import { HistoryStore } from './flags/history-store.ts';
import { AuditStore } from './flags/audit-store.ts';
import { ProviderStatusStore } from './flags/provider-status-store.ts';
import { SyncService } from './flags/sync-service.ts';
import { FlagActions } from './flags/flag-actions.ts';
import { FleetQuery } from './flags/fleet-query.ts';
import { flagHandlers } from './flags/flag-handlers.ts';
import { ConfirmedState, NO_CONTEXT } from './flags/confirmed-state.ts';
import { IncidentLedger } from './incidents/incident-ledger.ts';
import { IncidentStore } from './incidents/incident-store.ts';
import { JournalStore } from './rollout/journal-store.ts';
import { Leases, newOwnerId } from './db/leases.ts';
import { Leadership } from './rollout/leadership.ts';
import type { Handlers, ParsedInput } from './handler-types.ts';
import { PredictionStore } from './simulator/prediction-store.ts';
import { SimulatorService } from './simulator/simulator-service.ts';
import { simulatorHandlers } from './simulator/simulator-handlers.ts';
import { MetricStore } from './metrics/metric-store.ts';
import { metricsHandlers } from './metrics/metrics-handlers.ts';
import { RolloutService } from './rollout/rollout-service.ts';
import { Monitor } from './rollout/monitor.ts';
import { rolloutHandlers } from './rollout/rollout-handlers.ts';
import { audienceHandlers } from './audience/audience-handlers.ts';
import type { QueryRange } from './metrics/prometheus-ingest.ts';
import { watchDataSources } from './metrics/data-sources.ts';
import { SEED_AI_FLAG_KEY } from './providers/local/local-seed.ts';
import type { SecretStore } from './secrets/secret-store.ts';
import { createTokenSource } from './secrets/token-source.ts';
import { withTokenRedaction } from './secrets/redacting-provider.ts';
import path from 'node:path';

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

/** Default folder of shipped resources. */
export const DEFAULT_RESOURCES_DIR = path.resolve(import.meta.dirname, '../../resources');

/** The sample prediction log shipped with the app (see docs/model-card.md). */
export const SAMPLE_PREDICTIONS = 'sample-predictions/predictions.csv';

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
  fs.mkdirSync(options.dataDir, { recursive: true });
  const paths = dataPaths(options.dataDir);
  const config = loadConfig(paths.config);
  // A read-only core writes nothing: a read-only SQLite connection refuses any write (docs/security.md).
  const db = openDatabase(paths.db, { readOnly: options.readOnly === true });
  const actor =
    options.actor ?? ((options.env ?? process.env).RCR_ACTOR?.trim() || config.actor) ?? safeUserName();
  const tokens = createTokenSource({ env: options.env ?? process.env, secretStore: options.secretStore });
  const providers = new Map<string, FlagProvider>();
  const events = new EventEmitter();
  // Providers report waits (e.g. a LaunchDarkly 429) so the UI can say "waiting for rate limit (Ns)".
  const providerHooks: ProviderHooks = {
    onWait: (w) => events.emit('provider.waiting', { ...w, at: new Date(now()).toISOString() }),
  };
  // Every provider is wrapped so no token it echoes reaches SQLite, logs or the renderer.
  const buildProvider = (p: (typeof config.providers)[number]): FlagProvider =>
    withTokenRedaction(
      (options.providerFactory ?? createProvider)(p, db, tokens, now, providerHooks),
      tokens,
    );
  // Opening deletes abandoned prediction imports (expired lease), never another process's live one.
  const predictions = new PredictionStore(db, { readOnly: options.readOnly === true });
  for (const p of config.providers) {
    providers.set(p.name, buildProvider(p));
    if (p.kind === 'local' && !options.readOnly && seedLocalFlags(db, now())) {
      const sample = path.join(options.resourcesDir ?? DEFAULT_RESOURCES_DIR, SAMPLE_PREDICTIONS);
      if (fs.existsSync(sample))
        await predictions.importFile(sample, {
          name: 'SpamAssassin sample: v2.3 vs v2.4 held-out predictions',
          flag: { provider: p.name, environment: 'production', key: SEED_AI_FLAG_KEY },
          now,
        });
    }
  }
  const cache = new FlagCache(db);
  const history = new HistoryStore(db);
  const audit = new AuditStore(db);
  const status = new ProviderStatusStore(db);
  const emit = (reason: string): void => {
    events.emit('fleet.changed', { reason, at: new Date(now()).toISOString() });
  };
  const query = new FleetQuery({
    cache,
    history,
    status,
    providers: () => providers,
    syncIntervalMs: config.syncIntervalMs,
    now,
  });
  const fleetRow = (ref: FlagRef): FleetRow => query.fleetRow(ref);

  // The decision log, the incidents and the one writer of confirmed flag state. The rollout
  // service (made below) follows the flag: the incident rules call it on a confirmed kill or restore.
  const journal = new JournalStore(db);
  const incidentStore = new IncidentStore(db);
  // This process among those sharing the folder: its leases and claims carry this id.
  const leases = new Leases(db, newOwnerId(), now);
  const leadership = new Leadership(leases);
  let rollouts: RolloutService | null = null;
  const ledger = new IncidentLedger(incidentStore, {
    onKilled: (flag, cause, at) => rollouts?.flagKilled(flag, cause, at),
    onServingAgain: (flag, cause, at) => rollouts?.flagServingAgain(flag, cause, at),
  });
  const decisionContext = (ref: FlagRef) => rollouts?.decisionContext(ref) ?? NO_CONTEXT;
  const confirmed = new ConfirmedState({ cache, ledger, journal, context: decisionContext });
  const sync = new SyncService({
    db,
    providers: () => providers,
    cache,
    history,
    audit,
    status,
    confirmed,
    now,
    onSynced: (name) => emit(`synced:${name}`),
  });
  const actions = new FlagActions({
    db,
    providers: () => providers,
    cache,
    history,
    audit,
    journal,
    incidents: incidentStore,
    confirmed,
    leases,
    sync,
    actor,
    now,
    fleetRow,
    context: decisionContext,
    onChanged: emit,
    onDecision: (record) => {
      events.emit('monitor.decision', record);
      events.emit('rollout.changed', {
        flag: record.flag,
        reason: `decision:${record.action}`,
        at: record.at,
      });
    },
  });

  const metricStore = new MetricStore(db);
  // The data-source allow-list (config.json `dataSources`), followed as the local user edits it.
  const dataSources = watchDataSources(paths.config, config);
  const rolloutConfig = config.rollouts;
  const rolloutEnv = options.env ?? process.env;
  rollouts = new RolloutService({
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
    emit: (event, payload) => events.emit(event, payload),
    webhook: () => {
      const w = rolloutConfig?.webhook;
      const secret = w ? rolloutEnv[w.secretEnv] : undefined;
      return w && secret ? { url: w.url, secret } : null;
    },
    options: { decisionRetention: rolloutConfig?.decisionRetention ?? 50_000 },
    queryRange: options.prometheusQueryRange,
    prometheusSources: dataSources,
  });
  const service = rollouts;
  const monitor = new Monitor({
    service,
    now,
    decisionRetention: rolloutConfig?.decisionRetention ?? 50_000,
    emitChanged: (flag, reason) =>
      events.emit('rollout.changed', { flag, reason, at: new Date(now()).toISOString() }),
  });

  const simulator = new SimulatorService(predictions);
  const handlers: Handlers<Channel> = {
    ...audienceHandlers({ flag: fleetRow }),
    ...simulatorHandlers({
      store: predictions,
      simulator,
      now,
      progress: (payload) => events.emit('predictions.progress', payload),
    }),
    ...rolloutHandlers(service, monitor, () => ({
      leader: leadership.held(),
      monitorProcess: leadership.holder(),
    })),
    ...metricsHandlers({
      store: metricStore,
      now,
      progress: (payload) => events.emit('metrics.progress', payload),
      queryRange: options.prometheusQueryRange,
      sources: dataSources,
      readOnly: options.readOnly === true,
    }),
    ...flagHandlers({
      config,
      query,
      history,
      audit,
      actions,
      sync,
      providers,
      buildProvider,
      tokens,
      secretStore: options.secretStore,
      readOnly: options.readOnly === true,
      emit,
    }),
  };

  async function invoke<C extends Channel>(
    channel: C,
    input: ChannelInput<C>,
  ): Promise<Result<ChannelOutput<C>>> {
    try {
      const spec = Object.hasOwn(contract, channel) ? contract[channel] : undefined;
      if (!spec) throw new CoreError('BAD_INPUT', `unknown channel "${String(channel)}"`);
      if (options.readOnly && !READ_ONLY_CHANNELS.has(channel))
        throw new CoreError('FORBIDDEN', `${channel} is not available on a read-only screen`);
      const parsed = spec.input.parse(input) as ParsedInput<C>;
      const value = await handlers[channel](parsed);
      return { ok: true, value };
    } catch (error) {
      return { ok: false, error: toApiError(error) };
    }
  }

  // A read-only core (a wall display) starts no sync, no monitor and no outbox: each would write.
  if (options.startSync !== false && !options.readOnly) sync.start(config.syncIntervalMs);
  if (
    !options.readOnly &&
    (options.startMonitor ?? (options.startSync !== false && rolloutConfig?.monitor !== false))
  )
    // One monitor per data folder: this process runs it once it holds the monitor lease (at once,
    // or when the process holding it stops) — and then also takes over orphaned outbox actions.
    leadership.campaign(
      () => {
        monitor.start(options.monitorIntervalMs ?? rolloutConfig?.monitorIntervalMs ?? 30_000);
        void monitor.drainOutbox(); // a rejected drain is recorded in monitor.status, never thrown
        try {
          actions.closeAbandoned();
        } catch {
          // a busy database: tried again at the next start
        }
      },
      // Another process took the lease (this one stalled past its expiry): stop, campaign again.
      () => monitor.stop(),
    );
  // This process's own unfinished actions resume (reconciled against the provider first); a
  // process that does not hold the monitor lease sends nothing else — reading commands send nothing.
  if (!options.readOnly) void monitor.drainOutbox();
  // Imports a crashed or killed process left half-done are finished (visible ones) or deleted
  // (staged ones) in the background, in short transactions; a failure waits for the next import.
  const recovery: Promise<unknown> = options.readOnly
    ? Promise.resolve()
    : metricStore.recoverImports().catch(() => undefined);

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
    invoke,
    notify(notification) {
      events.emit('notify', notification);
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
      if (!options.readOnly) await service.stopOutbox();
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
