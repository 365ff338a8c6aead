/**
 * HTTP client for the LaunchDarkly REST API v2 over global `fetch`.
 *
 * Every request sends `Authorization: <access token>` (no "Bearer"; LaunchDarkly
 * API docs, "Authentication using request header") and `LD-API-Version: 20240415`.
 * Semantic patches are sent with
 * `Content-Type: application/json; domain-model=launchdarkly.semanticpatch`.
 *
 * Rate limits (LaunchDarkly API docs, "Rate limiting"): a 429 answer is retried
 * after the wait the response asks for — `Retry-After` (seconds, or an HTTP
 * date) and/or `X-Ratelimit-Reset` (epoch milliseconds), the longer of the two —
 * plus jitter; without either header, exponential backoff from 1 s. Retries are
 * bounded ({@link DEFAULT_MAX_RETRIES}, each wait at most {@link DEFAULT_MAX_WAIT_MS});
 * every wait is reported through `onWait` before it starts, so the UI can say
 * "waiting for rate limit (Ns)".
 *
 * Failures become {@link LaunchDarklyApiError} (a {@link ProviderError}) whose
 * message never contains the token.
 */
import { displayUrl, fetchText, noAnswerError, parseJsonBody } from '../provider-http.ts';
import { FlagNotFoundError, ProviderError } from '../provider.ts';

/** API version sent on every request. */
export const LD_API_VERSION = '20240415';
/** Content type of a semantic patch. */
export const SEMANTIC_PATCH_CONTENT_TYPE = 'application/json; domain-model=launchdarkly.semanticpatch';
/** Default base URL (commercial instance). EU: `https://app.eu.launchdarkly.com`; federal: `https://app.launchdarkly.us`. */
export const DEFAULT_LD_URL = 'https://app.launchdarkly.com';
/** Retries of one request after 429 answers. */
export const DEFAULT_MAX_RETRIES = 8;
/** Longest single wait for a rate limit, ms; a longer `Retry-After` fails the request instead. */
export const DEFAULT_MAX_WAIT_MS = 60_000;

/** A wait for a rate limit, reported before it starts. */
export interface LdRateLimitWait {
  method: string;
  path: string;
  /** How long the client will wait before retrying, ms (jitter included). */
  waitMs: number;
  /** 1 for the first retry of this request. */
  attempt: number;
  /** What the wait is based on, e.g. `Retry-After: 2 s`. */
  reason: string;
  /** The flag the request is about, when the caller said so. */
  flagKey: string | null;
  environment: string | null;
}

/** Options of {@link createLaunchDarklyHttp}. */
export interface LdHttpOptions {
  /** Base URL, e.g. `https://app.launchdarkly.com` (a trailing `/` is dropped). */
  baseUrl: string;
  token: string;
  /** Per-request timeout including the body, ms. */
  timeoutMs: number;
  /** Provider name, used in error messages. */
  providerName: string;
  maxRetries?: number;
  maxWaitMs?: number;
  onWait?: (wait: LdRateLimitWait) => void;
  /** Waits `ms` (tests may shorten nothing: the default is a real timer). */
  sleep?: (ms: number) => Promise<void>;
  /** Uniform [0, 1) for jitter; default `Math.random`. */
  random?: () => number;
  /** Clock for `X-Ratelimit-Reset`, epoch ms; default `Date.now`. */
  now?: () => number;
}

/** Per-request options. */
export interface LdRequestOptions {
  body?: unknown;
  /** Send `body` as a semantic patch (content type with `domain-model=launchdarkly.semanticpatch`). */
  semanticPatch?: boolean;
  /** Flag and environment the request is about (reported with rate-limit waits). */
  flagKey?: string;
  environment?: string;
}

/** A parsed answer: HTTP status and JSON body (`null` when empty). */
export interface LdResponse<T> {
  status: number;
  body: T;
}

/** Sends one request; `path` starts with `/api/v2/` (or is a `_links` href on the same host). */
export type LdRequest = <T = unknown>(
  method: string,
  path: string,
  options?: LdRequestOptions,
) => Promise<LdResponse<T>>;

