/**
 * Pure mapping from the custom flag service API (`docs/provider-api.yaml`) onto the
 * control room's domain. The API is built around the four layers, so a flag maps
 * one to one; what needs care is `bucketing` (checked with `BucketingSchema`) and
 * history changes on layers this version of the control room does not know.
 */
import type { FlagKind, FlagLayers, FlagState, LayerChange, LayerName } from '../../../../shared/domain.ts';
import { BucketingSchema } from '../../../../shared/bucketing.ts';
import { describeZodError } from '../../../../shared/zod-errors.ts';
import type { ProviderHistoryEvent } from '../provider.ts';
import { KNOWN_LAYERS } from './http-schemas.ts';
import type { WireFlag, WireHistoryEvent } from './http-schemas.ts';

/** `ai` when the flag has a model version or confidence threshold, else `boolean` (the API's default). */
export function defaultKind(layers: FlagLayers): FlagKind {
  return layers.modelVersion !== null || layers.confidenceThreshold !== null ? 'ai' : 'boolean';
}

/**
 * One API `Flag` → {@link FlagState}.
 *
 * `native` holds `metadata` (the service's free-form details), and `bucketing` when
 * the service sent one that matches `BucketingSchema` (shared/bucketing.ts) — the
 * audience preview reads it from there. A bucketing that does not match is left out
 * and `native.bucketingProblem` says why, so the flag still shows.
 */
export function toFlagState(providerName: string, flag: WireFlag): FlagState {
  const native: Record<string, unknown> = { metadata: flag.metadata ?? {} };
  if (flag.bucketing !== undefined && flag.bucketing !== null) {
    const parsed = BucketingSchema.safeParse(flag.bucketing);
    if (parsed.success) native.bucketing = parsed.data;
    else native.bucketingProblem = `bucketing ignored: ${describeZodError(parsed.error)}`;
  }
  return {
    provider: providerName,
    environment: flag.environment,
    key: flag.key,
    providerKind: 'http',
    name: flag.name || flag.key,
    description: flag.description ?? '',
    kind: flag.kind ?? defaultKind(flag.layers),
    layers: {
      ...flag.layers,
      allowList: [...flag.layers.allowList],
      blockList: [...flag.layers.blockList],
    },
    variants: flag.variants ?? [],
    version: flag.version,
    updatedAt: new Date(flag.updatedAt).toISOString(),
    native,
  };
}

/**
 * One API `HistoryEvent` → {@link ProviderHistoryEvent}.
 *
 * Changes on layers the control room does not know are dropped (the event stays, and
 * the cursor still moves past it); `at` is normalised to UTC ISO 8601.
 */
export function toHistoryEvent(e: WireHistoryEvent): ProviderHistoryEvent {
  const changes: LayerChange[] = e.changes
    .filter((c) => KNOWN_LAYERS.has(c.layer))
    .map((c) => ({ layer: c.layer as LayerName, before: c.before, after: c.after }));
  return {
    id: e.id,
    at: new Date(e.at).toISOString(),
    actor: e.actor,
    environment: e.environment,
    key: e.key,
    type: e.type,
    changes,
  };
}
