import { describe, expect, it } from 'vitest';
import { UnsupportedChangeError } from '../provider.ts';
import { toFlagState } from './launchdarkly-mapping.ts';
import { planLaunchDarklyChange, rolloutWeightsFor } from './launchdarkly-plan.ts';
import type { LdFlag, LdFlagConfig } from './launchdarkly-types.ts';

function state(config: Partial<LdFlagConfig> = {}, variations?: LdFlag['variations']) {
  const cfg: LdFlagConfig = {
    on: true,
    salt: 's',
    version: 2,
    offVariation: 0,
    fallthrough: {
      rollout: {
        variations: [
          { variation: 0, weight: 75_000 },
          { variation: 1, weight: 25_000 },
        ],
      },
    },
    targets: [
      { values: ['a1'], variation: 1 },
      { values: ['b1'], variation: 0 },
    ],
    ...config,
  };
  const flag: LdFlag = {
    key: 'f',
    name: 'f',
    kind: 'multivariate',
    _version: 1,
    variations: variations ?? [
      { _id: 'c', value: { modelVersion: 'v2.3', minConfidence: 0.7, extra: 1 } },
      { _id: 't', value: { modelVersion: 'v2.4', minConfidence: 0.8, extra: 2 } },
    ],
    environments: { production: cfg },
  };
  return toFlagState('ld', 'proj', flag, 'production', cfg, 'https://app.launchdarkly.com');
}

const plan = (s: ReturnType<typeof state>, patch: Parameters<typeof planLaunchDarklyChange>[1]) =>
  planLaunchDarklyChange(s, patch, 'proj', 'because', ['production', 'staging']);

describe('planLaunchDarklyChange', () => {
  it('kill: one turnFlagOff patch on the flag path with the reason as comment', () => {
    const p = plan(state(), { enabled: false });
    expect(p.requests).toEqual([
      {
        method: 'PATCH',
        url: '/api/v2/flags/proj/f',
        body: { environmentKey: 'production', comment: 'because', instructions: [{ kind: 'turnFlagOff' }] },
      },
    ]);
    expect(p.flagWide).toBe(false);
  });

  it('enabled is always sent, even when already at the value (a kill is never skipped)', () => {
    expect(plan(state({ on: false }), { enabled: false }).body?.instructions).toEqual([
      { kind: 'turnFlagOff' },
    ]);
  });

  it('orders off first, target removals before additions, rollout, variation, on last', () => {
    const p = plan(state({ on: false }), {
      enabled: true,
      rolloutPercent: 50,
      allowList: ['b1'],
      blockList: ['a1'],
      modelVersion: 'v3',
    });
    expect(p.body!.instructions).toEqual([
      { kind: 'removeTargets', contextKind: 'user', variationId: 't', values: ['a1'] },
      { kind: 'removeTargets', contextKind: 'user', variationId: 'c', values: ['b1'] },
      { kind: 'addTargets', contextKind: 'user', variationId: 't', values: ['b1'] },
      { kind: 'addTargets', contextKind: 'user', variationId: 'c', values: ['a1'] },
      { kind: 'updateFallthroughVariationOrRollout', rolloutWeights: { c: 50_000, t: 50_000 } },
      {
        kind: 'updateVariation',
        variationId: 't',
        value: { modelVersion: 'v3', minConfidence: 0.8, extra: 2 },
      },
      { kind: 'turnFlagOn' },
    ]);
    expect(p.flagWide).toBe(true);
    expect(p.description.join('\n')).toMatch(/Flag-wide: .* in staging as well/);
  });

  it('keeps rollout bucketBy and context kind', () => {
    const s = state({
      fallthrough: {
        rollout: {
          bucketBy: 'tenant',
          contextKind: 'org',
          variations: [
            { variation: 0, weight: 90_000 },
            { variation: 1, weight: 10_000 },
          ],
        },
      },
    });
    expect(plan(s, { rolloutPercent: 20 }).body!.instructions[0]).toEqual({
      kind: 'updateFallthroughVariationOrRollout',
      rolloutWeights: { c: 80_000, t: 20_000 },
      rolloutBucketBy: 'tenant',
      rolloutContextKind: 'org',
    });
  });

  it('refuses a key on both lists, a treatment that is not JSON, and > 3 decimals', () => {
    expect(() => plan(state(), { allowList: ['x'], blockList: ['x'] })).toThrow(
      /both the allow list and the block list/,
    );
    const bool = state({ offVariation: 0 }, [
      { _id: 'f', value: false },
      { _id: 't', value: true },
    ]);
    expect(() => plan(bool, { modelVersion: 'v9' })).toThrow(UnsupportedChangeError);
    expect(() => plan(bool, { modelVersion: 'v9' })).toThrow(/not a JSON object/);
    expect(() => plan(state(), { rolloutPercent: 1.23456 })).toThrow(/at most 3 decimals/);
  });

  it('without a treatment variation only the kill switch can be planned', () => {
    const s = state({ offVariation: undefined }, [
      { _id: 'a', value: 'a' },
      { _id: 'b', value: 'b' },
      { _id: 'c', value: 'c' },
    ]);
    expect(plan(s, { enabled: false }).body!.instructions).toEqual([{ kind: 'turnFlagOff' }]);
    expect(() => plan(s, { rolloutPercent: 10 })).toThrow(/no treatment variation/);
  });

  it('no change: no request', () => {
    const p = plan(state(), { rolloutPercent: 25 });
    expect(p.requests).toEqual([]);
    expect(p.description[0]).toMatch(/No change/);
  });
});

describe('rolloutWeightsFor', () => {
  it('keeps third variations, gives the rest to control, sums to 100000', () => {
    const ft = {
      rollout: {
        variations: [
          { variation: 0, weight: 50_000 },
          { variation: 1, weight: 30_000 },
          { variation: 2, weight: 20_000 },
        ],
      },
    };
    expect(rolloutWeightsFor(ft, 3, 1, 0, 40, 'x')).toEqual([40_000, 40_000, 20_000]);
    expect(() => rolloutWeightsFor(ft, 3, 1, 0, 90, 'x')).toThrow(/at most 80%/);
  });

  it('a single served variation becomes a two-way rollout', () => {
    expect(rolloutWeightsFor({ variation: 0 }, 2, 1, 0, 10, 'x')).toEqual([90_000, 10_000]);
  });
});