/** A non-2xx answer from LaunchDarkly: `status`, LaunchDarkly's error `code` and `message`. */
export class LaunchDarklyApiError extends ProviderError {
  /** LaunchDarkly's error code, e.g. `invalid_request`, or `null` when the body had none. */
  readonly code: string | null;
  /** LaunchDarkly's own message (or the raw body, 300 chars). */
  readonly ldMessage: string;
  constructor(message: string, status: number, code: string | null, ldMessage: string) {
    super(message, status);
    this.name = 'LaunchDarklyApiError';
    this.code = code;
    this.ldMessage = ldMessage;
  }
}

/** Parses LaunchDarkly's error body `{code, message, id}`; falls back to the raw text (300 chars). */
export function parseLdError(text: string): { code: string | null; message: string } {
  try {
    const body = JSON.parse(text) as { code?: unknown; message?: unknown };
    if (typeof body.message === 'string' && body.message)
      return { code: typeof body.code === 'string' ? body.code : null, message: body.message };
  } catch {
    // not JSON
  }
  return { code: null, message: text.trim().slice(0, 300) || '(empty response)' };
}

/**
 * How long to wait after a 429 (pure).
 *
 * - `Retry-After`: seconds (`"2"`) or an HTTP date; `X-Ratelimit-Reset`: epoch ms.
 *   When both are present the longer wait wins; a reset already past counts as 0.
 * - Neither: exponential backoff `1000 · 2^(attempt-1)` ms, at most 30 s.
 * - Jitter: `+ random · max(100, 20 % of the wait)` ms, so parallel clients do not retry in step.
 *
 * @param attempt 1 for the first retry.
 * @returns `waitMs` (integer ms) and `reason` (what the wait is based on).
 */
export function rateLimitWait(
  headers: { retryAfter: string | null; reset: string | null },
  attempt: number,
  nowMs: number,
  random: () => number,
): { waitMs: number; reason: string } {
  const parts: { ms: number; reason: string }[] = [];
  if (headers.retryAfter !== null && headers.retryAfter.trim() !== '') {
    const raw = headers.retryAfter.trim();
    const seconds = Number(raw);
    if (Number.isFinite(seconds) && seconds >= 0)
      parts.push({ ms: seconds * 1000, reason: `Retry-After: ${raw} s` });
    else {
      const at = Date.parse(raw);
      if (Number.isFinite(at)) parts.push({ ms: Math.max(0, at - nowMs), reason: `Retry-After: ${raw}` });
    }
  }
  if (headers.reset !== null && headers.reset.trim() !== '') {
    const at = Number(headers.reset.trim());
    if (Number.isFinite(at) && at > 0)
      parts.push({ ms: Math.max(0, at - nowMs), reason: `X-Ratelimit-Reset: ${new Date(at).toISOString()}` });
  }
  const chosen =
    parts.length > 0
      ? parts.reduce((a, b) => (b.ms > a.ms ? b : a))
      : {
          ms: Math.min(30_000, 1000 * 2 ** Math.max(0, attempt - 1)),
          reason: 'rate limited, no reset header (backoff)',
        };
  const jitter = Math.floor(random() * Math.max(100, chosen.ms * 0.2));
  return { waitMs: Math.ceil(chosen.ms) + jitter, reason: chosen.reason };
}

const realSleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/**
 * Creates a request function for one LaunchDarkly instance.
 *
 * Errors thrown by the returned function:
 * - 401/403 → {@link LaunchDarklyApiError} "LaunchDarkly rejected the access token …";
 * - 404 → {@link FlagNotFoundError} with LaunchDarkly's message;
 * - 429 after the retries are spent (or a wait longer than `maxWaitMs`) → {@link LaunchDarklyApiError} status 429;
 * - other non-2xx (400, 405, 409, 422, 5xx) → {@link LaunchDarklyApiError} with LaunchDarkly's `code`/`message`;
 * - timeout / network failure → {@link ProviderError} with status `null`;
 * - a `_links` href on another host → {@link ProviderError} (the token is never sent elsewhere).
 */
