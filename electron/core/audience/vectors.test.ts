/**
 * The providers' own published test vectors (test/fixtures/bucketing/README.md
 * names each source and commit), run against the preview's bucketing.
 */
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  NotBucketableError,
  launchDarklyBucket,
  variationForBucket,
  type WeightedVariation,
} from './launchdarkly-bucket.ts';
import { stickinessValue, unleashBucket, unleashIncluded } from './unleash-bucket.ts';

const DIR = path.resolve(import.meta.dirname, '../../../test/fixtures/bucketing');
const load = <T>(file: string): T => JSON.parse(fs.readFileSync(path.join(DIR, file), 'utf8')) as T;

interface LdFixture {
  bucketValues: { flagKey: string; salt: string; seed: number | null; value: unknown; expected: number }[];
  rollouts: {
    flagKey: string;
    salt: string;
    seed: number | null;
    variations: WeightedVariation[];
    expect: Record<string, number>;
  }[];
  notBucketable: { value: unknown }[];
}

describe('LaunchDarkly SDK vectors', () => {
  const ld = load<LdFixture>('launchdarkly-bucketing.json');

  it.each(ld.bucketValues)('bucket of $value (salt $salt, seed $seed) ≈ $expected', (v) => {
    const bucket = launchDarklyBucket({ flagKey: v.flagKey, salt: v.salt, seed: v.seed }, v.value);
    // The Go test's own check: assert.InEpsilon(expected, actual, 1e-7).
    expect(Math.abs(bucket - v.expected) / v.expected).toBeLessThan(1e-7);
  });

  it.each(ld.rollouts)('walks the rollout of $flagKey (seed $seed) to the published variations', (r) => {
    for (const [key, variation] of Object.entries(r.expect)) {
      const bucket = launchDarklyBucket({ flagKey: r.flagKey, salt: r.salt, seed: r.seed }, key);
      expect(variationForBucket(bucket, r.variations), key).toBe(variation);
    }
  });

  it.each(ld.notBucketable)('refuses to bucket $value (the SDKs would put it in bucket 0)', ({ value }) => {
    expect(() => launchDarklyBucket({ flagKey: 'f', salt: 's', seed: null }, value)).toThrow(
      NotBucketableError,
    );
  });
});

interface UnleashFixture {
  normalizedValues: { groupId: string; value: string; expected: number }[];
  flexibleRollout: { groupId: string; value: string | number; rollout: number; expected: boolean }[];
}

describe('Unleash Node SDK vectors', () => {
  const u = load<UnleashFixture>('unleash-normalized-values.json');
  it.each(u.normalizedValues)('normalized value of $groupId:$value is $expected', (v) => {
    expect(unleashBucket(v.groupId, v.value)).toBe(v.expected);
  });
  it.each(u.flexibleRollout)('$groupId:$value at $rollout% → $expected', (v) => {
    expect(unleashIncluded(unleashBucket(v.groupId, v.value), v.rollout)).toBe(v.expected);
  });
});

interface SpecStrategy {
  name: string;
  parameters?: Record<string, string>;
  constraints?: unknown[];
}
interface SpecFile {
  name: string;
  state: { features: { name: string; enabled: boolean; strategies: SpecStrategy[] }[] };
  tests?: {
    description: string;
    context: Record<string, unknown>;
    toggleName: string;
    expectedResult: boolean;
  }[];
}

/**
 * The rollout strategies of the suite, evaluated with the preview's bucketing.
 * A context without a stickiness value gets a random one under `default`
 * stickiness (as the SDKs do), and is off for any named field.
 */
function strategyEnabled(s: SpecStrategy, feature: string, context: Record<string, unknown>): boolean {
  const p = s.parameters ?? {};
  switch (s.name) {
    case 'default':
      return true;
    case 'flexibleRollout': {
      const stickiness = p.stickiness || 'default';
      let value = stickinessValue(stickiness, context);
      if (value === null) {
        if (stickiness !== 'default' && stickiness !== 'random') return false;
        value = String(1 + Math.floor(Math.random() * 10000));
      }
      return unleashIncluded(unleashBucket(p.groupId || feature, value), Number(p.rollout));
    }
    case 'gradualRolloutUserId':
    case 'gradualRolloutSessionId': {
      const value = context[s.name === 'gradualRolloutUserId' ? 'userId' : 'sessionId'];
      if (!value) return false;
      return unleashIncluded(unleashBucket(p.groupId ?? '', value), Number(p.percentage));
    }
    default:
      throw new Error(`strategy ${s.name} is not part of the rollout vectors`);
  }
}

describe('Unleash client-specification suite', () => {
  const dir = path.join(DIR, 'unleash-client-specification');
  const files = fs.readdirSync(dir).filter((f) => f.endsWith('.json'));
  it('has the four rollout specification files', () => {
    expect(files.sort()).toEqual([
      '03-gradual-rollout-user-id-strategy.json',
      '04-gradual-rollout-session-id-strategy.json',
      '10-flexible-rollout-strategy.json',
      '12-custom-stickiness.json',
    ]);
  });
  for (const file of files) {
    const spec = JSON.parse(fs.readFileSync(path.join(dir, file), 'utf8')) as SpecFile;
    describe(spec.name, () => {
      it.each(spec.tests ?? [])('$description', (t) => {
        const feature = spec.state.features.find((f) => f.name === t.toggleName);
        expect(feature, t.toggleName).toBeDefined();
        for (const s of feature!.strategies) expect(s.constraints ?? []).toEqual([]);
        const enabled =
          feature!.enabled && feature!.strategies.some((s) => strategyEnabled(s, feature!.name, t.context));
        expect(enabled).toBe(t.expectedResult);
      });
    });
  }
});
