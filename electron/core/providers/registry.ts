/** Builds provider instances from the config (tokens read from the environment, never stored). */
import type { Db } from '../db/database.ts';
import type { ProviderConfig } from '../config.ts';
import type { ProviderCapabilities, ProviderKind } from '../../../shared/domain.ts';
import { ProviderError, type FlagProvider } from './provider.ts';
import { createLocalProvider } from './local/local-provider.ts';
import { createUnleashProvider } from './unleash/unleash-provider.ts';
import { createHttpProvider } from './http/http-provider.ts';
import { createLaunchDarklyProvider } from './launchdarkly/launchdarkly-provider.ts';
import { missingTokenMessage, readProviderToken, type ProviderTokenSource } from './provider-token.ts';

const NONE: ProviderCapabilities = {
  kill: false,
  rollout: false,
  threshold: false,
  modelVersion: false,
  allowBlock: false,
  history: false,
};

/** A provider that cannot be used (e.g. its token variable is unset); every call fails with `message`. */
export function unavailableProvider(
  name: string,
  kind: ProviderKind,
  url: string | null,
  message: string,
): FlagProvider {
  const fail = async (): Promise<never> => {
    throw new ProviderError(message);
  };
  return {
    name,
    kind,
    url,
    capabilities: () => NONE,
    health: async () => ({ ok: false, latencyMs: 0, message }),
    listFlags: fail,
    getFlag: fail,
    planChange: fail,
    executePlan: fail,
    historySince: fail,
  };
}

/** A provider waiting before it retries (e.g. LaunchDarkly's 429 rate limit), reported while it waits. */
export interface ProviderWait {
  provider: string;
  environment: string | null;
  /** The flag the waiting request is about, or `null` (e.g. a list page). */
  key: string | null;
  /** How long the provider waits before retrying, ms. */
  waitMs: number;
  /** Why, e.g. `LaunchDarkly rate limit (Retry-After: 2 s)`. */
  reason: string;
}

/** Callbacks the core gives providers that report progress. */
export interface ProviderHooks {
  onWait?: (wait: ProviderWait) => void;
}

/** A provider config that needs an API token. */
type TokenConfig = Exclude<ProviderConfig, { kind: 'local' }>;

/** Builds a token-bearing provider, or an unavailable one naming where the missing token should come from. */
function withToken(
  config: TokenConfig,
  env: ProviderTokenSource,
  build: (token: string) => FlagProvider,
): FlagProvider {
  const token = readProviderToken(config, env);
  return token
    ? build(token)
    : unavailableProvider(config.name, config.kind, config.url, missingTokenMessage(config, env));
}

/** Creates one provider from its config entry; `env` is the core's token source (or a plain environment). */
export function createProvider(
  config: ProviderConfig,
  db: Db,
  env: ProviderTokenSource,
  now: () => number,
  hooks: ProviderHooks = {},
): FlagProvider {
  switch (config.kind) {
    case 'local':
      return createLocalProvider({ name: config.name, db, now });
    case 'unleash':
      return withToken(config, env, (token) =>
        createUnleashProvider({
          name: config.name,
          url: config.url,
          token,
          project: config.project,
          environments: config.environments,
        }),
      );
    case 'http':
      return withToken(config, env, (token) =>
        createHttpProvider({
          name: config.name,
          url: config.url,
          token,
          tokenEnv: config.tokenEnv,
          environments: config.environments,
        }),
      );
    case 'launchdarkly':
      return withToken(config, env, (token) =>
        createLaunchDarklyProvider({
          name: config.name,
          url: config.url,
          token,
          project: config.project,
          environments: config.environments,
          onWait: (w) =>
            hooks.onWait?.({
              provider: config.name,
              environment: w.environment,
              key: w.flagKey,
              waitMs: w.waitMs,
              reason: `LaunchDarkly rate limit (${w.reason})`,
            }),
        }),
      );
  }
}
