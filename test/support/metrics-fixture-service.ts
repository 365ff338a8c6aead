/**
 * A small HTTP service that simulates AI traffic for two variants (`control`, `treatment`)
 * and exposes it in the Prometheus text format at `/metrics` (npm `prom-client`, its own
 * Registry, no default process metrics).
 *
 * Metrics:
 * - `ai_requests_total{variant, outcome="ok"|"error"[, flag]}` — counter (`flag` with the `flagLabel` option).
 * - `ai_latency_seconds{variant}` — histogram.
 *
 * Traffic is generated on a timer: every tick it emits exactly the requests that are due
 * since the start (`floor(elapsed × rate)`), so the rate holds despite timer jitter; each
 * request's variant split, outcome and latency come from a seeded PRNG (`seedrandom`), so a
 * given seed produces the same request sequence. Nothing runs after `stop()`.
 * Usable from vitest and plain Node (no test-runner APIs).
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Counter, Histogram, Registry } from 'prom-client';
import seedrandom from 'seedrandom';

/** The simulated variants. */
export const FIXTURE_VARIANTS = ['control', 'treatment'] as const;
export type FixtureVariant = (typeof FIXTURE_VARIANTS)[number];

/** Options of {@link startFixtureService}; every field has a default. */
export interface FixtureServiceOptions {
  /** TCP port on 127.0.0.1; default 0 (a free port). */
  port?: number;
  /** Total simulated requests per second over both variants; default 200. */
  requestsPerSecond?: number;
  /** Share of requests that go to `treatment` (0..1); default 0.5. */
  treatmentShare?: number;
  /** Probability that a request fails, per variant; default control 0.02, treatment 0.04. */
  errorRates?: Partial<Record<FixtureVariant, number>>;
  /** Mean simulated latency in seconds, per variant; default control 0.2, treatment 0.25. */
  meanLatencySeconds?: Partial<Record<FixtureVariant, number>>;
  /** PRNG seed; default `'rcr-metrics-fixture'`. */
  seed?: string;
  /** Traffic timer period in ms; default 50. */
  tickMs?: number;
  /**
   * Assigns a request's unit (id `u<n>`) to a variant, e.g. by evaluating a feature flag through
   * an SDK; default: `treatmentShare` by the seeded PRNG.
   */
  assign?: (unitId: string) => FixtureVariant;
  /** When given, every request also carries the label `flag` with this value (read per request). */
  flagLabel?: () => string;
}

/** Ground truth of what the service has emitted so far. */
export type FixtureCounts = Record<FixtureVariant, { requests: number; errors: number }>;

/** A running fixture service. */
export interface FixtureServiceHandle {
  /** Base URL, e.g. `http://127.0.0.1:43123`; metrics at `${url}/metrics`. */
  url: string;
  port: number;
  /** `127.0.0.1:<port>`, the form a Prometheus scrape target takes. */
  target: string;
  /** Requests and errors emitted so far, per variant (a copy). */
  counts(): FixtureCounts;
  /** Changes error rates from the next request on (fault injection); returns when it took effect (ms since epoch). */
  setErrorRates(rates: Partial<Record<FixtureVariant, number>>): number;
  /** Stops the traffic and closes the HTTP server. Idempotent. */
  stop(): Promise<void>;
}

/**
 * Starts the fixture service on 127.0.0.1.
 * @throws Error when the port cannot be bound or an option is out of range.
 */
