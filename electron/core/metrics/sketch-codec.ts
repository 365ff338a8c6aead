/**
 * Compact binary encoding of the DDSketches stored in rollup rows.
 *
 * Why not the library's protobuf (`DDSketch.toProto` / `fromProto`)? Measured on
 * this machine (bench/README.md, "sketch codec"): protobuf costs ~35 µs to encode
 * and ~28 µs to decode a per-minute sketch, because it goes through protobufjs and
 * writes the store's padding bins; a comparison over 30 days merges tens of
 * thousands of them. This format holds exactly what the sketch's dense stores
 * hold — the bin counts between each store's lowest and highest key — and decodes
 * into the library's own `DDSketch` without re-adding bin by bin.
 *
 * Layout (little-endian, every f64 at a multiple of 8): byte 0 = 0xD5 (magic),
 * byte 1 = 1 (version), 6 bytes zero, f64 gamma of the log mapping (must equal
 * the one of {@link newSketch}), f64 zero count, then the positive store and the
 * negative store, each as i32 lowest key, u32 bin count k, k × f64 counts.
 * Blobs written by earlier builds (protobuf, first byte 0x0A) are still read.
 */
import { DDSketch } from '@datadog/sketches-js';

/** The sketch type rollups use. */
export type Sketch = DDSketch;

const MAGIC = 0xd5;
const VERSION = 1;
const HEADER = 8 + 8 + 8;
const LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

/** Relative accuracy of every sketch (all sketches must share it to be mergeable). */
export const SKETCH_RELATIVE_ACCURACY = 0.01;

/** A new empty DDSketch at {@link SKETCH_RELATIVE_ACCURACY}. */
export const newSketch = (): DDSketch => new DDSketch({ relativeAccuracy: SKETCH_RELATIVE_ACCURACY });

const GAMMA = newSketch().mapping.gamma;

type Store = DDSketch['store'];

const storeBins = (s: Store): number => (s.count > 0 ? s.maxKey - s.minKey + 1 : 0);

/** Encodes a non-empty sketch; `null` for an empty or absent one. */
export function encodeSketch(s: DDSketch | null): Buffer | null {
  if (!s || s.count <= 0) return null;
  const pos = storeBins(s.store);
  const neg = storeBins(s.negativeStore);
  const bytes = new ArrayBuffer(HEADER + 8 + pos * 8 + 8 + neg * 8);
  const view = new DataView(bytes);
  view.setUint8(0, MAGIC);
  view.setUint8(1, VERSION);
  view.setFloat64(8, s.mapping.gamma, true);
  view.setFloat64(16, s.zeroCount, true);
  let at = HEADER;
  for (const [store, k] of [
    [s.store, pos],
    [s.negativeStore, neg],
  ] as const) {
    view.setInt32(at, k > 0 ? store.minKey : 0, true);
    view.setUint32(at + 4, k, true);
    at += 8;
    const from = store.minKey - store.offset;
    if (LITTLE_ENDIAN && k > 0) new Float64Array(bytes, at, k).set(store.bins.slice(from, from + k));
    else for (let i = 0; i < k; i++) view.setFloat64(at + i * 8, store.bins[from + i] ?? 0, true);
    at += k * 8;
  }
  return Buffer.from(bytes);
}

/** One store of a blob: its lowest key, bin count and where its counts start. */
interface BlobStore {
  minKey: number;
  k: number;
  at: number;
}

/**
 * The zero count and stores of a current-version blob.
 * @throws RangeError when the blob is truncated, of another version or of another relative accuracy.
 */
function blobParts(buf: Uint8Array): { view: DataView; zero: number; pos: BlobStore; neg: BlobStore } {
  if (buf[1] !== VERSION || buf.length < HEADER)
    throw new RangeError(`unknown sketch blob version ${buf[1]}`);
  const view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  if (view.getFloat64(8, true) !== GAMMA)
    throw new RangeError('sketch blob was written with another relative accuracy');
  const store = (at: number): BlobStore => {
    if (at + 8 > buf.length) throw new RangeError('sketch blob is truncated');
    const k = view.getUint32(at + 4, true);
    if (at + 8 + k * 8 > buf.length) throw new RangeError('sketch blob is truncated');
    return { minKey: view.getInt32(at, true), k, at: at + 8 };
  };
  const pos = store(HEADER);
  return { view, zero: view.getFloat64(16, true), pos, neg: store(pos.at + pos.k * 8) };
}

