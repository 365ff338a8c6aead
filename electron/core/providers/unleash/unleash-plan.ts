/**
 * Pure planning: a layer patch on an Unleash flag → the exact Admin API requests.
 *
 * Requests follow Unleash's feature-toggle controller
 * (`src/lib/features/feature-toggle/feature-toggle-controller.ts`):
 * `POST …/environments/{env}/on|off`, `PUT|POST|DELETE …/environments/{env}/strategies[/{id}]`.
 * `PUT` replaces the whole strategy (omitted `variants`/`constraints` are
 * cleared), so bodies carry every field of the strategy as read.
 */
import type { FlagState, LayerPatch } from '../../../../shared/domain.ts';
import { UnsupportedChangeError } from '../provider.ts';
import type { PlannedRequest } from '../provider.ts';
import {
  ALLOW_LIST_TITLE,
  PAYLOAD_CONFIDENCE_KEY,
  PAYLOAD_MODEL_KEY,
  ROLLOUT_STRATEGY,
  TREATMENT_VARIANT,
  findAllowListStrategy,
  findMainStrategy,
  findTreatmentIndex,
  formatRollout,
  nativeStrategies,
  parseAiPayload,
  withTargetingConstraint,
} from './unleash-mapping.ts';
import type { UnleashStrategy, UnleashStrategyBody, UnleashVariant } from './unleash-types.ts';

/** Requests and human-readable lines of a plan. */
export interface UnleashPlan {
  requests: PlannedRequest[];
  description: string[];
}

/** Admin API path of a feature environment: `/api/admin/projects/{p}/features/{key}/environments/{env}`. */
export function environmentPath(project: string, key: string, environment: string): string {
  const e = encodeURIComponent;
  return `/api/admin/projects/${e(project)}/features/${e(key)}/environments/${e(environment)}`;
}

/** The `PUT`/`POST` body of a strategy as read: every writable field, without `id`. */
export function strategyBody(s: UnleashStrategy): UnleashStrategyBody {
  return {
    name: s.name,
    title: s.title ?? null,
    disabled: s.disabled ?? false,
    sortOrder: s.sortOrder ?? 0,
    constraints: structuredClone(s.constraints ?? []),
    parameters: { ...(s.parameters ?? {}) },
    segments: [...(s.segments ?? [])],
    variants: structuredClone(s.variants ?? []),
  };
}

/**
 * Rewrites the treatment variant's JSON payload with the given AI fields (other payload keys kept).
 *
 * With no variants at all, adds a `treatment` variant (weight 1000, json payload).
 * @throws UnsupportedChangeError when there are variants but none follows the AI payload convention.
 */
export function withTreatmentPayload(
  variants: readonly UnleashVariant[],
  set: { modelVersion?: string; minConfidence?: number },
  stickiness: string,
  what: string,
): UnleashVariant[] {
  const fields: Record<string, unknown> = {};
  if (set.modelVersion !== undefined) fields[PAYLOAD_MODEL_KEY] = set.modelVersion;
  if (set.minConfidence !== undefined) fields[PAYLOAD_CONFIDENCE_KEY] = set.minConfidence;
  const idx = findTreatmentIndex(variants);
  if (idx < 0) {
    if (variants.length > 0) {
      throw new UnsupportedChangeError(
        `${what} has variants but none carries a JSON payload with "${PAYLOAD_MODEL_KEY}" or "${PAYLOAD_CONFIDENCE_KEY}"; ` +
          'cannot tell which variant is the treatment',
      );
    }
    return [
      {
        name: TREATMENT_VARIANT,
        weight: 1000,
        weightType: 'variable',
        stickiness,
        payload: { type: 'json', value: JSON.stringify(fields) },
      },
    ];
  }
  return variants.map((v, i) => {
    if (i !== idx) return structuredClone(v);
    const current = parseAiPayload(v)!.object;
    return {
      ...structuredClone(v),
      payload: { type: 'json', value: JSON.stringify({ ...current, ...fields }) },
    };
  });
}

function fmt(v: unknown): string {
  if (v === null || v === undefined) return 'none';
  if (!Array.isArray(v)) return String(v);
  if (v.length === 0) return '[]';
  return v.length <= 5 ? `[${v.join(', ')}]` : `${v.length} keys`;
}

/**
 * Computes the requests that apply `patch` to `current` (no I/O).
 *
 * Order: `off` first (a kill lands before anything else), then the main
 * strategy `PUT` (rollout, treatment payload, block list), then the allow-list
 * strategy (`POST`/`PUT`/`DELETE`), then `on` last (turn on only once configured).
 * `enabled` is always sent when present in the patch (idempotent, safe for a
 * stale cache); other layers are skipped when already at the requested value.
 *
 * @throws UnsupportedChangeError when `current` lacks `native.strategies` (only
 *   `enabled` can be planned then), or a
 *   rollout/model/threshold/block-list change targets an environment without an
 *   enabled `flexibleRollout` strategy, or the treatment variant is ambiguous.
 */
