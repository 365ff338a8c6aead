/**
 * Pure mapping between LaunchDarkly's flag model and the control room's layers.
 *
 * The convention (docs/providers/launchdarkly.md):
 * - kill switch = the environment's `on`;
 * - treatment variation = the first variation, other than the environment's
 *   `offVariation`, whose value is a JSON object with `modelVersion` or
 *   `minConfidence`; else the first one (other than `offVariation`) whose value
 *   is `true`; else, for a two-variation flag with an `offVariation`, the other
 *   variation; else none (the flag then has no rollout layer);
 * - control variation = `offVariation` when it is not the treatment, else the
 *   first variation that is not the treatment;
 * - rollout % = the fallthrough's weight on the treatment / 1000 (weights are
 *   thousandths of a percent); a fallthrough serving one variation reads as
 *   100 % (the treatment) or 0 % (any other);
 * - model version / confidence threshold = `modelVersion` / `minConfidence` of
 *   the treatment's JSON value (variations are flag-level: the same in every environment);
 * - allow list = user-kind individual targets on the treatment;
 *   block list = user-kind individual targets on the control variation.
 *
 * No I/O; every function is deterministic.
 */
import type { Bucketing } from '../../../../shared/bucketing.ts';
import type { FlagKind, FlagLayers, FlagState, Variant } from '../../../../shared/domain.ts';
import { diffLayers, type ProviderHistoryEvent } from '../provider.ts';
import type {
  LdAuditEntry,
  LdFlag,
  LdFlagConfig,
  LdRollout,
  LdVariation,
  LdWeightedVariation,
} from './launchdarkly-types.ts';

/** Keys of the treatment variation's JSON value. */
export const MODEL_KEY = 'modelVersion';
/** Key of the minimum confidence (0–1) in the treatment variation's JSON value. */
export const CONFIDENCE_KEY = 'minConfidence';
/** Weight of 100 %, in thousandths of a percent. */
export const FULL_WEIGHT = 100_000;
/** Context kind the allow/block lists target. */
export const TARGET_KIND = 'user';

const MAX_KEY_LENGTH = 256;

/** The AI fields of a variation value. */
export interface AiValue {
  modelVersion: string | null;
  minConfidence: number | null;
  /** The whole value object (other keys are kept when rewriting). */
  object: Record<string, unknown>;
}

/** Reads a variation value as the AI convention; `null` unless it is an object with `modelVersion` or `minConfidence`. */
export function parseAiValue(value: unknown): AiValue | null {
  if (!value || typeof value !== 'object' || Array.isArray(value)) return null;
  const obj = value as Record<string, unknown>;
  if (!(MODEL_KEY in obj) && !(CONFIDENCE_KEY in obj)) return null;
  const mv = obj[MODEL_KEY];
  const mc = obj[CONFIDENCE_KEY];
  return {
    modelVersion: typeof mv === 'string' && mv.length > 0 && mv.length <= 128 ? mv : null,
    minConfidence: typeof mc === 'number' && mc >= 0 && mc <= 1 ? mc : null,
    object: obj,
  };
}

/** The environment's `offVariation` when it is a valid index, else `null`. */
function offIndex(variations: readonly LdVariation[], config: LdFlagConfig): number | null {
  const o = config.offVariation;
  return typeof o === 'number' && Number.isInteger(o) && o >= 0 && o < variations.length ? o : null;
}

/** Index of the treatment variation (see the module doc), or `null`. */
export function findTreatment(variations: readonly LdVariation[], config: LdFlagConfig): number | null {
  const off = offIndex(variations, config);
  const candidates = variations.map((v, i) => ({ v, i })).filter(({ i }) => i !== off);
  const ai = candidates.find(({ v }) => parseAiValue(v.value) !== null);
  if (ai) return ai.i;
  const yes = candidates.find(({ v }) => v.value === true);
  if (yes) return yes.i;
  if (variations.length === 2 && off !== null) return off === 0 ? 1 : 0;
  return null;
}

