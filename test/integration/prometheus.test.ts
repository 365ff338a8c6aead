/**
 * The Prometheus client against a real Prometheus (Debian package, installed on demand)
 * scraping the prom-client fixture service every second.
 *
 * Traffic: 1000 req/s split 50/50, error rates control 2 %, treatment 4 % (treatment's
 * error rate is 2× control's). After ~20 s of scraping, each variant has ~10 000 requests,
 * so ~200 control errors (binomial relative sd ≈ 1/√200 ≈ 7 %) and ~400 treatment errors
 * (≈ 5 %); the ratio of the two error rates has a relative sd ≈ 9 %. We accept
 * 2 × [0.7, 1.3] (> 3 sd). The seeded PRNG makes the request sequence fixed, so only the
 * scrape/window timing varies between runs.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  expandTemplate,
  PrometheusError,
  queryRange,
} from '../../electron/core/metrics/prometheus-client.ts';
import { startFixtureService } from '../support/metrics-fixture-service.ts';
import type { FixtureServiceHandle } from '../support/metrics-fixture-service.ts';
import { freePort, startPrometheus, waitForTargetsUp } from '../support/prometheus.ts';
import type { PrometheusHandle } from '../support/prometheus.ts';

const ERRORS = 'sum(increase(ai_requests_total{variant="{{variant}}",outcome="error"}[15s]))';
const TOTAL = 'sum(increase(ai_requests_total{variant="{{variant}}"}[15s]))';
const SCRAPE_SECONDS = 22;

let fixture: FixtureServiceHandle | undefined;
let prom: PrometheusHandle | undefined;
let scrapeStartMs = 0;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const sum = (xs: Array<{ value: number }>) => xs.reduce((a, x) => a + x.value, 0);

beforeAll(async () => {
  const t0 = performance.now();
  fixture = await startFixtureService({
    requestsPerSecond: 1000,
    errorRates: { control: 0.02, treatment: 0.04 },
    seed: 'prometheus-integration',
  });
  prom = await startPrometheus({ scrapeTargets: [fixture.target], scrapeIntervalSeconds: 1 });
  console.info(
    `prometheus ready in ${prom.startupMs} ms (setup so far ${Math.round(performance.now() - t0)} ms)`,
  );
  const t1 = performance.now();
  await waitForTargetsUp(prom.url);
  console.info(`scrape target up after ${Math.round(performance.now() - t1)} ms more`);
  scrapeStartMs = Date.now();
  await sleep(SCRAPE_SECONDS * 1000);
}, 240_000);

afterAll(async () => {
  await prom?.stop();
  await fixture?.stop();
});

describe('Prometheus client against a real Prometheus', () => {
  it('measures treatment error rate ≈ 2× control', async () => {
    const url = prom!.url;
    const end = Date.now();
    const start = scrapeStartMs;
    const rates: Record<string, number> = {};
    for (const variant of ['control', 'treatment']) {
      const errors = await queryRange(url, expandTemplate(ERRORS, variant), start, end, 1);
      const total = await queryRange(url, expandTemplate(TOTAL, variant), start, end, 1);
      expect(errors.length, `${variant} error samples`).toBeGreaterThan(10);
      expect(total.length, `${variant} total samples`).toBeGreaterThan(10);
      for (const s of [...errors, ...total]) {
        expect(s.t).toBeGreaterThanOrEqual(start - 1000);
        expect(s.t).toBeLessThanOrEqual(end + 1000);
      }
      expect(total.map((s) => s.t)).toEqual([...total.map((s) => s.t)].sort((a, b) => a - b));
      expect(sum(total)).toBeGreaterThan(0);
      rates[variant] = sum(errors) / sum(total);
    }
    const truth = fixture!.counts();
    const ratio = rates.treatment! / rates.control!;
    console.info(
      `error rate control ${rates.control!.toFixed(4)}, treatment ${rates.treatment!.toFixed(4)}, ratio ${ratio.toFixed(3)}; ` +
        `fixture truth control ${truth.control.errors}/${truth.control.requests}, treatment ${truth.treatment.errors}/${truth.treatment.requests}`,
    );
    expect(rates.control).toBeGreaterThan(0.01);
    expect(rates.control).toBeLessThan(0.03);
    expect(rates.treatment).toBeGreaterThan(0.03);
    expect(rates.treatment).toBeLessThan(0.05);
    expect(ratio).toBeGreaterThan(2 * 0.7);
    expect(ratio).toBeLessThan(2 * 1.3);
  });

  it('reports an invalid PromQL with Prometheus’s message', async () => {
    const err = await queryRange(
      prom!.url,
      'sum(ai_requests_total',
      Date.now() - 10_000,
      Date.now(),
      1,
    ).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(PrometheusError);
    expect((err as PrometheusError).errorType).toBe('bad_data');
    expect((err as PrometheusError).status).toBe(400);
    expect((err as Error).message).toMatch(/parse error/);
  });

  it('fails fast with a PrometheusError on a closed port', async () => {
    const port = await freePort();
    const t0 = performance.now();
    const err = await queryRange(`http://127.0.0.1:${port}`, 'up', Date.now() - 10_000, Date.now(), 1, {
      timeoutMs: 2000,
    }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(PrometheusError);
    expect((err as Error).message).toMatch(/ECONNREFUSED/);
    expect(performance.now() - t0).toBeLessThan(2000);
  });
});
