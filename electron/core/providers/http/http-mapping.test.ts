import { describe, expect, it } from 'vitest';
import { toFlagState, toHistoryEvent } from './http-mapping.ts';
import { WireFlagSchema } from './http-schemas.ts';
import type { WireFlag } from './http-schemas.ts';

const wire: WireFlag = {
  key: 'ai-churn-nudges',
  environment: 'production',
  name: 'AI churn nudges',
  layers: {
    enabled: true,
    rolloutPercent: 10,
    confidenceThreshold: 0.85,
    modelVersion: 'nudge-2025-10',
    allowList: [],
    blockList: ['acme'],
  },
  version: '3',
  updatedAt: '2026-03-01T10:00:00+02:00',
  bucketing: { scheme: 'unleash', groupId: 'ai-churn-nudges', stickiness: 'userId' },
  metadata: { owner: 'growth' },
};

describe('toFlagState', () => {
  it('maps the layers one to one and keeps a valid bucketing in native', () => {
    const s = toFlagState('flags', wire);
    expect(s).toEqual({
      provider: 'flags',
      environment: 'production',
      key: 'ai-churn-nudges',
      providerKind: 'http',
      name: 'AI churn nudges',
      description: '',
      kind: 'ai',
      layers: wire.layers,
      variants: [],
      version: '3',
      updatedAt: '2026-03-01T08:00:00.000Z',
      native: {
        metadata: { owner: 'growth' },
        bucketing: { scheme: 'unleash', groupId: 'ai-churn-nudges', stickiness: 'userId' },
      },
    });
  });

  it('kind defaults to boolean without model or threshold; an explicit kind wins', () => {
    const plain = { ...wire, layers: { ...wire.layers, modelVersion: null, confidenceThreshold: null } };
    expect(toFlagState('f', plain).kind).toBe('boolean');
    expect(toFlagState('f', { ...wire, kind: 'multivariate' }).kind).toBe('multivariate');
  });

  it('an unknown or malformed bucketing is left out, with the reason in native', () => {
    const s = toFlagState('f', { ...wire, bucketing: { scheme: 'murmur-v9', groupId: 'x' } });
    expect(s.native.bucketing).toBeUndefined();
    expect(s.native.bucketingProblem).toMatch(/^bucketing ignored: /);
    expect(toFlagState('f', { ...wire, bucketing: null }).native).toEqual({ metadata: { owner: 'growth' } });
  });

  it('the wire schema names the bad field of a flag that breaks the API', () => {
    const r = WireFlagSchema.safeParse({ ...wire, layers: { ...wire.layers, rolloutPercent: 101 } });
    expect(r.success).toBe(false);
    expect(r.error?.issues[0]?.path).toEqual(['layers', 'rolloutPercent']);
  });
});

describe('toHistoryEvent', () => {
  it('maps an event and drops changes on layers the control room does not know', () => {
    expect(
      toHistoryEvent({
        id: 'evt-9',
        cursor: '9',
        at: '2026-03-01T10:00:00Z',
        actor: 'ann',
        environment: 'production',
        key: 'k',
        type: 'flag-changed',
        reason: 'ramp',
        version: '4',
        changes: [
          { layer: 'rolloutPercent', before: 10, after: 25 },
          { layer: 'colour', before: 'red', after: 'blue' },
        ],
      }),
    ).toEqual({
      id: 'evt-9',
      at: '2026-03-01T10:00:00.000Z',
      actor: 'ann',
      environment: 'production',
      key: 'k',
      type: 'flag-changed',
      changes: [{ layer: 'rolloutPercent', before: 10, after: 25 }],
    });
  });
});
