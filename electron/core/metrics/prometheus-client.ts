/**
 * Minimal Prometheus HTTP API client (range queries) for rollout metrics.
 *
 * Electron-free; uses the global `fetch`. Conventions (see docs/prometheus.md):
 * a metric is a PromQL template with `{{variant}}` placeholders, expanded per
 * variant with {@link expandTemplate}; use `increase(...[window])` so values
 * are counts, and a binomial metric is errors over requests.
 */
import { parseSourceUrl } from './source-url.ts';

/** One point of a summed range-query result: `t` in ms since the epoch. */
export interface PrometheusSample {
  t: number;
  value: number;
}

/** Options of {@link queryRange}. */
export interface QueryRangeOptions {
  /** Abort the request after this many ms; default 5000. */
  timeoutMs?: number;
  /** Replaces the global `fetch` (tests). */
  fetchImpl?: typeof fetch;
  /** Largest response body read, bytes; default 64 MiB (a larger one is a `too-large` error). */
  maxResponseBytes?: number;
}

/**
 * What went wrong, as a fixed vocabulary (the message may say more; see {@link PrometheusError}):
 * `input` our own arguments (bad step or base URL), `network` no answer (refused, DNS, reset…),
 * `timeout`, `redirect` a 3xx (never followed), `http` a non-2xx answer, `api` Prometheus's own
 * `status: "error"` answer, `payload` a 2xx that is not a range-query matrix, `too-large`.
 */
export type PrometheusErrorKind =
  'input' | 'network' | 'timeout' | 'redirect' | 'http' | 'api' | 'payload' | 'too-large';

/**
 * Any failure of a Prometheus query. The message is for the **local** user (CLI `rcr sources
 * check`): it may name the network error code or Prometheus's own error text. It never quotes a
 * response body otherwise. What remote clients see is built from `kind`, `status` and a known
 * `errorType` only (`publicSourceMessage` in data-sources.ts).
 */
export class PrometheusError extends Error {
  readonly kind: PrometheusErrorKind;
  /** Prometheus's `errorType` (e.g. `bad_data`), when the server sent one. */
  readonly errorType: string | undefined;
  /** HTTP status, when a response was received. */
  readonly status: number | undefined;

  constructor(
    message: string,
    details: { kind?: PrometheusErrorKind; errorType?: string; status?: number; cause?: unknown } = {},
  ) {
    super(message, details.cause === undefined ? undefined : { cause: details.cause });
    this.name = 'PrometheusError';
    this.kind = details.kind ?? 'input';
    this.errorType = details.errorType;
    this.status = details.status;
  }
}

/** Longest piece of Prometheus's own error text kept in a (local) message. */
const MAX_API_ERROR_CHARS = 300;

/** Reads at most `max` bytes of a response body as text; `null` when it is longer. */
async function readLimited(res: Response, max: number): Promise<string | null> {
  if (!res.body) return '';
  const declared = Number(res.headers.get('content-length'));
  if (Number.isFinite(declared) && declared > max) {
    await res.body.cancel();
    return null;
  }
  const reader = res.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > max) {
      await reader.cancel();
      return null;
    }
    chunks.push(value);
  }
  return Buffer.concat(chunks).toString('utf8');
}

const PLACEHOLDER = '{{variant}}';

/** Escapes a string for a PromQL double-quoted label value (backslash, `"`, and newline). */
function escapeLabelValue(value: string): string {
  return value.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');
}

/**
 * Replaces every `{{variant}}` in `template` with `variant`, escaped for use inside a
 * PromQL double-quoted label value (`\` → `\\`, `"` → `\"`).
 * @throws Error if the template contains no `{{variant}}`.
 */
export function expandTemplate(template: string, variant: string): string {
  if (!template.includes(PLACEHOLDER)) {
    throw new Error(`PromQL template has no ${PLACEHOLDER} placeholder: ${template}`);
  }
  return template.split(PLACEHOLDER).join(escapeLabelValue(variant));
}

interface ApiResponse {
  status?: unknown;
  error?: unknown;
  errorType?: unknown;
  data?: { resultType?: unknown; result?: unknown };
}

function parseSampleValue(raw: unknown): number {
  // Prometheus encodes values as strings: "1.5", "NaN", "+Inf", "-Inf".
  return typeof raw === 'string' ? Number(raw) : typeof raw === 'number' ? raw : Number.NaN;
}

