import { describe, expect, it } from 'vitest';
import { hashToView, viewToHash } from './router.ts';

describe('hash routes', () => {
  it('round-trips flag refs with odd characters', () => {
    const view = {
      name: 'flag' as const,
      ref: { provider: 'unleash prod', environment: 'eu/1', key: 'a#b' },
    };
    expect(hashToView(viewToHash(view))).toEqual(view);
    expect(viewToHash({ name: 'fleet' })).toBe('#/');
    expect(hashToView('')).toEqual({ name: 'fleet' });
    expect(hashToView('#/flag/%E0%A4%A/x/y')).toEqual({ name: 'fleet' });
  });
});
