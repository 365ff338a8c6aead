/**
 * One provider's bucketing, bound to one flag: the bucket of a targeting key and
 * whether a bucket is inside the rollout of a given state of the flag.
 *
 * - `launchdarkly`: bucket in [0, 1]; inside when the fallthrough rollout walks to
 *   the treatment variation. Before the change the provider's own weights are
 *   used; a new rollout % gives the treatment `round(percent × 1000)` — written
 *   the way the provider's plan writes it when the bucketing names the control
 *   variation and variation count (index order, control takes the rest), else
 *   the other variations share the rest in proportion (order kept; with none,
 *   one "other" slot after the treatment).
 * - `unleash`: bucket 1–100 of `"{groupId}:{key}"`; inside when `rollout > 0` and
 *   `bucket ≤ rollout`; a `null` rollout is outside (the SDK reads it as NaN).
 * - `local`: the Unleash scheme with `groupId` = flag key and the targeting key
 *   as stickiness value; a `null` rollout means the flag has no rollout layer
 *   and is on for every key.
 */
import type { Bucketing } from '../../../shared/bucketing.ts';
import type { FlagLayers } from '../../../shared/domain.ts';
import { CoreError } from '../errors.ts';
import {
  launchDarklyBucketOfString,
  variationForBucket,
  type WeightedVariation,
} from './launchdarkly-bucket.ts';
import { unleashBucket, unleashIncluded } from './unleash-bucket.ts';

/** Total weight of a LaunchDarkly rollout (100 %). */
export const LD_TOTAL_WEIGHT = 100_000;
/** Placeholder variation index for "not the treatment" when a rollout lists only the treatment. */
export const LD_OTHER_VARIATION = -1;

/** A scheme bound to one flag. */
export interface BoundScheme {
  /** Bucket of a targeting key (LaunchDarkly: [0, 1]; Unleash/local: 1–100). */
  bucket(key: string): number;
  /**
   * Rollout membership for one state of the flag. `rolloutChanged` is false for
   * the provider's current state and any state keeping its rollout % (the
   * provider's exact weights are used), true for a state with a new rollout %.
   */
  inRollout(layers: FlagLayers, rolloutChanged: boolean): (bucket: number) => boolean;
  /** What the preview assumes for this scheme. */
  notes: string[];
}

/** How the provider rewrites a rollout: the variation taking the rest, and the flag's variation count. */
export interface LaunchDarklyRewrite {
  control: number;
  count: number;
}

/**
 * LaunchDarkly weights for a proposed rollout %: treatment = round(percent × 1000).
 *
 * With `rewrite` (the provider's plan, launchdarkly-plan.ts `rolloutWeightsFor`):
 * one entry per variation in index order, other variations keep their weights,
 * `control` takes the rest. Without it: the rest is shared by the other
 * variations in proportion to their weights (largest remainder, equal shares
 * when they all weigh 0), order kept.
 * @throws CoreError UNSUPPORTED when the other variations leave less than the treatment needs.
 */
export function launchDarklyWeights(
  current: readonly WeightedVariation[],
  treatment: number,
  percent: number,
  rewrite?: LaunchDarklyRewrite,
): WeightedVariation[] {
  const w = Math.round(percent * 1000);
  const rest = LD_TOTAL_WEIGHT - w;
  if (
    rewrite &&
    rewrite.control !== treatment &&
    treatment < rewrite.count &&
    rewrite.control < rewrite.count
  ) {
    const weights = new Array<number>(rewrite.count).fill(0);
    for (const v of current) if (v.variation < rewrite.count) weights[v.variation]! += v.weight;
    const others = weights.reduce((s, x, i) => (i === treatment || i === rewrite.control ? s : s + x), 0);
    if (others > rest)
      throw new CoreError(
        'UNSUPPORTED',
        `other variations get ${others / 1000}% of the fallthrough, so the treatment can get at most ${(LD_TOTAL_WEIGHT - others) / 1000}%`,
      );
    weights[treatment] = w;
    weights[rewrite.control] = rest - others;
    return weights.map((weight, variation) => ({ variation, weight }));
  }
  const out = current.map((v) => ({ ...v }));
  let ti = out.findIndex((v) => v.variation === treatment);
  if (ti < 0) {
    out.push({ variation: treatment, weight: 0 });
    ti = out.length - 1;
  }
  const others = out.map((_, i) => i).filter((i) => out[i]!.variation !== treatment);
  for (const [i, v] of out.entries()) if (v.variation === treatment) v.weight = i === ti ? w : 0;
  if (others.length === 0) {
    out.splice(ti + 1, 0, { variation: LD_OTHER_VARIATION, weight: rest });
    return out;
  }
  const total = others.reduce((s, i) => s + out[i]!.weight, 0);
  const shares = others.map((i) => (total > 0 ? (rest * out[i]!.weight) / total : rest / others.length));
  const floors = shares.map(Math.floor);
  let left = rest - floors.reduce((s, x) => s + x, 0);
  const order = shares
    .map((s, j) => ({ j, frac: s - floors[j]! }))
    .sort((a, b) => b.frac - a.frac || a.j - b.j);
  for (const { j } of order) {
    if (left <= 0) break;
    floors[j]! += 1;
    left--;
  }
  others.forEach((i, j) => (out[i]!.weight = floors[j]!));
  return out;
}