/** Index of the control variation: `offVariation` unless it is the treatment, else the first other one; or `null`. */
export function findControl(
  variations: readonly LdVariation[],
  config: LdFlagConfig,
  treatment: number | null,
): number | null {
  if (treatment === null) return null;
  const off = offIndex(variations, config);
  if (off !== null && off !== treatment) return off;
  const i = variations.findIndex((_, j) => j !== treatment);
  return i >= 0 ? i : null;
}

/**
 * The fallthrough as weighted variations: the rollout's `variations`, or the
 * single served variation at 100000; `[]` when there is no fallthrough.
 */
export function fallthroughWeights(config: LdFlagConfig): LdWeightedVariation[] {
  const ft = config.fallthrough;
  if (ft?.rollout && Array.isArray(ft.rollout.variations))
    return ft.rollout.variations.map((w) => ({ variation: w.variation, weight: w.weight }));
  if (typeof ft?.variation === 'number') return [{ variation: ft.variation, weight: FULL_WEIGHT }];
  return [];
}

/** Sum of the fallthrough weights (100000 for a well-formed rollout). */
export function weightsTotal(weights: readonly LdWeightedVariation[]): number {
  return weights.reduce((s, w) => s + (Number.isFinite(w.weight) ? w.weight : 0), 0);
}

/** Rollout % of the treatment: its fallthrough weight / 1000 (0–100), or `null` without treatment or fallthrough. */
export function rolloutPercent(config: LdFlagConfig, treatment: number | null): number | null {
  if (treatment === null) return null;
  const weights = fallthroughWeights(config);
  if (weights.length === 0) return null;
  const w = weights.filter((x) => x.variation === treatment).reduce((s, x) => s + x.weight, 0);
  return Math.min(100, Math.max(0, w / 1000));
}

/** User-kind individual targets on variation `index`: `targets[]` plus `contextTargets[]` of kind `user`, deduplicated. */
export function userTargets(config: LdFlagConfig, index: number | null): string[] {
  if (index === null) return [];
  const out = new Set<string>();
  const add = (values: readonly unknown[] | undefined) => {
    for (const v of values ?? [])
      if (typeof v === 'string' && v.length > 0 && v.length <= MAX_KEY_LENGTH) out.add(v);
  };
  for (const t of config.targets ?? [])
    if (t.variation === index && (t.contextKind ?? TARGET_KIND) === TARGET_KIND) add(t.values);
  for (const t of config.contextTargets ?? [])
    if (t.variation === index && (t.contextKind ?? TARGET_KIND) === TARGET_KIND) add(t.values);
  return [...out];
}

/** The six layers of a flag in one environment (see the module doc for the convention). */
export function environmentLayers(flag: LdFlag, config: LdFlagConfig): FlagLayers {
  const variations = flag.variations ?? [];
  const t = findTreatment(variations, config);
  const c = findControl(variations, config, t);
  const ai = t === null ? null : parseAiValue(variations[t]?.value);
  return {
    enabled: config.on === true,
    rolloutPercent: rolloutPercent(config, t),
    confidenceThreshold: ai?.minConfidence ?? null,
    modelVersion: ai?.modelVersion ?? null,
    allowList: userTargets(config, t),
    blockList: userTargets(config, c),
  };
}

/** `ai` when the treatment carries the AI value, `boolean` for LaunchDarkly boolean flags, else `multivariate`. */
export function flagKind(flag: LdFlag, treatment: number | null): FlagKind {
  if (treatment !== null && parseAiValue(flag.variations[treatment]?.value)) return 'ai';
  return flag.kind === 'boolean' ? 'boolean' : 'multivariate';
}

