/**
 * The HTTP plumbing every remote provider shares (Unleash, LaunchDarkly, custom
 * HTTP): one exchange with a timeout whose transport failures come back as
 * values (each provider words and retries them its own way), JSON bodies read
 * with a clear error, and URLs shown without credentials.
 *
 * Two limits apply to every exchange: the provider's per-request timeout, and — when the caller
 * set one — the overall deadline of the command the request belongs to ({@link withDeadline},
 * {@link enterDeadline}; `rcr` sets one per command, `RCR_DEADLINE`). A request in flight when the
 * deadline passes is cut, and every later one fails at once, with {@link DeadlineExceededError}.
 * The deadline follows the async context (`AsyncLocalStorage`), so provider code needs no
 * parameter for it.
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import { FlagNotFoundError, ProviderError, type ProviderHealth } from './provider.ts';

/** An overall deadline for the provider calls of one command. */
export interface CallDeadline {
  /** The budget the deadline was set with, ms. */
  readonly ms: number;
  /** What it bounds, for the error (e.g. `this command`, `rcr flags list`). */
  readonly label: string;
  /** Said after the error, e.g. how to change the deadline. */
  readonly hint?: string;
  /** When it passes, epoch ms. */
  readonly at: number;
  /** Aborts when it passes. */
  readonly signal: AbortSignal;
}

const deadlines = new AsyncLocalStorage<CallDeadline>();

/**
 * A provider request stopped because the overall deadline of its command passed. A
 * {@link ProviderError} without HTTP status (like a timeout), so callers treat it as one.
 */
export class DeadlineExceededError extends ProviderError {
  readonly deadline: CallDeadline;
  /** `notSent`: the deadline had passed before the request was sent. */
  constructor(deadline: CallDeadline, url: string, notSent = false) {
    super(
      `stopped waiting for ${displayUrl(url)}: the ${formatSeconds(deadline.ms)} deadline for the provider calls of ${deadline.label} passed${deadline.hint ? ` (${deadline.hint})` : ''}`,
      null,
      null,
      notSent,
    );
    this.name = 'DeadlineExceededError';
    this.deadline = deadline;
  }
}

/** `300` → `0.3 s`, `20000` → `20 s`. */
function formatSeconds(ms: number): string {
  return `${Number((ms / 1000).toFixed(1))} s`;
}

/** What {@link withDeadline} and {@link enterDeadline} take: a budget from now (ms), a label, a hint. */
export interface DeadlineSpec {
  ms: number;
  label: string;
  hint?: string;
}

/** Makes a deadline of `ms` from now, never later than the one in force (an inner one cannot extend it). */
function makeDeadline(d: DeadlineSpec): CallDeadline {
  const outer = deadlines.getStore();
  if (outer && outer.at <= Date.now() + d.ms) return outer;
  const own = AbortSignal.timeout(Math.max(0, Math.round(d.ms)));
  return {
    ms: d.ms,
    label: d.label,
    hint: d.hint,
    at: Date.now() + d.ms,
    signal: outer ? AbortSignal.any([own, outer.signal]) : own,
  };
}

/**
 * Runs `fn` with an overall deadline of `ms` (from now) on every provider request it makes,
 * directly or through anything it starts. Nested deadlines only shorten: the earliest one wins.
 * @returns what `fn` returns; requests past the deadline reject with {@link DeadlineExceededError}.
 */
export function withDeadline<T>(d: DeadlineSpec, fn: () => Promise<T>): Promise<T> {
  return deadlines.run(makeDeadline(d), fn);
}

/**
 * Sets an overall deadline of `ms` (from now) for the rest of the current async context — for a
 * one-shot process such as an `rcr` command, whose whole run is one context. Prefer
 * {@link withDeadline} where the work is one function.
 * @returns the deadline in force.
 */
export function enterDeadline(d: DeadlineSpec): CallDeadline {
  const deadline = makeDeadline(d);
  deadlines.enterWith(deadline);
  return deadline;
}

/** The deadline in force for provider requests here, if any. */
export function currentDeadline(): CallDeadline | undefined {
  return deadlines.getStore();
}

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

/** System error codes of a connection that was never made: the request was certainly not sent. */
const NOT_CONNECTED = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH']);

/**
 * Whether a `{kind: 'network'}` outcome's `why` says the connection was never made (refused,
 * unknown host, no route), so the request certainly did not reach the server.
 */
export function neverConnected(why: string): boolean {
  return NOT_CONNECTED.has(why);
}

/**
 * The error for an exchange that got no response: "`named` did not answer `what` within `timeoutMs`
 * ms" for a timeout (the request may have been sent), "Cannot reach `named` (why)" for a network
 * failure, marked `notSent` when the connection was never made ({@link neverConnected}).
 * @param named the service as shown to the user, e.g. "Unleash at https://unleash.example".
 */
export function noAnswerError(
  named: string,
  what: string,
  timeoutMs: number,
  out: Exclude<FetchOutcome, { kind: 'response' }>,
): ProviderError {
  if (out.kind === 'timeout')
    return new ProviderError(`${named} did not answer ${what} within ${timeoutMs} ms`);
  return new ProviderError(`Cannot reach ${named} (${out.why})`, null, null, neverConnected(out.why));
}

/**
 * Sends one request and reads the body as text. Never throws for transport problems: a timeout
 * (`AbortSignal.timeout`) is `{kind: 'timeout'}`, anything else that prevents a response is
 * `{kind: 'network', why}` with the system error code when there is one (e.g. `ECONNREFUSED`).
 * @throws DeadlineExceededError when the overall deadline in force ({@link withDeadline}) has
 *   passed, before or during the exchange — not a transport problem: the caller must stop.
 */
export async function fetchText(url: string, r: FetchRequest): Promise<FetchOutcome> {
  const deadline = deadlines.getStore();
  if (deadline?.signal.aborted) throw new DeadlineExceededError(deadline, url, true);
  const timeout = AbortSignal.timeout(r.timeoutMs);
  try {
    const res = await fetch(url, {
      method: r.method,
      headers: r.headers,
      body: r.body === undefined ? undefined : JSON.stringify(r.body),
      signal: deadline ? AbortSignal.any([timeout, deadline.signal]) : timeout,
    });
    return { kind: 'response', res, text: await res.text() };
  } catch (err) {
    if (deadline?.signal.aborted && !timeout.aborted) throw new DeadlineExceededError(deadline, url);
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
