import { describe, expect, it } from 'vitest';
import { UnsupportedChangeError } from '../provider.ts';
import { toFlagState } from './unleash-mapping.ts';
import { planUnleashChange, withTreatmentPayload } from './unleash-plan.ts';
import type { UnleashStrategy } from './unleash-types.ts';

const BASE = '/api/admin/projects/default/features/ai-summary/environments/production';

const main: UnleashStrategy = {
  id: 's-main',
  name: 'flexibleRollout',
  title: null,
  disabled: false,
  sortOrder: 0,
  constraints: [{ contextName: 'country', operator: 'IN', values: ['NO'] }],
  parameters: { rollout: '25', stickiness: 'userId', groupId: 'ai-summary' },
  segments: [7],
  variants: [
    {
      name: 'treatment',
      weight: 1000,
      weightType: 'variable',
      stickiness: 'userId',
      payload: { type: 'json', value: '{"modelVersion":"v2.4","minConfidence":0.8,"prompt":"p1"}' },
    },
  ],
};

const stateWith = (strategies: UnleashStrategy[], enabled = true) =>
  toFlagState(
    'u',
    'default',
    { name: 'ai-summary', environments: [] },
    { name: 'production', enabled, strategies },
  );

describe('planUnleashChange', () => {
  it('kill: a single POST …/off', () => {
    const plan = planUnleashChange(stateWith([main]), { enabled: false }, 'default');
    expect(plan.requests).toEqual([{ method: 'POST', url: `${BASE}/off` }]);
    expect(plan.description[0]).toMatch(/off/);
  });

  it('rollout: PUT the full strategy with the new rollout string', () => {
    const plan = planUnleashChange(stateWith([main]), { rolloutPercent: 50 }, 'default');
    expect(plan.requests).toEqual([
      {
        method: 'PUT',
        url: `${BASE}/strategies/s-main`,
        body: {
          name: 'flexibleRollout',
          title: null,
          disabled: false,
          sortOrder: 0,
          constraints: main.constraints,
          parameters: { rollout: '50', stickiness: 'userId', groupId: 'ai-summary' },
          segments: [7],
          variants: main.variants,
        },
      },
    ]);
  });

  it('model/threshold: rewrites the treatment payload, keeping other keys', () => {
    const plan = planUnleashChange(
      stateWith([main]),
      { modelVersion: 'v2.5', confidenceThreshold: 0.9 },
      'default',
    );
    const body = plan.requests[0]!.body as UnleashStrategy;
    expect(JSON.parse(body.variants![0]!.payload!.value)).toEqual({
      modelVersion: 'v2.5',
      minConfidence: 0.9,
      prompt: 'p1',
    });
    expect(body.parameters!.rollout).toBe('25');
  });

  it('combines layers into one PUT, off first and on last', () => {
    const off = planUnleashChange(stateWith([main]), { enabled: false, rolloutPercent: 10 }, 'default');
    expect(off.requests.map((r) => `${r.method} ${r.url.replace(BASE, '')}`)).toEqual([
      'POST /off',
      'PUT /strategies/s-main',
    ]);
    const on = planUnleashChange(stateWith([main], false), { enabled: true, rolloutPercent: 10 }, 'default');
    expect(on.requests.map((r) => `${r.method} ${r.url.replace(BASE, '')}`)).toEqual([
      'PUT /strategies/s-main',
      'POST /on',
    ]);
  });

  it('skips layers already at the requested value', () => {
    const plan = planUnleashChange(
      stateWith([main]),
      { rolloutPercent: 25, modelVersion: 'v2.4' },
      'default',
    );
    expect(plan.requests).toEqual([]);
    expect(plan.description[0]).toMatch(/No change/);
  });

  it('block list: replaces the userId NOT_IN constraint, keeps others', () => {
    const plan = planUnleashChange(stateWith([main]), { blockList: ['bob'] }, 'default');
    expect((plan.requests[0]!.body as UnleashStrategy).constraints).toEqual([
      { contextName: 'country', operator: 'IN', values: ['NO'] },
      { contextName: 'userId', operator: 'NOT_IN', values: ['bob'], caseInsensitive: false, inverted: false },
    ]);
  });

  it('allow list: POSTs an allow-list strategy at 100% with the main variants, then DELETEs it when cleared', () => {
    const plan = planUnleashChange(stateWith([main]), { allowList: ['alice'] }, 'default');
    expect(plan.requests).toEqual([
      {
        method: 'POST',
        url: `${BASE}/strategies`,
        body: {
          name: 'flexibleRollout',
          title: 'allow-list',
          disabled: false,
          constraints: [
            {
              contextName: 'userId',
              operator: 'IN',
              values: ['alice'],
              caseInsensitive: false,
              inverted: false,
            },
          ],
          parameters: { rollout: '100', stickiness: 'userId', groupId: 'ai-summary' },
          variants: main.variants,
        },
      },
    ]);
    const allow: UnleashStrategy = {
      ...(plan.requests[0]!.body as UnleashStrategy),
      id: 's-allow',
      sortOrder: 1,
    };
    const withAllow = stateWith([main, allow]);
    expect(withAllow.layers.allowList).toEqual(['alice']);
    expect(planUnleashChange(withAllow, { allowList: [] }, 'default').requests).toEqual([
      { method: 'DELETE', url: `${BASE}/strategies/s-allow` },
    ]);
    // A model change keeps the allow-list strategy's payload in step.
    const mv = planUnleashChange(withAllow, { modelVersion: 'v3' }, 'default');
    expect(mv.requests.map((r) => r.url.replace(BASE, ''))).toEqual([
      '/strategies/s-main',
      '/strategies/s-allow',
    ]);
  });

  it('throws UnsupportedChangeError without a flexibleRollout strategy', () => {
    const state = stateWith([{ id: 'd', name: 'default', parameters: {} }]);
    expect(() => planUnleashChange(state, { rolloutPercent: 10 }, 'default')).toThrow(UnsupportedChangeError);
    expect(() => planUnleashChange(state, { modelVersion: 'v1' }, 'default')).toThrow(UnsupportedChangeError);
    // The kill switch still works.
    expect(planUnleashChange(state, { enabled: false }, 'default').requests).toHaveLength(1);
  });

  it('throws UnsupportedChangeError when the state has no native strategies', () => {
    const state = { ...stateWith([main]), native: {} };
    expect(() => planUnleashChange(state, { rolloutPercent: 10 }, 'default')).toThrow(UnsupportedChangeError);
    expect(planUnleashChange(state, { enabled: false }, 'default').requests).toHaveLength(1);
  });
});

describe('withTreatmentPayload', () => {
  it('adds a treatment variant to a strategy without variants', () => {
    expect(withTreatmentPayload([], { modelVersion: 'v1' }, 'default', 'x')).toEqual([
      {
        name: 'treatment',
        weight: 1000,
        weightType: 'variable',
        stickiness: 'default',
        payload: { type: 'json', value: '{"modelVersion":"v1"}' },
      },
    ]);
  });
  it('refuses to guess among non-AI variants', () => {
    expect(() =>
      withTreatmentPayload([{ name: 'a' }, { name: 'b' }], { modelVersion: 'v1' }, 'default', 'x'),
    ).toThrow(UnsupportedChangeError);
  });
});