export function createLaunchDarklyHttp(opts: LdHttpOptions): LdRequest {
  const base = opts.baseUrl.replace(/\/+$/, '');
  const origin = new URL(base).origin;
  const shown = displayUrl(base);
  const maxRetries = opts.maxRetries ?? DEFAULT_MAX_RETRIES;
  const maxWaitMs = opts.maxWaitMs ?? DEFAULT_MAX_WAIT_MS;
  const sleep = opts.sleep ?? realSleep;
  const random = opts.random ?? Math.random;
  const now = opts.now ?? Date.now;

  const urlOf = (path: string): string => {
    if (/^https?:\/\//i.test(path)) {
      if (new URL(path).origin !== origin)
        throw new ProviderError(
          `LaunchDarkly returned a link to another host (${displayUrl(path)}); not following it`,
        );
      return path;
    }
    return `${base}${path.startsWith('/') ? path : `/${path}`}`;
  };

  async function once(
    method: string,
    path: string,
    o: LdRequestOptions,
  ): Promise<{ res: Response; text: string }> {
    const headers: Record<string, string> = {
      Authorization: opts.token,
      'LD-API-Version': LD_API_VERSION,
      Accept: 'application/json',
    };
    if (o.body !== undefined)
      headers['Content-Type'] = o.semanticPatch ? SEMANTIC_PATCH_CONTENT_TYPE : 'application/json';
    const out = await fetchText(urlOf(path), { method, headers, body: o.body, timeoutMs: opts.timeoutMs });
    if (out.kind !== 'response')
      throw noAnswerError(`LaunchDarkly at ${shown}`, `${method} ${path}`, opts.timeoutMs, out);
    return { res: out.res, text: out.text };
  }

  return async <T>(method: string, path: string, o: LdRequestOptions = {}): Promise<LdResponse<T>> => {
    let waitedMs = 0;
    for (let attempt = 0; ; attempt++) {
      const { res, text } = await once(method, path, o);
      if (res.status === 429) {
        const err = parseLdError(text);
        const wait = rateLimitWait(
          { retryAfter: res.headers.get('retry-after'), reset: res.headers.get('x-ratelimit-reset') },
          attempt + 1,
          now(),
          random,
        );
        if (attempt >= maxRetries || wait.waitMs > maxWaitMs + Math.max(100, maxWaitMs * 0.2)) {
          const why =
            attempt >= maxRetries
              ? `still rate limited after ${attempt} retries (${Math.round(waitedMs / 1000)} s of waiting)`
              : `it asked to wait ${Math.ceil(wait.waitMs / 1000)} s (${wait.reason}), more than the ${maxWaitMs / 1000} s this app waits`;
          throw new LaunchDarklyApiError(
            `LaunchDarkly rate limit (HTTP 429) on ${method} ${path}: ${why}. ${err.message}`,
            429,
            err.code,
            err.message,
          );
        }
        opts.onWait?.({
          method,
          path,
          waitMs: wait.waitMs,
          attempt: attempt + 1,
          reason: wait.reason,
          flagKey: o.flagKey ?? null,
          environment: o.environment ?? null,
        });
        await sleep(wait.waitMs);
        waitedMs += wait.waitMs;
        continue;
      }
      if (res.status === 401 || res.status === 403) {
        const err = parseLdError(text);
        throw new LaunchDarklyApiError(
          `LaunchDarkly rejected the access token of provider "${opts.providerName}" (HTTP ${res.status}: ${err.message}). ` +
            'Use a personal or service access token (not an SDK key) with access to the project.',
          res.status,
          err.code,
          err.message,
        );
      }
      if (res.status === 404) throw new FlagNotFoundError(parseLdError(text).message);
      if (!res.ok) {
        const err = parseLdError(text);
        throw new LaunchDarklyApiError(
          `LaunchDarkly answered HTTP ${res.status} to ${method} ${path}: ${err.message}`,
          res.status,
          err.code,
          err.message,
        );
      }
      return {
        status: res.status,
        body: parseJsonBody<T>(text, res.status, 'LaunchDarkly', `${method} ${path}`),
      };
    }
  };
}

export { displayUrl } from '../provider-http.ts';
