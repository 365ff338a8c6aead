/**
 * Domain schemas shared by the core and the renderer.
 *
 * Every type here is inferred from its zod schema so the runtime check and the
 * static type cannot drift. No `electron`, `node:` or DOM imports.
 */
import { z } from 'zod';

/** Kinds of flag provider the control room can talk to. */
export const ProviderKindSchema = z.enum(['local', 'unleash', 'launchdarkly', 'http']);
/** A provider kind (see {@link ProviderKindSchema}). */
export type ProviderKind = z.infer<typeof ProviderKindSchema>;

/** `ai` flags carry the four layers; `boolean` and `multivariate` show the layers they have. */
export const FlagKindSchema = z.enum(['ai', 'boolean', 'multivariate']);
/** A flag kind (see {@link FlagKindSchema}). */
export type FlagKind = z.infer<typeof FlagKindSchema>;

/** A targeting key (OpenFeature): the stable id a flag buckets on, e.g. a user id. */
export const TargetingKeySchema = z.string().min(1).max(256);

/**
 * The four layers of an AI flag plus allow/block lists.
 *
 * - `enabled`: the kill switch; `false` means killed / off (everyone gets the fallback).
 * - `rolloutPercent`: 0–100 (fractions allowed), share of units in treatment; `null` when the flag has no rollout.
 * - `confidenceThreshold`: 0–1, minimum model confidence for the AI answer to be shown; `null` when absent.
 * - `modelVersion`: the model/variant serving treatment, e.g. `v2.4`; `null` when absent.
 * - `allowList` / `blockList`: targeting keys always in / always out.
 */
export const FlagLayersSchema = z.object({
  enabled: z.boolean(),
  rolloutPercent: z.number().min(0).max(100).nullable(),
  confidenceThreshold: z.number().min(0).max(1).nullable(),
  modelVersion: z.string().min(1).nullable(),
  allowList: z.array(TargetingKeySchema),
  blockList: z.array(TargetingKeySchema),
});
/** A flag's layers (see {@link FlagLayersSchema}). */
export type FlagLayers = z.infer<typeof FlagLayersSchema>;

/** Names of the layers, in display order. */
export const LayerNameSchema = z.enum([
  'enabled',
  'rolloutPercent',
  'confidenceThreshold',
  'modelVersion',
  'allowList',
  'blockList',
]);
/** A layer name (see {@link LayerNameSchema}). */
export type LayerName = z.infer<typeof LayerNameSchema>;
/** Every layer name, in display order. */
export const LAYER_NAMES: readonly LayerName[] = LayerNameSchema.options;

/** The layers an operator may change in one action; absent keys stay as they are. */
export const LayerPatchSchema = z
  .object({
    enabled: z.boolean(),
    rolloutPercent: z
      .number({ error: 'rolloutPercent must be a number' })
      .min(0, 'rolloutPercent must be between 0 and 100')
      .max(100, 'rolloutPercent must be between 0 and 100'),
    confidenceThreshold: z
      .number({ error: 'confidenceThreshold must be a number' })
      .min(0, 'confidenceThreshold must be between 0 and 1')
      .max(1, 'confidenceThreshold must be between 0 and 1'),
    modelVersion: z.string().min(1, 'modelVersion must not be empty').max(128),
    allowList: z.array(TargetingKeySchema).max(10_000),
    blockList: z.array(TargetingKeySchema).max(10_000),
  })
  .partial()
  .strict()
  .refine((p) => Object.keys(p).length > 0, { message: 'the change sets no layer' });
/** The layers one action changes (see {@link LayerPatchSchema}). */
export type LayerPatch = z.infer<typeof LayerPatchSchema>;

/** A variant (OpenFeature term) of a flag, with its rollout weight in % when the provider has one. */
export const VariantSchema = z.object({
  key: z.string(),
  value: z.unknown().optional(),
  weightPercent: z.number().min(0).max(100).nullable(),
});
/** A flag variant (see {@link VariantSchema}). */
export type Variant = z.infer<typeof VariantSchema>;

/** Identifies one flag in one environment of one configured provider. */
export const FlagRefSchema = z.object({
  provider: z.string().min(1, 'provider is required'),
  environment: z.string().min(1, 'environment is required'),
  key: z.string().min(1, 'flag key is required'),
});
/** A flag in one environment of one provider (see {@link FlagRefSchema}). */
export type FlagRef = z.infer<typeof FlagRefSchema>;

/**
 * The one string id of a flag in one environment of one provider: `provider/environment/key`
 * (e.g. `unleash/production/ai-answer-assist`). Used as a map key, a lease name and in CLI output.
 */
export function flagId(ref: FlagRef): string {
  return `${ref.provider}/${ref.environment}/${ref.key}`;
}

const IsoTime = z.string().datetime({ offset: true });

