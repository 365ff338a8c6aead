/**
 * Where a provider's API token comes from. Tokens are never stored in
 * config.json or SQLite: today they are read from the environment variable the
 * provider config names (`tokenEnv`). Every provider that needs a token reads it
 * through {@link readProviderToken}, so other sources (an OS-keychain store in the
 * desktop app, a 0600 file in CLI mode) are added in one place.
 */

/** The token of a provider config with `tokenEnv`, or `null` when unset or empty. */
export function readProviderToken(
  config: { name: string; tokenEnv: string },
  env: NodeJS.ProcessEnv,
): string | null {
  const token = env[config.tokenEnv];
  return token ? token : null;
}

/** The message shown when a provider's token is missing. */
export function missingTokenMessage(config: { name: string; tokenEnv: string }): string {
  return `environment variable ${config.tokenEnv} (the token of provider "${config.name}") is not set`;
}
