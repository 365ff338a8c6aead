/**
 * The Unleash provider against a real unleash-server@8 + PostgreSQL (one server for the file).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createUnleashProvider } from '../../electron/core/providers/unleash/unleash-provider.ts';
import {
  ConflictError,
  FlagNotFoundError,
  ProviderError,
  UnsupportedChangeError,
} from '../../electron/core/providers/provider.ts';
import type { FlagProvider } from '../../electron/core/providers/provider.ts';
import {
  createFeatureWithRollout,
  getFeature,
  setRollout,
  startUnleash,
  unleashApi,
} from '../support/unleash.ts';
import type { UnleashHandle } from '../support/unleash.ts';

const FLAG = 'ai-summary';
const ENV = 'production';
const AI_PAYLOAD = { modelVersion: 'v2.4', minConfidence: 0.8 };

let unleash: UnleashHandle;
let provider: FlagProvider;

const productionOf = async (name: string) => {
  const f = await getFeature(unleash.url, unleash.token, name);
  const env = f.environments.find((e) => e.name === ENV);
  if (!env) throw new Error(`${name} has no ${ENV}`);
  return env;
};

beforeAll(async () => {
  const started = Date.now();
  unleash = await startUnleash();
  console.info(`startUnleash: ${Date.now() - started} ms`);
  await createFeatureWithRollout(unleash.url, unleash.token, {
    name: FLAG,
    rollout: 25,
    variantPayload: AI_PAYLOAD,
  });
  provider = createUnleashProvider({ name: 'unleash-test', url: unleash.url, token: unleash.token });
});

afterAll(async () => {
  await unleash?.stop();
});

describe('Unleash provider (real server)', () => {
  it('lists a feature at 25% in production with its AI layers', async () => {
    const flags = await provider.listFlags();
    const prod = flags.find((f) => f.key === FLAG && f.environment === ENV);
    expect(prod).toBeDefined();
    expect(prod!.providerKind).toBe('unleash');
    expect(prod!.kind).toBe('ai');
    expect(prod!.layers).toEqual({
      enabled: true,
      rolloutPercent: 25,
      confidenceThreshold: 0.8,
      modelVersion: 'v2.4',
      allowList: [],
      blockList: [],
    });
    expect(prod!.native).toMatchObject({
      project: 'default',
      stickiness: 'default',
      groupId: FLAG,
      featureType: 'release',
    });
    expect(prod!.version).toMatch(/^[0-9a-f]{16}$/);
    // Development exists too, off and without a rollout.
    expect(
      flags.find((f) => f.key === FLAG && f.environment === 'development')?.layers.rolloutPercent,
    ).toBeNull();
  });

  it('health is ok with a latency', async () => {
    const h = await provider.health();
    expect(h.ok).toBe(true);
    expect(h.message).toBeNull();
    expect(h.latencyMs).toBeGreaterThanOrEqual(0);
  });

  it('kills the flag via plan/execute (verified through Unleash)', async () => {
    const current = await provider.getFlag(ENV, FLAG);
    const plan = await provider.planChange(current, { enabled: false }, 'incident', 'tester');
    expect(plan.requests).toEqual([
      { method: 'POST', url: `/api/admin/projects/default/features/${FLAG}/environments/${ENV}/off` },
    ]);
    expect(JSON.stringify(plan)).not.toContain(unleash.token);
    // Planning sends nothing.
    expect((await productionOf(FLAG)).enabled).toBe(true);
    await provider.executePlan(plan, 'incident', 'tester');
    expect((await productionOf(FLAG)).enabled).toBe(false);
    expect((await provider.getFlag(ENV, FLAG)).layers.enabled).toBe(false);
  });

  it('sets rollout 25 → 50 keeping the rest of the strategy', async () => {
    const current = await provider.getFlag(ENV, FLAG);
    const plan = await provider.planChange(current, { rolloutPercent: 50 }, 'ramp', 'tester');
    expect(plan.requests).toHaveLength(1);
    expect(plan.requests[0]).toMatchObject({ method: 'PUT', body: { parameters: { rollout: '50' } } });
    await provider.executePlan(plan, 'ramp', 'tester');
    const env = await productionOf(FLAG);
    const s = env.strategies.find((x) => x.name === 'flexibleRollout')!;
    expect(s.parameters).toMatchObject({ rollout: '50', stickiness: 'default', groupId: FLAG });
    expect(JSON.parse(s.variants![0]!.payload!.value)).toEqual(AI_PAYLOAD);
    expect((await provider.getFlag(ENV, FLAG)).layers.rolloutPercent).toBe(50);
  });

  it('changes model version, threshold and allow/block lists', async () => {
    const current = await provider.getFlag(ENV, FLAG);
    const patch = {
      modelVersion: 'v2.5',
      confidenceThreshold: 0.9,
      allowList: ['alice'],
      blockList: ['mallory'],
    };
    const plan = await provider.planChange(current, patch, 'tune', 'tester');
    await provider.executePlan(plan, 'tune', 'tester');
    const after = await provider.getFlag(ENV, FLAG);
    expect(after.layers).toMatchObject({ ...patch, rolloutPercent: 50, enabled: false });
    const env = await productionOf(FLAG);
    const allow = env.strategies.find((s) => s.title === 'allow-list')!;
    expect(allow.parameters.rollout).toBe('100');
    expect(allow.constraints).toEqual([
      expect.objectContaining({ contextName: 'userId', operator: 'IN', values: ['alice'] }),
    ]);
    // Clearing the allow list deletes that strategy.
    await provider.executePlan(
      await provider.planChange(after, { allowList: [] }, 'tune', 'tester'),
      'tune',
      'tester',
    );
    expect((await productionOf(FLAG)).strategies.some((s) => s.title === 'allow-list')).toBe(false);
  });

  it('reports a change made directly in Unleash in historySince', async () => {
    const first = await provider.historySince(null);
    expect(first.cursor).not.toBeNull();
    const ids = first.events.map((e) => Number(e.id));
    expect(ids).toEqual([...ids].sort((a, b) => a - b));
    expect(first.events.some((e) => e.key === FLAG && e.type === 'feature-environment-disabled')).toBe(true);

    await setRollout(unleash.url, unleash.token, FLAG, ENV, 75);
    const next = await provider.historySince(first.cursor);
    expect(next.events).toHaveLength(1);
    expect(next.events[0]).toMatchObject({
      key: FLAG,
      environment: ENV,
      type: 'feature-strategy-update',
      actor: 'rcr-test',
      changes: [{ layer: 'rolloutPercent', before: 50, after: 75 }],
    });
    expect(Number(next.cursor)).toBeGreaterThan(Number(first.cursor));
    expect((await provider.historySince(next.cursor)).events).toEqual([]);
  });

  it('refuses to overwrite a strategy changed since it was read (ConflictError)', async () => {
    const stale = await provider.getFlag(ENV, FLAG);
    await setRollout(unleash.url, unleash.token, FLAG, ENV, 80);
    const plan = await provider.planChange(stale, { rolloutPercent: 10 }, 'ramp', 'tester');
    await expect(provider.executePlan(plan, 'ramp', 'tester')).rejects.toBeInstanceOf(ConflictError);
    expect((await productionOf(FLAG)).strategies[0]!.parameters.rollout).toBe('80');
  });

  it('rejects a rollout change on a flag without a flexibleRollout strategy', async () => {
    await unleashApi(unleash.url, unleash.token, 'POST', '/api/admin/projects/default/features', {
      name: 'plain-flag',
    });
    const plain = await provider.getFlag(ENV, 'plain-flag');
    expect(plain.layers.rolloutPercent).toBeNull();
    expect(plain.kind).toBe('boolean');
    await expect(provider.planChange(plain, { rolloutPercent: 10 }, 'r', 'a')).rejects.toBeInstanceOf(
      UnsupportedChangeError,
    );
  });

  it('throws FlagNotFoundError for an unknown flag or environment', async () => {
    await expect(provider.getFlag(ENV, 'no-such-flag')).rejects.toBeInstanceOf(FlagNotFoundError);
    await expect(provider.getFlag('staging', FLAG)).rejects.toBeInstanceOf(FlagNotFoundError);
  });

  it('a wrong token gives a ProviderError that says the token was rejected', async () => {
    const bad = createUnleashProvider({ name: 'bad', url: unleash.url, token: '*:*.wrong' });
    const err = await bad.listFlags().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ProviderError);
    expect((err as ProviderError).message).toMatch(/rejected the API token/);
    expect((err as ProviderError).status).toBe(401);
    expect((err as ProviderError).message).not.toContain('wrong');
    const h = await bad.health();
    expect(h.ok).toBe(false);
    expect(h.message).toMatch(/token/);
  });

  it('times out instead of hanging when Unleash does not answer', async () => {
    const quick = createUnleashProvider({
      name: 'quick',
      url: unleash.url,
      token: unleash.token,
      timeoutMs: 500,
    });
    process.kill(unleash.pid, 'SIGSTOP');
    try {
      const started = Date.now();
      const err = await quick.listFlags().catch((e: unknown) => e);
      expect(err).toBeInstanceOf(ProviderError);
      expect((err as Error).message).toMatch(/did not answer .* within 500 ms/);
      expect(Date.now() - started).toBeLessThan(3000);
      expect((await quick.health()).ok).toBe(false);
    } finally {
      process.kill(unleash.pid, 'SIGCONT');
    }
  });

  it('after Unleash stops: health ok:false and listFlags throws ProviderError quickly', async () => {
    await unleash.kill();
    const h = await provider.health();
    expect(h.ok).toBe(false);
    expect(h.message).toMatch(/Cannot reach Unleash|did not answer/);
    const started = Date.now();
    await expect(provider.listFlags()).rejects.toBeInstanceOf(ProviderError);
    expect(Date.now() - started).toBeLessThan(6000);
  });
});
