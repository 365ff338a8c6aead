/**
 * LaunchDarkly's percentage-rollout bucketing, as its server SDKs compute it.
 *
 * Sources (behaviour read, no code copied):
 * - Go: launchdarkly/go-server-sdk-evaluation `evaluator_bucketing.go` (`computeBucketValue`) and
 *   `evaluator.go` (`variationOrRolloutResult`), commit 8394e84196508a715d826c65e56734117003181a;
 * - Node: launchdarkly/node-server-sdk `evaluator.js` (`bucketContext`, `bucketableStringValue`,
 *   `variationForUser`), commit c22f934ca5b75ac536154c3604731e52da2b2bd2;
 * - docs: https://docs.launchdarkly.com/sdk/concepts/flag-evaluation-rules
 *
 * Hash input: `"{flagKey}.{salt}.{value}"`, or `"{seed}.{value}"` when the rollout
 * has a seed. SHA-1, hex; the first 15 hex digits as an integer, divided by
 * 0xFFFFFFFFFFFFFFF → a bucket in [0, 1]. Variations are walked in order,
 * adding `weight / 100000` each; the first whose running sum exceeds the
 * bucket wins, and a bucket past the last sum lands in the last variation.
 * Arithmetic is in doubles like the JavaScript SDKs (the Go SDK uses float32,
 * which can differ for a key within ~1e-7 of a weight boundary).
 */
import crypto from 'node:crypto';

/** Where a bucket is hashed from: the flag's key and salt, or the rollout's seed. */
export interface LaunchDarklyHashParams {
  flagKey: string;
  salt: string;
  /** Rollout seed; when not `null` it replaces `"{flagKey}.{salt}"` (also when 0, as in the Go SDK). */
  seed: number | null;
}

/** One weighted variation of a rollout; `weight` in thousandths of a percent (100000 = 100 %). */
export interface WeightedVariation {
  variation: number;
  weight: number;
}

/** An attribute value LaunchDarkly cannot bucket on (not a string nor an integer). */
export class NotBucketableError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'NotBucketableError';
  }
}

/** 0xFFFFFFFFFFFFFFF as the SDKs divide by it: a double, which rounds it to 2^60. */
const LONG_SCALE = Number(0xfffffffffffffffn);

/**
 * The text an attribute value is hashed as: strings as they are, integers in
 * decimal; `null` for every other value (floats, booleans, objects, null) —
 * the SDKs then use bucket 0, i.e. the first variation.
 */
export function bucketableValue(value: unknown): string | null {
  if (typeof value === 'string') return value;
  if (typeof value === 'number' && Number.isInteger(value)) return String(value);
  return null;
}

/** The SHA-1 input for one value: `"{flagKey}.{salt}.{value}"` or `"{seed}.{value}"`. */
export function launchDarklyHashInput(p: LaunchDarklyHashParams, value: string): string {
  return p.seed !== null ? `${p.seed}.${value}` : `${p.flagKey}.${p.salt}.${value}`;
}

/** Bucket in [0, 1] of an already bucketable string value. */
export function launchDarklyBucketOfString(p: LaunchDarklyHashParams, value: string): number {
  const hex = crypto.hash('sha1', launchDarklyHashInput(p, value), 'hex');
  return parseInt(hex.slice(0, 15), 16) / LONG_SCALE;
}

/**
 * Bucket in [0, 1] of an attribute value (a context key or the `bucketBy` attribute).
 * @throws NotBucketableError for values that are neither strings nor integers,
 *   naming the value — the SDKs silently put such contexts in bucket 0.
 */
export function launchDarklyBucket(p: LaunchDarklyHashParams, value: unknown): number {
  const text = bucketableValue(value);
  if (text === null)
    throw new NotBucketableError(
      `LaunchDarkly buckets only on strings and integers, not ${JSON.stringify(value) ?? String(value)} ` +
        '(the SDKs put such contexts in bucket 0, the first variation)',
    );
  return launchDarklyBucketOfString(p, text);
}

/**
 * Index of the variation a bucket falls in, walking `variations` in order.
 * @returns the variation index, or `null` when there are no variations (a malformed rollout).
 */
export function variationForBucket(bucket: number, variations: readonly WeightedVariation[]): number | null {
  if (variations.length === 0) return null;
  let sum = 0;
  for (const v of variations) {
    sum += v.weight / 100000;
    if (bucket < sum) return v.variation;
  }
  return variations[variations.length - 1]!.variation;
}
