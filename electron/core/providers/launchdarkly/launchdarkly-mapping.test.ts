import { describe, expect, it } from 'vitest';
import {
  auditEntryEvents,
  environmentLayers,
  findControl,
  findTreatment,
  rolloutPercent,
  toFlagState,
  userTargets,
} from './launchdarkly-mapping.ts';
import type { LdAuditEntry, LdFlag, LdFlagConfig } from './launchdarkly-types.ts';

const CONTROL = { modelVersion: 'v2.3', minConfidence: 0.7 };
const TREATMENT = { modelVersion: 'v2.4', minConfidence: 0.8 };

function env(over: Partial<LdFlagConfig> = {}): LdFlagConfig {
  return {
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
    targets: [],
    contextTargets: [],
    rules: [],
    prerequisites: [],
    ...over,
  };
}

function flag(over: Partial<LdFlag> = {}, config: LdFlagConfig = env()): LdFlag {
  return {
    key: 'ai-flag',
    name: 'AI flag',
    kind: 'multivariate',
    _version: 3,
    variations: [
      { _id: 'id-c', value: CONTROL, name: 'control' },
      { _id: 'id-t', value: TREATMENT, name: 'treatment' },
    ],
    environments: { production: config },
    ...over,
  };
}

describe('treatment and control variations', () => {
  it('the treatment is the first non-off variation with the AI JSON value; control is the off variation', () => {
    const f = flag();
    expect(findTreatment(f.variations, env())).toBe(1);
    expect(findControl(f.variations, env(), 1)).toBe(0);
  });

  it('when the off variation is the AI one that comes first, the treatment is the other AI variation', () => {
    const f = flag();
    expect(findTreatment(f.variations, env({ offVariation: 1 }))).toBe(0);
    expect(findControl(f.variations, env({ offVariation: 1 }), 0)).toBe(1);
  });

  it('boolean flags: the treatment is the `true` variation', () => {
    const vars = [
      { _id: 'f', value: false },
      { _id: 't', value: true },
    ];
    expect(findTreatment(vars, env({ offVariation: undefined }))).toBe(1);
  });

  it('two plain variations with an off variation: the other one; three plain ones: none', () => {
    const two = [
      { _id: 'a', value: 'a' },
      { _id: 'b', value: 'b' },
    ];
    expect(findTreatment(two, env({ offVariation: 1 }))).toBe(0);
    expect(findTreatment([...two, { _id: 'c', value: 'c' }], env())).toBeNull();
  });
});

describe('layers', () => {
  it('rollout % is the treatment weight / 1000; a single served variation reads 100 or 0', () => {
    expect(rolloutPercent(env(), 1)).toBe(25);
    expect(rolloutPercent(env({ fallthrough: { variation: 1 } }), 1)).toBe(100);
    expect(rolloutPercent(env({ fallthrough: { variation: 0 } }), 1)).toBe(0);
    expect(rolloutPercent(env({ fallthrough: undefined }), 1)).toBeNull();
    expect(rolloutPercent(env(), null)).toBeNull();
    const fine = env({
      fallthrough: {
        rollout: {
          variations: [
            { variation: 0, weight: 87_655 },
            { variation: 1, weight: 12_345 },
          ],
        },
      },
    });
    expect(rolloutPercent(fine, 1)).toBe(12.345);
  });

  it('user targets from targets and user-kind contextTargets; other kinds ignored', () => {
    const cfg = env({
      targets: [{ values: ['u1', 'u2'], variation: 1 }],
      contextTargets: [
        { values: ['u3'], variation: 1, contextKind: 'user' },
        { values: ['org-1'], variation: 1, contextKind: 'organization' },
        { values: ['b1'], variation: 0, contextKind: 'user' },
      ],
    });
    expect(userTargets(cfg, 1)).toEqual(['u1', 'u2', 'u3']);
    expect(environmentLayers(flag(), cfg)).toEqual({
      enabled: true,
      rolloutPercent: 25,
      confidenceThreshold: 0.8,
      modelVersion: 'v2.4',
      allowList: ['u1', 'u2', 'u3'],
      blockList: ['b1'],
    });
  });

  it('a flag without a treatment has no rollout, AI or list layers', () => {
    const f = flag({
      variations: [
        { _id: 'a', value: 'a' },
        { _id: 'b', value: 'b' },
        { _id: 'c', value: 'c' },
      ],
    });
    const s = toFlagState('ld', 'default', f, 'production', env(), 'https://app.launchdarkly.com');
    expect(s.layers).toMatchObject({
      rolloutPercent: null,
      modelVersion: null,
      allowList: [],
      blockList: [],
    });
    expect(s.native.bucketing).toBeNull();
    expect(s.kind).toBe('multivariate');
  });
});

