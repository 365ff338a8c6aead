/**
 * HTTP client for a custom flag service (`docs/provider-api.yaml`) over global `fetch`.
 *
 * Sends `Authorization: Bearer <token>`, applies a per-attempt timeout, retries
 * transient failures with exponential backoff and jitter, checks every response body
 * with a zod schema, and turns failures into {@link ProviderError}s whose message
 * names the service and never contains the token.
 *
 * Retries are safe by construction: `GET`s are read-only, and a `POST` is retried only
 * when it carries an `Idempotency-Key` — the same key on every attempt, so the service
 * applies the change at most once and replays its first answer.
 */
import type { z } from 'zod';
import { displayUrl, fetchText, neverConnected, retryAfterMs, type FetchOutcome } from '../provider-http.ts';
import { describeZodError } from '../../../../shared/zod-errors.ts';
import { ConflictError, FlagNotFoundError, ProviderError } from '../provider.ts';
import { PROBLEM_IN_PROGRESS, WireProblemSchema } from './http-schemas.ts';
import type { WireProblem } from './http-schemas.ts';
import { IDEMPOTENCY_HEADER } from './http-plan.ts';

/** When and how long to retry. */
export interface RetryPolicy {
  /** Retries after the first attempt (so at most `retries + 1` attempts). */
  retries: number;
  /** Backoff before retry n (0-based) is drawn from [cap/2, cap], cap = min(maxDelayMs, baseDelayMs·2ⁿ), ms. */
  baseDelayMs: number;
  maxDelayMs: number;
  /** Longest `Retry-After` honoured, ms; a longer one fails at once with the wait in the message. */
  maxRetryAfterMs: number;
}

/** Default: 3 retries, 250 ms → 2 s backoff, `Retry-After` up to 30 s. */
export const DEFAULT_RETRY: RetryPolicy = {
  retries: 3,
  baseDelayMs: 250,
  maxDelayMs: 2000,
  maxRetryAfterMs: 30_000,
};

/** Options of {@link createHttpClient}. */
export interface HttpClientOptions {
  /** Base URL, e.g. `https://flags.internal.example.com` (a trailing `/` is dropped). */
  baseUrl: string;
  token: string;
  /** Per-attempt timeout including the body, ms. */
  timeoutMs: number;
  /** Provider name, used in error messages. */
  providerName: string;
  /** Where the token comes from, for the 401 message (e.g. `FLAGS_TOKEN`). */
  tokenEnv?: string;
  retry?: Partial<RetryPolicy>;
  /** Jitter source in [0, 1); default `Math.random`. */
  random?: () => number;
  /** Waits `ms`; default a timer. */
  sleep?: (ms: number) => Promise<void>;
}

/** A successful, schema-checked answer. */
export interface HttpResponse<T> {
  status: number;
  body: T;
  headers: Headers;
  /** Attempts it took (1 = no retry). */
  attempts: number;
}

/** Sends one request (with retries); `path` starts with `/v1/...`. */
export type HttpRequest = <T>(
  method: string,
  path: string,
  schema: z.ZodType<T>,
  options?: { body?: unknown; headers?: Record<string, string> },
) => Promise<HttpResponse<T>>;

/** Reads a problem+json body leniently; `null` when the text is not one. */
export function parseProblem(text: string): WireProblem | null {
  try {
    const parsed = WireProblemSchema.safeParse(JSON.parse(text));
    return parsed.success ? parsed.data : null;
  } catch {
    return null;
  }
}

/** The service's error text: `detail` (or `title`) plus each `errors[]` entry, else the raw text (300 chars). */
export function problemMessage(text: string): string {
  const p = parseProblem(text);
  const parts: string[] = [];
  if (p?.detail) parts.push(p.detail);
  else if (p?.title) parts.push(p.title);
  for (const e of p?.errors ?? []) {
    const line = `${e.pointer || '(body)'}: ${e.detail}`;
    if (!parts.some((x) => x.includes(e.detail))) parts.push(line);
  }
  if (parts.length) return parts.join('; ');
  return text.trim().slice(0, 300) || '(empty response)';
}

/** Backoff before retry `n` (0-based): uniform in [cap/2, cap], cap = min(max, base·2ⁿ), ms. */
export function backoffMs(n: number, policy: RetryPolicy, random: () => number): number {
  const cap = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** n);
  return Math.round(cap / 2 + random() * (cap / 2));
}

/** Statuses worth retrying: 429, and 5xx except 501 (not implemented) and 505. */
export function isRetryableStatus(status: number): boolean {
  return status === 429 || (status >= 500 && status !== 501 && status !== 505);
}

type Attempt = FetchOutcome;