/** Fills a dense store with the counts of one store of a blob. */
function readStore(view: DataView, b: BlobStore, into: Store): void {
  if (b.k === 0) return;
  const bins = new Array<number>(b.k);
  let count = 0;
  for (let i = 0; i < b.k; i++) {
    const c = view.getFloat64(b.at + i * 8, true);
    bins[i] = c;
    count += c;
  }
  into.bins = bins;
  into.offset = b.minKey;
  into.minKey = b.minKey;
  into.maxKey = b.minKey + b.k - 1;
  into.count = count;
}

/**
 * Decodes a blob written by {@link encodeSketch} (or a legacy protobuf blob); `null` for no blob.
 * @throws RangeError when the blob is truncated or was written with another relative accuracy.
 */
export function decodeSketch(buf: Uint8Array | null): DDSketch | null {
  if (!buf || buf.length === 0) return null;
  if (buf[0] !== MAGIC) return DDSketch.fromProto(buf) as DDSketch;
  const parts = blobParts(buf);
  const s = newSketch();
  s.zeroCount = parts.zero;
  readStore(parts.view, parts.pos, s.store);
  readStore(parts.view, parts.neg, s.negativeStore);
  s.count = s.store.count + s.negativeStore.count + s.zeroCount;
  return s;
}

/**
 * Merges two encoded sketches into a new blob without decoding them: the same bytes as
 * `encodeSketch` of the decoded sketches merged by {@link mergeSketch} (bin counts added key by
 * key, zero counts added), at one allocation instead of two sketches and their stores. `null`
 * stands for an empty sketch; the result is `null` only when both are, and is the other input
 * itself (not a copy) when one is empty — blobs are never written to. Blobs of earlier builds
 * (protobuf) are merged by decoding.
 * @throws RangeError as {@link decodeSketch} for a truncated blob or one of another accuracy.
 */
export function mergeEncodedSketches(a: Uint8Array | null, b: Uint8Array | null): Uint8Array | null {
  if (!a?.length) return b?.length ? b : null;
  if (!b?.length) return a;
  if (a[0] !== MAGIC || b[0] !== MAGIC) {
    const into = decodeSketch(a) as DDSketch;
    mergeSketch(into, decodeSketch(b) as DDSketch);
    return encodeSketch(into);
  }
  const x = blobParts(a);
  const y = blobParts(b);
  const span = (s: BlobStore, t: BlobStore): { lo: number; k: number } => {
    if (s.k === 0 || t.k === 0) return { lo: s.k ? s.minKey : t.minKey, k: s.k || t.k };
    const lo = Math.min(s.minKey, t.minKey);
    return { lo, k: Math.max(s.minKey + s.k, t.minKey + t.k) - lo };
  };
  const pos = span(x.pos, y.pos);
  const neg = span(x.neg, y.neg);
  const bytes = new ArrayBuffer(HEADER + 8 + pos.k * 8 + 8 + neg.k * 8);
  const view = new DataView(bytes);
  view.setUint8(0, MAGIC);
  view.setUint8(1, VERSION);
  view.setFloat64(8, GAMMA, true);
  view.setFloat64(16, x.zero + y.zero, true);
  let at = HEADER;
  for (const [out, s, t] of [
    [pos, x.pos, y.pos],
    [neg, x.neg, y.neg],
  ] as const) {
    view.setInt32(at, out.k > 0 ? out.lo : 0, true);
    view.setUint32(at + 4, out.k, true);
    at += 8;
    const bins = new Float64Array(bytes, at, out.k);
    for (let i = 0; i < s.k; i++) bins[s.minKey - out.lo + i] = x.view.getFloat64(s.at + i * 8, true);
    for (let i = 0, j = t.minKey - out.lo; i < t.k; i++, j++)
      bins[j] = (bins[j] as number) + y.view.getFloat64(t.at + i * 8, true);
    if (!LITTLE_ENDIAN) for (let i = 0; i < out.k; i++) view.setFloat64(at + i * 8, bins[i] as number, true);
    at += out.k * 8;
  }
  return Buffer.from(bytes);
}