export async function startFixtureService(opts: FixtureServiceOptions = {}): Promise<FixtureServiceHandle> {
  const rate = opts.requestsPerSecond ?? 200;
  const share = opts.treatmentShare ?? 0.5;
  const errorRates: Record<FixtureVariant, number> = {
    control: opts.errorRates?.control ?? 0.02,
    treatment: opts.errorRates?.treatment ?? 0.04,
  };
  const meanLatency: Record<FixtureVariant, number> = {
    control: opts.meanLatencySeconds?.control ?? 0.2,
    treatment: opts.meanLatencySeconds?.treatment ?? 0.25,
  };
  const tickMs = opts.tickMs ?? 50;
  if (!(rate > 0)) throw new Error(`requestsPerSecond must be > 0, got ${rate}`);
  if (!(share >= 0 && share <= 1)) throw new Error(`treatmentShare must be in [0, 1], got ${share}`);
  for (const v of FIXTURE_VARIANTS) {
    const p = errorRates[v];
    if (!(p >= 0 && p <= 1)) throw new Error(`errorRates.${v} must be in [0, 1], got ${p}`);
  }

  const rng = seedrandom(opts.seed ?? 'rcr-metrics-fixture');
  const registry = new Registry();
  const requests = new Counter({
    name: 'ai_requests_total',
    help: 'Simulated AI requests by variant and outcome.',
    labelNames: ['variant', 'outcome', 'flag'] as const,
    registers: [registry],
  });
  const latency = new Histogram({
    name: 'ai_latency_seconds',
    help: 'Simulated AI request latency by variant.',
    labelNames: ['variant'] as const,
    buckets: [0.05, 0.1, 0.2, 0.3, 0.5, 0.75, 1, 2, 5],
    registers: [registry],
  });
  const counts: FixtureCounts = {
    control: { requests: 0, errors: 0 },
    treatment: { requests: 0, errors: 0 },
  };
  // Expose every series from the first scrape (a counter without a sample is absent, which
  // makes `increase()` miss the first events).
  for (const v of FIXTURE_VARIANTS) {
    requests.inc({ variant: v, outcome: 'ok' }, 0);
    requests.inc({ variant: v, outcome: 'error' }, 0);
  }

  let unit = 0;
  function emitOne(): void {
    const r = rng();
    const variant: FixtureVariant = opts.assign
      ? opts.assign(`u${unit++}`)
      : r < share
        ? 'treatment'
        : 'control';
    const failed = rng() < errorRates[variant];
    // Exponential latency with the variant's mean (1 - u is in (0, 1]).
    const seconds = -Math.log(1 - rng()) * meanLatency[variant];
    const flag = opts.flagLabel?.();
    requests.inc({ variant, outcome: failed ? 'error' : 'ok', ...(flag ? { flag } : {}) });
    latency.observe({ variant }, seconds);
    counts[variant].requests += 1;
    if (failed) counts[variant].errors += 1;
  }

  const startedAt = performance.now();
  let emitted = 0;
  const maxPerTick = Math.ceil(rate); // after a long event-loop stall, catch up at most 1 s of traffic
  const tick = (): void => {
    const due = Math.floor(((performance.now() - startedAt) / 1000) * rate);
    let n = Math.min(due - emitted, maxPerTick);
    if (due - emitted > maxPerTick) emitted = due - maxPerTick; // drop the backlog beyond 1 s
    for (; n > 0; n--, emitted++) emitOne();
  };
  const timer = setInterval(tick, tickMs);
  timer.unref();

  const server = createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    if (req.method === 'GET' && path === '/metrics') {
      registry
        .metrics()
        .then((body) => {
          res.writeHead(200, { 'Content-Type': registry.contentType });
          res.end(body);
        })
        .catch((err: unknown) => {
          res.writeHead(500, { 'Content-Type': 'text/plain' });
          res.end(String(err));
        });
      return;
    }
    if (req.method === 'GET' && path === '/health') {
      res.writeHead(200, { 'Content-Type': 'text/plain' });
      res.end('ok');
      return;
    }
    res.writeHead(404, { 'Content-Type': 'text/plain' });
    res.end('not found');
  });
  try {
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(opts.port ?? 0, '127.0.0.1', () => {
        server.off('error', reject);
        resolve();
      });
    });
  } catch (err) {
    clearInterval(timer);
    throw err;
  }
  const port = (server.address() as AddressInfo).port;

  let stopped: Promise<void> | undefined;
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    target: `127.0.0.1:${port}`,
    counts: () => ({
      control: { ...counts.control },
      treatment: { ...counts.treatment },
    }),
    setErrorRates(rates) {
      for (const v of FIXTURE_VARIANTS) {
        const p = rates[v];
        if (p === undefined) continue;
        if (!(p >= 0 && p <= 1)) throw new Error(`errorRates.${v} must be in [0, 1], got ${p}`);
        errorRates[v] = p;
      }
      return Date.now();
    },
    stop() {
      stopped ??= new Promise<void>((resolve) => {
        clearInterval(timer);
        server.closeAllConnections();
        server.close(() => resolve());
      });
      return stopped;
    },
  };
}