/**
 * Creates a request function for one custom flag service.
 *
 * Retried (up to `retry.retries` times, `POST` only with an `Idempotency-Key`):
 * timeouts, network errors, 429 / 5xx (waiting `Retry-After` when given, plus jitter),
 * and 409 `urn:rcr:problem:idempotency-key-in-progress`.
 *
 * Thrown after the last attempt:
 * - 401/403 → {@link ProviderError} "… rejected the token …" (status kept);
 * - 404 → {@link FlagNotFoundError} with the service's `detail`;
 * - 409 → {@link ConflictError} with the service's `detail`;
 * - other non-2xx → {@link ProviderError} with the service's `detail`/`errors` and status;
 * - timeout / unreachable → {@link ProviderError} (status `null`) naming the URL and attempts;
 * - a body that is not JSON or does not match `schema` → {@link ProviderError}.
 */
export function createHttpClient(opts: HttpClientOptions): HttpRequest {
  const base = opts.baseUrl.replace(/\/+$/, '');
  const shown = displayUrl(base);
  const policy: RetryPolicy = { ...DEFAULT_RETRY, ...opts.retry };
  const random = opts.random ?? Math.random;
  const sleep = opts.sleep ?? ((ms: number) => new Promise<void>((r) => setTimeout(r, ms)));
  const named = `custom flag service "${opts.providerName}" at ${shown}`;
  const service = `C${named.slice(1)}`;

  async function attempt(
    method: string,
    path: string,
    body: unknown,
    headers: Record<string, string>,
  ): Promise<Attempt> {
    return fetchText(`${base}${path}`, {
      method,
      headers: {
        Authorization: `Bearer ${opts.token}`,
        Accept: 'application/json, application/problem+json',
        ...(body === undefined ? {} : { 'Content-Type': 'application/json' }),
        ...headers,
      },
      body,
      timeoutMs: opts.timeoutMs,
    });
  }

  return async <T>(
    method: string,
    path: string,
    schema: z.ZodType<T>,
    options: { body?: unknown; headers?: Record<string, string> } = {},
  ): Promise<HttpResponse<T>> => {
    const headers = options.headers ?? {};
    const retryable = method === 'GET' || method === 'HEAD' || Boolean(headers[IDEMPOTENCY_HEADER]);
    const maxAttempts = retryable ? policy.retries + 1 : 1;
    const what = `${method} ${path}`;
    let last: Attempt = { kind: 'network', why: 'not sent' };
    let attempts = 0;
    for (let n = 0; n < maxAttempts; n++) {
      attempts = n + 1;
      last = await attempt(method, path, options.body, headers);
      let wait: number | null = null;
      if (last.kind !== 'response') wait = backoffMs(n, policy, random);
      else if (isRetryableStatus(last.res.status)) {
        const after = retryAfterMs(last.res.headers.get('retry-after'), Date.now());
        if (after !== null && after > policy.maxRetryAfterMs) break;
        wait =
          after !== null ? after + Math.round(random() * policy.baseDelayMs) : backoffMs(n, policy, random);
      } else if (last.res.status === 409 && parseProblem(last.text)?.type === PROBLEM_IN_PROGRESS) {
        wait = backoffMs(n, policy, random);
      }
      if (wait === null || n === maxAttempts - 1) break;
      await sleep(wait);
    }

    const tries = attempts > 1 ? ` (${attempts} attempts)` : '';
    if (last.kind === 'timeout')
      throw new ProviderError(`${service} did not answer ${what} within ${opts.timeoutMs} ms${tries}`);
    if (last.kind === 'network')
      // Earlier attempts may have timed out after sending: only a single refused attempt is "not sent".
      throw new ProviderError(
        `Cannot reach the ${named} (${last.why})${tries}`,
        null,
        null,
        attempts === 1 && neverConnected(last.why),
      );
    const { res, text } = last;
    if (res.status === 401 || res.status === 403) {
      const where = opts.tokenEnv ? ` in ${opts.tokenEnv}` : '';
      throw new ProviderError(
        `${service} rejected the token (HTTP ${res.status}: ${problemMessage(text)}). ` +
          `Check the bearer token${where}${res.status === 403 ? ' and that it may change flags' : ''}.`,
        res.status,
      );
    }
    if (res.status === 404) throw new FlagNotFoundError(problemMessage(text));
    if (res.status === 409) throw new ConflictError(problemMessage(text));
    if (!res.ok) {
      const after = retryAfterMs(res.headers.get('retry-after'), Date.now());
      const waitNote =
        after !== null && after > policy.maxRetryAfterMs
          ? ` (it asks to wait ${Math.ceil(after / 1000)} s, longer than the ${policy.maxRetryAfterMs / 1000} s this app waits)`
          : '';
      throw new ProviderError(
        `${service} answered HTTP ${res.status} to ${what}${tries}: ${problemMessage(text)}${waitNote}`,
        res.status,
      );
    }
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch {
      throw new ProviderError(`${service} answered ${what} with a body that is not JSON`, res.status);
    }
    const parsed = schema.safeParse(json);
    if (!parsed.success) {
      throw new ProviderError(
        `${service} answered ${what} with a body that does not match docs/provider-api.yaml: ${describeZodError(parsed.error)}`,
        res.status,
      );
    }
    return { status: res.status, body: parsed.data, headers: res.headers, attempts };
  };
}

export { displayUrl, retryAfterMs } from '../provider-http.ts';
