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

  it('round-trips the threshold simulator of a flag', () => {
    const view = {
      name: 'simulator' as const,
      ref: { provider: 'local', environment: 'production', key: 'search/ai' },
    };
    expect(viewToHash(view)).toBe('#/flag/local/production/search%2Fai/simulator');
    expect(hashToView(viewToHash(view))).toEqual(view);
    expect(hashToView('#/flag/local/production/search-ai/other')).toEqual({ name: 'fleet' });
  });

  it('round-trips the cohort comparison of a flag', () => {
    const view = {
      name: 'compare' as const,
      ref: { provider: 'local', environment: 'production', key: 'search-ai' },
    };
    expect(viewToHash(view)).toBe('#/flag/local/production/search-ai/compare');
    expect(hashToView(viewToHash(view))).toEqual(view);
  });
});
