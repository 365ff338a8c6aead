import fs from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { MetricDefinition } from '../../../shared/metrics.ts';
import { openCore, type AppCore } from '../app-core.ts';
import { defaultConfig, saveConfig } from '../config.ts';
import { tempDataDir } from '../../../test/support/temp-dir.ts';
import { metricDef } from '../../../test/support/metric-fixtures.ts';
import { PrometheusError } from './prometheus-client.ts';
import type { QueryRange } from './prometheus-ingest.ts';
import { MetricStore } from './metric-store.ts';
import { downsamplePoints } from './metric-series.ts';

const FLAG = { provider: 'local', environment: 'production', key: 'ai-answer-assist' };
const T0 = Date.parse('2026-01-05T10:00:00Z');
/** The clock: 30 minutes after T0. */
const NOW = T0 + 30 * 60_000 + 5_000;

let tmp: ReturnType<typeof tempDataDir>;
let core: AppCore;
let fakeQuery: QueryRange;

const ok = async <T>(
  p: Promise<{ ok: true; value: T } | { ok: false; error: { message: string } }>,
): Promise<T> => {
  const r = await p;
  if (!r.ok) throw new Error(r.error.message);
  return r.value;
};

interface Ev {
  timestamp: number | string;
  unit_id: string;
  flag_key: string;
  variant: string;
  metric: string;
  value: number | string;
}

function csv(name: string, events: Ev[], extra: string[] = []): string {
  const p = path.join(tmp.dir, name);
  const lines = ['timestamp,unit_id,flag_key,variant,metric,value'];
  for (const e of events)
    lines.push([e.timestamp, e.unit_id, e.flag_key, e.variant, e.metric, e.value].join(','));
  fs.writeFileSync(p, [...lines, ...extra].join('\n') + '\n');
  return p;
}

/** `n` events per variant over 30 minutes; `error(i, variant)` gives the 0/1 value. */
function errorEvents(n: Record<string, number>, error: (i: number, variant: string) => number): Ev[] {
  const out: Ev[] = [];
  for (const [variant, count] of Object.entries(n))
    for (let i = 0; i < count; i++)
      out.push({
        timestamp: new Date(T0 + Math.floor((i * 30 * 60_000) / count)).toISOString(),
        unit_id: `${variant}-${i}`,
        flag_key: FLAG.key,
        variant,
        metric: 'errors',
        value: error(i, variant),
      });
  return out;
}

const def = (over: Partial<MetricDefinition> & { name: string }): MetricDefinition =>
  metricDef(FLAG, { guardrail: false, ...over });

beforeEach(async () => {
  tmp = tempDataDir('rcr-metrics-');
  fakeQuery = async () => [];
  // The Prometheus source the tests' definitions name, allow-listed by the local user.
  saveConfig(path.join(tmp.dir, 'data', 'config.json'), {
    ...defaultConfig(),
    dataSources: { prometheus: [{ name: 'prom-test', url: 'http://prom.test:9090' }] },
  });
  core = await openCore({
    dataDir: path.join(tmp.dir, 'data'),
    startSync: false,
    resourcesDir: path.join(tmp.dir, 'none'),
    now: () => NOW,
    prometheusQueryRange: (...args) => fakeQuery(...args),
  });
});
afterEach(async () => {
  await core.close();
  tmp.cleanup();
});

