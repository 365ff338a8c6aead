/**
 * A read-only core (`rcr serve --read-only`): every channel outside
 * `READ_ONLY_CHANNELS` answers FORBIDDEN before its input is even parsed, and
 * the read-only channels, called with real inputs, change no stored data.
 */
import crypto from 'node:crypto';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import fs from 'node:fs';
import { CHANNELS, READ_ONLY_CHANNELS, type Channel, type Result } from '../../shared/contract.ts';
import { openCore, type AppCore, type CoreOptions } from '../../electron/core/app-core.ts';
import { createProvider } from '../../electron/core/providers/registry.ts';
import { ProviderError, type FlagProvider } from '../../electron/core/providers/provider.ts';
import { tempDataDir } from '../support/temp-dir.ts';

function tableHash(core: AppCore): string {
  const h = crypto.createHash('sha256');
  const tables = core.db
    .prepare("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")
    .all() as Array<{ name: string }>;
  for (const { name } of tables) {
    const rows = core.db.prepare(`SELECT * FROM "${name}"`).raw().all();
    h.update(name + JSON.stringify(rows.map((r) => JSON.stringify(r)).sort()));
  }
  return h.digest('hex');
}

describe('read-only core', () => {
  const tmp = tempDataDir('rcr-ro-core-');
  let core: AppCore;
  beforeAll(async () => {
    const dataDir = path.join(tmp.dir, 'data');
    // Seed with a writable core, then reopen read-only.
    const seed = await openCore({ dataDir, env: {}, startSync: false });
    await seed.sync.syncAll();
    await seed.close();
    core = await openCore({ dataDir, env: {}, startSync: false, readOnly: true });
  });
  afterAll(async () => {
    await core.close();
    tmp.cleanup();
  });

  it('refuses every state-changing channel with FORBIDDEN', async () => {
    for (const channel of CHANNELS.filter((c) => !READ_ONLY_CHANNELS.has(c))) {
      const result = await core.invoke(channel, {} as never);
      expect(result, channel).toMatchObject({ ok: false, error: { code: 'FORBIDDEN' } });
    }
    expect(await core.invoke('session.info', {})).toEqual({
      ok: true,
      value: { readOnly: true, tokenStore: null },
    });
  });

  it('serves the read-only channels with real inputs without changing stored data', async () => {
    const fleet = await core.invoke('fleet.list', {});
    if (!fleet.ok) throw new Error(fleet.error.message);
    const row = fleet.value.rows[0]!;
    const flag = { provider: row.provider, environment: row.environment, key: row.key };
    const logs = await core.invoke('predictions.list', {});
    const logId = logs.ok && logs.value[0] ? logs.value[0].id : 1;
    const samples: Partial<Record<Channel, unknown>> = {
      'flag.get': flag,
      'metrics.list': { flag },
      'metrics.compare': { flag },
      'metrics.series': { flag, metric: 'latency' },
      'rollout.get': { flag },
      'simulator.sweep': { logId },
      'simulator.recommend': { logId, target: { kind: 'min-precision', value: 0.9 } },
      'simulator.ab': {
        logId,
        control: { modelVersion: 'v2.3', threshold: 0.5 },
        treatment: { modelVersion: 'v2.4', threshold: 0.5 },
      },
    };
    const outcomes: string[] = [];
    const writers: string[] = [];
    for (const channel of READ_ONLY_CHANNELS) {
      const before = tableHash(core);
      const result = await core.invoke(channel, (samples[channel] ?? {}) as never);
      outcomes.push(`${channel}: ${result.ok ? 'ok' : result.error.code}`);
      expect(result.ok || result.error.code !== 'FORBIDDEN', channel).toBe(true);
      if (tableHash(core) !== before) writers.push(channel);
    }
    expect(writers, 'read-only channels that changed stored data').toEqual([]);
    // Most read-only channels answer real data here (the rest lack a fitting sample input).
    expect(outcomes.filter((o) => o.endsWith(': ok')).length).toBeGreaterThanOrEqual(8);
  });
});

