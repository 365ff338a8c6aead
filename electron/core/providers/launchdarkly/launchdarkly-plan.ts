/**
 * Pure planning: a layer patch on a LaunchDarkly flag → one semantic patch.
 *
 * `PATCH /api/v2/flags/{projectKey}/{flagKey}` with
 * `Content-Type: application/json; domain-model=launchdarkly.semanticpatch` and
 * body `{environmentKey, comment, instructions}` (LaunchDarkly API docs, "Update
 * feature flag"). A semantic patch is atomic: all instructions apply or none.
 *
 * Instructions used, in this order:
 * 1. `turnFlagOff` (a kill lands with everything else, never after it);
 * 2. `removeTargets` then `addTargets` (`contextKind: "user"`, `variationId`)
 *    for the allow list (treatment) and block list (control) — removals first,
 *    so a key can move from one list to the other in the same patch;
 * 3. `updateFallthroughVariationOrRollout` with `rolloutWeights` keyed by
 *    variation `_id` (thousandths of a percent, summing to 100000);
 * 4. `updateVariation` (flag-level: changes the treatment's JSON value in EVERY environment);
 * 5. `turnFlagOn` last.
 */
import type { FlagState, LayerPatch } from '../../../../shared/domain.ts';
import { UnsupportedChangeError, type PlannedRequest } from '../provider.ts';
import {
  CONFIDENCE_KEY,
  FULL_WEIGHT,
  MODEL_KEY,
  TARGET_KIND,
  nativeVariations,
  parseAiValue,
  variationLabel,
  type NativeVariation,
} from './launchdarkly-mapping.ts';
import type {
  LdInstruction,
  LdRollout,
  LdSemanticPatch,
  LdVariationOrRollout,
} from './launchdarkly-types.ts';

/** The semantic patch of a plan and its human-readable lines. */
export interface LaunchDarklyPlan {
  requests: PlannedRequest[];
  description: string[];
  /** The semantic patch body, or `null` when nothing needs sending. */
  body: LdSemanticPatch | null;
  /** True when the patch changes a variation value (flag-level, every environment). */
  flagWide: boolean;
}

/** `/api/v2/flags/{projectKey}/{flagKey}`. */
export function flagPath(project: string, key: string): string {
  return `/api/v2/flags/${encodeURIComponent(project)}/${encodeURIComponent(key)}`;
}

function fmt(v: unknown): string {
  if (v === null || v === undefined) return 'none';
  if (!Array.isArray(v)) return String(v);
  if (v.length === 0) return '[]';
  return v.length <= 5 ? `[${v.join(', ')}]` : `${v.length} keys`;
}

/** Percent (0–100) → weight in thousandths of a percent; throws when it has more than 3 decimals. */
export function percentToWeight(percent: number, where: string): number {
  const exact = percent * 1000;
  const weight = Math.round(exact);
  if (Math.abs(exact - weight) > 1e-6) {
    throw new UnsupportedChangeError(
      `LaunchDarkly rollout weights are thousandths of a percent: ${percent}% cannot be set on ${where} (use at most 3 decimals)`,
    );
  }
  return weight;
}

/**
 * New fallthrough weights (by variation index) giving the treatment `percent`.
 *
 * The treatment gets `percent · 1000`; variations other than treatment and
 * control keep their weights; the control gets the rest, so the total is 100000.
 * @throws UnsupportedChangeError when the other variations leave too little room.
 */
export function rolloutWeightsFor(
  current: LdVariationOrRollout | null,
  variationCount: number,
  treatment: number,
  control: number,
  percent: number,
  where: string,
): number[] {
  const target = percentToWeight(percent, where);
  const weights = new Array<number>(variationCount).fill(0);
  if (current?.rollout) {
    for (const w of current.rollout.variations ?? [])
      if (w.variation >= 0 && w.variation < variationCount) weights[w.variation]! += Math.max(0, w.weight);
  } else if (
    typeof current?.variation === 'number' &&
    current.variation >= 0 &&
    current.variation < variationCount
  ) {
    weights[current.variation] = FULL_WEIGHT;
  }
  const others = weights.reduce((s, w, i) => (i === treatment || i === control ? s : s + w), 0);
  if (others + target > FULL_WEIGHT) {
    throw new UnsupportedChangeError(
      `${where}: other variations get ${others / 1000}% of the fallthrough, so the treatment can get at most ${(FULL_WEIGHT - others) / 1000}%`,
    );
  }
  weights[treatment] = target;
  weights[control] = FULL_WEIGHT - target - others;
  return weights;
}

