/**
 * Pure mapping between Unleash's native model and the control room's layers.
 *
 * The convention (see docs/providers/unleash.md):
 * - kill switch = the feature environment's `enabled`;
 * - rollout % = `parameters.rollout` of the main strategy: the first enabled
 *   `flexibleRollout` strategy (by `sortOrder`) whose title is not `allow-list`;
 * - model version / confidence threshold = `modelVersion` / `minConfidence` in
 *   the JSON payload of the main strategy's treatment variant;
 * - block list = `userId NOT_IN [...]` constraint on the main strategy;
 * - allow list = `userId IN [...]` constraint on a second `flexibleRollout`
 *   strategy titled `allow-list`, at 100 %.
 *
 * No I/O here except hashing; every function is deterministic.
 */
import { createHash } from 'node:crypto';
import type { FlagKind, FlagLayers, FlagState, LayerChange, Variant } from '../../../../shared/domain.ts';
import type { Bucketing } from '../../../../shared/bucketing.ts';
import type { ProviderHistoryEvent } from '../provider.ts';
import type {
  UnleashConstraint,
  UnleashEvent,
  UnleashFeature,
  UnleashFeatureEnvironment,
  UnleashStrategy,
  UnleashVariant,
} from './unleash-types.ts';

/** Strategy type that carries the rollout % (Unleash's "gradual rollout"). */
export const ROLLOUT_STRATEGY = 'flexibleRollout';
/** Title of the extra strategy that holds the allow list. */
export const ALLOW_LIST_TITLE = 'allow-list';
/** Context field the allow/block lists constrain. */
export const TARGETING_FIELD = 'userId';
/** Name given to a treatment variant the provider creates. */
export const TREATMENT_VARIANT = 'treatment';
/** Keys of the treatment variant's JSON payload. */
export const PAYLOAD_MODEL_KEY = 'modelVersion';
/** Key of the minimum confidence (0–1) in the treatment variant's JSON payload. */
export const PAYLOAD_CONFIDENCE_KEY = 'minConfidence';

const MAX_KEY_LENGTH = 256;

/** Strategies sorted by `sortOrder` (stable for equal/missing orders). */
export function sortStrategies(strategies: readonly UnleashStrategy[] | undefined): UnleashStrategy[] {
  return [...(strategies ?? [])]
    .map((s, i) => ({ s, i }))
    .sort((a, b) => (a.s.sortOrder ?? 0) - (b.s.sortOrder ?? 0) || a.i - b.i)
    .map((x) => x.s);
}

function isAllowListStrategy(s: UnleashStrategy): boolean {
  return s.name === ROLLOUT_STRATEGY && s.title === ALLOW_LIST_TITLE;
}

/** The main rollout strategy: first enabled `flexibleRollout` not titled `allow-list`, or `null`. */
export function findMainStrategy(strategies: readonly UnleashStrategy[] | undefined): UnleashStrategy | null {
  return (
    sortStrategies(strategies).find(
      (s) => s.name === ROLLOUT_STRATEGY && !s.disabled && !isAllowListStrategy(s),
    ) ?? null
  );
}

/** The allow-list strategy: first enabled `flexibleRollout` titled `allow-list`, or `null`. */
export function findAllowListStrategy(
  strategies: readonly UnleashStrategy[] | undefined,
): UnleashStrategy | null {
  return sortStrategies(strategies).find((s) => isAllowListStrategy(s) && !s.disabled) ?? null;
}

/** Unleash's rollout string (`"25"`, `"12.5"`) → number 0–100, or `null` when missing or not a valid percentage. */
export function parseRollout(value: string | undefined | null): number | null {
  if (value === undefined || value === null || String(value).trim() === '') return null;
  const n = Number(value);
  return Number.isFinite(n) && n >= 0 && n <= 100 ? n : null;
}

/** Number → Unleash's rollout string (`50` → `"50"`, `12.5` → `"12.5"`). */
export function formatRollout(percent: number): string {
  return String(percent);
}

/** The AI fields of a variant's JSON payload. */
export interface AiPayload {
  modelVersion: string | null;
  minConfidence: number | null;
  /** The whole parsed payload object (other keys are kept when rewriting). */
  object: Record<string, unknown>;
}

/** Parses a variant payload as the AI convention; `null` unless it is JSON with `modelVersion` or `minConfidence`. */
export function parseAiPayload(variant: UnleashVariant): AiPayload | null {
  if (variant.payload?.type !== 'json') return null;
  let parsed: unknown;
  try {
    parsed = JSON.parse(variant.payload.value);
  } catch {
    return null;
  }
  if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed)) return null;
  const obj = parsed as Record<string, unknown>;
  if (!(PAYLOAD_MODEL_KEY in obj) && !(PAYLOAD_CONFIDENCE_KEY in obj)) return null;
  const mv = obj[PAYLOAD_MODEL_KEY];
  const mc = obj[PAYLOAD_CONFIDENCE_KEY];
  return {
    modelVersion: typeof mv === 'string' && mv.length > 0 ? mv : null,
    minConfidence: typeof mc === 'number' && mc >= 0 && mc <= 1 ? mc : null,
    object: obj,
  };
}

