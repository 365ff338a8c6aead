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

function readStore(buf: Uint8Array, view: DataView, at: number, into: Store): number {
  if (at + 8 > buf.length) throw new RangeError('sketch blob is truncated');
  const minKey = view.getInt32(at, true);
  const k = view.getUint32(at + 4, true);
  at += 8;
  if (at + k * 8 > buf.length) throw new RangeError('sketch blob is truncated');
  if (k === 0) return at;
  const bins = new Array<number>(k);
  let count = 0;
  for (let i = 0; i < k; i++, at += 8) {
    const c = view.getFloat64(at, true);
    bins[i] = c;
    count += c;
  }
  into.bins = bins;
  into.offset = minKey;
  into.minKey = minKey;
  into.maxKey = minKey + k - 1;
  into.count = count;
  return at;
}

/**
 * Decodes a blob written by {@link encodeSketch} (or a legacy protobuf blob); `null` for no blob.
 * @throws RangeError when the blob is truncated or was written with another relative accuracy.
 */
export function decodeSketch(buf: Uint8Array | null): DDSketch | null {
  if (!buf || buf.length === 0) return null;
  if (buf[0] !== MAGIC) return DDSketch.fromProto(buf) as DDSketch;
  if (buf[1] !== VERSION || buf.length < HEADER)
    throw new RangeError(`unknown sketch blob version ${buf[1]}`);
  const view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  if (view.getFloat64(8, true) !== GAMMA)
    throw new RangeError('sketch blob was written with another relative accuracy');
  const s = newSketch();
  s.zeroCount = view.getFloat64(16, true);
  const at = readStore(buf, view, HEADER, s.store);
  readStore(buf, view, at, s.negativeStore);
  s.count = s.store.count + s.negativeStore.count + s.zeroCount;
  return s;
}

/**
 * Merges `from` into `into` (both with the shared accuracy). The library's `merge` skips the
 * negative store when `into` is not empty (sketches-js 2.1.1, `BaseDDSketch.merge`), so it is
 * merged here too.
 */
export function mergeSketch(into: DDSketch, from: DDSketch): void {
  if (from.count === 0) return;
  const wasEmpty = into.count === 0;
  into.merge(from);
  if (!wasEmpty) into.negativeStore.merge(from.negativeStore);
}
