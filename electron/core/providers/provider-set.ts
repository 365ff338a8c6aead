/**
 * The configured providers of a core: each built from its config entry by the provider factory
 * and wrapped so that no token it echoes reaches SQLite, logs or the renderer.
 */
import type { Config } from '../config.ts';
import type { Db } from '../db/database.ts';
import { withTokenRedaction } from '../secrets/redacting-provider.ts';
import type { TokenSource } from '../secrets/token-source.ts';
import type { FlagProvider } from './provider.ts';
import { createProvider, type ProviderHooks } from './registry.ts';

/** What {@link openProviders} builds providers with. */
export interface ProviderSetOptions {
  config: Config;
  db: Db;
  tokens: TokenSource;
  /** Clock, ms since epoch. */
  now: () => number;
  /** Builds a provider from a config entry; default {@link createProvider} (tests inject fakes). */
  factory?: typeof createProvider;
  /** Provider callbacks, e.g. a rate-limit wait to show ("waiting for rate limit (Ns)"). */
  hooks: ProviderHooks;
}

/** The live providers by name, and how to build one again (e.g. after its token changed). */
export interface ProviderSet {
  readonly providers: Map<string, FlagProvider>;
  /** Builds the provider of `entry`, token-redacted; does not add it to {@link providers}. */
  build(entry: Config['providers'][number]): FlagProvider;
}

/** Builds every configured provider (see the module docs). */
export function openProviders(o: ProviderSetOptions): ProviderSet {
  const build = (entry: Config['providers'][number]): FlagProvider =>
    withTokenRedaction((o.factory ?? createProvider)(entry, o.db, o.tokens, o.now, o.hooks), o.tokens);
  const providers = new Map<string, FlagProvider>();
  for (const entry of o.config.providers) providers.set(entry.name, build(entry));
  return { providers, build };
}
