/**
 * Unleash's gradual-rollout bucketing (`flexibleRollout`, `gradualRolloutUserId`,
 * `gradualRolloutSessionId`), as its SDKs compute it.
 *
 * Sources (behaviour read, no code copied):
 * - Unleash/unleash-client-node `src/strategy/util.ts` (`normalizedStrategyValue`) and
 *   `src/strategy/flexible-rollout-strategy.ts`, commit 33c3556ee294418bbaad1ed54e0ab599d2bb3278;
 * - docs: https://docs.getunleash.io/reference/activation-strategies
 *
 * Bucket = MurmurHash3 x86 32-bit of the UTF-8 bytes of `"{groupId}:{stickinessValue}"`,
 * seed 0, `% 100 + 1` → an integer 1–100. Included when `rollout > 0` and
 * `bucket <= rollout`. Hashing UTF-8 bytes matches the reference C++
 * MurmurHash3 and the Go, Java and Rust (Yggdrasil) SDKs; the Node SDK's
 * `murmurhash3js` hashes the low byte of each UTF-16 unit instead, so for
 * non-ASCII keys it can disagree with them (identical for ASCII).
 */
import murmurhash3 from 'murmurhash3js-revisited';

const encoder = new TextEncoder();
/** Reused UTF-8 buffer (grown on demand): encoding into it is ~2.5× faster than `encode`. */
let buffer = new Uint8Array(4096);

/** MurmurHash3 x86 32-bit (unsigned) of the UTF-8 bytes of `text`. */
export function murmur3x86(text: string, seed = 0): number {
  // UTF-8 needs at most 3 bytes per UTF-16 code unit.
  if (text.length * 3 > buffer.length) buffer = new Uint8Array(text.length * 3);
  const { written } = encoder.encodeInto(text, buffer);
  return murmurhash3.x86.hash32(buffer.subarray(0, written), seed);
}

/** A stickiness value Unleash cannot hash deterministically. */
export class NotStickyError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'NotStickyError';
  }
}

/**
 * The text a stickiness value is hashed as: strings as they are, finite numbers
 * in JavaScript's decimal form (the Node SDK interpolates them into the string).
 * @throws NotStickyError for empty strings and any other type.
 */
export function stickinessText(value: unknown): string {
  if (typeof value === 'string' && value.length > 0) return value;
  if (typeof value === 'number' && Number.isFinite(value)) return String(value);
  throw new NotStickyError(
    `Unleash stickiness values must be non-empty strings or numbers, not ${JSON.stringify(value) ?? String(value)}`,
  );
}

/** Bucket 1–100 of one stickiness value in one group. */
export function unleashBucket(groupId: string, value: unknown): number {
  return (murmur3x86(`${groupId}:${stickinessText(value)}`, 0) % 100) + 1;
}

/** Whether a bucket (1–100) is inside a rollout of `percent` (0–100, fractions allowed). */
export function unleashIncluded(bucket: number, percent: number): boolean {
  return percent > 0 && bucket <= percent;
}

/**
 * The stickiness value of an Unleash context for a `flexibleRollout` strategy, or
 * `null` when the context has none (the SDK then buckets `default` at random
 * and turns the strategy off for any other field).
 *
 * `default` → `userId`, then `sessionId`; `userId`/`sessionId`/other fields →
 * that field (custom fields live in `properties`); `random` → `null`.
 */
export function stickinessValue(stickiness: string, context: Record<string, unknown>): unknown {
  const field = (name: string): unknown => {
    const direct = context[name];
    if (direct !== undefined && direct !== null && direct !== '') return direct;
    const props = context.properties;
    if (props && typeof props === 'object') {
      const v = (props as Record<string, unknown>)[name];
      if (v !== undefined && v !== null && v !== '') return v;
    }
    return null;
  };
  if (stickiness === 'random') return null;
  if (stickiness === 'default') return field('userId') ?? field('sessionId');
  return field(stickiness);
}