describe('metrics.importEvents', () => {
  it('rolls events up per minute; the merged window equals a direct computation on the raw events', async () => {
    const events: Ev[] = [];
    for (let i = 0; i < 600; i++)
      events.push({
        timestamp: i % 2 ? T0 + i * 2_000 + 123 : new Date(T0 + i * 2_000).toISOString(),
        unit_id: `u${i}`,
        flag_key: i % 3 ? FLAG.key : 'other-flag',
        variant: i % 4 < 2 ? 'control' : 'treatment',
        metric: 'latency_ms',
        value: 100 + ((i * 37) % 250),
      });
    const progress: number[] = [];
    core.on('metrics.progress', (p) => progress.push(p.rows));
    const out = await ok(
      core.invoke('metrics.importEvents', {
        path: csv('ok.csv', events),
        provider: 'local',
        environment: 'production',
      }),
    );
    expect(out).toEqual({ rows: 600, flags: ['ai-answer-assist', 'other-flag'], metrics: ['latency_ms'] });
    expect(progress.at(-1)).toBe(600);

    const store = new MetricStore(core.db);
    const minutes = store.minutes(FLAG, 'latency_ms', 'control', T0, T0 + 3600_000);
    expect(minutes.length).toBe(20); // 600 events × 2 s = 20 minutes
    const merged = store.window(FLAG, 'latency_ms', 'control', T0, T0 + 3600_000);
    const raw = events
      .filter((e) => e.flag_key === FLAG.key && e.variant === 'control')
      .map((e) => Number(e.value));
    const mean = raw.reduce((a, b) => a + b, 0) / raw.length;
    const sd = Math.sqrt(raw.reduce((a, b) => a + (b - mean) ** 2, 0) / (raw.length - 1));
    expect(merged.count).toBe(raw.length);
    expect(merged.sum).toBeCloseTo(
      raw.reduce((a, b) => a + b, 0),
      6,
    );
    expect(merged.sumSq).toBeCloseTo(
      raw.reduce((a, b) => a + b * b, 0),
      3,
    );

    await ok(
      core.invoke(
        'metrics.define',
        def({ name: 'latency_ms', kind: 'quantile', direction: 'lower-is-better' }),
      ),
    );
    const cmp = await ok(core.invoke('metrics.compare', { flag: FLAG, window: { lastMinutes: 60 } }));
    const row = cmp.rows[0]!;
    expect(row.control.n).toBe(raw.length);
    expect(row.control.mean).toBeCloseTo(mean, 9);
    expect(row.control.sd).toBeCloseTo(sd, 9);
    const sorted = [...raw].sort((a, b) => a - b);
    const exact = (q: number): number => sorted[Math.floor(q * (sorted.length - 1))]!;
    for (const [k, q] of [
      ['p50', 0.5],
      ['p95', 0.95],
      ['p99', 0.99],
    ] as const)
      expect(Math.abs(row.control.quantiles![k] - exact(q)) / exact(q)).toBeLessThan(0.03);
  });

  it('rejects a bad row with its line number and stores nothing', async () => {
    const good = errorEvents({ control: 4, treatment: 1 }, () => 0); // lines 2–6
    const file = csv('bad.csv', good, [`${T0},u9,${FLAG.key},control,errors,abc`]);
    const r = await core.invoke('metrics.importEvents', {
      path: file,
      provider: 'local',
      environment: 'production',
    });
    expect(r).toEqual({
      ok: false,
      error: { code: 'BAD_INPUT', message: 'bad.csv line 7: value "abc" is not a number' },
    });
    expect(new MetricStore(core.db).variants(FLAG, 'errors')).toEqual([]);

    const jsonl = path.join(tmp.dir, 'bad.jsonl');
    fs.writeFileSync(
      jsonl,
      [JSON.stringify(good[0]), '', JSON.stringify({ ...good[1], timestamp: '2026-01-05 10:00' })].join('\n'),
    );
    const j = await core.invoke('metrics.importEvents', {
      path: jsonl,
      provider: 'local',
      environment: 'production',
    });
    expect(j.ok).toBe(false);
    expect(!j.ok && j.error.message).toMatch(
      /^bad\.jsonl line 3: timestamp "2026-01-05 10:00" is not ISO 8601/,
    );
    expect(new MetricStore(core.db).variants(FLAG, 'errors')).toEqual([]);

    const missing = path.join(tmp.dir, 'cols.csv');
    fs.writeFileSync(missing, 'timestamp,unit_id,variant,metric,value\n');
    const m = await core.invoke('metrics.importEvents', {
      path: missing,
      provider: 'local',
      environment: 'production',
    });
    expect(!m.ok && m.error.message).toMatch(/^cols\.csv line 1: missing column "flag_key"/);
  });
});

describe('metrics.define / list', () => {
  it('validates and upserts by flag + name', async () => {
    const bad = await core.invoke('metrics.define', { ...def({ name: 'bad name!' }) });
    expect(bad.ok).toBe(false);
    await ok(core.invoke('metrics.define', def({ name: 'errors' })));
    await ok(core.invoke('metrics.define', def({ name: 'errors', guardrail: true })));
    const list = await ok(core.invoke('metrics.list', { flag: FLAG }));
    expect(list).toHaveLength(1);
    expect(list[0]!.guardrail).toBe(true);
  });
});

