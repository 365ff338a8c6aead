/**
 * Where a provider's API token comes from. Tokens are never stored in
 * config.json or SQLite. Every provider that needs a token reads it through
 * {@link readProviderToken}, which asks the core's {@link TokenSource}: the
 * desktop app's encrypted store, then the environment variable the provider
 * config names (`tokenEnv`), then a 0600 file named by `<tokenEnv>_FILE`
 * (see `../secrets/token-source.ts`).
 *
 * A plain environment object is still accepted (callers outside the core, and
 * tests); it is then only the environment variable.
 */
import { isTokenSource, tokenFileEnv, type TokenSource } from '../secrets/token-source.ts';

/** What {@link readProviderToken} reads from: the core's token source, or a plain environment. */
export type ProviderTokenSource = TokenSource | NodeJS.ProcessEnv;

/** The token of a provider config with `tokenEnv`, or `null` when no source has one. */
export function readProviderToken(
  config: { name: string; tokenEnv: string },
  source: ProviderTokenSource,
): string | null {
  if (isTokenSource(source)) return source.read(config);
  const token = source[config.tokenEnv];
  return token ? token : null;
}

/** The message shown when a provider's token is missing (names every place that was tried). */
export function missingTokenMessage(
  config: { name: string; tokenEnv: string },
  source?: ProviderTokenSource,
): string {
  if (source && isTokenSource(source)) return source.describe(config);
  return `environment variable ${config.tokenEnv} (the token of provider "${config.name}") is not set (or set ${tokenFileEnv(config)} to a 0600 file holding it)`;
}