export function planUnleashChange(current: FlagState, patch: LayerPatch, project: string): UnleashPlan {
  const strategies = nativeStrategies(current) ?? [];
  if (!nativeStrategies(current) && Object.keys(patch).some((k) => k !== 'enabled')) {
    throw new UnsupportedChangeError(
      `"${current.key}" has no Unleash strategy details; reload the flag first`,
    );
  }
  const base = environmentPath(project, current.key, current.environment);
  const where = `"${current.key}" in ${current.environment}`;
  const layers = current.layers;
  const requests: PlannedRequest[] = [];
  const description: string[] = [];

  if (patch.enabled === false) {
    requests.push({ method: 'POST', url: `${base}/off` });
    description.push(`Turn ${where} off (kill switch)${layers.enabled ? '' : ' — already off'}`);
  }

  const changed = <K extends keyof LayerPatch>(k: K) =>
    patch[k] !== undefined && JSON.stringify(patch[k]) !== JSON.stringify(layers[k as keyof typeof layers]);

  const main = findMainStrategy(strategies);
  const mainLayers = (['rolloutPercent', 'modelVersion', 'confidenceThreshold', 'blockList'] as const).filter(
    changed,
  );
  let mainVariantsAfter: UnleashVariant[] | null = null;
  if (mainLayers.length > 0) {
    if (!main) {
      throw new UnsupportedChangeError(
        `${where} has no enabled ${ROLLOUT_STRATEGY} strategy in Unleash, so ${mainLayers.join(', ')} cannot be set; ` +
          `add a gradual rollout strategy in Unleash first`,
      );
    }
    const body = strategyBody(main);
    if (changed('rolloutPercent')) {
      body.parameters.rollout = formatRollout(patch.rolloutPercent!);
      description.push(
        `Set rollout of ${where} ${fmt(layers.rolloutPercent)}% → ${patch.rolloutPercent}% (strategy ${main.id})`,
      );
    }
    if (changed('modelVersion') || changed('confidenceThreshold')) {
      body.variants = withTreatmentPayload(
        body.variants,
        {
          ...(changed('modelVersion') ? { modelVersion: patch.modelVersion } : {}),
          ...(changed('confidenceThreshold') ? { minConfidence: patch.confidenceThreshold } : {}),
        },
        body.parameters.stickiness ?? 'default',
        `The ${ROLLOUT_STRATEGY} strategy of ${where}`,
      );
      mainVariantsAfter = body.variants;
      if (changed('modelVersion'))
        description.push(`Set model version of ${where} ${fmt(layers.modelVersion)} → ${patch.modelVersion}`);
      if (changed('confidenceThreshold')) {
        description.push(
          `Set confidence threshold of ${where} ${fmt(layers.confidenceThreshold)} → ${patch.confidenceThreshold}`,
        );
      }
    }
    if (changed('blockList')) {
      body.constraints = withTargetingConstraint(body.constraints, 'NOT_IN', patch.blockList!);
      description.push(
        `Set block list of ${where}: ${fmt(layers.blockList)} → ${fmt(patch.blockList)} (userId NOT_IN)`,
      );
    }
    requests.push({ method: 'PUT', url: `${base}/strategies/${encodeURIComponent(main.id)}`, body });
  }

  const allow = findAllowListStrategy(strategies);
  const allowList = changed('allowList') ? patch.allowList! : null;
  if (allowList !== null && allowList.length === 0 && allow) {
    requests.push({ method: 'DELETE', url: `${base}/strategies/${encodeURIComponent(allow.id)}` });
    description.push(`Clear allow list of ${where} (delete strategy "${ALLOW_LIST_TITLE}" ${allow.id})`);
  } else if (allow && (allowList !== null || mainVariantsAfter)) {
    const body = strategyBody(allow);
    if (allowList !== null) {
      body.constraints = withTargetingConstraint(body.constraints, 'IN', allowList);
      description.push(
        `Set allow list of ${where}: ${fmt(layers.allowList)} → ${fmt(allowList)} (userId IN)`,
      );
    }
    if (mainVariantsAfter && findTreatmentIndex(body.variants) >= 0) {
      body.variants = withTreatmentPayload(
        body.variants,
        {
          ...(changed('modelVersion') ? { modelVersion: patch.modelVersion } : {}),
          ...(changed('confidenceThreshold') ? { minConfidence: patch.confidenceThreshold } : {}),
        },
        body.parameters.stickiness ?? 'default',
        `The "${ALLOW_LIST_TITLE}" strategy of ${where}`,
      );
      description.push(`Keep the "${ALLOW_LIST_TITLE}" strategy's treatment payload in step`);
    }
    if (allowList !== null || findTreatmentIndex(allow.variants) >= 0) {
      requests.push({ method: 'PUT', url: `${base}/strategies/${encodeURIComponent(allow.id)}`, body });
    }
  } else if (!allow && allowList !== null && allowList.length > 0) {
    const body: UnleashStrategyBody = {
      name: ROLLOUT_STRATEGY,
      title: ALLOW_LIST_TITLE,
      disabled: false,
      constraints: withTargetingConstraint([], 'IN', allowList),
      parameters: {
        rollout: '100',
        stickiness: main?.parameters?.stickiness ?? 'default',
        groupId: main?.parameters?.groupId ?? current.key,
      },
      variants: structuredClone(mainVariantsAfter ?? main?.variants ?? []),
    };
    requests.push({ method: 'POST', url: `${base}/strategies`, body });
    description.push(
      `Set allow list of ${where}: ${fmt(allowList)} (new strategy "${ALLOW_LIST_TITLE}", userId IN, 100%)`,
    );
  }

  if (patch.enabled === true) {
    requests.push({ method: 'POST', url: `${base}/on` });
    description.push(`Turn ${where} on${layers.enabled ? ' — already on' : ''}`);
  }
  if (requests.length === 0) description.push(`No change: ${where} already has these values`);
  return { requests, description };
}