/** Binds a bucketing descriptor to its flag (`flagKey` names the flag in messages). */
export function bindScheme(b: Bucketing, flagKey: string): BoundScheme {
  switch (b.scheme) {
    case 'launchdarkly': {
      const params = { flagKey: b.flagKey, salt: b.salt, seed: b.seed };
      const rewrite =
        b.controlVariation !== undefined && b.variationCount !== undefined
          ? { control: b.controlVariation, count: b.variationCount }
          : undefined;
      const sum = b.variations.reduce((s, v) => s + v.weight, 0);
      const notes = [
        'LaunchDarkly: every key is assumed to reach the fallthrough rollout; individual targets other than the allow/block lists, targeting rules and prerequisites are not evaluated.',
      ];
      if (b.bucketBy !== 'key')
        notes.push(
          `LaunchDarkly: the rollout buckets by "${b.bucketBy}"; the keys are read as values of it.`,
        );
      if (b.seed !== null)
        notes.push(`LaunchDarkly: the rollout has seed ${b.seed}; buckets hash "${b.seed}.{key}".`);
      if (b.variations.length > 0 && sum !== LD_TOTAL_WEIGHT)
        notes.push(
          `LaunchDarkly: the rollout weights sum to ${sum}, not 100000; keys past the last weight land in the last variation, as in the SDKs.`,
        );
      return {
        bucket: (key) => launchDarklyBucketOfString(params, key),
        inRollout(layers, rolloutChanged) {
          let weights: readonly WeightedVariation[] = b.variations;
          if ((rolloutChanged || weights.length === 0) && layers.rolloutPercent !== null)
            weights = launchDarklyWeights(b.variations, b.treatmentVariation, layers.rolloutPercent, rewrite);
          if (weights.length === 0)
            throw new CoreError(
              'UNSUPPORTED',
              `LaunchDarkly flag "${flagKey}" has neither a fallthrough rollout nor a rollout %, so nobody can be bucketed`,
            );
          return (bucket) => variationForBucket(bucket, weights) === b.treatmentVariation;
        },
        notes,
      };
    }
    case 'unleash': {
      if (b.stickiness === 'random')
        throw new CoreError(
          'UNSUPPORTED',
          `Unleash flag "${flagKey}" uses random stickiness: every evaluation is a new draw, so no key has a fixed cohort to preview`,
        );
      const notes: string[] = [];
      if (b.stickiness === 'default')
        notes.push(
          'Unleash: stickiness "default" buckets by userId (then sessionId); the keys are read as userIds.',
        );
      else if (b.stickiness !== 'userId')
        notes.push(`Unleash: the rollout sticks to "${b.stickiness}"; the keys are read as values of it.`);
      notes.push(
        'Unleash: strategies other than the main rollout and the allow list, constraints other than the block list, and segments are not evaluated.',
      );
      return {
        bucket: (key) => unleashBucket(b.groupId, key),
        inRollout(layers) {
          const r = layers.rolloutPercent;
          return r === null ? () => false : (bucket) => unleashIncluded(bucket, r);
        },
        notes,
      };
    }
    case 'local':
      return {
        bucket: (key) => unleashBucket(b.groupId, key),
        inRollout(layers) {
          const r = layers.rolloutPercent;
          return r === null ? () => true : (bucket) => unleashIncluded(bucket, r);
        },
        notes: [
          `Local provider: Unleash's scheme with groupId "${b.groupId}" and the targeting key as stickiness value.`,
        ],
      };
  }
}
