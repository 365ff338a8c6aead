/**
 * The contract handlers of the flag domain: the fleet, one flag with its history and audit, the
 * previewed and confirmed changes (set, rollback, restore), providers, tokens and sync.
 */
import type { Channel } from '../../../shared/contract.ts';
import type { Config } from '../config.ts';
import { CoreError } from '../errors.ts';
import type { Handlers } from '../handler-types.ts';
import type { FlagProvider } from '../providers/provider.ts';
import type { SecretStore } from '../secrets/secret-store.ts';
import type { TokenSource } from '../secrets/token-source.ts';
import type { FlagActions } from './flag-actions.ts';
import type { AuditStore } from './audit-store.ts';
import type { HistoryStore } from './history-store.ts';
import type { SyncService } from './sync-service.ts';
import type { FleetQuery } from './fleet-query.ts';

/** The channels {@link flagHandlers} serves. */
export type FlagChannel = Extract<
  Channel,
  | 'fleet.list'
  | 'flag.get'
  | 'flag.previewChange'
  | 'flag.applyChange'
  | 'flag.previewRollback'
  | 'flag.rollback'
  | 'flag.previewRestore'
  | 'flag.restore'
  | 'providers.list'
  | 'session.info'
  | 'providers.setToken'
  | 'sync.now'
>;

/** What the flag handlers use. */
export interface FlagHandlerDeps {
  config: Config;
  query: FleetQuery;
  history: HistoryStore;
  audit: AuditStore;
  actions: FlagActions;
  sync: SyncService;
  /** The live provider map: `providers.setToken` replaces an entry. */
  providers: Map<string, FlagProvider>;
  /** Builds a provider from its config entry (wrapped for token redaction). */
  buildProvider: (entry: Config['providers'][number]) => FlagProvider;
  tokens: TokenSource;
  /** The desktop app's encrypted token store; absent in browser mode and the CLI. */
  secretStore?: SecretStore;
  readOnly: boolean;
  /** Announces a fleet change (`fleet.changed`) with a reason. */
  emit: (reason: string) => void;
}

/**
 * The flag domain's handlers (input already validated by the contract).
 * @throws CoreError NOT_FOUND for an unknown provider or flag; BAD_INPUT / UNSUPPORTED for a token
 *   on a provider without one or outside the desktop app; errors of {@link FlagActions}.
 */
export function flagHandlers(d: FlagHandlerDeps): Handlers<FlagChannel> {
  const { query, actions } = d;
  return {
    'fleet.list': async (q) => ({ rows: query.fleet(q), providers: query.providerStatuses() }),
    'flag.get': async (ref) => ({
      flag: query.fleetRow(ref),
      history: d.history.forFlag(ref),
      audit: d.audit.forFlag(ref),
    }),
    'flag.previewChange': async ({ ref, patch }) => actions.previewChange(ref, patch),
    'flag.applyChange': async ({ ref, patch, reason }) => actions.change(ref, patch, reason),
    'flag.previewRollback': async ({ ref, mode }) => actions.previewRollback(ref, mode),
    'flag.rollback': async ({ ref, mode, reason }) => actions.rollback(ref, mode, reason),
    'flag.previewRestore': async ({ ref }) => actions.previewRestore(ref),
    'flag.restore': async ({ ref, reason }) => actions.restore(ref, reason),
    'providers.list': async () => query.providerStatuses(),
    'session.info': async () => ({
      readOnly: d.readOnly,
      tokenStore: d.secretStore?.description ?? null,
    }),
    'providers.setToken': async ({ provider, token }) => {
      const entry = d.config.providers.find((p) => p.name === provider);
      if (!entry) throw new CoreError('NOT_FOUND', `provider "${provider}" is not configured`);
      if (!('tokenEnv' in entry) || typeof entry.tokenEnv !== 'string')
        throw new CoreError('BAD_INPUT', `provider "${provider}" (${entry.kind}) does not use a token`);
      if (!d.secretStore)
        throw new CoreError(
          'UNSUPPORTED',
          `tokens can only be stored in the desktop app; here ${d.tokens.describe({ name: provider, tokenEnv: entry.tokenEnv })}`,
        );
      if (token === null) d.secretStore.delete(provider);
      else d.secretStore.set(provider, token);
      // Rebuild the provider so the new token is used from the next call on.
      const old = d.providers.get(provider);
      d.providers.set(provider, d.buildProvider(entry));
      await old?.close?.();
      d.emit(`token:${provider}`);
      return { provider, tokenSet: d.tokens.read({ name: provider, tokenEnv: entry.tokenEnv }) !== null };
    },
    'sync.now': async ({ provider }) => {
      if (provider && !d.providers.has(provider))
        throw new CoreError('NOT_FOUND', `provider "${provider}" is not configured`);
      await (provider ? d.sync.syncProvider(provider) : d.sync.syncAll());
      return query.providerStatuses();
    },
  };
}
