/**
 * The flag domain of one core, wired: the flag cache, history, audit and provider-status stores,
 * the fleet query, the one writer of confirmed state, the sync service and the flag actions.
 */
import type { FlagRef } from '../../../shared/domain.ts';
import type { DecisionRecord } from '../../../shared/decisions.ts';
import type { Config } from '../config.ts';
import type { Db } from '../db/database.ts';
import type { Leases } from '../db/leases.ts';
import type { IncidentLedger } from '../incidents/incident-ledger.ts';
import type { IncidentStore } from '../incidents/incident-store.ts';
import type { FlagProvider } from '../providers/provider.ts';
import type { JournalStore } from '../decisions/journal-store.ts';
import { AuditStore } from './audit-store.ts';
import { ConfirmedState, type DecisionContext } from './confirmed-state.ts';
import { FlagActions } from './flag-actions.ts';
import { FlagCache } from './flag-cache.ts';
import { FleetQuery } from './fleet-query.ts';
import { HistoryStore } from './history-store.ts';
import { ProviderStatusStore } from './provider-status-store.ts';
import { SyncService } from './sync-service.ts';

/** What the flag domain is wired with. */
export interface FlagDomainOptions {
  db: Db;
  config: Config;
  providers: Map<string, FlagProvider>;
  journal: JournalStore;
  incidents: IncidentStore;
  ledger: IncidentLedger;
  /** The leases of this process (`flag:<id>` while changing a flag). */
  leases: Leases;
  /** The operator acting when a call names none. */
  actor: string;
  /** Clock, ms since epoch. */
  now: () => number;
  /** The rollout context a decision record of a flag carries. */
  context: (ref: FlagRef) => DecisionContext;
  /** Announces a fleet change (`fleet.changed`) with a reason. */
  emit: (reason: string) => void;
  /** A decision was recorded by a flag action. */
  onDecision: (record: DecisionRecord) => void;
}

/** The wired flag domain (see the module docs). */
export interface FlagDomain {
  cache: FlagCache;
  history: HistoryStore;
  audit: AuditStore;
  query: FleetQuery;
  sync: SyncService;
  actions: FlagActions;
}

/** Wires the flag domain over `o.db` (see the module docs). */
export function openFlagDomain(o: FlagDomainOptions): FlagDomain {
  const { db, providers, now } = o;
  const cache = new FlagCache(db);
  const history = new HistoryStore(db);
  const audit = new AuditStore(db);
  const status = new ProviderStatusStore(db);
  const query = new FleetQuery({
    cache,
    history,
    status,
    providers: () => providers,
    syncIntervalMs: o.config.syncIntervalMs,
    now,
  });
  const confirmed = new ConfirmedState({ cache, ledger: o.ledger, journal: o.journal, context: o.context });
  const sync = new SyncService({
    db,
    providers: () => providers,
    cache,
    history,
    audit,
    status,
    confirmed,
    now,
    onSynced: (name) => o.emit(`synced:${name}`),
  });
  const actions = new FlagActions({
    db,
    providers: () => providers,
    cache,
    history,
    audit,
    journal: o.journal,
    incidents: o.incidents,
    confirmed,
    leases: o.leases,
    sync,
    actor: o.actor,
    now,
    fleetRow: (ref) => query.fleetRow(ref),
    context: o.context,
    onChanged: o.emit,
    onDecision: o.onDecision,
  });
  return { cache, history, audit, query, sync, actions };
}