/** Index of the treatment variant (first whose payload follows the AI convention), or -1. */
export function findTreatmentIndex(variants: readonly UnleashVariant[] | undefined): number {
  return (variants ?? []).findIndex((v) => parseAiPayload(v) !== null);
}

function validKeys(values: readonly string[] | undefined): string[] {
  return (values ?? []).filter((v) => typeof v === 'string' && v.length > 0 && v.length <= MAX_KEY_LENGTH);
}

function isTargetingConstraint(c: UnleashConstraint, operator: 'IN' | 'NOT_IN'): boolean {
  return c.contextName === TARGETING_FIELD && c.operator === operator && !c.inverted;
}

/** Values of every non-inverted `userId <operator>` constraint, deduplicated, in order. */
export function targetingValues(
  constraints: readonly UnleashConstraint[] | undefined,
  operator: 'IN' | 'NOT_IN',
): string[] {
  const out = new Set<string>();
  for (const c of constraints ?? [])
    if (isTargetingConstraint(c, operator)) for (const v of validKeys(c.values)) out.add(v);
  return [...out];
}

/** Replaces the `userId <operator>` constraints with one holding `values` (none when `values` is empty). */
export function withTargetingConstraint(
  constraints: readonly UnleashConstraint[] | undefined,
  operator: 'IN' | 'NOT_IN',
  values: readonly string[],
): UnleashConstraint[] {
  const kept = (constraints ?? []).filter((c) => !isTargetingConstraint(c, operator));
  if (values.length === 0) return kept;
  return [
    ...kept,
    { contextName: TARGETING_FIELD, operator, values: [...values], caseInsensitive: false, inverted: false },
  ];
}

/** Layers carried by one strategy, by its role: main → rollout/AI/block; allow-list → allowList; other → none. */
export function strategyLayers(s: UnleashStrategy | null | undefined): Partial<FlagLayers> {
  if (!s || s.name !== ROLLOUT_STRATEGY || s.disabled) return {};
  if (isAllowListStrategy(s)) return { allowList: targetingValues(s.constraints, 'IN') };
  const treatment = (s.variants ?? []).map(parseAiPayload).find((p) => p !== null) ?? null;
  return {
    rolloutPercent: parseRollout(s.parameters?.rollout),
    modelVersion: treatment?.modelVersion ?? null,
    confidenceThreshold: treatment?.minConfidence ?? null,
    blockList: targetingValues(s.constraints, 'NOT_IN'),
  };
}

/** The six layers of one feature environment (see the module doc for the convention). */
export function environmentLayers(env: UnleashFeatureEnvironment): FlagLayers {
  const main = strategyLayers(findMainStrategy(env.strategies));
  const allow = strategyLayers(findAllowListStrategy(env.strategies));
  return {
    enabled: env.enabled,
    rolloutPercent: main.rolloutPercent ?? null,
    confidenceThreshold: main.confidenceThreshold ?? null,
    modelVersion: main.modelVersion ?? null,
    allowList: allow.allowList ?? [],
    blockList: main.blockList ?? [],
  };
}

/** `ai` if the main strategy has a treatment variant, `multivariate` if it has >1 variants, else `boolean`. */
export function flagKind(main: UnleashStrategy | null): FlagKind {
  if (findTreatmentIndex(main?.variants) >= 0) return 'ai';
  return (main?.variants?.length ?? 0) > 1 ? 'multivariate' : 'boolean';
}

/** Strategy variants → domain variants (`weight` per mille → `weightPercent`; JSON/number payloads parsed). */
export function mapVariants(variants: readonly UnleashVariant[] | undefined): Variant[] {
  return (variants ?? []).map((v) => {
    let value: unknown = v.payload?.value;
    if (v.payload?.type === 'json') {
      try {
        value = JSON.parse(v.payload.value);
      } catch {
        // keep the raw string
      }
    } else if (v.payload?.type === 'number') {
      value = Number(v.payload.value);
    }
    const weight = typeof v.weight === 'number' ? Math.min(100, Math.max(0, v.weight / 10)) : null;
    return { key: v.name, ...(v.payload ? { value } : {}), weightPercent: weight };
  });
}

