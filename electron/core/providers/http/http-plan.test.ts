import { describe, expect, it } from 'vitest';
import type { FlagState } from '../../../../shared/domain.ts';
import { apiActor, changesPath, isHttpPlannedRequest, planHttpChange } from './http-plan.ts';

const flag: FlagState = {
  provider: 'flags',
  environment: 'production',
  key: 'ai/search rerank',
  providerKind: 'http',
  name: 'AI search',
  description: '',
  kind: 'ai',
  layers: {
    enabled: true,
    rolloutPercent: 30,
    confidenceThreshold: 0.7,
    modelVersion: 'rerank-v3',
    allowList: ['qa'],
    blockList: [],
  },
  variants: [],
  version: '7',
  updatedAt: '2026-01-02T03:04:05.000Z',
  native: {},
};

describe('planHttpChange', () => {
  it('a kill is one POST with the idempotency key and no expected version (never blocked)', () => {
    const plan = planHttpChange(flag, { enabled: false }, 'incident 42', 'ann', 'key-1');
    expect(plan.request).toEqual({
      method: 'POST',
      url: '/v1/environments/production/flags/ai%2Fsearch%20rerank/changes',
      headers: { 'Idempotency-Key': 'key-1' },
      body: { set: { enabled: false }, expectedVersion: null, reason: 'incident 42', actor: 'ann' },
    });
    expect(plan.expectedVersion).toBeNull();
    expect(plan.description[0]).toBe('Turn off (kill switch) "ai/search rerank" in production');
    expect(plan.description[1]).toMatch(/whatever the flag's version/);
  });

  it('layer changes carry the version they were planned on, and describe each layer', () => {
    const plan = planHttpChange(
      flag,
      {
        rolloutPercent: 50,
        confidenceThreshold: 0.8,
        modelVersion: 'rerank-v4',
        blockList: ['bad'],
        allowList: ['qa'],
      },
      'ramp',
      'ann',
      'key-2',
    );
    expect(plan.expectedVersion).toBe('7');
    expect(plan.request.body).toEqual({
      set: {
        rolloutPercent: 50,
        confidenceThreshold: 0.8,
        modelVersion: 'rerank-v4',
        blockList: ['bad'],
        allowList: ['qa'],
      },
      expectedVersion: '7',
      reason: 'ramp',
      actor: 'ann',
    });
    expect(plan.description).toEqual([
      'Set rollout of "ai/search rerank" in production: 30% → 50%',
      'Set confidence threshold of "ai/search rerank" in production: 0.7 → 0.8',
      'Set model version of "ai/search rerank" in production: rerank-v3 → rerank-v4',
      'Set allow list of "ai/search rerank" in production: [qa] → [qa] (already so)',
      'Set block list of "ai/search rerank" in production: [] → [bad]',
      'One POST /v1/environments/production/flags/ai%2Fsearch%20rerank/changes, applied only if the flag is still at version 7',
    ]);
  });

  it('turning on together with a rollout change is version-checked', () => {
    expect(planHttpChange(flag, { enabled: true, rolloutPercent: 5 }, 'r', 'a', 'k').expectedVersion).toBe(
      '7',
    );
  });

  it('is pure: same inputs, same plan; the key is whatever the caller passes', () => {
    const a = planHttpChange(flag, { rolloutPercent: 40 }, 'r', 'a', 'k');
    expect(planHttpChange(flag, { rolloutPercent: 40 }, 'r', 'a', 'k')).toEqual(a);
    expect(flag.layers.rolloutPercent).toBe(30);
  });

  it('apiActor keeps the API limits', () => {
    expect(apiActor('  ')).toBe('rollout-control-room');
    expect(apiActor('x'.repeat(300))).toHaveLength(256);
  });

  it('isHttpPlannedRequest tells its own plans from others', () => {
    const { request } = planHttpChange(flag, { enabled: false }, 'r', 'a', 'k');
    expect(isHttpPlannedRequest(request)).toBe(true);
    expect(isHttpPlannedRequest({ method: 'POST', url: changesPath('p', 'k'), body: { set: {} } })).toBe(
      false,
    );
    expect(isHttpPlannedRequest({ method: 'POST', url: '/api/admin/x/off' })).toBe(false);
  });
});