/** Adds the bins of `from` into `into` (dense stores; `into`'s bins re-laid when they must grow). */
function mergeStore(into: Store, from: Store): void {
  if (from.count <= 0) return;
  const lo = into.count > 0 ? Math.min(into.minKey, from.minKey) : from.minKey;
  const hi = into.count > 0 ? Math.max(into.maxKey, from.maxKey) : from.maxKey;
  if (into.count <= 0 || lo < into.offset || hi >= into.offset + into.bins.length) {
    const bins = new Array<number>(hi - lo + 1).fill(0);
    if (into.count > 0)
      for (let key = into.minKey; key <= into.maxKey; key++)
        bins[key - lo] = into.bins[key - into.offset] ?? 0;
    into.bins = bins;
    into.offset = lo;
  }
  for (let key = from.minKey; key <= from.maxKey; key++)
    into.bins[key - into.offset] = (into.bins[key - into.offset] ?? 0) + (from.bins[key - from.offset] ?? 0);
  into.minKey = lo;
  into.maxKey = hi;
  into.count += from.count;
}

/**
 * Merges `from` into `into` (both with the shared accuracy): bin counts added key by key in both
 * stores, zero counts and totals added. Done here rather than by the library's `merge`, which in
 * sketches-js 2.1.1 (`BaseDDSketch.merge`, `DenseStore.merge`) skips the negative store when
 * `into` is not empty, and does not grow `into`'s range when `from`'s highest key is 0 (values
 * in [1, 1.02): `DenseStore._extendRange` reads a second key of 0 as absent), so those counts
 * fall outside the store's range.
 * @throws RangeError when the sketches have different relative accuracies.
 */
export function mergeSketch(into: DDSketch, from: DDSketch): void {
  if (into.mapping.gamma !== from.mapping.gamma)
    throw new RangeError('cannot merge sketches of different relative accuracy');
  if (from.count <= 0) return;
  mergeStore(into.store, from.store);
  mergeStore(into.negativeStore, from.negativeStore);
  into.zeroCount += from.zeroCount;
  into.count += from.count;
  into.sum += from.sum;
  into.min = Math.min(into.min, from.min);
  into.max = Math.max(into.max, from.max);
}

/** Takes the bins of `from` out of `into` (counts never below 0); `into`'s key range shrinks to its non-empty bins. */
function subtractStore(into: Store, from: Store): void {
  if (from.count <= 0 || into.count <= 0) return;
  for (let key = Math.max(from.minKey, into.minKey); key <= Math.min(from.maxKey, into.maxKey); key++) {
    const i = key - into.offset;
    into.bins[i] = Math.max(0, (into.bins[i] ?? 0) - (from.bins[key - from.offset] ?? 0));
  }
  let count = 0;
  let lo = Infinity;
  let hi = -Infinity;
  for (let key = into.minKey; key <= into.maxKey; key++) {
    const c = into.bins[key - into.offset] ?? 0;
    if (c <= 0) continue;
    count += c;
    lo = Math.min(lo, key);
    hi = key;
  }
  into.count = count;
  into.minKey = lo;
  into.maxKey = hi;
}

/**
 * Takes `from` — a sketch merged into `into` earlier (e.g. one import's contribution to a minute)
 * — out of `into` again: bin counts subtracted key by key (never below 0), zero counts and totals
 * too. Exact on the bins: what is left is the sketch of the other values (`min`/`max` are not
 * recomputed; the stored encoding does not keep them).
 * @throws RangeError when the sketches have different relative accuracies.
 */
export function subtractSketch(into: DDSketch, from: DDSketch): void {
  if (into.mapping.gamma !== from.mapping.gamma)
    throw new RangeError('cannot subtract sketches of different relative accuracy');
  if (from.count <= 0) return;
  subtractStore(into.store, from.store);
  subtractStore(into.negativeStore, from.negativeStore);
  into.zeroCount = Math.max(0, into.zeroCount - from.zeroCount);
  into.count = into.store.count + into.negativeStore.count + into.zeroCount;
  into.sum -= from.sum;
}
