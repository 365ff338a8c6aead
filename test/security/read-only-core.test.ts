/**
 * A read-only core (`rcr serve --read-only`): every channel outside
 * `READ_ONLY_CHANNELS` answers FORBIDDEN before its input is even parsed, and
 * the read-only channels, called with real inputs, change no stored data.
 */
import crypto from 'node:crypto';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CHANNELS, READ_ONLY_CHANNELS, type Channel } from '../../shared/contract.ts';
import { openCore, type AppCore } from '../../electron/core/app-core.ts';
import { tempDataDir } from '../../electron/core/test-support/temp-dir.ts';

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
      'simulator.recommend': { logId, target: { kind: 'minPrecision', value: 0.9 } },
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