/** Canonical JSON: object keys sorted, so equal content always gives the same text. */
export function stableStringify(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(stableStringify).join(',')}]`;
  if (value && typeof value === 'object') {
    const obj = value as Record<string, unknown>;
    return `{${Object.keys(obj)
      .filter((k) => obj[k] !== undefined)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${stableStringify(obj[k])}`)
      .join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}

/**
 * Version of a feature environment for optimistic concurrency: 16 hex chars of
 * sha256 over `enabled` and the strategies' content (ids, parameters,
 * constraints, variants, order). Ignores `lastSeenAt` and other metrics.
 */
export function environmentVersion(env: UnleashFeatureEnvironment): string {
  const strategies = sortStrategies(env.strategies).map((s) => ({
    id: s.id,
    name: s.name,
    title: s.title ?? null,
    disabled: s.disabled ?? false,
    sortOrder: s.sortOrder ?? 0,
    constraints: s.constraints ?? [],
    parameters: s.parameters ?? {},
    segments: s.segments ?? [],
    variants: s.variants ?? [],
  }));
  return createHash('sha256')
    .update(stableStringify({ enabled: env.enabled, strategies }))
    .digest('hex')
    .slice(0, 16);
}

/**
 * One feature environment → {@link FlagState}.
 *
 * `native` holds `project`, `featureType`, `environmentType`, `strategyId`,
 * `stickiness`, `groupId`, `allowListStrategyId`, `strategyCount`, the raw
 * `strategies` (so `planChange` can build full `PUT` bodies without a request)
 * and `bucketing` ({@link mainBucketing}; `null` without a main strategy).
 * `updatedAt` is `null`: Unleash's feature API has no last-modified time.
 */
export function toFlagState(
  providerName: string,
  project: string,
  feature: UnleashFeature,
  env: UnleashFeatureEnvironment,
): FlagState {
  const strategies = sortStrategies(env.strategies);
  const main = findMainStrategy(strategies);
  const allow = findAllowListStrategy(strategies);
  return {
    provider: providerName,
    environment: env.name,
    key: feature.name,
    providerKind: 'unleash',
    name: feature.name,
    description: feature.description ?? '',
    kind: flagKind(main),
    layers: environmentLayers(env),
    variants: mapVariants(main?.variants),
    version: environmentVersion(env),
    updatedAt: null,
    native: {
      project: feature.project ?? project,
      featureType: feature.type ?? null,
      environmentType: env.type ?? null,
      strategyId: main?.id ?? null,
      stickiness: main?.parameters?.stickiness ?? null,
      groupId: main?.parameters?.groupId ?? null,
      allowListStrategyId: allow?.id ?? null,
      strategyCount: strategies.length,
      strategies,
      bucketing: main ? mainBucketing(main, feature.name) : null,
    },
  };
}

/**
 * The audience-preview bucketing of a main strategy: its `groupId` (the SDKs fall
 * back to the feature name when it is empty) and stickiness (`default` when unset).
 */
export function mainBucketing(main: UnleashStrategy, featureName: string): Bucketing {
  return {
    scheme: 'unleash',
    groupId: main.parameters?.groupId || featureName,
    stickiness: main.parameters?.stickiness || 'default',
  };
}

/** Reads the raw strategies stored by {@link toFlagState} in `native.strategies` (or `null` if absent). */
export function nativeStrategies(state: FlagState): UnleashStrategy[] | null {
  const s = state.native.strategies;
  return Array.isArray(s) ? (s as UnleashStrategy[]) : null;
}

const LAYER_DEFAULTS: FlagLayers = {
  enabled: false,
  rolloutPercent: null,
  confidenceThreshold: null,
  modelVersion: null,
  allowList: [],
  blockList: [],
};
const ORDER = ['rolloutPercent', 'confidenceThreshold', 'modelVersion', 'allowList', 'blockList'] as const;

/** Layer changes implied by one strategy going from `before` to `after` (either may be `null`: added/removed). */
export function strategyChanges(
  before: UnleashStrategy | null,
  after: UnleashStrategy | null,
): LayerChange[] {
  const b = strategyLayers(before);
  const a = strategyLayers(after);
  const changes: LayerChange[] = [];
  for (const layer of ORDER) {
    if (!(layer in a) && !(layer in b)) continue;
    const bv = layer in b ? b[layer] : LAYER_DEFAULTS[layer];
    const av = layer in a ? a[layer] : LAYER_DEFAULTS[layer];
    if (JSON.stringify(bv) !== JSON.stringify(av)) changes.push({ layer, before: bv, after: av });
  }
  return changes;
}

function asStrategy(v: unknown): UnleashStrategy | null {
  return v && typeof v === 'object' && typeof (v as { name?: unknown }).name === 'string'
    ? (v as UnleashStrategy)
    : null;
}

/**
 * One Unleash event → history event, or `null` when it concerns no feature environment.
 *
 * `feature-environment-enabled|disabled` → `enabled` false↔true;
 * `feature-strategy-add|update|remove` → {@link strategyChanges} of `preData` → `data`;
 * any other feature-environment event → `changes: []`. Events without
 * `featureName` or `environment` (e.g. `feature-created`) give `null`.
 */
export function toHistoryEvent(e: UnleashEvent): ProviderHistoryEvent | null {
  if (!e.featureName || !e.environment) return null;
  let changes: LayerChange[] = [];
  switch (e.type) {
    case 'feature-environment-enabled':
      changes = [{ layer: 'enabled', before: false, after: true }];
      break;
    case 'feature-environment-disabled':
      changes = [{ layer: 'enabled', before: true, after: false }];
      break;
    case 'feature-strategy-add':
    case 'feature-strategy-update':
    case 'feature-strategy-remove':
      changes = strategyChanges(asStrategy(e.preData), asStrategy(e.data));
      break;
    default:
      changes = [];
  }
  return {
    id: String(e.id),
    at: new Date(e.createdAt).toISOString(),
    actor: e.createdBy ?? null,
    environment: e.environment,
    key: e.featureName,
    type: e.type,
    changes,
  };
}
