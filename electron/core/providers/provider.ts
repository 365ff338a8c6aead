/**
 * The flag-provider interface every backend implements (local, Unleash,
 * LaunchDarkly, custom HTTP).
 *
 * Changes are two-phase so they can be journaled before they are sent:
 * `planChange` computes exactly what will be sent (no side effects), the
 * caller writes that plan to the audit log, then `executePlan` sends it.
 */
import type { ErrorCode } from '../../../shared/contract.ts';
import type {
  FlagLayers,
  FlagState,
  LayerChange,
  LayerPatch,
  ProviderCapabilities,
  ProviderKind,
} from '../../../shared/domain.ts';

/** One request a provider will send, recorded in the audit log (never contains a token). */
export interface PlannedRequest {
  method: string;
  /** Path or URL without credentials, e.g. `/api/admin/projects/default/features/x/environments/production/off`. */
  url: string;
  body?: unknown;
}

/** A change ready to send: what it does, in words and in requests. */
export interface ChangePlan {
  environment: string;
  key: string;
  patch: LayerPatch;
  /** Version the plan was computed against (optimistic concurrency), or `null`. */
  expectedVersion: string | null;
  description: string[];
  requests: PlannedRequest[];
}

/** What the provider answered to an executed plan (recorded in the audit log). */
export interface ExecuteOutcome {
  responses: unknown[];
}

/** A change read from the provider's own event log, mapped onto the layers. */
export interface ProviderHistoryEvent {
  /** Provider's event id (unique per provider). */
  id: string;
  /** ISO 8601. */
  at: string;
  actor: string | null;
  environment: string;
  key: string;
  /** Provider's event type, e.g. `feature-environment-disabled`. */
  type: string;
  /** Layer changes the event implies; may be empty for events that change no layer. */
  changes: LayerChange[];
}

/** A page of history events and the cursor to continue from. */
export interface HistoryPage {
  events: ProviderHistoryEvent[];
  /** Opaque cursor; pass it back to get only newer events. */
  cursor: string | null;
}

/** Health probe result. */
export interface ProviderHealth {
  ok: boolean;
  /** Round-trip time of the probe, ms. */
  latencyMs: number;
  message: string | null;
}

/** A configured flag provider. Implementations throw {@link ProviderError} subclasses. */
export interface FlagProvider {
  readonly name: string;
  readonly kind: ProviderKind;
  /** Base URL for display (no credentials), or `null` for the embedded provider. */
  readonly url: string | null;
  capabilities(): ProviderCapabilities;
  health(): Promise<ProviderHealth>;
  /** Every flag in every environment this provider is configured for. */
  listFlags(): Promise<FlagState[]>;
  /** One flag; throws {@link FlagNotFoundError} when it does not exist. */
  getFlag(environment: string, key: string): Promise<FlagState>;
  /** Computes what `patch` would send, without side effects. Throws {@link UnsupportedChangeError}. */
  planChange(current: FlagState, patch: LayerPatch, reason: string, actor: string): Promise<ChangePlan>;
  /** Sends a plan. Throws {@link ProviderError} (with the provider's message) on failure. */
  executePlan(plan: ChangePlan, reason: string, actor: string): Promise<ExecuteOutcome>;
  /** Events newer than `cursor` (`null`: from the beginning, bounded by the provider). */
  historySince(cursor: string | null): Promise<HistoryPage>;
  /** Releases sockets/timers. */
  close?(): Promise<void>;
}

/** Every capability: a provider that supports each action the UI offers. */
export const ALL_CAPABILITIES: Readonly<ProviderCapabilities> = Object.freeze({
  kill: true,
  rollout: true,
  threshold: true,
  modelVersion: true,
  allowBlock: true,
  history: true,
});

/** Base class of provider failures; `message` is shown to the user as is. */
export class ProviderError extends Error {
  /** The contract error code this maps to ({@link toApiError} in `errors.ts`). */
  readonly apiCode: ErrorCode = 'PROVIDER_ERROR';
  readonly status: number | null;
  /** How long the provider asked to wait before retrying (`Retry-After`), ms; null when it did not say. */
  readonly retryAfterMs: number | null;
  /**
   * True when the request certainly never reached the provider (the connection was refused, the
   * host unknown, the command's deadline passed before sending). A failure without an HTTP
   * status and without this (a timeout, a reset) may have been applied.
   */
  readonly notSent: boolean;
  constructor(
    message: string,
    status: number | null = null,
    retryAfterMs: number | null = null,
    notSent = false,
  ) {
    super(message);
    this.name = 'ProviderError';
    this.status = status;
    this.retryAfterMs = retryAfterMs;
    this.notSent = notSent;
  }
}

/** The flag (or environment) does not exist at the provider. */
export class FlagNotFoundError extends ProviderError {
  override readonly apiCode: ErrorCode = 'NOT_FOUND';
  constructor(message: string) {
    super(message, 404);
    this.name = 'FlagNotFoundError';
  }
}

/** The provider cannot express this change (e.g. a flag without a rollout strategy). */
export class UnsupportedChangeError extends ProviderError {
  override readonly apiCode: ErrorCode = 'UNSUPPORTED';
  constructor(message: string) {
    super(message, null);
    this.name = 'UnsupportedChangeError';
  }
}

/** The flag changed at the provider since it was read (version mismatch). */
export class ConflictError extends ProviderError {
  override readonly apiCode: ErrorCode = 'CONFLICT';
  constructor(message: string) {
    super(message, 409);
    this.name = 'ConflictError';
  }
}

/** Applies a patch to layers (pure). */
export function applyPatch(layers: FlagLayers, patch: LayerPatch): FlagLayers {
  return { ...layers, ...patch };
}

/** Layer-by-layer differences between two states, in display order (pure). */
export function diffLayers(before: FlagLayers, after: FlagLayers): LayerChange[] {
  const changes: LayerChange[] = [];
  for (const layer of [
    'enabled',
    'rolloutPercent',
    'confidenceThreshold',
    'modelVersion',
    'allowList',
    'blockList',
  ] as const) {
    if (JSON.stringify(before[layer]) !== JSON.stringify(after[layer])) {
      changes.push({ layer, before: before[layer], after: after[layer] });
    }
  }
  return changes;
}