describe('metrics.compare', () => {
  it('treatment with twice the error rate is worse, with a CI excluding 0', async () => {
    // control 5% errors, treatment 10%, 2000 units each
    const events = errorEvents({ control: 2000, treatment: 2000 }, (i, v) =>
      i % (v === 'control' ? 20 : 10) === 0 ? 1 : 0,
    );
    await ok(
      core.invoke('metrics.importEvents', {
        path: csv('e.csv', events),
        provider: 'local',
        environment: 'production',
      }),
    );
    await ok(core.invoke('metrics.define', def({ name: 'errors', expectedSplit: [0.5, 0.5] })));
    for (const sequential of [false, true]) {
      const { rows, from, to } = await ok(
        core.invoke('metrics.compare', { flag: FLAG, window: { lastMinutes: 60 }, sequential }),
      );
      expect(from).toBe('2026-01-05T09:31:00.000Z');
      expect(to).toBe('2026-01-05T10:31:00.000Z');
      const r = rows[0]!;
      expect(r.control).toMatchObject({ n: 2000, successes: 100, mean: 0.05 });
      expect(r.treatment).toMatchObject({ n: 2000, successes: 200, mean: 0.1 });
      expect(r.verdict).toBe('worse');
      expect(r.absolute!.estimate).toBeCloseTo(0.05, 12);
      expect(r.absolute!.ci[0]).toBeGreaterThan(0);
      if (sequential) expect(r.sequential!.ci[0]).toBeGreaterThan(0);
      expect(r.relative!.estimate).toBeCloseTo(1, 9);
      expect(r.srm).toMatchObject({ mismatch: false });
      expect(r.adjustedPValue).not.toBeNull();
      expect(r.note).toMatch(/^treatment is worse than control/);
    }
  });

  it('is insufficient with too few units or an empty arm, never crashing', async () => {
    const events = errorEvents({ control: 12, treatment: 40 }, (i) => i % 2);
    await ok(
      core.invoke('metrics.importEvents', {
        path: csv('s.csv', events),
        provider: 'local',
        environment: 'production',
      }),
    );
    await ok(core.invoke('metrics.define', def({ name: 'errors' })));
    await ok(core.invoke('metrics.define', def({ name: 'nothing', kind: 'continuous' })));
    await ok(
      core.invoke('metrics.define', def({ name: 'errors-b', kind: 'binomial', treatmentVariant: 'absent' })),
    );
    const { rows } = await ok(core.invoke('metrics.compare', { flag: FLAG }));
    const by = Object.fromEntries(rows.map((r) => [r.metric.name, r]));
    expect(by.errors).toMatchObject({
      verdict: 'insufficient',
      note: 'not enough data: 12 control units, need 30',
    });
    expect(by.errors!.absolute).not.toBeNull();
    expect(by.nothing).toMatchObject({
      verdict: 'insufficient',
      note: 'not enough data: 0 control units, need 30',
    });
    expect(by.nothing!.control).toMatchObject({ n: 0, mean: null, sd: null });
    expect(by.nothing!.absolute).toBeNull();
    // guardrail-free rows without p-values are left out of the adjustment
    expect(by.nothing!.adjustedPValue).toBeNull();
  });

  it('flags a sample ratio mismatch', async () => {
    const events = errorEvents({ control: 2000, treatment: 1500 }, (i) => (i % 10 === 0 ? 1 : 0));
    await ok(
      core.invoke('metrics.importEvents', {
        path: csv('srm.csv', events),
        provider: 'local',
        environment: 'production',
      }),
    );
    await ok(core.invoke('metrics.define', def({ name: 'errors', expectedSplit: [0.5, 0.5] })));
    const { rows } = await ok(core.invoke('metrics.compare', { flag: FLAG }));
    expect(rows[0]!.srm!.mismatch).toBe(true);
    expect(rows[0]!.note).toMatch(
      /^sample ratio mismatch \(p < 0\.0001\): the comparison is not trustworthy; /,
    );
  });
});