/** A display key for a variation: its name, a primitive value, or `variation-<i>`. */
export function variationLabel(v: LdVariation | undefined, i: number): string {
  if (v?.name) return v.name;
  const value = v?.value;
  if (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean')
    return String(value);
  return `variation-${i}`;
}

/** Variations → domain variants with their fallthrough share in % (weight / 1000), `null` when not in the fallthrough. */
export function mapVariants(flag: LdFlag, config: LdFlagConfig): Variant[] {
  const weights = fallthroughWeights(config);
  return (flag.variations ?? []).map((v, i) => {
    const own = weights.filter((w) => w.variation === i);
    return {
      key: variationLabel(v, i),
      value: v.value,
      weightPercent: own.length ? Math.min(100, own.reduce((s, w) => s + w.weight, 0) / 1000) : null,
    };
  });
}

/** Version for optimistic concurrency: flag-level `_version` (variations) and the environment's `version`. */
export function versionOf(flag: LdFlag, config: LdFlagConfig): string {
  return `${flag._version}.${config.version}`;
}

/**
 * The exact-bucketing descriptor (shared/bucketing.ts, scheme `launchdarkly`) of
 * the fallthrough, or `null` when the flag has no treatment variation (no rollout layer).
 */
export function bucketingOf(flag: LdFlag, config: LdFlagConfig, treatment: number | null): Bucketing | null {
  if (treatment === null) return null;
  const rollout: LdRollout | undefined = config.fallthrough?.rollout;
  const seed = rollout?.seed;
  return {
    scheme: 'launchdarkly',
    flagKey: flag.key,
    salt: config.salt ?? '',
    seed: typeof seed === 'number' && Number.isInteger(seed) ? seed : null,
    bucketBy: rollout?.bucketBy || 'key',
    variations: fallthroughWeights(config).map((w) => ({
      variation: Math.max(0, Math.trunc(w.variation)),
      weight: Math.max(0, Math.trunc(w.weight)),
    })),
    treatmentVariation: treatment,
  };
}

/** A variation as kept in `native.variations` (what the plan needs: `_id` and `value`). */
export interface NativeVariation {
  index: number;
  _id: string;
  name: string | null;
  value: unknown;
}

/**
 * One flag in one environment → {@link FlagState}.
 *
 * `native` holds: `project`, `flagKind`, `environmentName`, `variations`
 * ({@link NativeVariation}[]), `treatmentVariation`, `controlVariation`,
 * `offVariation`, `fallthrough` (raw), `weightsTotal`, `flagVersion`,
 * `environmentVersion`, `salt`, `rulesCount`, `prerequisites`,
 * `otherContextTargets` (targets of non-user kinds, by kind), `tags`,
 * `temporary`, `siteUrl` and `bucketing`. Never a token.
 *
 * @param siteBase base URL of the LaunchDarkly UI (for `_site` links), e.g. `https://app.launchdarkly.com`.
 */
export function toFlagState(
  providerName: string,
  project: string,
  flag: LdFlag,
  environment: string,
  config: LdFlagConfig,
  siteBase: string,
): FlagState {
  const variations = flag.variations ?? [];
  const t = findTreatment(variations, config);
  const c = findControl(variations, config, t);
  const weights = fallthroughWeights(config);
  const otherKinds: Record<string, number> = {};
  for (const target of config.contextTargets ?? []) {
    const kind = target.contextKind ?? TARGET_KIND;
    if (kind !== TARGET_KIND) otherKinds[kind] = (otherKinds[kind] ?? 0) + (target.values?.length ?? 0);
  }
  const site = config._site?.href;
  return {
    provider: providerName,
    environment,
    key: flag.key,
    providerKind: 'launchdarkly',
    name: flag.name || flag.key,
    description: flag.description ?? '',
    kind: flagKind(flag, t),
    layers: environmentLayers(flag, config),
    variants: mapVariants(flag, config),
    version: versionOf(flag, config),
    updatedAt:
      typeof config.lastModified === 'number' && Number.isFinite(config.lastModified)
        ? new Date(config.lastModified).toISOString()
        : null,
    native: {
      project,
      flagKind: flag.kind,
      environmentName: config._environmentName ?? environment,
      variations: variations.map((v, i): NativeVariation => ({
        index: i,
        _id: v._id,
        name: v.name ?? null,
        value: v.value,
      })),
      treatmentVariation: t,
      controlVariation: c,
      offVariation: typeof config.offVariation === 'number' ? config.offVariation : null,
      fallthrough: config.fallthrough ?? null,
      weightsTotal: weights.length ? weightsTotal(weights) : null,
      flagVersion: flag._version,
      environmentVersion: config.version,
      salt: config.salt ?? '',
      rulesCount: (config.rules ?? []).length,
      prerequisites: (config.prerequisites ?? []).map((p) => ({ key: p.key, variation: p.variation })),
      otherContextTargets: otherKinds,
      tags: flag.tags ?? [],
      temporary: flag.temporary ?? null,
      siteUrl: site ? (/^https?:\/\//i.test(site) ? site : `${siteBase.replace(/\/+$/, '')}${site}`) : null,
      bucketing: bucketingOf(flag, config, t),
    },
  };
}

/** Reads `native.variations` written by {@link toFlagState}, or `null` when absent or malformed. */
export function nativeVariations(state: FlagState): NativeVariation[] | null {
  const v = state.native.variations;
  if (!Array.isArray(v)) return null;
  return v.every(
    (x) =>
      x &&
      typeof x === 'object' &&
      typeof (x as NativeVariation)._id === 'string' &&
      typeof (x as NativeVariation).index === 'number',
  )
    ? (v as NativeVariation[])
    : null;
}

function asFlag(v: unknown): LdFlag | null {
  if (!v || typeof v !== 'object') return null;
  const f = v as Partial<LdFlag>;
  return typeof f.key === 'string' && Array.isArray(f.variations) ? (f as LdFlag) : null;
}

/** The actor of an audit entry: member email, else name, else `token <name>`, else `null`. */
export function auditActor(entry: LdAuditEntry): string | null {
  const m = entry.member;
  if (m?.email) return m.email;
  const name = [m?.firstName, m?.lastName].filter(Boolean).join(' ');
  if (name) return name;
  if (entry.token?.name) return `token ${entry.token.name}`;
  return null;
}

/** The flag key an audit entry is about: from `currentVersion`/`previousVersion`, else the `flag/<key>` of a resource. */
export function auditFlagKey(entry: LdAuditEntry): string | null {
  const fromVersion = asFlag(entry.currentVersion)?.key ?? asFlag(entry.previousVersion)?.key;
  if (fromVersion) return fromVersion;
  for (const a of entry.accesses ?? []) {
    const m = /(?:^|:)flag\/([^:;]+)/.exec(a.resource ?? '');
    if (m?.[1] && m[1] !== '*') return m[1];
  }
  return null;
}

/**
 * One audit log entry (with `previousVersion`/`currentVersion`) → one history
 * event per environment in `environments` whose layers it changed.
 *
 * Layers before and after come from {@link environmentLayers} of the two flag
 * versions; an environment missing from one side is skipped. Event ids are
 * `"{entry _id}/{environment}"` (one entry may change every environment, e.g.
 * a variation value). `type` is the first access `action` (e.g. `updateOn`),
 * else the entry `kind`. Entries that are not about a flag give `[]`.
 */
export function auditEntryEvents(
  entry: LdAuditEntry,
  environments: readonly string[],
): ProviderHistoryEvent[] {
  const before = asFlag(entry.previousVersion);
  const after = asFlag(entry.currentVersion);
  const key = auditFlagKey(entry);
  if (!before || !after || !key) return [];
  const type = entry.accesses?.find((a) => a.action)?.action ?? entry.kind ?? 'flag';
  const at = new Date(entry.date).toISOString();
  const events: ProviderHistoryEvent[] = [];
  for (const env of environments) {
    const b = before.environments?.[env];
    const a = after.environments?.[env];
    if (!b || !a) continue;
    const changes = diffLayers(environmentLayers(before, b), environmentLayers(after, a));
    if (!changes.length) continue;
    events.push({
      id: `${entry._id}/${env}`,
      at,
      actor: auditActor(entry),
      environment: env,
      key,
      type,
      changes,
    });
  }
  return events;
}