function rolloutOf(ft: unknown): LdVariationOrRollout | null {
  return ft && typeof ft === 'object' ? (ft as LdVariationOrRollout) : null;
}

function indexOrNull(v: unknown): number | null {
  return typeof v === 'number' && Number.isInteger(v) && v >= 0 ? v : null;
}

/**
 * Computes the semantic patch that applies `patch` to `current` (no I/O).
 *
 * `enabled` is always sent when present (idempotent; a kill must never be
 * skipped because of a stale read); other layers only when they change.
 *
 * @param otherEnvironments the provider's other environments, named in the
 *   warning of a flag-level change (model version / threshold).
 * @throws UnsupportedChangeError when `current` lacks `native.variations` (only
 *   `enabled` can be planned then); when a rollout/model/threshold/allow/block
 *   change needs a treatment (or control) variation the flag does not have;
 *   when the treatment's value is not a JSON object (model/threshold); when a
 *   key is in both lists; when a rollout % has more than 3 decimals or does not fit.
 */
export function planLaunchDarklyChange(
  current: FlagState,
  patch: LayerPatch,
  project: string,
  comment: string,
  otherEnvironments: readonly string[] = [],
): LaunchDarklyPlan {
  const where = `"${current.key}" in ${current.environment}`;
  const layers = current.layers;
  const variations = nativeVariations(current);
  if (!variations && Object.keys(patch).some((k) => k !== 'enabled'))
    throw new UnsupportedChangeError(
      `"${current.key}" has no LaunchDarkly variation details; reload the flag first`,
    );
  const vars: NativeVariation[] = variations ?? [];
  const t = indexOrNull(current.native.treatmentVariation);
  const c = indexOrNull(current.native.controlVariation);
  const treatment = t === null ? undefined : vars[t];
  const control = c === null ? undefined : vars[c];
  const label = (v: NativeVariation | undefined) =>
    v ? `"${variationLabel({ _id: v._id, value: v.value, name: v.name ?? undefined }, v.index)}"` : 'none';
  const changed = <K extends keyof LayerPatch>(k: K) =>
    patch[k] !== undefined && JSON.stringify(patch[k]) !== JSON.stringify(layers[k as keyof typeof layers]);
  const needTreatment = (what: string): NativeVariation => {
    if (!treatment) {
      throw new UnsupportedChangeError(
        `${where} has no treatment variation, so ${what} cannot be set: name it by giving one variation (not the off variation) ` +
          `a JSON value with "${MODEL_KEY}"/"${CONFIDENCE_KEY}", or the value true (see docs/providers/launchdarkly.md)`,
      );
    }
    return treatment;
  };

  const instructions: LdInstruction[] = [];
  const description: string[] = [];

  if (patch.enabled === false) {
    instructions.push({ kind: 'turnFlagOff' });
    description.push(
      `Turn ${where} off (kill switch: serves the off variation)${layers.enabled ? '' : ' — already off'}`,
    );
  }

  // Allow list = targets on the treatment; block list = targets on the control variation.
  const allow = changed('allowList') ? patch.allowList! : null;
  const block = changed('blockList') ? patch.blockList! : null;
  if (allow || block) {
    const finalAllow = new Set(allow ?? layers.allowList);
    const both = (block ?? layers.blockList).filter((k) => finalAllow.has(k));
    if (both.length)
      throw new UnsupportedChangeError(
        `${where}: ${fmt(both)} cannot be on both the allow list and the block list`,
      );
  }
  const removes: LdInstruction[] = [];
  const adds: LdInstruction[] = [];
  const targetEdits = (list: 'allowList' | 'blockList', next: readonly string[], v: NativeVariation) => {
    const before = new Set(layers[list]);
    const after = new Set(next);
    const removed = [...before].filter((k) => !after.has(k));
    const added = [...after].filter((k) => !before.has(k));
    if (removed.length)
      removes.push({ kind: 'removeTargets', contextKind: TARGET_KIND, variationId: v._id, values: removed });
    if (added.length)
      adds.push({ kind: 'addTargets', contextKind: TARGET_KIND, variationId: v._id, values: added });
    description.push(
      `Set ${list === 'allowList' ? 'allow' : 'block'} list of ${where}: ${fmt(layers[list])} → ${fmt(next)} ` +
        `(user targets on variation ${label(v)}: +${added.length} −${removed.length})`,
    );
  };
  if (allow) targetEdits('allowList', allow, needTreatment('the allow list'));
  if (block) {
    if (!control)
      throw new UnsupportedChangeError(`${where} has no control variation, so the block list cannot be set`);
    targetEdits('blockList', block, control);
  }
  instructions.push(...removes, ...adds);

  if (changed('rolloutPercent')) {
    const tv = needTreatment('a rollout %');
    if (!control) throw new UnsupportedChangeError(`${where} has a single variation; a rollout needs two`);
    const ft = rolloutOf(current.native.fallthrough);
    if (!ft || (ft.rollout === undefined && ft.variation === undefined))
      throw new UnsupportedChangeError(
        `${where} has no fallthrough (default rule) in LaunchDarkly; reload the flag`,
      );
    const weights = rolloutWeightsFor(ft, vars.length, tv.index, control.index, patch.rolloutPercent!, where);
    const rolloutWeights: Record<string, number> = {};
    vars.forEach((v, i) => (rolloutWeights[v._id] = weights[i]!));
    const instruction: LdInstruction = { kind: 'updateFallthroughVariationOrRollout', rolloutWeights };
    const existing: LdRollout | undefined = ft.rollout;
    if (existing?.bucketBy) instruction.rolloutBucketBy = existing.bucketBy;
    if (existing?.contextKind) instruction.rolloutContextKind = existing.contextKind;
    instructions.push(instruction);
    description.push(
      `Set rollout of ${where} ${fmt(layers.rolloutPercent)}% → ${patch.rolloutPercent}% ` +
        `(default rule: ${vars.map((v, i) => `${label(v)} ${weights[i]! / 1000}%`).join(', ')})`,
    );
    if (!existing) {
      const served = typeof ft.variation === 'number' ? vars[ft.variation] : undefined;
      description.push(
        `Note: the default rule of ${where} serves the single variation ${label(served)} today (no percentage rollout); ` +
          `this turns it into a percentage rollout bucketed by "key", so a new set of users is assigned`,
      );
    } else {
      const total = existing.variations.reduce((s, w) => s + w.weight, 0);
      if (total !== FULL_WEIGHT)
        description.push(
          `Note: the current weights sum to ${total}, not ${FULL_WEIGHT}; the new ones sum to ${FULL_WEIGHT}`,
        );
    }
  }

  if (changed('modelVersion') || changed('confidenceThreshold')) {
    const tv = needTreatment('the model version or confidence threshold');
    const ai = parseAiValue(tv.value);
    if (!ai) {
      throw new UnsupportedChangeError(
        `${where}: the treatment variation ${label(tv)} has the value ${JSON.stringify(tv.value)}, not a JSON object; ` +
          `model version and confidence threshold live in a JSON variation like {"${MODEL_KEY}": "v2.4", "${CONFIDENCE_KEY}": 0.8}`,
      );
    }
    const value = { ...ai.object };
    if (changed('modelVersion')) {
      value[MODEL_KEY] = patch.modelVersion;
      description.push(`Set model version of ${where} ${fmt(layers.modelVersion)} → ${patch.modelVersion}`);
    }
    if (changed('confidenceThreshold')) {
      value[CONFIDENCE_KEY] = patch.confidenceThreshold;
      description.push(
        `Set confidence threshold of ${where} ${fmt(layers.confidenceThreshold)} → ${patch.confidenceThreshold}`,
      );
    }
    instructions.push({ kind: 'updateVariation', variationId: tv._id, value });
    const others = otherEnvironments.filter((e) => e !== current.environment);
    description.push(
      `Flag-wide: LaunchDarkly variations are shared by every environment, so variation ${label(tv)} changes ` +
        `${others.length ? `in ${others.join(', ')} as well` : 'in every environment of the project'}`,
    );
  }

  if (patch.enabled === true) {
    instructions.push({ kind: 'turnFlagOn' });
    description.push(`Turn ${where} on${layers.enabled ? ' — already on' : ''}`);
  }

  if (instructions.length === 0) {
    description.push(`No change: ${where} already has these values`);
    return { requests: [], description, body: null, flagWide: false };
  }
  const body: LdSemanticPatch = { environmentKey: current.environment, comment, instructions };
  return {
    requests: [{ method: 'PATCH', url: flagPath(project, current.key), body }],
    description,
    body,
    flagWide: instructions.some((i) => i.kind === 'updateVariation'),
  };
}
