import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { KeySet, fnv1a32 } from './key-set.ts';

describe('KeySet', () => {
  it('finds exactly the repeats a Set<string> finds', () => {
    fc.assert(
      fc.property(fc.array(fc.string({ maxLength: 6 }), { maxLength: 300 }), (keys) => {
        const set = new KeySet(keys);
        const seen = new Set<string>();
        keys.forEach((k, i) => {
          expect(set.add(i)).toBe(!seen.has(k));
          seen.add(k);
        });
        expect(set.size).toBe(seen.size);
      }),
    );
  });

  it('keeps distinct keys on shared probe chains apart and finds every repeat', () => {
    // 10,000 entries in 32,768 slots: many keys share low hash bits and probe past each other.
    const keys = Array.from({ length: 5000 }, (_, i) => `k${i}`);
    const set = new KeySet([...keys, ...keys]);
    for (let i = 0; i < keys.length; i++) expect(set.add(i)).toBe(true);
    for (let i = 0; i < keys.length; i++) expect(set.add(keys.length + i)).toBe(false);
    expect(set.size).toBe(5000);
  });

  it('hashes like the FNV-1a reference', () => {
    // Reference values of 32-bit FNV-1a (http://www.isthe.com/chongo/tech/comp/fnv/): "" and "a".
    expect(fnv1a32('')).toBe(0x811c9dc5);
    expect(fnv1a32('a')).toBe(0xe40c292c);
  });
});
