import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { Bucketing } from '../../../shared/bucketing.ts';
import type { FlagLayers, FlagRef } from '../../../shared/domain.ts';
import { CoreError } from '../errors.ts';
import { launchDarklyBucket, variationForBucket } from './launchdarkly-bucket.ts';
import { previewAudience, type AudiencePreviewParams } from './preview.ts';
import { withProviderDefaults } from './audience-handlers.ts';
import { LD_OTHER_VARIATION, LD_TOTAL_WEIGHT, bindScheme, launchDarklyWeights } from './scheme.ts';
import { unleashBucket } from './unleash-bucket.ts';

const REF: FlagRef = { provider: 'p', environment: 'production', key: 'ai-answer-assist' };
const LOCAL: Bucketing = { scheme: 'local', groupId: 'ai-answer-assist' };
const UNLEASH: Bucketing = { scheme: 'unleash', groupId: 'grp', stickiness: 'default' };
const LD: Bucketing = {
  scheme: 'launchdarkly',
  flagKey: 'ai-answer-assist',
  salt: 'abc123',
  seed: null,
  bucketBy: 'key',
  variations: [
    { variation: 0, weight: 90_000 },
    { variation: 1, weight: 10_000 },
  ],
  treatmentVariation: 1,
};
const SCHEMES = [LOCAL, UNLEASH, LD];

const layers = (l: Partial<FlagLayers> = {}): FlagLayers => ({
  enabled: true,
  rolloutPercent: 10,
  confidenceThreshold: 0.7,
  modelVersion: 'v2.4',
  allowList: [],
  blockList: [],
  ...l,
});
const keys = (n: number, prefix = 'user-'): string[] => Array.from({ length: n }, (_, i) => `${prefix}${i}`);
const run = (p: Partial<AudiencePreviewParams> & Pick<AudiencePreviewParams, 'patch'>) =>
  previewAudience({ ref: REF, bucketing: LOCAL, before: layers(), keys: keys(1000), sampleSize: 1000, ...p });