/**
 * Issue 15, item 9: "read-only" wrote — `metrics.series` cached 120 Prometheus rollup rows, and a
 * read-only server also ran the sync, the monitor and the outbox. Here a data folder holds a
 * Prometheus-sourced metric, a guardrail, a sample prediction log and an outbox action due for a
 * retry; a read-only core (default options: it would poll, monitor and drain if allowed to) runs for
 * a while and answers every read-only channel. rcr.db stays byte-identical and its WAL gets no
 * frame; neither Prometheus nor the provider is asked anything.
 */
describe('read-only core: the database file is byte-identical after every read-only channel', () => {
  const tmp = tempDataDir('rcr-ro-bytes-');
  const dataDir = path.join(tmp.dir, 'data');
  const db = path.join(dataDir, 'rcr.db');
  const T0 = Date.parse('2026-03-02T09:00:00Z');
  const FLAG = { provider: 'local', environment: 'production', key: 'ai-answer-assist' };
  const calls = { prometheus: 0, providerReads: 0, providerWrites: 0 };
  /** Prometheus stand-in: a value per step, counted. */
  const queryRange = async (_url: string, _q: string, from: number, to: number, step: number) => {
    calls.prometheus++;
    const out: Array<{ t: number; value: number }> = [];
    for (let t = from; t <= to; t += step * 1000) out.push({ t, value: 120 + (t % 7) });
    return out;
  };
  /** The embedded provider, counted; its change fails with 503 while `failWrites`. */
  let failWrites = true;
  const factory: CoreOptions['providerFactory'] = (cfg, d, env, now) => {
    const inner = createProvider(cfg, d, env, now);
    return {
      ...inner,
      name: inner.name,
      kind: inner.kind,
      url: inner.url,
      capabilities: () => inner.capabilities(),
      listFlags: async () => {
        calls.providerReads++;
        return inner.listFlags();
      },
      getFlag: async (e, k) => {
        calls.providerReads++;
        return inner.getFlag(e, k);
      },
      executePlan: async (plan, reason, actor) => {
        calls.providerWrites++;
        if (failWrites) throw new ProviderError('HTTP 503 unavailable', 503);
        return inner.executePlan(plan, reason, actor);
      },
    } satisfies FlagProvider;
  };
  const bytes = (f: string): Buffer => (fs.existsSync(f) ? fs.readFileSync(f) : Buffer.alloc(0));
  const hash = (f: string): string => crypto.createHash('sha256').update(bytes(f)).digest('hex');

  afterAll(() => tmp.cleanup());

  it('polls, monitors, drains and writes nothing', { timeout: 30_000 }, async () => {
    fs.mkdirSync(dataDir, { recursive: true });
    fs.writeFileSync(
      path.join(dataDir, 'config.json'),
      JSON.stringify({
        version: 1,
        syncIntervalMs: 1000,
        providers: [{ name: 'local', kind: 'local' }],
        rollouts: { monitor: true, monitorIntervalMs: 5000 },
        dataSources: { prometheus: [{ name: 'prom', url: 'http://127.0.0.1:9' }] },
      }),
      { mode: 0o600 },
    );
    // Seed with a writable core: flags, a Prometheus metric with stored rollups, a guardrail, the
    // sample prediction log, and a rollback whose provider call failed (journaled, retry due).
    const seed = await openCore({
      dataDir,
      env: {},
      startSync: false,
      now: () => T0,
      prometheusQueryRange: queryRange as never,
      providerFactory: factory,
    });
    await seed.sync.syncAll();
    const latency = {
      flag: FLAG,
      name: 'latency',
      kind: 'continuous',
      direction: 'lower-is-better',
      unit: 'ms',
      source: {
        type: 'prometheus',
        dataSource: 'prom',
        query: 'latency{variant="{{variant}}"}',
        stepSeconds: 60,
      },
      controlVariant: 'control',
      treatmentVariant: 'treatment',
      expectedSplit: null,
      guardrail: true,
    } as const;
    const ok = async <T>(p: Promise<Result<T>>): Promise<T> => {
      const r = await p;
      if (!r.ok) throw new Error(`${r.error.code}: ${r.error.message}`);
      return r.value;
    };
    await ok(seed.invoke('metrics.define', latency));
    await ok(seed.invoke('metrics.series', { flag: FLAG, metric: 'latency', window: { lastMinutes: 30 } }));
    await ok(
      seed.invoke('guardrails.define', {
        flag: FLAG,
        id: 'latency-drift',
        metric: 'latency',
        kind: { type: 'drift', baseline: 100 },
        action: 'notify',
      } as never),
    );
    await ok(seed.invoke('rollout.rollback', { flag: FLAG, reason: 'drill', target: 'kill' }));
    await seed.rollouts.outbox.idle();
    const pending = await ok(seed.invoke('outbox.list', { flag: FLAG }));
    expect(pending[0]).toMatchObject({ status: 'pending' });
    await seed.close();
    expect(fs.existsSync(`${db}-wal`)).toBe(false); // checkpointed on close
    const before = hash(db);
    Object.assign(calls, { prometheus: 0, providerReads: 0, providerWrites: 0 });
    failWrites = false;

    // A read-only core with default options, an hour later (the outbox action is overdue).
    const core = await openCore({
      dataDir,
      env: {},
      readOnly: true,
      now: () => T0 + 3_600_000,
      prometheusQueryRange: queryRange as never,
      providerFactory: factory,
    });
    const wal = (): number => bytes(`${db}-wal`).length;
    try {
      const logs = await ok(core.invoke('predictions.list', {}));
      expect(logs.length).toBeGreaterThan(0);
      const logId = logs[0]!.id;
      const samples: Partial<Record<Channel, unknown>> = {
        'fleet.list': {},
        'flag.get': FLAG,
        'flag.previewAudience': { ref: FLAG, patch: { rolloutPercent: 50 }, keys: ['u1', 'u2', 'u3'] },
        'metrics.list': { flag: FLAG },
        'metrics.compare': { flag: FLAG, window: { lastMinutes: 30 } },
        'metrics.series': { flag: FLAG, metric: 'latency', window: { lastMinutes: 30 } },
        'guardrails.list': { flag: FLAG },
        'decisions.list': { flag: FLAG },
        'decisions.export': { format: 'json' },
        'incidents.list': { includeClosed: true },
        'outbox.list': { flag: FLAG },
        'simulator.sweep': { logId },
        'simulator.recommend': { logId, target: { kind: 'min-precision', value: 0.9 } },
        'simulator.ab': {
          logId,
          control: { modelVersion: 'v2.3', threshold: 0.5 },
          treatment: { modelVersion: 'v2.4', threshold: 0.5 },
        },
      };
      // Time for the sync (every second), the monitor's first tick and an outbox drain, were any on.
      await new Promise((r) => setTimeout(r, 1500));
      const failed: string[] = [];
      const changed: string[] = [];
      for (const channel of READ_ONLY_CHANNELS) {
        const result = await core.invoke(channel, (samples[channel] ?? {}) as never);
        if (!result.ok) failed.push(`${channel}: ${result.error.code} ${result.error.message}`);
        if (hash(db) !== before || wal() !== 0) changed.push(channel);
      }
      expect(failed, 'read-only channels that failed with a valid input').toEqual([]);
      expect(changed, 'read-only channels after which rcr.db or its WAL had changed').toEqual([]);
      // The Prometheus metric is answered from the stored rollups, and says so.
      const stored = { from: new Date(T0 - 30 * 60_000).toISOString(), to: new Date(T0).toISOString() };
      const series = await ok(
        core.invoke('metrics.series', { flag: FLAG, metric: 'latency', window: stored }),
      );
      expect(series.flatMap((s) => s.points).length).toBeGreaterThan(0);
      const compared = await ok(core.invoke('metrics.compare', { flag: FLAG, window: { lastMinutes: 120 } }));
      expect(compared.rows.find((r) => r.metric.name === 'latency')?.note).toMatch(
        /read-only screen: Prometheus is not polled here/,
      );
      expect(calls).toEqual({ prometheus: 0, providerReads: 0, providerWrites: 0 });
      expect(core.monitor.status().running).toBe(false);
      expect((await ok(core.invoke('outbox.list', { flag: FLAG })))[0]).toMatchObject({ status: 'pending' });
      // Every write path is closed at SQLite itself.
      expect(() =>
        core.db.prepare("INSERT INTO provider_status (provider, healthy) VALUES ('x', 1)").run(),
      ).toThrow(/readonly/);
    } finally {
      await core.close();
    }
    expect(hash(db)).toBe(before);
    expect(wal()).toBe(0);
  });
});