/**
 * Runs a PromQL range query (`GET /api/v1/query_range`) and sums all returned series per
 * timestamp. Redirects are not followed; the body is read up to `maxResponseBytes`.
 *
 * @param baseUrl Prometheus base URL, e.g. `http://127.0.0.1:9090` (a trailing `/` is fine);
 *   parsed strictly (`parseSourceUrl`: http/https, no credentials, fragment or query).
 * @param startMs Range start, ms since the epoch (sent as seconds).
 * @param endMs Range end, ms since the epoch (sent as seconds).
 * @param stepSeconds Resolution step in seconds (> 0).
 * @returns Samples ascending by `t` (ms); NaN and ±Inf samples are dropped; `[]` when no series matched.
 * @throws PrometheusError (with its `kind`): the server's `errorType: error`, or the HTTP status, or
 *   the network failure / timeout in the message; a response body is never quoted.
 */
export async function queryRange(
  baseUrl: string,
  promql: string,
  startMs: number,
  endMs: number,
  stepSeconds: number,
  options: QueryRangeOptions = {},
): Promise<Array<{ t: number; value: number }>> {
  const timeoutMs = options.timeoutMs ?? 5000;
  const fetchImpl = options.fetchImpl ?? fetch;
  const maxBytes = options.maxResponseBytes ?? 64 * 1024 * 1024;
  if (!(stepSeconds > 0)) throw new PrometheusError(`step must be > 0 seconds, got ${stepSeconds}`);
  const base = parseSourceUrl(baseUrl);
  if (!base.ok) throw new PrometheusError(`not an acceptable Prometheus URL: ${base.reason}`);
  const params = new URLSearchParams({
    query: promql,
    start: String(startMs / 1000),
    end: String(endMs / 1000),
    step: String(stepSeconds),
  });
  const url = `${base.url}/api/v1/query_range?${params.toString()}`;

  let res: Response;
  let text: string | null;
  try {
    res = await fetchImpl(url, {
      method: 'GET',
      headers: { Accept: 'application/json' },
      redirect: 'manual',
      signal: AbortSignal.timeout(timeoutMs),
    });
    text = await readLimited(res, maxBytes);
  } catch (err) {
    const e = err as { name?: string; message?: string; cause?: { code?: string; message?: string } };
    if (e.name === 'TimeoutError' || e.name === 'AbortError') {
      throw new PrometheusError(`Prometheus query timed out after ${timeoutMs} ms (${base.url})`, {
        kind: 'timeout',
        cause: err,
      });
    }
    const detail = e.cause?.code ?? e.cause?.message ?? e.message ?? String(err);
    throw new PrometheusError(`Prometheus request to ${base.url} failed: ${detail}`, {
      kind: 'network',
      cause: err,
    });
  }
  if (res.status >= 300 && res.status < 400) {
    throw new PrometheusError(
      `Prometheus answered HTTP ${res.status} (a redirect; redirects are not followed)`,
      {
        kind: 'redirect',
        status: res.status,
      },
    );
  }
  if (text === null) {
    throw new PrometheusError(`Prometheus answered more than ${maxBytes} bytes`, {
      kind: 'too-large',
      status: res.status,
    });
  }

  let body: ApiResponse | undefined;
  try {
    body = JSON.parse(text) as ApiResponse;
  } catch {
    body = undefined;
  }
  if (body && body.status === 'error') {
    const errorType = typeof body.errorType === 'string' ? body.errorType : undefined;
    const error = typeof body.error === 'string' ? body.error.slice(0, MAX_API_ERROR_CHARS) : 'unknown error';
    throw new PrometheusError(`Prometheus error (${errorType ?? `HTTP ${res.status}`}): ${error}`, {
      kind: 'api',
      errorType,
      status: res.status,
    });
  }
  if (!res.ok) {
    throw new PrometheusError(`Prometheus returned HTTP ${res.status}`, {
      kind: 'http',
      status: res.status,
    });
  }
  if (!body || body.status !== 'success' || typeof body.data !== 'object' || body.data === null) {
    throw new PrometheusError(
      `Prometheus returned HTTP ${res.status} with a payload that is not a Prometheus API answer`,
      { kind: 'payload', status: res.status },
    );
  }
  if (body.data.resultType !== 'matrix') {
    throw new PrometheusError(`Prometheus returned a result that is not a matrix (expected a range query)`, {
      kind: 'payload',
      status: res.status,
    });
  }
  const result = Array.isArray(body.data.result) ? (body.data.result as unknown[]) : [];
  const sums = new Map<number, number>();
  for (const series of result) {
    const values = (series as { values?: unknown }).values;
    if (!Array.isArray(values)) continue;
    for (const pair of values as unknown[]) {
      if (!Array.isArray(pair) || pair.length < 2) continue;
      const ts = Number(pair[0]);
      const v = parseSampleValue(pair[1]);
      if (!Number.isFinite(ts) || !Number.isFinite(v)) continue;
      const t = Math.round(ts * 1000);
      sums.set(t, (sums.get(t) ?? 0) + v);
    }
  }
  return [...sums.entries()].sort((a, b) => a[0] - b[0]).map(([t, value]) => ({ t, value }));
}
