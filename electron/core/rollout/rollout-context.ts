/**
 * What every part of the rollout service shares: its dependencies ({@link RolloutDeps}), the rollout
 * store, the decision journal, and the checks and reads every operation on a flag starts with (the
 * flag must be known, the plan must exist, the flag's stored state or its initial one).
 */
import type { EventName, EventPayload } from '../../../shared/contract.ts';
import type { FlagLayers, FlagRef } from '../../../shared/domain.ts';
import type { RolloutPlan } from '../../../shared/rollout-plans.ts';
import type { FlagActions } from '../flags/flag-actions.ts';
import type { DataSourceConfig } from '../config.ts';
import type { Db } from '../db/database.ts';
import { CoreError } from '../errors.ts';
import type { IncidentLedger } from '../incidents/incident-ledger.ts';
import type { MetricStore } from '../metrics/metric-store.ts';
import type { QueryRange } from '../metrics/prometheus-ingest.ts';
import type { FlagProvider } from '../providers/provider.ts';
import type { JournalStore } from '../decisions/journal-store.ts';
import type { WebhookTarget } from './outbox.ts';
import { RolloutStore, type StoredState } from './rollout-store.ts';

/** Options of the rollout subsystem (config.json `rollouts`, see config.ts). */
export interface RolloutOptions {
  /** Newest decision records kept (older ones are pruned after each monitor run). */
  decisionRetention: number;
  /** Outbox retry base delay and cap, ms. */
  retryBaseMs?: number;
  retryMaxMs?: number;
}

/** What the rollout service is built from (app-core.ts wires it). */
export interface RolloutDeps {
  db: Db;
  metrics: MetricStore;
  actions: FlagActions;
  /** The decision log and outbox (shared with the flag actions). */
  journal: JournalStore;
  /** The incident rules (shared with the confirmed-state writer). */
  ledger: IncidentLedger;
  providers: () => ReadonlyMap<string, FlagProvider>;
  /** The cached layers of a flag, or null when the cache does not know it. */
  cachedLayers: (ref: FlagRef) => FlagLayers | null;
  /** The operator acting when a call names none. */
  actor: string;
  /** This process's owner id: it claims the actions it journals (rollout/outbox.ts). */
  owner: string;
  /** True while this process holds the monitor lease (it then takes over orphaned actions). */
  isLeader: () => boolean;
  /** The clock, ms since the epoch. */
  now: () => number;
  emit: <E extends EventName>(event: E, payload: EventPayload<E>) => void;
  webhook: () => WebhookTarget | null;
  options: RolloutOptions;
  queryRange?: QueryRange;
  /** The allow-list of Prometheus sources (config.json `dataSources.prometheus`); default none. */
  prometheusSources?: () => readonly DataSourceConfig[];
  /** Random in [0, 1) for the outbox's retry jitter. */
  random?: () => number;
}

/**
 * The dependencies, stores and common checks the parts of the rollout service share (one per
 * service; it holds no state of its own beyond the store's caches).
 */
export class RolloutContext {
  /** The dependencies the service was built from. */
  readonly d: RolloutDeps;
  /** Plans, stage states, guardrails and their last evaluations. */
  readonly store: RolloutStore;
  /** The decision log and the outbox's actions. */
  readonly journal: JournalStore;

  constructor(deps: RolloutDeps) {
    this.d = deps;
    this.store = new RolloutStore(deps.db);
    this.journal = deps.journal;
  }

  /** The clock's time as ISO 8601. */
  iso(): string {
    return new Date(this.d.now()).toISOString();
  }

  /** Emits `rollout.changed` for `flag` (the UI reloads the flag's rollout). */
  changed(flag: FlagRef, reason: string): void {
    this.d.emit('rollout.changed', { flag, reason, at: this.iso() });
  }

  /**
   * The flag's cached layers.
   * @throws CoreError NOT_FOUND when the flag is unknown.
   */
  requireFlag(flag: FlagRef): FlagLayers {
    const layers = this.d.cachedLayers(flag);
    if (!layers)
      throw new CoreError(
        'NOT_FOUND',
        `flag "${flag.key}" not found in environment "${flag.environment}" of provider "${flag.provider}"`,
      );
    return layers;
  }

  /**
   * The flag's rollout plan.
   * @throws CoreError NOT_FOUND when the flag has none.
   */
  requirePlan(flag: FlagRef): RolloutPlan {
    const plan = this.store.plan(flag);
    if (!plan)
      throw new CoreError(
        'NOT_FOUND',
        `flag "${flag.key}" has no rollout plan; save one with rollout.savePlan`,
      );
    return plan;
  }

  /** The state a flag without a stored one is in: `running`, no stage (guardrails only, or no plan yet). */
  initialState(flag: FlagRef): StoredState {
    return {
      flag,
      stageIndex: -1,
      status: 'running',
      stageStartedAt: null,
      reason: null,
      approvals: [],
      pendingActionId: null,
      evidenceSince: null,
      updatedAt: this.iso(),
      generation: 0,
    };
  }

  /** The state of a flag, stored first (as {@link initialState}) when it has none — for actions only. */
  stateOf(flag: FlagRef): StoredState {
    const s = this.store.state(flag);
    if (s) return s;
    const at = this.iso();
    const { generation: _, ...initial } = this.initialState(flag);
    return this.store.putState(initial, at);
  }
}
