import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import fs from 'node:fs';
import path from 'node:path';
import { openCore, type AppCore } from './app-core.ts';
import { createProvider } from './providers/registry.ts';
import { ProviderError, type FlagProvider } from './providers/provider.ts';
import { SEED_AI_FLAG_KEY } from './providers/local/local-seed.ts';
import { tempDataDir } from '../../test/support/temp-dir.ts';
import type { FlagRef } from '../../shared/domain.ts';

const AI: FlagRef = { provider: 'local', environment: 'production', key: SEED_AI_FLAG_KEY };

function tableCounts(core: AppCore): { audit: number; history: number; local_event: number } {
  const n = (t: string): number =>
    (core.db.prepare(`SELECT COUNT(*) AS n FROM ${t}`).get() as { n: number }).n;
  return { audit: n('audit'), history: n('history'), local_event: n('local_event') };
}

describe('core on the embedded provider', () => {
  const tmp = tempDataDir();
  let core: AppCore;
  beforeEach(async () => {
    core = await openCore({ dataDir: tmp.dir, startSync: false, actor: 'tester' });
    await core.sync.syncAll();
  });
  afterEach(async () => {
    await core.close();
    tmp.cleanup();
  });

  it('seeds an AI flag mid-rollout with all four layers and its history', async () => {
    const res = await core.invoke('fleet.list', {});
    expect(res.ok).toBe(true);
    if (!res.ok) return;
    const ai = res.value.rows.find((r) => r.key === SEED_AI_FLAG_KEY && r.environment === 'production');
    expect(ai?.layers).toMatchObject({
      enabled: true,
      rolloutPercent: 10,
      confidenceThreshold: 0.7,
      modelVersion: 'v2.4',
    });
    expect(ai?.stale).toBe(false);
    expect(res.value.rows.length).toBeGreaterThanOrEqual(5);
    const detail = await core.invoke('flag.get', AI);
    expect(detail.ok && detail.value.history.length).toBe(4); // the seeded events that change a layer
  });

  it('kill: one audit row (pending → succeeded), one history row linked to it, confirmed state', async () => {
    const before = tableCounts(core);
    const preview = await core.invoke('flag.previewRollback', { ref: AI, mode: 'kill' });
    expect(preview.ok && preview.value.changes).toEqual([{ layer: 'enabled', before: true, after: false }]);
    expect(tableCounts(core)).toEqual(before);
    const res = await core.invoke('flag.rollback', { ref: AI, mode: 'kill', reason: 'wrong answers in EU' });
    expect(res.ok).toBe(true);
    if (!res.ok) return;
    expect(res.value.flag.layers.enabled).toBe(false);
    expect(res.value.audit).toMatchObject({
      status: 'succeeded',
      action: 'kill',
      reason: 'wrong answers in EU',
      actor: 'tester',
    });
    expect(res.value.audit.confirmed?.enabled).toBe(false);
    expect(tableCounts(core)).toEqual({
      ...before,
      audit: before.audit + 1,
      history: before.history + 1,
      local_event: before.local_event + 1,
    });
    const detail = await core.invoke('flag.get', AI);
    if (!detail.ok) throw new Error(detail.error.message);
    expect(detail.value.history[0]).toMatchObject({
      source: 'app',
      auditId: res.value.audit.id,
      actor: 'tester',
    });
  });

  it('revert restores the values from before the last rollout/threshold/model change', async () => {
    const set = await core.invoke('flag.applyChange', {
      ref: AI,
      patch: { rolloutPercent: 50 },
      reason: 'go wider',
    });
    expect(set.ok).toBe(true);
    const res = await core.invoke('flag.rollback', { ref: AI, mode: 'revert', reason: 'too fast' });
    if (!res.ok) throw new Error(res.error.message);
    expect(res.value.flag.layers.rolloutPercent).toBe(10);
    expect(res.value.audit.action).toBe('revert');
  });

  it.each([
    [{ rolloutPercent: 150 }, /patch\.rolloutPercent: rolloutPercent must be between 0 and 100/],
    [{ rolloutPercent: -1 }, /patch\.rolloutPercent/],
    [{ confidenceThreshold: 1.5 }, /patch\.confidenceThreshold: confidenceThreshold must be between 0 and 1/],
    [{ modelVersion: '' }, /patch\.modelVersion/],
    [{ enabled: 'no' }, /patch\.enabled/],
    [{}, /the change sets no layer/],
  ])('bad patch %j is refused naming the field; nothing stored changes', async (patch, message) => {
    const before = tableCounts(core);
    const snapshot = core.fleet();
    const res = await core.invoke('flag.applyChange', {
      ref: AI,
      patch: patch as never,
      reason: 'bad input',
    });
    expect(res.ok).toBe(false);
    if (res.ok) return;
    expect(res.error.code).toBe('BAD_INPUT');
    expect(res.error.message).toMatch(message);
    expect(tableCounts(core)).toEqual(before);
    expect(core.fleet()).toEqual(snapshot);
  });

  it('unknown flag key and unknown provider are NOT_FOUND and write nothing', async () => {
    const before = tableCounts(core);
    const res = await core.invoke('flag.rollback', {
      ref: { ...AI, key: 'nope' },
      mode: 'kill',
      reason: 'because',
    });
    expect(res).toMatchObject({
      ok: false,
      error: { code: 'NOT_FOUND', message: expect.stringMatching(/"nope"/) },
    });
    const res2 = await core.invoke('flag.get', { ...AI, provider: 'ghost' });
    expect(res2).toMatchObject({ ok: false, error: { code: 'NOT_FOUND' } });
    expect(tableCounts(core)).toEqual(before);
  });

  it('a missing reason is refused', async () => {
    const res = await core.invoke('flag.rollback', { ref: AI, mode: 'kill', reason: ' ' });
    expect(res).toMatchObject({
      ok: false,
      error: { code: 'BAD_INPUT', message: expect.stringMatching(/^reason:/) },
    });
  });
});

