import { describe, expect, it } from 'vitest';
import { hashToView, viewToHash } from '../../app/router.ts';

describe('rollout, incident and decision-log routes', () => {
  const ref = { provider: 'local', environment: 'production', key: 'ai/answer' };

  it('round-trips the staged rollout of a flag', () => {
    const view = { name: 'rollout' as const, ref };
    expect(viewToHash(view)).toBe('#/flag/local/production/ai%2Fanswer/rollout');
    expect(hashToView(viewToHash(view))).toEqual(view);
  });

  it('round-trips incident mode and the decision log (all flags or one)', () => {
    expect(viewToHash({ name: 'incidents' })).toBe('#/incidents');
    expect(hashToView('#/incidents')).toEqual({ name: 'incidents' });
    expect(hashToView('#/decisions')).toEqual({ name: 'decisions', ref: null });
    const one = { name: 'decisions' as const, ref };
    expect(viewToHash(one)).toBe('#/decisions/local/production/ai%2Fanswer');
    expect(hashToView(viewToHash(one))).toEqual(one);
    expect(hashToView('#/decisions/%E0%A4%A/x/y')).toEqual({ name: 'decisions', ref: null });
  });
});
