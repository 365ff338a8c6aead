/**
 * Minimal HTTP client for the Unleash Admin API over global `fetch`.
 *
 * Sends the API token raw in `Authorization` (no `Bearer`; Unleash
 * `src/lib/middleware/api-token-middleware.ts`), applies a per-request timeout,
 * and turns every failure into a {@link ProviderError} whose message never
 * contains the token.
 */
import { displayUrl, fetchText, noAnswerError, parseJsonBody, retryAfterMs } from '../provider-http.ts';
import { FlagNotFoundError, ProviderError } from '../provider.ts';

/** Options of {@link createUnleashHttp}. */
export interface UnleashHttpOptions {
  /** Base URL, e.g. `https://unleash.example.com` (a trailing `/` is dropped). */
  baseUrl: string;
  token: string;
  /** Per-request timeout including the body, ms. */
  timeoutMs: number;
  /** Provider name, used in error messages. */
  providerName: string;
}

/** A parsed answer: HTTP status and JSON body (`null` when empty). */
export interface UnleashResponse<T> {
  status: number;
  body: T;
}

/** Sends one request; `path` starts with `/api/...`. */
export type UnleashRequest = <T = unknown>(
  method: string,
  path: string,
  body?: unknown,
) => Promise<UnleashResponse<T>>;

/** Extracts Unleash's error text: `message` plus distinct `details[].message`, else the raw text (300 chars). */
export function unleashErrorMessage(text: string): string {
  try {
    const body = JSON.parse(text) as { message?: unknown; details?: Array<{ message?: unknown }> };
    const parts: string[] = [];
    if (typeof body.message === 'string') parts.push(body.message);
    for (const d of body.details ?? []) {
      if (typeof d.message === 'string' && !parts.includes(d.message)) parts.push(d.message);
    }
    if (parts.length > 0) return parts.join('; ');
  } catch {
    // not JSON
  }
  return text.trim().slice(0, 300) || '(empty response)';
}

/**
 * Creates a request function for one Unleash instance.
 *
 * Errors thrown by the returned function:
 * - 401/403 → {@link ProviderError} "Unleash rejected the API token …" (status kept);
 * - 404 → {@link FlagNotFoundError} with Unleash's message;
 * - other non-2xx → {@link ProviderError} with Unleash's message and status (and `retryAfterMs`
 *   from a `Retry-After` header, e.g. on 429/503);
 * - timeout → {@link ProviderError} "… did not answer … within N ms" (status `null`);
 * - network failure → {@link ProviderError} "Cannot reach Unleash at …" (status `null`).
 */
export function createUnleashHttp(opts: UnleashHttpOptions): UnleashRequest {
  const base = opts.baseUrl.replace(/\/+$/, '');
  const shown = displayUrl(base);
  return async <T>(method: string, path: string, body?: unknown): Promise<UnleashResponse<T>> => {
    const out = await fetchText(`${base}${path}`, {
      method,
      headers: {
        Authorization: opts.token,
        Accept: 'application/json',
        ...(body === undefined ? {} : { 'Content-Type': 'application/json' }),
      },
      body,
      timeoutMs: opts.timeoutMs,
    });
    if (out.kind !== 'response')
      throw noAnswerError(`Unleash at ${shown}`, `${method} ${path}`, opts.timeoutMs, out);
    const { res, text } = out;
    if (res.status === 401 || res.status === 403) {
      throw new ProviderError(
        `Unleash rejected the API token of provider "${opts.providerName}" (HTTP ${res.status}: ${unleashErrorMessage(text)}). ` +
          'Check that the token is valid and is an admin token or personal access token with access to the project.',
        res.status,
      );
    }
    if (res.status === 404) throw new FlagNotFoundError(unleashErrorMessage(text));
    if (!res.ok) {
      throw new ProviderError(
        `Unleash answered HTTP ${res.status} to ${method} ${path}: ${unleashErrorMessage(text)}`,
        res.status,
        retryAfterMs(res.headers.get('retry-after'), Date.now()),
      );
    }
    return { status: res.status, body: parseJsonBody<T>(text, res.status, 'Unleash', `${method} ${path}`) };
  };
}

export { displayUrl } from '../provider-http.ts';