describe('core when a provider fails', () => {
  const tmp = tempDataDir();
  afterEach(() => tmp.cleanup());

  it('keeps cached flags (stale) and audits a failed rollback with the provider error', async () => {
    fs.mkdirSync(tmp.dir, { recursive: true });
    fs.writeFileSync(
      path.join(tmp.dir, 'config.json'),
      JSON.stringify({ version: 1, providers: [{ name: 'flaky', kind: 'local' }] }),
    );
    let down = false;
    const factory: typeof createProvider = (cfg, db, env, now) => {
      const real = createProvider(cfg, db, env, now);
      const guard =
        <A extends unknown[], R>(f: (...a: A) => Promise<R>) =>
        (...a: A): Promise<R> =>
          // A refused connection, marked as never sent like the real HTTP clients mark it.
          down
            ? Promise.reject(new ProviderError('connect ECONNREFUSED 127.0.0.1:4242', null, null, true))
            : f(...a);
      const wrapped: FlagProvider = {
        ...real,
        listFlags: guard(real.listFlags),
        getFlag: guard(real.getFlag),
        executePlan: guard(real.executePlan),
        historySince: guard(real.historySince),
      };
      return wrapped;
    };
    const core = await openCore({ dataDir: tmp.dir, startSync: false, providerFactory: factory });
    try {
      await core.sync.syncAll();
      expect(core.fleet().every((r) => !r.stale)).toBe(true);
      down = true;
      const outcome = await core.sync.syncProvider('flaky');
      expect(outcome).toMatchObject({ ok: false, error: expect.stringMatching(/ECONNREFUSED/) });
      const rows = core.fleet();
      expect(rows.length).toBeGreaterThan(0);
      expect(rows.every((r) => r.stale)).toBe(true);
      const ref = { provider: 'flaky', environment: 'production', key: SEED_AI_FLAG_KEY };
      const res = await core.invoke('flag.rollback', { ref, mode: 'kill', reason: 'provider down drill' });
      expect(res).toMatchObject({
        ok: false,
        error: { code: 'PROVIDER_ERROR', message: expect.stringMatching(/ECONNREFUSED.*audit #1: failed/) },
      });
      const detail = await core.invoke('flag.get', ref);
      if (!detail.ok) throw new Error(detail.error.message);
      expect(detail.value.audit[0]).toMatchObject({
        status: 'failed',
        error: expect.stringMatching(/ECONNREFUSED/),
      });
      expect(detail.value.audit[0]?.request).toBeTruthy();
      expect(detail.value.flag.layers.enabled).toBe(true);
    } finally {
      await core.close();
    }
  });
});