describe('previewAudience', () => {
  it.each(SCHEMES)(
    '$scheme: raising the rollout 10 → 25 only adds keys, exactly the bucketed ones',
    (bucketing) => {
      const ks = keys(5000);
      const out = run({ bucketing, keys: ks, patch: { rolloutPercent: 25 } });
      expect(out.monotonic).toBe(true);
      expect(out.monotonicViolations).toBe(0);
      expect(out.totals.leaving).toBe(0);
      expect(out.totals.entering).toBeGreaterThan(0);
      expect(out.totals.entering + out.totals.leaving + out.totals.staying + out.totals.outside).toBe(5000);
      // The counts match an independent bucket computation.
      const inside = (k: string, pct: number): boolean =>
        bucketing.scheme === 'launchdarkly'
          ? launchDarklyBucket(bucketing, k) >= 1 - pct / 100 // treatment is listed last
          : unleashBucket(bucketing.groupId, k) <= pct;
      expect(out.cohorts.before.treatment).toBe(ks.filter((k) => inside(k, 10)).length);
      expect(out.cohorts.after.treatment).toBe(ks.filter((k) => inside(k, 25)).length);
      // About 15 % of keys enter (binomial, 5000 keys: sd ≈ 0.5 percentage points).
      expect(out.totals.entering / 5000).toBeGreaterThan(0.12);
      expect(out.totals.entering / 5000).toBeLessThan(0.18);
      for (const e of out.entering) {
        expect(e.before).toEqual({ cohort: 'control', reason: 'not-in-rollout' });
        expect(e.after).toEqual({ cohort: 'treatment', reason: 'in-rollout' });
      }
    },
  );

  it('lowering the rollout only removes keys', () => {
    const out = run({ before: layers({ rolloutPercent: 50 }), patch: { rolloutPercent: 20 } });
    expect(out.monotonic).toBe(true);
    expect(out.totals.entering).toBe(0);
    expect(out.totals.leaving).toBeGreaterThan(0);
    expect(out.leaving.every((k) => k.bucket > 20 && k.bucket <= 50)).toBe(true);
  });

  it('property: for any keys and r1 < r2 the treatment at r1 is a subset of the treatment at r2 (every scheme)', () => {
    fc.assert(
      fc.property(
        fc.constantFrom(...SCHEMES),
        fc.uniqueArray(fc.string({ minLength: 1, maxLength: 24 }), { minLength: 1, maxLength: 200 }),
        fc.integer({ min: 0, max: 100_000 }),
        fc.integer({ min: 0, max: 100_000 }),
        (scheme, ks, a, b) => {
          const [r1, r2] = [Math.min(a, b) / 1000, Math.max(a, b) / 1000];
          // LaunchDarkly's current state is its weights: make them say r1.
          const bucketing: Bucketing =
            scheme.scheme === 'launchdarkly'
              ? { ...scheme, variations: launchDarklyWeights(scheme.variations, 1, r1) }
              : scheme;
          const out = previewAudience({
            ref: REF,
            bucketing,
            before: layers({ rolloutPercent: r1 }),
            patch: { rolloutPercent: r2 },
            keys: ks,
            sampleSize: ks.length,
          });
          expect(out.totals.leaving).toBe(0);
          expect(out.monotonic).toBe(r1 === r2 ? null : true);
          const before = new Set(out.sample.filter((k) => k.before.cohort === 'treatment').map((k) => k.key));
          const after = new Set(out.sample.filter((k) => k.after.cohort === 'treatment').map((k) => k.key));
          for (const k of before) expect(after.has(k)).toBe(true);
        },
      ),
      { numRuns: 300 },
    );
  });

  it('kill: everybody leaves for excluded/killed, allow-listed keys too', () => {
    const before = layers({ rolloutPercent: 30, allowList: ['vip'] });
    const out = run({ before, keys: ['vip', ...keys(500)], patch: { enabled: false } });
    expect(out.cohorts.after).toEqual({ treatment: 0, control: 0, excluded: 501 });
    expect(out.reasons.after.killed).toBe(501);
    expect(out.totals.leaving).toBe(out.cohorts.before.treatment);
    expect(out.monotonic).toBeNull();
    expect(out.leaving.find((k) => k.key === 'vip')?.before.reason).toBe('allow-listed');
  });

  it('allow and block edits move exactly the listed keys; the allow list beats the block list', () => {
    const ks = keys(200);
    const outsider = ks.find((k) => unleashBucket('ai-answer-assist', k) > 10)!;
    const insider = ks.find((k) => unleashBucket('ai-answer-assist', k) <= 10)!;
    const out = run({ keys: ks, patch: { allowList: [outsider], blockList: [insider, outsider] } });
    expect(out.totals.entering).toBe(1);
    expect(out.totals.leaving).toBe(1);
    expect(out.entering[0]).toMatchObject({
      key: outsider,
      after: { cohort: 'treatment', reason: 'allow-listed' },
    });
    expect(out.leaving[0]).toMatchObject({ key: insider, after: { cohort: 'excluded', reason: 'blocked' } });
  });

  it('threshold and model changes move nobody and say so', () => {
    const out = run({ patch: { confidenceThreshold: 0.8, modelVersion: 'v2.5' } });
    expect(out.totals.entering + out.totals.leaving).toBe(0);
    expect(out.treatmentChanges.map((c) => c.layer)).toEqual(['confidenceThreshold', 'modelVersion']);
    expect(out.notes.join('\n')).toMatch(
      /confidenceThreshold 0\.7 → 0\.8 and modelVersion "v2\.4" → "v2\.5" move nobody/,
    );
    expect(out.notes.join('\n')).toMatch(/nobody moves/);
  });

  it('counts repeated keys once and reports them', () => {
    const out = run({ keys: ['a', 'b', 'a', 'c', 'b', 'a'], patch: { rolloutPercent: 50 } });
    expect(out.keys).toEqual({ given: 6, unique: 3, duplicates: 3, duplicateSample: ['a', 'b', 'a'] });
    expect(out.sample.map((k) => k.key)).toEqual(['a', 'b', 'c']);
  });

  it('bounds every sample by sampleSize and keeps input order', () => {
    const out = run({ keys: keys(3000), patch: { rolloutPercent: 90 }, sampleSize: 7 });
    expect(out.sample).toHaveLength(7);
    expect(out.entering).toHaveLength(7);
    expect(out.sample.map((k) => k.key)).toEqual(keys(7));
    expect(out.totals.entering).toBeGreaterThan(7);
  });

  it('gives all nine transitions summing to the unique keys', () => {
    const out = run({
      before: layers({ blockList: ['user-1'] }),
      patch: { rolloutPercent: 60, blockList: [] },
    });
    expect(out.transitions).toHaveLength(9);
    expect(out.transitions.reduce((s, t) => s + t.count, 0)).toBe(1000);
  });

  it('local: a flag without a rollout layer is on for every key', () => {
    const out = run({ before: layers({ rolloutPercent: null }), patch: { rolloutPercent: 5 } });
    expect(out.cohorts.before.treatment).toBe(1000);
    expect(out.totals.leaving).toBe(out.cohorts.before.treatment - out.cohorts.after.treatment);
    expect(out.monotonic).toBeNull();
  });

  it('unleash: random stickiness has no exact preview', () => {
    expect(() =>
      run({
        bucketing: { scheme: 'unleash', groupId: 'g', stickiness: 'random' },
        patch: { rolloutPercent: 5 },
      }),
    ).toThrow(/random stickiness/);
  });

  it('launchdarkly: uses the provider weights before the change, even when they disagree with the rollout %', () => {
    // Weights say 50 % treatment while the layer says 10 %: the preview trusts the weights.
    const bucketing: Bucketing = {
      ...LD,
      variations: [
        { variation: 1, weight: 50_000 },
        { variation: 0, weight: 50_000 },
      ],
    };
    const ks = keys(2000);
    const out = run({ bucketing, keys: ks, patch: { confidenceThreshold: 0.9 } });
    const expected = ks.filter((k) => launchDarklyBucket(bucketing, k) < 0.5).length;
    expect(out.cohorts.before.treatment).toBe(expected);
    expect(out.cohorts.after.treatment).toBe(expected);
  });

  it('launchdarkly: a flag with neither rollout weights nor a rollout % is refused', () => {
    expect(() =>
      run({
        bucketing: { ...LD, variations: [] },
        before: layers({ rolloutPercent: null }),
        patch: { enabled: false },
      }),
    ).toThrow(CoreError);
  });
});

