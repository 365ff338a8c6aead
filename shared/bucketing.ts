/**
 * How a provider assigns evaluation contexts to a flag's rollout, as far as the
 * exact audience preview needs it. Providers put one of these under
 * `FlagState.native.bucketing` (read it with {@link readBucketing}); `null` or
 * absent means the provider's bucketing is unknown and no exact preview exists.
 *
 * - `launchdarkly`: SHA-1 of `"{flagKey}.{salt}.{key}"` (or `"{seed}.{key}"` when
 *   the rollout has a seed), first 15 hex digits / 0xFFFFFFFFFFFFFFF; variations
 *   walked by `weight / 100000`. Weights are in thousandths of a percent
 *   (100000 = 100 %). `treatmentVariation` is the index of the variation the
 *   rollout percentage is the weight of.
 *   Source: https://docs.launchdarkly.com/sdk/concepts/flag-evaluation-rules
 * - `unleash`: flexibleRollout — MurmurHash3 x86 32-bit of
 *   `"{groupId}:{stickinessValue}"`, seed 0, `% 100 + 1`; included when
 *   `rollout > 0` and bucket ≤ rollout. Stickiness `default` = userId, then
 *   sessionId. Source: https://docs.getunleash.io/reference/activation-strategies
 * - `local`: the embedded provider uses the Unleash scheme with
 *   `groupId = flag key` and the targeting key as the stickiness value.
 */
import { z } from 'zod';

/** LaunchDarkly bucketing of a flag's fallthrough rollout (hash and weights: see the module docs). */
export const LaunchDarklyBucketingSchema = z.object({
  scheme: z.literal('launchdarkly'),
  flagKey: z.string().min(1),
  salt: z.string(),
  /** Rollout seed; when set it replaces `"{flagKey}.{salt}"` in the hash input. */
  seed: z.number().int().nullable(),
  /** Context attribute bucketed on (`key` by default). */
  bucketBy: z.string().min(1),
  /** Fallthrough rollout: variation index and weight (0–100000). */
  variations: z.array(z.object({ variation: z.number().int().min(0), weight: z.number().int().min(0) })),
  /** Index of the treatment variation (whose weight is the rollout percentage). */
  treatmentVariation: z.number().int().min(0),
  /**
   * Optional (audience preview of a new rollout %): the variation that takes the
   * rest when the rollout % changes, and the flag's number of variations. With
   * both, a proposed rollout is previewed the way the provider writes it: weights
   * listed in variation-index order, treatment = round(% × 1000), control =
   * 100000 − treatment − the other variations' unchanged weights.
   */
  controlVariation: z.number().int().min(0).optional(),
  variationCount: z.number().int().min(1).optional(),
});

/** Unleash flexibleRollout bucketing: MurmurHash3 of `"{groupId}:{stickinessValue}"`, bucket 1–100. */
export const UnleashBucketingSchema = z.object({
  scheme: z.literal('unleash'),
  groupId: z.string(),
  /** `default`, `userId`, `sessionId` or a custom context field. */
  stickiness: z.string().min(1),
});

/**
 * The embedded provider's bucketing: the Unleash scheme with the flag key as the group and the targeting
 * key as the stickiness value.
 */
export const LocalBucketingSchema = z.object({
  scheme: z.literal('local'),
  /** Hash group; the flag key. */
  groupId: z.string(),
});

/** A bucketing descriptor of any scheme, told apart by `scheme`. */
export const BucketingSchema = z.discriminatedUnion('scheme', [
  LaunchDarklyBucketingSchema,
  UnleashBucketingSchema,
  LocalBucketingSchema,
]);
/** A bucketing descriptor (see {@link BucketingSchema}). */
export type Bucketing = z.infer<typeof BucketingSchema>;

/** The bucketing a provider stored in `native.bucketing`, or `null` when absent or malformed. */
export function readBucketing(native: Record<string, unknown>): Bucketing | null {
  const parsed = BucketingSchema.safeParse(native.bucketing);
  return parsed.success ? parsed.data : null;
}
