/** Builds provider instances from the config (tokens read from the environment, never stored). */
import type { Db } from '../db/database.ts';
import type { ProviderConfig } from '../config.ts';
import type { ProviderCapabilities, ProviderKind } from '../../../shared/domain.ts';
import { ProviderError, type FlagProvider } from './provider.ts';
import { createLocalProvider } from './local/local-provider.ts';
import { createUnleashProvider } from './unleash/unleash-provider.ts';
import { missingTokenMessage, readProviderToken } from './provider-token.ts';

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

/** Creates one provider from its config entry. */
export function createProvider(
  config: ProviderConfig,
  db: Db,
  env: NodeJS.ProcessEnv,
  now: () => number,
): FlagProvider {
  switch (config.kind) {
    case 'local':
      return createLocalProvider({ name: config.name, db, now });
    case 'unleash': {
      const token = readProviderToken(config, env);
      if (!token) return unavailableProvider(config.name, 'unleash', config.url, missingTokenMessage(config));
      return createUnleashProvider({
        name: config.name,
        url: config.url,
        token,
        project: config.project,
        environments: config.environments,
      });
    }
  }
}
