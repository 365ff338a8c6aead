/**
 * The LaunchDarkly provider against the local LaunchDarkly-API server
 * (test/support/launchdarkly-server.ts): pagination, semantic-patch writes,
 * history from the audit log, 409 re-plan, 429 waits, 405 approval, bad input.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLaunchDarklyProvider } from '../../electron/core/providers/launchdarkly/launchdarkly-provider.ts';
import type { LdRateLimitWait } from '../../electron/core/providers/launchdarkly/launchdarkly-client.ts';
import type { LdSemanticPatch } from '../../electron/core/providers/launchdarkly/launchdarkly-types.ts';
import {
  ConflictError,
  ProviderError,
  UnsupportedChangeError,
  type ChangePlan,
  type FlagProvider,
} from '../../electron/core/providers/provider.ts';
import { createProvider } from '../../electron/core/providers/registry.ts';
import { readBucketing } from '../../shared/bucketing.ts';
import type { LayerPatch } from '../../shared/domain.ts';
import { startLaunchDarklyServer, type LdServer } from '../support/launchdarkly-server.ts';

let ld: LdServer;
let provider: FlagProvider;
const waits: LdRateLimitWait[] = [];
const ENVS = ['production', 'staging', 'test'];

const make = (extra: Partial<Parameters<typeof createLaunchDarklyProvider>[0]> = {}) =>
  createLaunchDarklyProvider({
    name: 'ld',
    url: ld.url,
    token: ld.token,
    project: 'default',
    environments: ENVS,
    pageSize: 2,
    onWait: (w) => waits.push(w),
    ...extra,
  });

async function change(key: string, env: string, patch: LayerPatch, reason = 'integration test') {
  const current = await provider.getFlag(env, key);
  const plan = await provider.planChange(current, patch, reason, 'tester');
  await provider.executePlan(plan, reason, 'tester');
  return { plan, after: await provider.getFlag(env, key) };
}

beforeAll(async () => {
  ld = await startLaunchDarklyServer({ environments: ENVS });
  for (let i = 0; i < 5; i++) ld.addFlag({ key: `ai-${i}`, name: `AI flag ${i}` });
  ld.addFlag({
    key: 'single',
    config: { fallthrough: { variation: 0 } },
  });
  ld.addFlag({
    key: 'bool-flag',
    kind: 'boolean',
    variations: [{ value: true }, { value: false }],
    config: { offVariation: 1, fallthrough: { variation: 0 } },
  });
  ld.addFlag({
    key: 'lopsided',
    config: {
      fallthrough: {
        rollout: {
          variations: [
            { variation: 0, weight: 60_000 },
            { variation: 1, weight: 30_000 },
          ],
        },
      },
    },
  });
  provider = make();
});

afterAll(async () => {
  await ld?.close();
});

describe('LaunchDarkly provider (local LaunchDarkly-API server)', () => {
  it('lists every flag × environment across pages, with layers, variants and the bucketing descriptor', async () => {
    ld.resetStats();
    const flags = await provider.listFlags();
    expect(flags).toHaveLength(8 * ENVS.length);
    // 8 flags, 2 per page, every environment in one request per page.
    expect(ld.stats.byRoute['GET flags']).toBe(4);
    expect(ld.stats.apiVersions).toEqual(['20240415']);
    const prod = flags.find((f) => f.key === 'ai-0' && f.environment === 'production')!;
    expect(prod.providerKind).toBe('launchdarkly');
    expect(prod.kind).toBe('ai');
    expect(prod.layers).toEqual({
      enabled: true,
      rolloutPercent: 25,
      confidenceThreshold: 0.8,
      modelVersion: 'v2.4',
      allowList: [],
      blockList: [],
    });
    expect(prod.variants.map((v) => [v.key, v.weightPercent])).toEqual([
      ['control', 75],
      ['treatment', 25],
    ]);
    const stored = ld.flag('ai-0')!;
    expect(readBucketing(prod.native)).toEqual({
      scheme: 'launchdarkly',
      flagKey: 'ai-0',
      salt: stored.environments!.production!.salt,
      seed: null,
      bucketBy: 'key',
      variations: [
        { variation: 0, weight: 75_000 },
        { variation: 1, weight: 25_000 },
      ],
      treatmentVariation: 1,
    });
    expect(prod.native).toMatchObject({
      treatmentVariation: 1,
      controlVariation: 0,
      offVariation: 0,
      rulesCount: 0,
    });
    expect(JSON.stringify(prod)).not.toContain(ld.token);
    const single = flags.find((f) => f.key === 'single' && f.environment === 'production')!;
    expect(single.layers.rolloutPercent).toBe(0);
    expect(readBucketing(single.native)).toMatchObject({ variations: [{ variation: 0, weight: 100_000 }] });
    const bool = flags.find((f) => f.key === 'bool-flag' && f.environment === 'production')!;
    expect(bool.kind).toBe('boolean');
    expect(bool.layers.rolloutPercent).toBe(100);
  });

  it('health is ok; a wrong token is reported as such', async () => {
    expect((await provider.health()).ok).toBe(true);
    const bad = createLaunchDarklyProvider({
      name: 'ld-bad',
      url: ld.url,
      token: 'nope',
      project: 'default',
      environments: ENVS,
    });
    await expect(bad.listFlags()).rejects.toThrow(/rejected the access token of provider "ld-bad".*401/);
  });

  it('kill sends turnFlagOff as a semantic patch with the reason as comment (after a dry run)', async () => {
    ld.resetStats();
    const { plan, after } = await change('ai-0', 'production', { enabled: false }, 'error rate spike');
    expect(plan.description.join('\n')).toMatch(/dry run \(dryRun=true\): accepted, the result matches/);
    expect(after.layers.enabled).toBe(false);
    expect(ld.flag('ai-0')!.environments!.staging!.on).toBe(true);
    expect(
      ld.stats.patchContentTypes.every(
        (c) => c === 'application/json; domain-model=launchdarkly.semanticpatch',
      ),
    ).toBe(true);
    expect(ld.stats.patches.map((p) => p.dryRun)).toEqual([true, false]);
    expect(ld.stats.patches[1]!.body).toEqual({
      environmentKey: 'production',
      comment: 'error rate spike',
      instructions: [{ kind: 'turnFlagOff' }],
    });
  });

  it('rollout change sends rolloutWeights keyed by variation _id', async () => {
    const { plan, after } = await change('ai-1', 'production', { rolloutPercent: 40 });
    const flag = ld.flag('ai-1')!;
    const body = plan.requests[0]!.body as LdSemanticPatch;
    expect(body.instructions).toEqual([
      {
        kind: 'updateFallthroughVariationOrRollout',
        rolloutWeights: { [flag.variations[0]!._id]: 60_000, [flag.variations[1]!._id]: 40_000 },
      },
    ]);
    expect(after.layers.rolloutPercent).toBe(40);
    expect(flag.environments!.production!.fallthrough!.rollout!.variations).toEqual([
      { variation: 0, weight: 60_000 },
      { variation: 1, weight: 40_000 },
    ]);
  });

  it('allow and block lists are user targets on the treatment and control variations; a key can move between them', async () => {
    const first = await change('ai-2', 'staging', { allowList: ['u1', 'u2'], blockList: ['b1'] });
    expect(first.after.layers.allowList).toEqual(['u1', 'u2']);
    expect(first.after.layers.blockList).toEqual(['b1']);
    expect(ld.flag('ai-2')!.environments!.staging!.targets).toEqual([
      { values: ['u1', 'u2'], variation: 1 },
      { values: ['b1'], variation: 0 },
    ]);
    const moved = await change('ai-2', 'staging', { allowList: ['u2'], blockList: ['b1', 'u1'] });
    expect((moved.plan.requests[0]!.body as LdSemanticPatch).instructions.map((i) => i.kind)).toEqual([
      'removeTargets',
      'addTargets',
    ]);
    expect(moved.after.layers).toMatchObject({ allowList: ['u2'], blockList: ['b1', 'u1'] });
  });

  it('model version changes the treatment variation flag-wide (updateVariation) and says so', async () => {
    const { plan, after } = await change('ai-3', 'production', {
      modelVersion: 'v2.5',
      confidenceThreshold: 0.85,
    });
    expect(plan.description.join('\n')).toMatch(/Flag-wide: .*in staging, test as well/);
    expect(after.layers).toMatchObject({ modelVersion: 'v2.5', confidenceThreshold: 0.85 });
    expect((await provider.getFlag('staging', 'ai-3')).layers.modelVersion).toBe('v2.5');
  });

  it('imports history from the audit log: previousVersion → currentVersion diffs, then only newer entries', async () => {
    const first = await provider.historySince(null);
    const rollout = first.events.find((e) => e.key === 'ai-1' && e.environment === 'production');
    expect(rollout).toMatchObject({
      actor: 'api-token@example.com',
      type: 'updateFallthrough',
      changes: [{ layer: 'rolloutPercent', before: 25, after: 40 }],
    });
    const kill = first.events.find((e) => e.key === 'ai-0');
    expect(kill?.changes).toEqual([{ layer: 'enabled', before: true, after: false }]);
    // The flag-wide variation change shows in every environment.
    expect(
      first.events
        .filter((e) => e.key === 'ai-3')
        .map((e) => e.environment)
        .sort(),
    ).toEqual(ENVS.slice().sort());
    expect(first.cursor).toMatch(/^\d+:/);

    const again = await provider.historySince(first.cursor);
    expect(again.events).toEqual([]);

    ld.changeFlag(
      'ai-4',
      (f) => {
        f.environments!.production!.fallthrough = {
          rollout: {
            variations: [
              { variation: 0, weight: 40_000 },
              { variation: 1, weight: 60_000 },
            ],
          },
        };
      },
      { env: 'production', comment: 'made in the LaunchDarkly UI' },
    );
    const next = await provider.historySince(again.cursor);
    expect(next.events).toEqual([
      expect.objectContaining({
        key: 'ai-4',
        environment: 'production',
        actor: 'someone@example.com',
        changes: [{ layer: 'rolloutPercent', before: 25, after: 60 }],
      }),
    ]);
  });

  it('409 after an unrelated concurrent change: re-reads, re-plans the same instructions and applies them', async () => {
    const current = await provider.getFlag('test', 'ai-4');
    const plan = await provider.planChange(current, { rolloutPercent: 30 }, 'r', 'tester');
    ld.conflictNext({
      mutate: (f) => {
        f.environments!.test!.trackEvents = true;
      },
    });
    await provider.executePlan(plan, 'r', 'tester');
    expect((await provider.getFlag('test', 'ai-4')).layers.rolloutPercent).toBe(30);
    expect(ld.flag('ai-4')!.environments!.test!.trackEvents).toBe(true);
  });

  it('409 after a concurrent rollout change: ConflictError naming what moved, nothing re-sent', async () => {
    const current = await provider.getFlag('staging', 'ai-4');
    const plan = await provider.planChange(current, { rolloutPercent: 35 }, 'r', 'tester');
    ld.conflictNext({
      mutate: (f) => {
        f.environments!.staging!.fallthrough = {
          rollout: {
            variations: [
              { variation: 0, weight: 50_000 },
              { variation: 1, weight: 50_000 },
            ],
          },
        };
      },
    });
    ld.resetStats();
    const err = await provider.executePlan(plan, 'r', 'tester').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ConflictError);
    expect((err as Error).message).toMatch(/rolloutPercent is now 50 \(was 25\).*Nothing was applied/);
    expect(ld.stats.patches.filter((p) => !p.dryRun)).toHaveLength(1);
    expect((await provider.getFlag('staging', 'ai-4')).layers.rolloutPercent).toBe(50);
  });

  it('a change planned on a stale read is re-planned before sending and refused when its layer moved', async () => {
    const stale = await provider.getFlag('test', 'ai-3');
    const plan = await provider.planChange(stale, { allowList: ['x1'] }, 'r', 'tester');
    ld.changeFlag('ai-3', (f) => {
      f.environments!.test!.targets = [{ values: ['x9'], variation: 1 }];
    });
    await expect(provider.executePlan(plan, 'r', 'tester')).rejects.toThrow(
      /allowList is now \["x9"\] \(was \[\]\)/,
    );
  });

  it('429: waits per Retry-After and X-Ratelimit-Reset (reported), then succeeds', async () => {
    waits.length = 0;
    ld.rateLimit({ count: 1, retryAfterSec: 1 });
    const t0 = Date.now();
    const flag = await provider.getFlag('production', 'ai-1');
    expect(flag.layers.rolloutPercent).toBe(40);
    expect(Date.now() - t0).toBeGreaterThanOrEqual(1000);
    ld.rateLimit({ count: 1, resetInMs: 400 });
    await provider.getFlag('production', 'ai-1');
    expect(waits).toHaveLength(2);
    expect(waits[0]).toMatchObject({
      attempt: 1,
      reason: 'Retry-After: 1 s',
      flagKey: 'ai-1',
      environment: 'production',
    });
    expect(waits[0]!.waitMs).toBeGreaterThanOrEqual(1000);
    expect(waits[0]!.waitMs).toBeLessThanOrEqual(1200);
    expect(waits[1]!.reason).toMatch(/^X-Ratelimit-Reset: /);
    expect(waits[1]!.waitMs).toBeGreaterThan(0);
    expect(waits[1]!.waitMs).toBeLessThanOrEqual(400 + 100);
  });

  it('429 that never ends: gives up after the bounded retries with a clear message', async () => {
    const fast = make({ sleep: async () => undefined });
    ld.rateLimit({ count: 100, retryAfterSec: 1 });
    await expect(fast.getFlag('production', 'ai-1')).rejects.toThrow(
      /rate limit \(HTTP 429\).*still rate limited after 8 retries/,
    );
    ld.rateLimit(null);
  });

  it('405: the preview says approval is required and the change fails with a link', async () => {
    ld.requireApproval('staging', true);
    try {
      const current = await provider.getFlag('staging', 'ai-1');
      const plan = await provider.planChange(current, { enabled: false }, 'r', 'tester');
      expect(plan.description.join('\n')).toMatch(/requires approval/);
      const err = await provider.executePlan(plan, 'r', 'tester').catch((e: unknown) => e);
      expect(err).toBeInstanceOf(ProviderError);
      expect((err as ProviderError).status).toBe(405);
      expect((err as Error).message).toMatch(
        /requires approval for changes to "ai-1" in staging .*Nothing was changed; request approval in LaunchDarkly: http:\/\/127\.0\.0\.1:\d+\/default\/staging\/features\/ai-1/,
      );
      expect(ld.flag('ai-1')!.environments!.staging!.on).toBe(true);
    } finally {
      ld.requireApproval('staging', false);
    }
  });

  describe('bad input', () => {
    it('a single-variation fallthrough: the rollout change is explained and turns it into a rollout', async () => {
      const { plan, after } = await change('single', 'production', { rolloutPercent: 30 });
      expect(plan.description.join('\n')).toMatch(
        /serves the single variation "control" today \(no percentage rollout\)/,
      );
      expect(after.layers.rolloutPercent).toBe(30);
      expect(ld.flag('single')!.environments!.production!.fallthrough).toEqual({
        rollout: {
          variations: [
            { variation: 0, weight: 70_000 },
            { variation: 1, weight: 30_000 },
          ],
        },
      });
    });

    it('stored weights that do not sum to 100000 are read as is and rewritten to sum to 100000', async () => {
      const current = await provider.getFlag('production', 'lopsided');
      expect(current.layers.rolloutPercent).toBe(30);
      expect(current.native.weightsTotal).toBe(90_000);
      const { plan, after } = await change('lopsided', 'production', { rolloutPercent: 35 });
      expect(plan.description.join('\n')).toMatch(/current weights sum to 90000, not 100000/);
      expect(after.native.weightsTotal).toBe(100_000);
    });

    it('a patch whose weights do not sum to 100000 is refused by LaunchDarkly with its message', async () => {
      const current = await provider.getFlag('test', 'ai-0');
      const v = current.native.variations as { _id: string }[];
      const plan: ChangePlan = {
        environment: 'test',
        key: 'ai-0',
        patch: { rolloutPercent: 20 },
        expectedVersion: null,
        description: [],
        requests: [
          {
            method: 'PATCH',
            url: '/api/v2/flags/default/ai-0',
            body: {
              environmentKey: 'test',
              comment: 'x',
              instructions: [
                {
                  kind: 'updateFallthroughVariationOrRollout',
                  rolloutWeights: { [v[0]!._id]: 70_000, [v[1]!._id]: 20_000 },
                },
              ],
            },
          },
        ],
      };
      await expect(provider.executePlan(plan, 'bad weights', 'tester')).rejects.toThrow(
        /rejected the change to "ai-0" in test \(HTTP 400\): .*must sum to 100000.*got 90000/,
      );
    });

    it("unknown variation ids are refused at preview time (dry run) with LaunchDarkly's message", async () => {
      const current = await provider.getFlag('test', 'ai-0');
      const stale = {
        ...current,
        native: {
          ...current.native,
          variations: (current.native.variations as object[]).map((v, i) => ({ ...v, _id: `gone-${i}` })),
        },
      };
      const err = await provider
        .planChange(stale, { rolloutPercent: 20 }, 'r', 'tester')
        .catch((e: unknown) => e);
      expect(err).toBeInstanceOf(UnsupportedChangeError);
      expect((err as Error).message).toMatch(/dry run, HTTP 400\): .*unknown variation ID "gone-0"/);
    });

    it('a rollout % with more than 3 decimals cannot be expressed in thousandths of a percent', async () => {
      const current = await provider.getFlag('test', 'ai-0');
      await expect(provider.planChange(current, { rolloutPercent: 12.3456 }, 'r', 'tester')).rejects.toThrow(
        /thousandths of a percent: 12\.3456% cannot be set/,
      );
    });
  });

  it('the registry builds it from config with the token from tokenEnv, or explains the missing token', async () => {
    const cfg = {
      name: 'ld-reg',
      kind: 'launchdarkly' as const,
      url: ld.url,
      tokenEnv: 'RCR_TEST_LD_TOKEN',
      project: 'default',
      environments: ['production'],
    };
    const ok = createProvider(cfg, null as never, { RCR_TEST_LD_TOKEN: ld.token }, Date.now);
    expect((await ok.listFlags()).length).toBe(8);
    const missing = createProvider(cfg, null as never, {}, Date.now);
    await expect(missing.listFlags()).rejects.toThrow(/RCR_TEST_LD_TOKEN/);
  });
});
