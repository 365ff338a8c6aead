import { describe, expect, it } from 'vitest';
import { FlagStateSchema } from '../../../../shared/domain.ts';
import {
  environmentLayers,
  environmentVersion,
  findMainStrategy,
  flagKind,
  mapVariants,
  parseAiPayload,
  parseRollout,
  stableStringify,
  strategyChanges,
  toFlagState,
  toHistoryEvent,
} from './unleash-mapping.ts';
import type {
  UnleashFeature,
  UnleashFeatureEnvironment,
  UnleashStrategy,
  UnleashVariant,
} from './unleash-types.ts';

const treatment = (payload: object): UnleashVariant => ({
  name: 'treatment',
  weight: 1000,
  weightType: 'variable',
  stickiness: 'default',
  payload: { type: 'json', value: JSON.stringify(payload) },
});

const rollout = (over: Partial<UnleashStrategy> = {}): UnleashStrategy => ({
  id: 's-main',
  name: 'flexibleRollout',
  title: null,
  disabled: false,
  sortOrder: 0,
  constraints: [],
  parameters: { rollout: '25', stickiness: 'default', groupId: 'ai-summary' },
  segments: [],
  variants: [treatment({ modelVersion: 'v2.4', minConfidence: 0.8 })],
  ...over,
});

const allowList = (values: string[]): UnleashStrategy =>
  rollout({
    id: 's-allow',
    title: 'allow-list',
    sortOrder: 1,
    parameters: { rollout: '100', stickiness: 'default', groupId: 'ai-summary' },
    constraints: [{ contextName: 'userId', operator: 'IN', values }],
  });

const env = (strategies: UnleashStrategy[], enabled = true): UnleashFeatureEnvironment => ({
  name: 'production',
  enabled,
  type: 'production',
  strategies,
});

describe('parseRollout', () => {
  it('parses Unleash rollout strings', () => {
    expect(parseRollout('25')).toBe(25);
    expect(parseRollout('12.5')).toBe(12.5);
    expect(parseRollout('0')).toBe(0);
    expect(parseRollout(undefined)).toBeNull();
    expect(parseRollout('')).toBeNull();
    expect(parseRollout('abc')).toBeNull();
    expect(parseRollout('150')).toBeNull();
  });
});

describe('parseAiPayload', () => {
  it('reads modelVersion and minConfidence from a JSON payload', () => {
    expect(parseAiPayload(treatment({ modelVersion: 'v2.4', minConfidence: 0.8, extra: 1 }))).toMatchObject({
      modelVersion: 'v2.4',
      minConfidence: 0.8,
    });
  });
  it('ignores payloads that are not the AI convention', () => {
    expect(parseAiPayload({ name: 'a', payload: { type: 'string', value: 'x' } })).toBeNull();
    expect(parseAiPayload({ name: 'a', payload: { type: 'json', value: '{bad' } })).toBeNull();
    expect(parseAiPayload({ name: 'a', payload: { type: 'json', value: '{"color":"red"}' } })).toBeNull();
    expect(parseAiPayload({ name: 'a' })).toBeNull();
  });
  it('drops out-of-range confidence', () => {
    expect(parseAiPayload(treatment({ minConfidence: 3 }))?.minConfidence).toBeNull();
  });
});

describe('environmentLayers', () => {
  it('maps the main strategy, allow-list strategy and block constraint', () => {
    const main = rollout({
      constraints: [{ contextName: 'userId', operator: 'NOT_IN', values: ['bob', 'eve'] }],
    });
    expect(environmentLayers(env([main, allowList(['alice'])], false))).toEqual({
      enabled: false,
      rolloutPercent: 25,
      confidenceThreshold: 0.8,
      modelVersion: 'v2.4',
      allowList: ['alice'],
      blockList: ['bob', 'eve'],
    });
  });
  it('uses the first enabled flexibleRollout by sortOrder', () => {
    const a = rollout({ id: 'a', sortOrder: 2, parameters: { rollout: '10' } });
    const b = rollout({ id: 'b', sortOrder: 1, parameters: { rollout: '60' }, disabled: true });
    const c = rollout({ id: 'c', sortOrder: 3, parameters: { rollout: '90' } });
    const d: UnleashStrategy = { id: 'd', name: 'default', sortOrder: 0 };
    expect(findMainStrategy([a, b, c, d])?.id).toBe('a');
    expect(environmentLayers(env([a, b, c, d])).rolloutPercent).toBe(10);
  });
  it('gives nulls and empty lists without strategies', () => {
    expect(environmentLayers(env([]))).toEqual({
      enabled: true,
      rolloutPercent: null,
      confidenceThreshold: null,
      modelVersion: null,
      allowList: [],
      blockList: [],
    });
  });
});

