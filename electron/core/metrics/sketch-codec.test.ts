import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import {
  decodeSketch,
  encodeSketch,
  mergeEncodedSketches,
  mergeSketch,
  newSketch,
  subtractSketch,
} from './sketch-codec.ts';

const QS = [0, 0.01, 0.25, 0.5, 0.9, 0.95, 0.99, 1];

function sketchOf(values: number[]): ReturnType<typeof newSketch> {
  const s = newSketch();
  for (const v of values) s.accept(v);
  return s;
}

/** Values with ones, zeros, negatives and magnitudes from 1e-6 to 1e4 (keys far apart). */
const values = fc.array(
  fc.oneof(
    fc.constant(0),
    fc.constant(1),
    fc.double({ min: -1e4, max: 1e4, noNaN: true }).filter((v) => v === 0 || Math.abs(v) > 1e-6),
  ),
  { maxLength: 60 },
);

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

  it('grows the range when the merged sketch reaches key 0 (values in [1, 1.02); the library merge does not)', () => {
    // A decoded sketch's bins span exactly its keys (no spare capacity for the count to land in).
    const stored = (): ReturnType<typeof newSketch> => decodeSketch(encodeSketch(sketchOf([0.5, 0.5])))!;
    const a = stored();
    mergeSketch(a, sketchOf([0.5, 1]));
    expect(a.count).toBe(4);
    expect(a.getValueAtQuantile(1)).toBeCloseTo(1, 1);
    expect(a.getValueAtQuantile(0)).toBeCloseTo(0.5, 2);
    const library = stored();
    library.merge(sketchOf([0.5, 1]));
    expect(library.getValueAtQuantile(1)).toBeCloseTo(0.5, 1); // sketches-js 2.1.1: the 1 is lost
  });

  it('merges like accepting every value of both, for any values', () => {
    fc.assert(
      fc.property(values, values, (xs, ys) => {
        const a = sketchOf(xs);
        mergeSketch(a, sketchOf(ys));
        expect(encodeSketch(a)).toEqual(encodeSketch(sketchOf([...xs, ...ys])));
      }),
      { numRuns: 300 },
    );
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

describe('merging encoded sketches', () => {
  it('gives the bytes of decode → merge → encode, for any two sketches (positive, zero, negative values)', () => {
    fc.assert(
      fc.property(values, values, (xs, ys) => {
        const a = encodeSketch(sketchOf(xs));
        const b = encodeSketch(sketchOf(ys));
        const into = decodeSketch(a) ?? newSketch();
        const from = decodeSketch(b);
        if (from) mergeSketch(into, from);
        const expected = encodeSketch(into);
        const got = mergeEncodedSketches(a, b);
        expect(got === null ? null : Buffer.from(got)).toEqual(expected);
      }),
      { numRuns: 300 },
    );
  });

  it('returns the other blob for an empty side and merges protobuf blobs of earlier builds by decoding', () => {
    const blob = encodeSketch(sketchOf([3, 4])) as Buffer;
    expect(mergeEncodedSketches(null, blob)).toBe(blob);
    expect(mergeEncodedSketches(blob, null)).toBe(blob);
    expect(mergeEncodedSketches(null, null)).toBeNull();
    const legacy = sketchOf([100, 200]).toProto();
    const merged = decodeSketch(mergeEncodedSketches(blob, legacy));
    const all = sketchOf([3, 4, 100, 200]);
    expect(merged?.count).toBe(4);
    for (const q of QS) expect(merged?.getValueAtQuantile(q)).toBeCloseTo(all.getValueAtQuantile(q), 9);
  });

  it('refuses a truncated blob', () => {
    const blob = encodeSketch(sketchOf([1, 2, 3])) as Buffer;
    expect(() => mergeEncodedSketches(blob, blob.subarray(0, blob.length - 8))).toThrow('truncated');
  });

  it('adds stored columns like merging their rollups, 0/1-only rows included', async () => {
    const { addColumns, addValue, columnsOf, emptyRollup, mergeInto } = await import('./rollup.ts');
    fc.assert(
      fc.property(values, values, (xs, ys) => {
        const a = emptyRollup();
        const b = emptyRollup();
        for (const v of xs) addValue(a, v);
        for (const v of ys) addValue(b, v);
        const got = addColumns(columnsOf(a), columnsOf(b));
        mergeInto(a, b);
        const want = columnsOf(a);
        expect({ ...got, sketch: got.sketch && Buffer.from(got.sketch) }).toEqual(want);
      }),
      { numRuns: 300 },
    );
  });
});

describe('taking a merged sketch out again (a replaced import)', () => {
  it('subtracting b from a merged with b gives the sketch of a (same bins, counts and quantiles), for any values', () => {
    fc.assert(
      fc.property(values, values, (a, b) => {
        const merged = sketchOf(a);
        mergeSketch(merged, sketchOf(b));
        subtractSketch(merged, sketchOf(b));
        expect(encodeSketch(merged)).toEqual(encodeSketch(sketchOf(a)));
        expect(merged.count).toBe(a.length);
      }),
      { numRuns: 200 },
    );
  });

  it('subtracts rollups and stored columns, 0/1-only ones included, down to an empty rollup', async () => {
    const { addValue, columnsOf, emptyRollup, mergeInto, subtractColumns, subtractInto } =
      await import('./rollup.ts');
    const rollup = (vs: number[]) => {
      const r = emptyRollup();
      for (const v of vs) addValue(r, v);
      return r;
    };
    for (const [a, b] of [
      [
        [0, 1, 1],
        [1, 0],
      ],
      [
        [3.5, 0, 1],
        [1, 1],
      ],
      [
        [0, 1],
        [2.5, 7],
      ],
    ] as const) {
      const m = rollup([...a]);
      mergeInto(m, rollup([...b]));
      subtractInto(m, rollup([...b]));
      const want = rollup([...a]);
      expect({ ...m, sketch: null }).toEqual({ ...want, sketch: null });
      expect(m.sketch?.count ?? want.count).toBe(a.length);
      const cols = columnsOf(rollup([...a, ...b]));
      expect(subtractColumns(cols, columnsOf(rollup([...b]))).count).toBe(a.length);
    }
    const all = rollup([2, 3]);
    subtractInto(all, rollup([2, 3]));
    expect(all).toEqual(emptyRollup());
  });
});