/** A flag's state in one environment as the provider reports it. */
export const FlagStateSchema = FlagRefSchema.extend({
  providerKind: ProviderKindSchema,
  name: z.string(),
  description: z.string(),
  kind: FlagKindSchema,
  layers: FlagLayersSchema,
  variants: z.array(VariantSchema),
  /** Provider's version or etag of the flag, for optimistic concurrency; `null` if it has none. */
  version: z.string().nullable(),
  /** When the provider says the flag last changed (ISO 8601), or `null` if unknown. */
  updatedAt: IsoTime.nullable(),
  /** Provider-native details shown on the flag page (strategy ids, stickiness…). No secrets. */
  native: z.record(z.string(), z.unknown()),
});
/** A flag's state as the provider reports it (see {@link FlagStateSchema}). */
export type FlagState = z.infer<typeof FlagStateSchema>;

/** A flag as the fleet shows it: the cached state plus freshness. */
export const FleetRowSchema = FlagStateSchema.extend({
  /** When this state was last read from the provider (ISO 8601). */
  syncedAt: IsoTime,
  /** True when the provider could not be read recently: this is cached state. */
  stale: z.boolean(),
  /** Time of the newest history entry for the flag (ISO 8601), or `null`. */
  lastChangeAt: IsoTime.nullable(),
});
/** A flag as the fleet shows it (see {@link FleetRowSchema}). */
export type FleetRow = z.infer<typeof FleetRowSchema>;

/** One layer's value before and after a change. */
export const LayerChangeSchema = z.object({
  layer: LayerNameSchema,
  before: z.unknown(),
  after: z.unknown(),
});
/** One layer's value before and after a change (see {@link LayerChangeSchema}). */
export type LayerChange = z.infer<typeof LayerChangeSchema>;

/** Where a history entry came from. */
export const HistorySourceSchema = z.enum(['provider-event', 'app', 'observed']);

/** One observed change of a flag: before → after per layer. */
export const HistoryEntrySchema = FlagRefSchema.extend({
  id: z.number().int(),
  at: IsoTime,
  actor: z.string().nullable(),
  source: HistorySourceSchema,
  /** Provider's event id when the change came from its event log. */
  providerEventId: z.string().nullable(),
  /** Provider's event type, e.g. `feature-strategy-updated`, or `sync-diff`. */
  eventType: z.string(),
  changes: z.array(LayerChangeSchema),
  /** Audit entry of the app action that caused this change, when known. */
  auditId: z.number().int().nullable(),
});
/** One observed change of a flag (see {@link HistoryEntrySchema}). */
export type HistoryEntry = z.infer<typeof HistoryEntrySchema>;

/**
 * What an app action does: `kill` turns the kill switch to Killed, `revert` restores the values before
 * the last revertible change, `set-layers` applies an operator's {@link LayerPatch}.
 */
export const ActionKindSchema = z.enum(['kill', 'revert', 'set-layers']);
/** An app action's kind (see {@link ActionKindSchema}). */
export type ActionKind = z.infer<typeof ActionKindSchema>;
/**
 * Outcome of an app action: `pending` when journaled before the provider call, then `succeeded` or `failed`.
 */
export const AuditStatusSchema = z.enum(['pending', 'succeeded', 'failed']);
/** An app action's outcome (see {@link AuditStatusSchema}). */
export type AuditStatus = z.infer<typeof AuditStatusSchema>;

/** One action taken from the app: journaled before the provider call, completed after it. */
export const AuditEntrySchema = FlagRefSchema.extend({
  id: z.number().int(),
  at: IsoTime,
  actor: z.string(),
  action: ActionKindSchema,
  reason: z.string(),
  /** The requested change. */
  patch: z.record(z.string(), z.unknown()),
  /** The requests the provider was about to send (no secrets). */
  request: z.unknown(),
  /** The provider's response, or `null` while pending / on transport failure. */
  response: z.unknown(),
  status: AuditStatusSchema,
  error: z.string().nullable(),
  before: FlagLayersSchema.nullable(),
  /** The state confirmed by re-reading the provider after the call. */
  confirmed: FlagLayersSchema.nullable(),
  completedAt: IsoTime.nullable(),
});
/** One action taken from the app (see {@link AuditEntrySchema}). */
export type AuditEntry = z.infer<typeof AuditEntrySchema>;

/** What a provider can do. */
export const ProviderCapabilitiesSchema = z.object({
  kill: z.boolean(),
  rollout: z.boolean(),
  threshold: z.boolean(),
  modelVersion: z.boolean(),
  allowBlock: z.boolean(),
  history: z.boolean(),
});
/** What a provider can do (see {@link ProviderCapabilitiesSchema}). */
export type ProviderCapabilities = z.infer<typeof ProviderCapabilitiesSchema>;

/** A configured provider and how its last sync went. */
export const ProviderStatusSchema = z.object({
  name: z.string(),
  kind: ProviderKindSchema,
  url: z.string().nullable(),
  capabilities: ProviderCapabilitiesSchema,
  /** Whether the last sync attempt reached the provider. */
  healthy: z.boolean(),
  lastAttemptAt: IsoTime.nullable(),
  lastSuccessAt: IsoTime.nullable(),
  lastError: z.string().nullable(),
  /** Duration of the last successful sync, ms. */
  lastSyncMs: z.number().nullable(),
  flagCount: z.number().int(),
});
/** A configured provider and its last sync (see {@link ProviderStatusSchema}). */
export type ProviderStatus = z.infer<typeof ProviderStatusSchema>;