describe('metrics.series', () => {
  it('returns per-minute means per variant, LTTB-downsampled to maxPoints', async () => {
    const events: Ev[] = [];
    for (let m = 0; m < 300; m++)
      for (const variant of ['control', 'treatment'])
        events.push({
          timestamp: T0 - 270 * 60_000 + m * 60_000,
          unit_id: `${variant}${m}`,
          flag_key: FLAG.key,
          variant,
          metric: 'latency',
          value: variant === 'control' ? 100 + Math.sin(m / 5) * 10 : 120,
        });
    await ok(
      core.invoke('metrics.importEvents', {
        path: csv('series.csv', events),
        provider: 'local',
        environment: 'production',
      }),
    );
    const all = await ok(
      core.invoke('metrics.series', {
        flag: FLAG,
        metric: 'latency',
        window: { lastMinutes: 1000 },
        maxPoints: 1000,
      }),
    );
    expect(all.map((s) => s.variant)).toEqual(['control', 'treatment']);
    expect(all[0]!.points).toHaveLength(300);
    expect(all[1]!.points[0]).toEqual({ t: new Date(T0 - 270 * 60_000).toISOString(), value: 120, n: 1 });
    const small = await ok(
      core.invoke('metrics.series', {
        flag: FLAG,
        metric: 'latency',
        window: { lastMinutes: 1000 },
        maxPoints: 50,
      }),
    );
    expect(small[0]!.points).toHaveLength(50);
    expect(small[0]!.points[0]).toEqual(all[0]!.points[0]);
    expect(small[0]!.points.at(-1)).toEqual(all[0]!.points.at(-1));
    const missing = await core.invoke('metrics.series', { flag: FLAG, metric: 'nope' });
    expect(!missing.ok && missing.error.code).toBe('NOT_FOUND');
  });

  it('downsamplePoints keeps short series and returns original points', () => {
    const pts = Array.from({ length: 100 }, (_, i) => ({ x: i, y: i % 7, n: i }));
    expect(downsamplePoints(pts, 200)).toBe(pts);
    const d = downsamplePoints(pts, 10);
    expect(d).toHaveLength(10);
    for (const p of d) expect(pts).toContain(p);
  });
});

describe('Prometheus ingestion', () => {
  const prom = (over: Partial<MetricDefinition> = {}): MetricDefinition =>
    def({
      name: 'http_errors',
      source: {
        type: 'prometheus',
        url: 'http://prom.test:9090',
        query: 'sum(increase(errors_total{variant="{{variant}}"}[1m]))',
        denominator: 'sum(increase(requests_total{variant="{{variant}}"}[1m]))',
        stepSeconds: 60,
      },
      ...over,
    });

  it('upserts per-minute rollups idempotently and compares them', async () => {
    const calls: string[] = [];
    fakeQuery = async (_url, promql, start, end, step) => {
      calls.push(promql);
      expect(step).toBe(60);
      const out: Array<{ t: number; value: number }> = [];
      const treatment = promql.includes('"treatment"');
      for (let t = start; t <= end; t += step * 1000)
        out.push({ t, value: promql.includes('errors_total') ? (treatment ? 20 : 10) : 200 });
      return out;
    };
    await ok(core.invoke('metrics.define', prom()));
    const first = await ok(core.invoke('metrics.compare', { flag: FLAG, window: { lastMinutes: 30 } }));
    const again = await ok(core.invoke('metrics.compare', { flag: FLAG, window: { lastMinutes: 30 } }));
    expect(calls).toHaveLength(8);
    expect(calls[0]).toBe('sum(increase(errors_total{variant="control"}[1m]))');
    for (const { rows } of [first, again]) {
      expect(rows[0]!.control).toMatchObject({ n: 30 * 200, successes: 30 * 10 });
      expect(rows[0]!.treatment).toMatchObject({ n: 30 * 200, successes: 30 * 20 });
      expect(rows[0]!.verdict).toBe('worse');
    }
    const series = await ok(
      core.invoke('metrics.series', { flag: FLAG, metric: 'http_errors', window: { lastMinutes: 30 } }),
    );
    expect(series[1]!.points.every((p) => p.value === 0.1 && p.n === 200)).toBe(true);
  });

  it('a failing source makes the row insufficient with the reason', async () => {
    fakeQuery = async () => {
      throw new PrometheusError('Prometheus request to http://prom.test:9090 failed: ECONNREFUSED', {
        kind: 'network',
      });
    };
    await ok(core.invoke('metrics.define', prom()));
    const { rows } = await ok(core.invoke('metrics.compare', { flag: FLAG }));
    // Clients get a fixed message: no network error code, nothing from the source.
    expect(rows[0]).toMatchObject({
      verdict: 'insufficient',
      note: 'the prometheus source failed: "prom-test" could not be reached',
    });
    const s = await core.invoke('metrics.series', { flag: FLAG, metric: 'http_errors' });
    expect(!s.ok && s.error.code).toBe('PROVIDER_ERROR');
  });
});
