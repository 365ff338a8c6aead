/**
 * zod schemas of the custom flag service API's responses (`docs/provider-api.yaml`).
 *
 * A custom service can answer anything, so every response is checked before it is
 * mapped; a failure names the field (e.g. `flags.3.layers.rolloutPercent`).
 * `bucketing` is kept as `unknown` here and checked with `BucketingSchema`
 * (shared/bucketing.ts) in the mapping, so a service with an unknown scheme still lists.
 */
import { z } from 'zod';
import {
  FlagKindSchema,
  FlagLayersSchema,
  LayerNameSchema,
  VariantSchema,
} from '../../../../shared/domain.ts';

const IsoTime = z.string().datetime({ offset: true });

/** `Flag`. */
export const WireFlagSchema = z.object({
  key: z.string().min(1),
  environment: z.string().min(1),
  name: z.string(),
  description: z.string().optional(),
  kind: FlagKindSchema.optional(),
  layers: FlagLayersSchema,
  variants: z.array(VariantSchema).optional(),
  version: z.string().min(1),
  updatedAt: IsoTime,
  bucketing: z.unknown().optional(),
  metadata: z.record(z.string(), z.unknown()).optional(),
});
/** A `Flag` as the service sent it (see {@link WireFlagSchema}). */
export type WireFlag = z.infer<typeof WireFlagSchema>;

/** `FlagPage`. */
export const WireFlagPageSchema = z.object({
  flags: z.array(WireFlagSchema),
  nextCursor: z.string().min(1).nullable(),
});

/** `LayerChange`; `layer` is any string so a newer service's layers do not break history. */
export const WireLayerChangeSchema = z.object({
  layer: z.string(),
  before: z.unknown(),
  after: z.unknown(),
});

/** `HistoryEvent`. */
export const WireHistoryEventSchema = z.object({
  id: z.string().min(1),
  cursor: z.string().min(1),
  at: IsoTime,
  actor: z.string().nullable(),
  environment: z.string().min(1),
  key: z.string().min(1),
  type: z.string(),
  reason: z.string().nullable().optional(),
  changes: z.array(WireLayerChangeSchema),
  version: z.string(),
});
/** A `HistoryEvent` as the service sent it (see {@link WireHistoryEventSchema}). */
export type WireHistoryEvent = z.infer<typeof WireHistoryEventSchema>;

/** `HistoryPage`. */
export const WireHistoryPageSchema = z.object({
  events: z.array(WireHistoryEventSchema),
  nextCursor: z.string().min(1).nullable(),
  hasMore: z.boolean(),
});

/** `ChangeResult`. */
export const WireChangeResultSchema = z.object({
  flag: WireFlagSchema,
  event: WireHistoryEventSchema.nullable(),
});

/** `Health`. */
export const WireHealthSchema = z.object({ status: z.literal('ok'), service: z.string().optional() });

/** `Problem` (RFC 9457), read leniently: only what error messages use. */
export const WireProblemSchema = z.object({
  type: z.string().optional(),
  title: z.string().optional(),
  detail: z.string().optional(),
  currentVersion: z.string().optional(),
  errors: z.array(z.object({ pointer: z.string(), detail: z.string() })).optional(),
});
/** A `Problem` response as read (see {@link WireProblemSchema}). */
export type WireProblem = z.infer<typeof WireProblemSchema>;

/** Layer names the control room knows (for filtering history changes). */
export const KNOWN_LAYERS: ReadonlySet<string> = new Set(LayerNameSchema.options);

/** `type` of a 409 that means "an attempt with this key is still running": retry, it is not a conflict. */
export const PROBLEM_IN_PROGRESS = 'urn:rcr:problem:idempotency-key-in-progress';
