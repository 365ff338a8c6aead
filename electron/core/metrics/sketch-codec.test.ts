import { describe, expect, it } from 'vitest';
import { decodeSketch, encodeSketch, mergeSketch, newSketch } from './sketch-codec.ts';

const QS = [0, 0.01, 0.25, 0.5, 0.9, 0.95, 0.99, 1];

function sketchOf(values: number[]): ReturnType<typeof newSketch> {
  const s = newSketch();
  for (const v of values) s.accept(v);
  return s;
}

describe('sketch codec', () => {
  it('round-trips positive, zero and negative values exactly (same quantiles and count)', () => {
    const values = [-250, -3.5, -3.5, 0, 0, 0.001, 1, 2, 2, 17.25, 1e6];
    const s = sketchOf(values);
    const back = decodeSketch(encodeSketch(s));
    expect(back?.count).toBe(values.length);
    expect(back?.zeroCount).toBe(2);
    for (const q of QS) expect(back?.getValueAtQuantile(q)).toBe(s.getValueAtQuantile(q));
  });

  it('encodes an empty sketch as null and reads null as no sketch', () => {
    expect(encodeSketch(newSketch())).toBeNull();
    expect(encodeSketch(null)).toBeNull();
    expect(decodeSketch(null)).toBeNull();
  });

  it('still reads the protobuf blobs of earlier builds', () => {
    const s = sketchOf([1, 5, 9, 120, 4000]);
    const legacy = decodeSketch(s.toProto());
    for (const q of QS) expect(legacy?.getValueAtQuantile(q)).toBeCloseTo(s.getValueAtQuantile(q), 9);
  });

  it('refuses truncated blobs and blobs of another accuracy', () => {
    const blob = encodeSketch(sketchOf([1, 2, 3])) as Buffer;
    expect(() => decodeSketch(blob.subarray(0, blob.length - 4))).toThrow('truncated');
    const other = Buffer.from(blob);
    other.writeDoubleLE(1.05, 8);
    expect(() => decodeSketch(other)).toThrow('relative accuracy');
  });

  it('merges negative values too (the library merge alone drops them)', () => {
    const a = sketchOf([5, 6, 7]);
    const b = sketchOf([-10, -20, 8]);
    mergeSketch(a, b);
    const all = sketchOf([5, 6, 7, -10, -20, 8]);
    expect(a.count).toBe(6);
    for (const q of QS) expect(a.getValueAtQuantile(q)).toBe(all.getValueAtQuantile(q));
  });
});

describe('0/1-only rollups', () => {
  it('keep no sketch until another value arrives, then hold the zeros and ones seen so far', async () => {
    const { addValue, emptyRollup, mergeInto, sketchOf } = await import('./rollup.ts');
    const r = emptyRollup();
    for (const v of [0, 1, 1, 0, 1]) addValue(r, v);
    expect(r.sketch).toBeNull();
    expect(sketchOf(r)?.count).toBe(5);
    expect(sketchOf(r)?.getValueAtQuantile(0.5)).toBeCloseTo(1, 1);
    addValue(r, 250);
    expect(r.sketch?.count).toBe(6);
    expect(r.sketch?.zeroCount).toBe(2);
    const binary = emptyRollup();
    for (const v of [1, 1, 1]) addValue(binary, v);
    mergeInto(r, binary);
    expect(r.sketch?.count).toBe(9);
    expect(r.sketch?.getValueAtQuantile(1)).toBeCloseTo(250, -1);
    const both = emptyRollup();
    mergeInto(both, binary);
    mergeInto(both, binary);
    expect([both.sketch, both.count, both.sum]).toEqual([null, 6, 6]);
  });
});
