/**
 * The bucketing descriptors the providers put on their flag states, read by the
 * preview: LaunchDarkly (its mapping, and the weights its plan would write),
 * Unleash (groupId / stickiness defaults) and the embedded local provider.
 */
import { describe, expect, it } from 'vitest';
import { readBucketing } from '../../../shared/bucketing.ts';
import { openDatabase } from '../db/database.ts';
import { toFlagState } from '../providers/launchdarkly/launchdarkly-mapping.ts';
import { createLocalProvider, seedLocalFlags } from '../providers/local/local-provider.ts';
import { toFlagState as unleashFlagState } from '../providers/unleash/unleash-mapping.ts';
import type { UnleashStrategy } from '../providers/unleash/unleash-types.ts';
import { tempDataDir } from '../../../test/support/temp-dir.ts';
import { rolloutWeightsFor } from '../providers/launchdarkly/launchdarkly-plan.ts';
import type { LdFlag, LdFlagConfig } from '../providers/launchdarkly/launchdarkly-types.ts';
import { audienceHandlers } from './audience-handlers.ts';
import { launchDarklyBucket, variationForBucket } from './launchdarkly-bucket.ts';

const config: LdFlagConfig = {
  on: true,
  salt: 'abc123',
  version: 7,
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
    { values: ['vip-1'], variation: 1 },
    { values: ['blocked-1'], variation: 0 },
  ],
  contextTargets: [],
  rules: [],
  prerequisites: [],
};
const flag: LdFlag = {
  key: 'ai-flag',
  name: 'AI flag',
  kind: 'multivariate',
  _version: 3,
  variations: [
    { _id: 'id-c', value: { modelVersion: 'v2.3', minConfidence: 0.7 }, name: 'control' },
    { _id: 'id-t', value: { modelVersion: 'v2.4', minConfidence: 0.8 }, name: 'treatment' },
  ],
  environments: { production: config },
};

describe('audience preview on a LaunchDarkly provider flag state', () => {
  const state = toFlagState('ld', 'default', flag, 'production', config, 'https://app.launchdarkly.com');
  const handlers = audienceHandlers({ flag: () => state });
  const keys = ['vip-1', 'blocked-1', ...Array.from({ length: 2000 }, (_, i) => `user-${i}`)];
  const ref = { provider: 'ld', environment: 'production', key: 'ai-flag' };

  it('agrees with the weights the provider plan would write for 25 → 40 %', async () => {
    const out = await handlers['flag.previewAudience']({
      ref,
      patch: { rolloutPercent: 40 },
      keys,
      sampleSize: 5000,
    });
    expect(out.scheme).toBe('launchdarkly');
    expect(state.layers).toMatchObject({
      rolloutPercent: 25,
      allowList: ['vip-1'],
      blockList: ['blocked-1'],
    });
    const planned = rolloutWeightsFor(config.fallthrough!, 2, 1, 0, 40, 'ai-flag').map(
      (weight, variation) => ({
        variation,
        weight,
      }),
    );
    const params = { flagKey: 'ai-flag', salt: 'abc123', seed: null };
    const inTreatment = (k: string) =>
      k === 'vip-1' ||
      (k !== 'blocked-1' && variationForBucket(launchDarklyBucket(params, k), planned) === 1);
    const after = new Set(out.sample.filter((k) => k.after.cohort === 'treatment').map((k) => k.key));
    expect(after).toEqual(new Set(keys.filter(inTreatment)));
    expect(out.monotonic).toBe(true);
    expect(out.totals.leaving).toBe(0);
    expect(out.sample.find((k) => k.key === 'blocked-1')?.after.reason).toBe('blocked');
    expect(out.sample.find((k) => k.key === 'vip-1')?.before.reason).toBe('allow-listed');
  });
});

describe('Unleash and local bucketing descriptors', () => {
  const strategy = (parameters: Record<string, string>): UnleashStrategy => ({
    id: 's1',
    name: 'flexibleRollout',
    parameters,
    constraints: [],
    variants: [],
  });
  const feature = (strategies: UnleashStrategy[]) => ({
    name: 'ai-summary',
    environments: [{ name: 'production', enabled: true, strategies }],
  });

  it('Unleash: the main strategy groupId and stickiness; the feature name and "default" when unset; none without a rollout', () => {
    const f1 = feature([strategy({ rollout: '25', groupId: 'grp', stickiness: 'sessionId' })]);
    expect(readBucketing(unleashFlagState('u', 'default', f1, f1.environments[0]!).native)).toEqual({
      scheme: 'unleash',
      groupId: 'grp',
      stickiness: 'sessionId',
    });
    const f2 = feature([strategy({ rollout: '25', groupId: '' })]);
    expect(readBucketing(unleashFlagState('u', 'default', f2, f2.environments[0]!).native)).toEqual({
      scheme: 'unleash',
      groupId: 'ai-summary',
      stickiness: 'default',
    });
    const f3 = feature([{ id: 'd', name: 'default', parameters: {}, constraints: [] }]);
    expect(readBucketing(unleashFlagState('u', 'default', f3, f3.environments[0]!).native)).toBeNull();
  });

  it('local: every flag carries the local scheme with the flag key as groupId', async () => {
    const tmp = tempDataDir();
    const db = openDatabase(`${tmp.dir}/rcr.db`);
    try {
      seedLocalFlags(db, Date.now());
      const flags = await createLocalProvider({ name: 'local', db }).listFlags();
      expect(flags.length).toBeGreaterThan(0);
      for (const f of flags) expect(readBucketing(f.native)).toEqual({ scheme: 'local', groupId: f.key });
    } finally {
      db.close();
      tmp.cleanup();
    }
  });
});