describe('toFlagState', () => {
  it('maps version, time, variants, native details and the bucketing descriptor', () => {
    const cfg = env({
      lastModified: Date.UTC(2026, 10, 20, 12),
      _site: { href: '/default/production/features/ai-flag' },
      prerequisites: [{ key: 'other', variation: 1 }],
      rules: [{ clauses: [] }],
      fallthrough: {
        rollout: {
          seed: 61,
          bucketBy: 'tenantId',
          variations: [
            { variation: 0, weight: 75_000 },
            { variation: 1, weight: 25_000 },
          ],
        },
      },
    });
    const s = toFlagState(
      'ld',
      'default',
      flag({}, cfg),
      'production',
      cfg,
      'https://app.eu.launchdarkly.com/',
    );
    expect(s.version).toBe('3.7');
    expect(s.updatedAt).toBe('2026-11-20T12:00:00.000Z');
    expect(s.kind).toBe('ai');
    expect(s.variants).toEqual([
      { key: 'control', value: CONTROL, weightPercent: 75 },
      { key: 'treatment', value: TREATMENT, weightPercent: 25 },
    ]);
    expect(s.native).toMatchObject({
      siteUrl: 'https://app.eu.launchdarkly.com/default/production/features/ai-flag',
      rulesCount: 1,
      prerequisites: [{ key: 'other', variation: 1 }],
      offVariation: 0,
      environmentVersion: 7,
      flagVersion: 3,
      bucketing: {
        scheme: 'launchdarkly',
        flagKey: 'ai-flag',
        salt: 'abc123',
        seed: 61,
        bucketBy: 'tenantId',
        variations: [
          { variation: 0, weight: 75_000 },
          { variation: 1, weight: 25_000 },
        ],
        treatmentVariation: 1,
      },
    });
  });
});

describe('auditEntryEvents', () => {
  const entry = (before: LdFlag, after: LdFlag): LdAuditEntry => ({
    _id: 'e1',
    date: Date.UTC(2026, 10, 21),
    accesses: [{ action: 'updateFallthrough', resource: 'proj/default:env/production:flag/ai-flag' }],
    kind: 'flag',
    name: 'AI flag',
    description: '',
    shortDescription: '',
    member: { email: 'ops@example.com' },
    previousVersion: before,
    currentVersion: after,
  });

  it('diffs previousVersion → currentVersion per environment', () => {
    const before = flag();
    const after = flag({}, env({ on: false, fallthrough: { variation: 1 } }));
    expect(auditEntryEvents(entry(before, after), ['production', 'staging'])).toEqual([
      {
        id: 'e1/production',
        at: '2026-11-21T00:00:00.000Z',
        actor: 'ops@example.com',
        environment: 'production',
        key: 'ai-flag',
        type: 'updateFallthrough',
        changes: [
          { layer: 'enabled', before: true, after: false },
          { layer: 'rolloutPercent', before: 25, after: 100 },
        ],
      },
    ]);
  });

  it('no layer change, or no versions: no events', () => {
    expect(auditEntryEvents(entry(flag(), flag()), ['production'])).toEqual([]);
    expect(
      auditEntryEvents({ ...entry(flag(), flag()), previousVersion: undefined }, ['production']),
    ).toEqual([]);
  });
});
