/**
 * Wire types of the custom flag service API (`docs/provider-api.yaml`, OpenAPI 3.1).
 * Each interface mirrors the schema of the same name in `components.schemas`.
 */

/** The four layers plus allow/block lists (`Layers`). */
export interface Layers {
  /** Kill switch: `false` = off. */
  enabled: boolean;
  /** 0–100 (fractions allowed), or `null` when the flag has no rollout. */
  rolloutPercent: number | null;
  /** 0–1, or `null`. */
  confidenceThreshold: number | null;
  /** e.g. `v2.4`, or `null`. */
  modelVersion: string | null;
  allowList: string[];
  blockList: string[];
}

/** Layers to set as absolute values (`LayerPatch`); at least one. */
export type LayerPatch = Partial<{
  enabled: boolean;
  rolloutPercent: number;
  confidenceThreshold: number;
  modelVersion: string;
  allowList: string[];
  blockList: string[];
}>;

/** Names of the layers, in display order. */
export const LAYER_NAMES = [
  'enabled',
  'rolloutPercent',
  'confidenceThreshold',
  'modelVersion',
  'allowList',
  'blockList',
] as const;
export type LayerName = (typeof LAYER_NAMES)[number];

/** How the service buckets targeting keys (`Bucketing`; mirrors `shared/bucketing.ts`). */
export type Bucketing =
  | { scheme: 'unleash'; groupId: string; stickiness: string }
  | { scheme: 'local'; groupId: string }
  | {
      scheme: 'launchdarkly';
      flagKey: string;
      salt: string;
      seed: number | null;
      bucketBy: string;
      variations: { variation: number; weight: number }[];
      treatmentVariation: number;
    };

/** A variant with its weight in % (`Variant`). */
export interface Variant {
  key: string;
  value?: unknown;
  weightPercent: number | null;
}

/** One flag in one environment (`Flag`). */
export interface Flag {
  key: string;
  environment: string;
  name: string;
  description: string;
  kind: 'ai' | 'boolean' | 'multivariate';
  layers: Layers;
  variants: Variant[];
  /** Opaque; here the flag's revision number as a decimal string. */
  version: string;
  /** ISO 8601. */
  updatedAt: string;
  bucketing: Bucketing | null;
  metadata: Record<string, unknown>;
}

/** Body of `POST /v1/environments/{environment}/flags/{key}/changes` (`ChangeRequest`). */
export interface ChangeRequest {
  set: LayerPatch;
  /** Apply only if the flag's version equals this; `null` = no check. */
  expectedVersion: string | null;
  reason: string;
  actor: string;
}

/** One layer before and after (`LayerChange`). */
export interface LayerChange {
  layer: LayerName;
  before: unknown;
  after: unknown;
}

/** One entry of the change log (`HistoryEvent`). */
export interface HistoryEvent {
  id: string;
  /** Position in the log; here the sequence number as a decimal string. */
  cursor: string;
  /** ISO 8601. */
  at: string;
  actor: string | null;
  environment: string;
  key: string;
  type: 'flag-created' | 'flag-changed';
  reason: string | null;
  changes: LayerChange[];
  /** The flag's version after the event. */
  version: string;
}

/** Answer to an applied change (`ChangeResult`). */
export interface ChangeResult {
  flag: Flag;
  /** `null` when the change left every layer as it was. */
  event: HistoryEvent | null;
}

/** RFC 9457 problem details (`Problem`). */
export interface Problem {
  /** `urn:rcr:problem:<name>`. */
  type: string;
  title: string;
  status: number;
  detail: string;
  instance?: string;
  currentVersion?: string;
  errors?: { pointer: string; detail: string }[];
}
