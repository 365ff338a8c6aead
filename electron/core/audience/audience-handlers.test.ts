/** `flag.previewAudience` through the real core: contract validation, lookup, errors. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FlagRef, FlagState } from '../../../shared/domain.ts';
import { openCore, type AppCore } from '../app-core.ts';
import { SEED_AI_FLAG_KEY } from '../providers/local/local-seed.ts';
import { createProvider } from '../providers/registry.ts';
import type { FlagProvider } from '../providers/provider.ts';
import { tempDataDir } from '../../../test/support/temp-dir.ts';
import { unleashBucket } from './unleash-bucket.ts';

const AI: FlagRef = { provider: 'local', environment: 'production', key: SEED_AI_FLAG_KEY };
const keys = (n: number): string[] => Array.from({ length: n }, (_, i) => `user-${i}`);

/** A provider whose one flag carries no bucketing details. */
function opaqueProvider(): FlagProvider {
  const state: FlagState = {
    provider: 'opaque',
    providerKind: 'http',
    environment: 'production',
    key: 'mystery',
    name: 'mystery',
    description: '',
    kind: 'ai',
    layers: {
      enabled: true,
      rolloutPercent: 10,
      confidenceThreshold: null,
      modelVersion: null,
      allowList: [],
      blockList: [],
    },
    variants: [],
    version: '1',
    updatedAt: null,
    native: {},
  };
  return {
    name: 'opaque',
    kind: 'http',
    url: null,
    capabilities: () => ({
      kill: true,
      rollout: true,
      threshold: false,
      modelVersion: false,
      allowBlock: false,
      history: false,
    }),
    health: async () => ({ ok: true, latencyMs: 0, message: null }),
    listFlags: async () => [state],
    getFlag: async () => state,
    planChange: async () => {
      throw new Error('not used');
    },
    executePlan: async () => {
      throw new Error('not used');
    },
    historySince: async (cursor) => ({ events: [], cursor }),
  } as FlagProvider;
}

describe('flag.previewAudience', { timeout: 30_000 }, () => {
  const tmp = tempDataDir();
  let core: AppCore;
  beforeAll(async () => {
    const fs = await import('node:fs');
    const path = await import('node:path');
    fs.writeFileSync(
      path.join(tmp.dir, 'config.json'),
      JSON.stringify({
        version: 1,
        providers: [
          { name: 'local', kind: 'local' },
          { name: 'opaque', kind: 'unleash', url: 'http://127.0.0.1:9', tokenEnv: 'NOPE' },
        ],
      }),
    );
    core = await openCore({
      dataDir: tmp.dir,
      startSync: false,
      providerFactory: (config, ...rest) =>
        config.name === 'opaque' ? opaqueProvider() : createProvider(config, ...rest),
    });
    await core.sync.syncAll();
  });
  afterAll(async () => {
    await core.close();
    tmp.cleanup();
  });

  it('previews +15 points on the seeded AI flag with the local scheme: only entries, exactly the bucketed keys', async () => {
    const ks = keys(1000);
    const res = await core.invoke('flag.previewAudience', {
      ref: AI,
      patch: { rolloutPercent: 25 },
      keys: ks,
    });
    expect(res.ok).toBe(true);
    if (!res.ok) return;
    const v = res.value;
    expect(v.scheme).toBe('local');
    expect(v.bucketing).toEqual({ scheme: 'local', groupId: SEED_AI_FLAG_KEY });
    const bucket = (k: string) => unleashBucket(SEED_AI_FLAG_KEY, k);
    const listed = new Set(['qa-team-lead', 'pm-ana', 'enterprise-acme-42']);
    const expected = ks.filter((k) => !listed.has(k) && bucket(k) > 10 && bucket(k) <= 25).length;
    expect(v.totals).toMatchObject({ entering: expected, leaving: 0 });
    expect(v.monotonic).toBe(true);
    expect(v.entering).toHaveLength(expected);
    expect(v.notes.join(' ')).toMatch(/only adds keys/);
  });

  it('names the flag when it is unknown', async () => {
    const res = await core.invoke('flag.previewAudience', {
      ref: { ...AI, key: 'no-such-flag' },
      patch: { rolloutPercent: 5 },
      keys: ['a'],
    });
    expect(res).toMatchObject({ ok: false, error: { code: 'NOT_FOUND' } });
    expect(!res.ok && res.error.message).toMatch(/no-such-flag/);
  });

  it('refuses a provider without bucketing details', async () => {
    const res = await core.invoke('flag.previewAudience', {
      ref: { provider: 'opaque', environment: 'production', key: 'mystery' },
      patch: { rolloutPercent: 5 },
      keys: ['a'],
    });
    expect(res).toMatchObject({ ok: false, error: { code: 'UNSUPPORTED' } });
    expect(!res.ok && res.error.message).toMatch(/gives no bucketing details for flag "mystery"/);
  });

  it('refuses an empty key list', async () => {
    const res = await core.invoke('flag.previewAudience', {
      ref: AI,
      patch: { rolloutPercent: 5 },
      keys: [],
    });
    expect(res).toMatchObject({ ok: false, error: { code: 'BAD_INPUT' } });
    expect(!res.ok && res.error.message).toMatch(/keys: the key list is empty/);
  });

  it('names the first bad keys and counts the rest', async () => {
    const bad = ['ok', 42, '', null, { id: 1 }, true, 7, 8, 9] as unknown as string[];
    const res = await core.invoke('flag.previewAudience', {
      ref: AI,
      patch: { rolloutPercent: 5 },
      keys: bad,
    });
    expect(res.ok).toBe(false);
    if (res.ok) return;
    expect(res.error.code).toBe('BAD_INPUT');
    expect(res.error.message).toContain('keys.1: key must be a string, got a number');
    expect(res.error.message).toContain('keys.2: key must not be empty');
    expect(res.error.message).toContain('keys.4: key must be a string, got an object');
    expect(res.error.message).toContain('3 more bad keys not listed');
    expect(res.error.message).not.toContain('keys.8');
  });

  it('refuses more than 1,000,000 keys', async () => {
    const res = await core.invoke('flag.previewAudience', {
      ref: AI,
      patch: { rolloutPercent: 5 },
      keys: new Array<string>(1_000_001).fill('k'),
    });
    expect(res).toMatchObject({ ok: false, error: { code: 'BAD_INPUT' } });
    expect(!res.ok && res.error.message).toMatch(/at most 1,000,000/);
  });
});
