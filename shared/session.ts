/**
 * Schemas of what a session of the control room may do (`session.info`: read-only, where stored
 * tokens are protected) and of the provider API token it stores (`providers.setToken`).
 *
 * No `electron`, `node:` or DOM imports.
 */
import { z } from 'zod';

/** Answer of `session.info`. */
export const SessionInfoSchema = z.object({
  /** True on a read-only screen: every channel outside `READ_ONLY_CHANNELS` (shared/contract.ts) is refused. */
  readOnly: z.boolean(),
  /** What protects stored tokens (e.g. `"macOS Keychain"`), or `null` when this mode cannot store tokens. */
  tokenStore: z.string().nullable(),
});
/** What this session may do ({@link SessionInfoSchema}). */
export type SessionInfo = z.infer<typeof SessionInfoSchema>;

/** Input of `providers.setToken`: a provider's API token to store, or `null` to remove it. */
export const ProviderTokenInputSchema = z.object({
  provider: z.string().min(1, 'provider is required'),
  token: z
    .string()
    .trim()
    .min(1, 'token must not be empty (use null to remove it)')
    .max(8192, 'token is too long')
    .nullable(),
});

/** Answer of `providers.setToken`: whether the provider now has a token (the token is never returned). */
export const ProviderTokenStatusSchema = z.object({ provider: z.string(), tokenSet: z.boolean() });