describe('flagKind and mapVariants', () => {
  it('classifies ai, multivariate and boolean', () => {
    expect(flagKind(rollout())).toBe('ai');
    expect(
      flagKind(
        rollout({
          variants: [
            { name: 'a', weight: 500 },
            { name: 'b', weight: 500 },
          ],
        }),
      ),
    ).toBe('multivariate');
    expect(flagKind(rollout({ variants: [] }))).toBe('boolean');
    expect(flagKind(null)).toBe('boolean');
  });
  it('maps weights per mille to percent and parses payloads', () => {
    expect(
      mapVariants([
        treatment({ modelVersion: 'v1' }),
        { name: 'n', weight: 250, payload: { type: 'number', value: '3' } },
        { name: 'x' },
      ]),
    ).toEqual([
      { key: 'treatment', value: { modelVersion: 'v1' }, weightPercent: 100 },
      { key: 'n', value: 3, weightPercent: 25 },
      { key: 'x', weightPercent: null },
    ]);
  });
});

describe('toFlagState', () => {
  const feature: UnleashFeature = {
    name: 'ai-summary',
    type: 'release',
    description: null,
    project: 'default',
    environments: [env([rollout()])],
  };
  it('produces a schema-valid FlagState with native details', () => {
    const state = toFlagState('unleash-prod', 'default', feature, feature.environments[0]!);
    expect(FlagStateSchema.parse(state)).toBeTruthy();
    expect(state).toMatchObject({
      provider: 'unleash-prod',
      environment: 'production',
      key: 'ai-summary',
      kind: 'ai',
      description: '',
      updatedAt: null,
      native: {
        project: 'default',
        strategyId: 's-main',
        stickiness: 'default',
        groupId: 'ai-summary',
        featureType: 'release',
      },
    });
  });
});

describe('environmentVersion', () => {
  it('is stable under key order and changes with content', () => {
    const a = env([rollout()]);
    const reordered = env([
      { ...rollout(), parameters: { groupId: 'ai-summary', stickiness: 'default', rollout: '25' } },
    ]);
    expect(environmentVersion(a)).toBe(environmentVersion(reordered));
    expect(environmentVersion(a)).not.toBe(
      environmentVersion(env([rollout({ parameters: { rollout: '26' } })])),
    );
    expect(environmentVersion(a)).not.toBe(environmentVersion(env([rollout()], false)));
    expect(environmentVersion({ ...a, lastSeenAt: '2026-01-01T00:00:00Z' })).toBe(environmentVersion(a));
  });
  it('stableStringify sorts keys', () => {
    expect(stableStringify({ b: 1, a: [{ d: 1, c: 2 }] })).toBe('{"a":[{"c":2,"d":1}],"b":1}');
  });
});

describe('strategyChanges and toHistoryEvent', () => {
  it('diffs rollout and payload of an updated strategy', () => {
    const before = rollout();
    const after = rollout({
      parameters: { rollout: '50' },
      variants: [treatment({ modelVersion: 'v2.5', minConfidence: 0.8 })],
    });
    expect(strategyChanges(before, after)).toEqual([
      { layer: 'rolloutPercent', before: 25, after: 50 },
      { layer: 'modelVersion', before: 'v2.4', after: 'v2.5' },
    ]);
  });
  it('reports allow-list strategy add/remove as allowList changes', () => {
    expect(strategyChanges(null, allowList(['a']))).toEqual([
      { layer: 'allowList', before: [], after: ['a'] },
    ]);
    expect(strategyChanges(allowList(['a']), null)).toEqual([
      { layer: 'allowList', before: ['a'], after: [] },
    ]);
  });
  it('maps enable/disable, strategy updates, other events and env-less events', () => {
    const base = {
      createdAt: '2026-11-21T10:00:00.000Z',
      createdBy: 'ops',
      featureName: 'f',
      environment: 'production',
    };
    expect(toHistoryEvent({ ...base, id: 1, type: 'feature-environment-disabled' })).toEqual({
      id: '1',
      at: '2026-11-21T10:00:00.000Z',
      actor: 'ops',
      environment: 'production',
      key: 'f',
      type: 'feature-environment-disabled',
      changes: [{ layer: 'enabled', before: true, after: false }],
    });
    expect(toHistoryEvent({ ...base, id: 2, type: 'feature-environment-enabled' })?.changes).toEqual([
      { layer: 'enabled', before: false, after: true },
    ]);
    const upd = toHistoryEvent({
      ...base,
      id: 3,
      type: 'feature-strategy-update',
      preData: rollout(),
      data: rollout({ parameters: { rollout: '75' } }),
    });
    expect(upd?.changes).toEqual([{ layer: 'rolloutPercent', before: 25, after: 75 }]);
    expect(toHistoryEvent({ ...base, id: 4, type: 'strategy-order-changed' })?.changes).toEqual([]);
    expect(toHistoryEvent({ ...base, id: 5, type: 'feature-created', environment: null })).toBeNull();
  });
});
