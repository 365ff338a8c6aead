/**
 * Pure planning: a layer patch on a custom-HTTP flag → the exact request of
 * `POST /v1/environments/{environment}/flags/{key}/changes` (docs/provider-api.yaml).
 */
import type { FlagLayers, FlagState, LayerName, LayerPatch } from '../../../../shared/domain.ts';
import { LAYER_NAMES } from '../../../../shared/domain.ts';
import type { PlannedRequest } from '../provider.ts';

/** Name of the idempotency header (draft-ietf-httpapi-idempotency-key-header). */
export const IDEMPOTENCY_HEADER = 'Idempotency-Key';

/** Body of a change request (`ChangeRequest`). */
export interface HttpChangeBody {
  set: LayerPatch;
  /** The flag's version the change was planned on; `null` for on/off-only changes (never blocked). */
  expectedVersion: string | null;
  reason: string;
  actor: string;
}

/** A planned request with its headers (no credentials: the token is added when sending). */
export interface HttpPlannedRequest extends PlannedRequest {
  headers: { [IDEMPOTENCY_HEADER]: string };
  body: HttpChangeBody;
}

/** Request and human-readable lines of a plan. */
export interface HttpPlan {
  request: HttpPlannedRequest;
  expectedVersion: string | null;
  description: string[];
}

/** API path of a flag's changes: `/v1/environments/{environment}/flags/{key}/changes` (URI-encoded). */
export function changesPath(environment: string, key: string): string {
  return `/v1/environments/${encodeURIComponent(environment)}/flags/${encodeURIComponent(key)}/changes`;
}

/** True when `r` carries what {@link planHttpChange} puts in a plan (method, headers with the key, body). */
export function isHttpPlannedRequest(r: PlannedRequest): r is HttpPlannedRequest {
  const h = (r as { headers?: Record<string, unknown> }).headers;
  return (
    r.method === 'POST' &&
    typeof h?.[IDEMPOTENCY_HEADER] === 'string' &&
    typeof r.body === 'object' &&
    r.body !== null &&
    'set' in r.body
  );
}

const LABEL: Record<LayerName, string> = {
  enabled: 'kill switch',
  rolloutPercent: 'rollout',
  confidenceThreshold: 'confidence threshold',
  modelVersion: 'model version',
  allowList: 'allow list',
  blockList: 'block list',
};

function fmt(layer: LayerName, v: unknown): string {
  if (v === null || v === undefined) return 'none';
  if (layer === 'enabled') return v ? 'on' : 'off (killed)';
  if (layer === 'rolloutPercent') return `${String(v)}%`;
  if (!Array.isArray(v)) return String(v);
  if (v.length === 0) return '[]';
  return v.length <= 5 ? `[${v.join(', ')}]` : `${v.length} keys`;
}

/** Actor as the API accepts it: 1–256 characters (`rollout-control-room` when empty). */
export function apiActor(actor: string): string {
  const a = actor.trim();
  return a ? a.slice(0, 256) : 'rollout-control-room';
}

/**
 * Computes the one request that applies `patch` to `current` (no I/O).
 *
 * - `set` carries every layer of the patch as an absolute value (the service leaves the
 *   others alone, and a layer already at its value is a no-op), so a retry is harmless.
 * - `expectedVersion` is `current.version`, except for changes that only set `enabled`:
 *   the kill switch (and turning back on) is absolute and must never be refused because
 *   someone edited the rollout meanwhile, so those send `null`.
 * - `Idempotency-Key` is `idempotencyKey` (the caller makes one per intended change; the
 *   provider's `executePlan` reuses it on every retry).
 */
export function planHttpChange(
  current: FlagState,
  patch: LayerPatch,
  reason: string,
  actor: string,
  idempotencyKey: string,
): HttpPlan {
  const onOffOnly = Object.keys(patch).every((k) => k === 'enabled');
  const expectedVersion = onOffOnly ? null : current.version;
  const where = `"${current.key}" in ${current.environment}`;
  const description: string[] = [];
  const layers: FlagLayers = current.layers;
  for (const layer of LAYER_NAMES) {
    if (patch[layer] === undefined) continue;
    const before = layers[layer];
    const after = patch[layer];
    const same = JSON.stringify(before) === JSON.stringify(after);
    const verb =
      layer === 'enabled' ? (after ? 'Turn on' : 'Turn off (kill switch)') : `Set ${LABEL[layer]} of`;
    description.push(
      layer === 'enabled'
        ? `${verb} ${where}${same ? ' — already so' : ''}`
        : `${verb} ${where}: ${fmt(layer, before)} → ${fmt(layer, after)}${same ? ' (already so)' : ''}`,
    );
  }
  description.push(
    expectedVersion === null
      ? `One POST ${changesPath(current.environment, current.key)}, applied whatever the flag's version (on/off is never blocked)`
      : `One POST ${changesPath(current.environment, current.key)}, applied only if the flag is still at version ${expectedVersion}`,
  );
  return {
    expectedVersion,
    description,
    request: {
      method: 'POST',
      url: changesPath(current.environment, current.key),
      headers: { [IDEMPOTENCY_HEADER]: idempotencyKey },
      body: { set: { ...patch }, expectedVersion, reason, actor: apiActor(actor) },
    },
  };
}
