import murmurhash3 from 'murmurhash3js-revisited';
import { describe, expect, it } from 'vitest';
import { NotStickyError, murmur3x86, stickinessValue, unleashBucket } from './unleash-bucket.ts';

describe('murmur3x86', () => {
  it('hashes the UTF-8 bytes, for non-ASCII and very long keys too', () => {
    const enc = new TextEncoder();
    for (const text of ['g:Hellø_Wørld', 'g:😊_φriend_你好_🌍', `g:${'é'.repeat(5000)}`, 'g:', 'gr1:123'])
      expect(murmur3x86(text)).toBe(murmurhash3.x86.hash32(enc.encode(text), 0));
    expect(murmur3x86('gr1:123')).toBe(538421172);
  });
});

describe('unleashBucket', () => {
  it('hashes numbers like the Node SDK interpolates them, and refuses other values', () => {
    expect(unleashBucket('Demo', 61)).toBe(unleashBucket('Demo', '61'));
    for (const bad of ['', null, undefined, true, { id: 1 }, Number.NaN])
      expect(() => unleashBucket('g', bad)).toThrow(NotStickyError);
  });
});

describe('stickinessValue', () => {
  it('default = userId, then sessionId; custom fields from properties; random has none', () => {
    expect(stickinessValue('default', { userId: 'u', sessionId: 's' })).toBe('u');
    expect(stickinessValue('default', { sessionId: 's' })).toBe('s');
    expect(stickinessValue('default', {})).toBeNull();
    expect(stickinessValue('customField', { properties: { customField: 'c' } })).toBe('c');
    expect(stickinessValue('random', { userId: 'u' })).toBeNull();
  });
});