describe('launchdarkly: a new rollout % written the way the provider plan writes it', () => {
  const planned: Bucketing = { ...LD, controlVariation: 0, variationCount: 2 };

  it('index order, control takes the rest: monotonic when the rollout is already in index order', () => {
    const out = run({ bucketing: planned, keys: keys(3000), patch: { rolloutPercent: 25 } });
    expect(out.monotonic).toBe(true);
    expect(out.totals.leaving).toBe(0);
  });

  it('shows (does not assume) that reordering a treatment-first rollout moves users both ways', () => {
    const treatmentFirst: Bucketing = {
      ...planned,
      variations: [
        { variation: 1, weight: 10_000 },
        { variation: 0, weight: 90_000 },
      ],
    };
    const out = run({ bucketing: treatmentFirst, keys: keys(3000), patch: { rolloutPercent: 25 } });
    // Treatment moves from [0, 0.10) to [0.75, 1): nearly everyone in it before leaves.
    expect(out.monotonic).toBe(false);
    expect(out.monotonicViolations).toBe(out.totals.leaving);
    expect(out.totals.leaving).toBeGreaterThan(200);
    expect(out.notes.join(' ')).toMatch(/move against the change/);
  });
});

describe('launchDarklyWeights', () => {
  it('with the provider rewrite: one entry per variation in index order, others kept, control takes the rest', () => {
    expect(
      launchDarklyWeights(
        [
          { variation: 1, weight: 10_000 },
          { variation: 2, weight: 5_000 },
          { variation: 0, weight: 85_000 },
        ],
        1,
        25,
        { control: 0, count: 3 },
      ),
    ).toEqual([
      { variation: 0, weight: 70_000 },
      { variation: 1, weight: 25_000 },
      { variation: 2, weight: 5_000 },
    ]);
    expect(() =>
      launchDarklyWeights([{ variation: 2, weight: 90_000 }], 1, 20, { control: 0, count: 3 }),
    ).toThrow(/other variations get 90% of the fallthrough, so the treatment can get at most 10%/);
  });

  it('gives the treatment round(percent × 1000) and the others the rest in proportion, order kept', () => {
    const w = launchDarklyWeights(
      [
        { variation: 0, weight: 60_000 },
        { variation: 2, weight: 20_000 },
        { variation: 1, weight: 20_000 },
      ],
      1,
      25.0004,
    );
    expect(w).toEqual([
      { variation: 0, weight: 56_250 },
      { variation: 2, weight: 18_750 },
      { variation: 1, weight: 25_000 },
    ]);
  });

  it('adds an "other" slot after a lone treatment variation and keeps the sum at 100000', () => {
    const w = launchDarklyWeights([{ variation: 1, weight: 100_000 }], 1, 33.3333);
    expect(w).toEqual([
      { variation: 1, weight: 33_333 },
      { variation: LD_OTHER_VARIATION, weight: 66_667 },
    ]);
    fc.assert(
      fc.property(
        fc.array(
          fc.record({
            variation: fc.integer({ min: 0, max: 4 }),
            weight: fc.integer({ min: 0, max: 100_000 }),
          }),
          {
            maxLength: 5,
          },
        ),
        fc.integer({ min: 0, max: 100_000 }),
        (vs, t) => {
          const out = launchDarklyWeights(vs, 1, t / 1000);
          expect(out.reduce((s, v) => s + v.weight, 0)).toBe(LD_TOTAL_WEIGHT);
          expect(out.filter((v) => v.variation === 1).reduce((s, v) => s + v.weight, 0)).toBe(t);
        },
      ),
    );
  });

  it('walks a bucket past the last weight into the last variation (weights summing under 100000)', () => {
    expect(
      variationForBucket(0.99, [
        { variation: 0, weight: 50_000 },
        { variation: 3, weight: 40_000 },
      ]),
    ).toBe(3);
    const scheme = bindScheme({ ...LD, variations: [{ variation: 1, weight: 90_000 }] }, 'f');
    expect(scheme.notes.join(' ')).toMatch(/sum to 90000/);
  });
});

describe('withProviderDefaults', () => {
  it("fills a LaunchDarkly descriptor's control and variation count from the provider's native fields", () => {
    const native = { controlVariation: 0, variations: [{}, {}, {}] };
    expect(withProviderDefaults(LD, native)).toMatchObject({ controlVariation: 0, variationCount: 3 });
    expect(withProviderDefaults({ ...LD, controlVariation: 2, variationCount: 4 }, native)).toMatchObject({
      controlVariation: 2,
      variationCount: 4,
    });
    expect(withProviderDefaults(LD, {})).toEqual({
      ...LD,
      controlVariation: undefined,
      variationCount: undefined,
    });
    expect(withProviderDefaults(LOCAL, native)).toBe(LOCAL);
  });
});
