/**
 * Minimal Prometheus HTTP API client (range queries) for rollout metrics.
 *
 * Electron-free; uses the global `fetch`. Conventions (see docs/prometheus.md):
 * a metric is a PromQL template with `{{variant}}` placeholders, expanded per
 * variant with {@link expandTemplate}; use `increase(...[window])` so values
 * are counts, and a binomial metric is errors over requests.
 */

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
}

/** Any failure of a Prometheus query: HTTP error, API error, network failure, timeout, bad payload. */
export class PrometheusError extends Error {
  /** Prometheus's `errorType` (e.g. `bad_data`), when the server sent one. */
  readonly errorType: string | undefined;
  /** HTTP status, when a response was received. */
  readonly status: number | undefined;

  constructor(message: string, details: { errorType?: string; status?: number; cause?: unknown } = {}) {
    super(message, details.cause === undefined ? undefined : { cause: details.cause });
    this.name = 'PrometheusError';
    this.errorType = details.errorType;
    this.status = details.status;
  }
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
 * timestamp.
 *
 * @param baseUrl Prometheus base URL, e.g. `http://127.0.0.1:9090` (a trailing `/` is fine).
 * @param startMs Range start, ms since the epoch (sent as seconds).
 * @param endMs Range end, ms since the epoch (sent as seconds).
 * @param stepSeconds Resolution step in seconds (> 0).
 * @returns Samples ascending by `t` (ms); NaN and ±Inf samples are dropped; `[]` when no series matched.
 * @throws PrometheusError with the server's `errorType: error`, or the HTTP status, or the
 *   network failure / timeout in the message.
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
  if (!(stepSeconds > 0)) throw new PrometheusError(`step must be > 0 seconds, got ${stepSeconds}`);
  const params = new URLSearchParams({
    query: promql,
    start: String(startMs / 1000),
    end: String(endMs / 1000),
    step: String(stepSeconds),
  });
  const url = `${baseUrl.replace(/\/+$/, '')}/api/v1/query_range?${params.toString()}`;

  let res: Response;
  let text: string;
  try {
    res = await fetchImpl(url, {
      method: 'GET',
      headers: { Accept: 'application/json' },
      signal: AbortSignal.timeout(timeoutMs),
    });
    text = await res.text();
  } catch (err) {
    const e = err as { name?: string; message?: string; cause?: { code?: string; message?: string } };
    if (e.name === 'TimeoutError' || e.name === 'AbortError') {
      throw new PrometheusError(`Prometheus query timed out after ${timeoutMs} ms (${baseUrl})`, {
        cause: err,
      });
    }
    const detail = e.cause?.code ?? e.cause?.message ?? e.message ?? String(err);
    throw new PrometheusError(`Prometheus request to ${baseUrl} failed: ${detail}`, { cause: err });
  }

  let body: ApiResponse | undefined;
  try {
    body = JSON.parse(text) as ApiResponse;
  } catch {
    body = undefined;
  }
  if (body && body.status === 'error') {
    const errorType = typeof body.errorType === 'string' ? body.errorType : undefined;
    const error = typeof body.error === 'string' ? body.error : 'unknown error';
    throw new PrometheusError(`Prometheus error (${errorType ?? `HTTP ${res.status}`}): ${error}`, {
      errorType,
      status: res.status,
    });
  }
  if (!res.ok) {
    throw new PrometheusError(`Prometheus returned HTTP ${res.status} ${res.statusText}`.trim(), {
      status: res.status,
    });
  }
  if (!body || body.status !== 'success' || typeof body.data !== 'object' || body.data === null) {
    throw new PrometheusError(`Prometheus returned an unexpected payload: ${text.slice(0, 200)}`, {
      status: res.status,
    });
  }
  if (body.data.resultType !== 'matrix') {
    throw new PrometheusError(
      `Prometheus returned resultType ${String(body.data.resultType)}, expected matrix`,
      { status: res.status },
    );
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
