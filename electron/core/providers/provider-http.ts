/**
 * The HTTP plumbing every remote provider shares (Unleash, LaunchDarkly, custom
 * HTTP): one exchange with a timeout whose transport failures come back as
 * values (each provider words and retries them its own way), JSON bodies read
 * with a clear error, and URLs shown without credentials.
 */
import { FlagNotFoundError, ProviderError, type ProviderHealth } from './provider.ts';

/** What one exchange gave: a response with its body text, a timeout, or a network failure. */
export type FetchOutcome =
  { kind: 'response'; res: Response; text: string } | { kind: 'timeout' } | { kind: 'network'; why: string };

/** A request: method, headers, optional JSON body, timeout in ms. */
export interface FetchRequest {
  method: string;
  headers: Record<string, string>;
  /** Serialized as JSON when defined. */
  body?: unknown;
  timeoutMs: number;
}

/**
 * Sends one request and reads the body as text. Never throws for transport problems: a timeout
 * (`AbortSignal.timeout`) is `{kind: 'timeout'}`, anything else that prevents a response is
 * `{kind: 'network', why}` with the system error code when there is one (e.g. `ECONNREFUSED`).
 */
export async function fetchText(url: string, r: FetchRequest): Promise<FetchOutcome> {
  try {
    const res = await fetch(url, {
      method: r.method,
      headers: r.headers,
      body: r.body === undefined ? undefined : JSON.stringify(r.body),
      signal: AbortSignal.timeout(r.timeoutMs),
    });
    return { kind: 'response', res, text: await res.text() };
  } catch (err) {
    const e = err as { name?: string; message?: string; cause?: { code?: string; message?: string } };
    if (e.name === 'TimeoutError' || e.name === 'AbortError') return { kind: 'timeout' };
    return { kind: 'network', why: e.cause?.code ?? e.cause?.message ?? e.message ?? String(err) };
  }
}

/**
 * Parses a response body as JSON (`null` for an empty body).
 * @throws ProviderError "`service` returned a response that is not JSON to `what`" (status kept).
 */
export function parseJsonBody<T>(text: string, status: number, service: string, what: string): T {
  if (!text) return null as T;
  try {
    return JSON.parse(text) as T;
  } catch {
    throw new ProviderError(`${service} returned a response that is not JSON to ${what}`, status);
  }
}

/** Strips credentials and a trailing `/` from a URL for display (`https://u:p@h/` → `https://h`). */
export function displayUrl(url: string): string {
  try {
    const u = new URL(url);
    u.username = '';
    u.password = '';
    return u.toString().replace(/\/+$/, '');
  } catch {
    return url.replace(/\/+$/, '');
  }
}

/**
 * `Retry-After` in ms (delta-seconds or an HTTP date, RFC 9110 §10.2.3), or `null`
 * when absent or unreadable. `nowMs` is epoch ms.
 */
export function retryAfterMs(value: string | null, nowMs: number): number | null {
  if (!value) return null;
  const v = value.trim();
  if (/^\d+$/.test(v)) return Number(v) * 1000;
  const at = Date.parse(v);
  return Number.isNaN(at) ? null : Math.max(0, at - nowMs);
}

/**
 * A provider health check: runs `probe` (one cheap authenticated read) and times it.
 * @returns `{ok, latencyMs, message}` — a failure's message, or `notFound` when the probe threw a
 *   {@link FlagNotFoundError} (e.g. "Unleash has no project \"x\"").
 */
export async function timedHealth(probe: () => Promise<unknown>, notFound?: string): Promise<ProviderHealth> {
  const started = performance.now();
  const latencyMs = () => Math.round(performance.now() - started);
  try {
    await probe();
    return { ok: true, latencyMs: latencyMs(), message: null };
  } catch (err) {
    const message =
      notFound !== undefined && err instanceof FlagNotFoundError
        ? notFound
        : err instanceof Error
          ? err.message
          : String(err);
    return { ok: false, latencyMs: latencyMs(), message };
  }
}
