/**
 * Dependency-free checks of request bodies against `docs/provider-api.yaml`
 * (`ChangeRequest`, `LayerPatch`). Each failure names a JSON Pointer into the
 * body, so the `422` problem tells the client exactly which field is wrong.
 */
import type { ChangeRequest, LayerPatch } from './types.ts';

/** One invalid field: JSON Pointer into the body and what is wrong with it. */
export interface FieldError {
  pointer: string;
  detail: string;
}

/** Either the checked value or the list of invalid fields. */
export type Checked<T> = { ok: true; value: T } | { ok: false; errors: FieldError[] };

const isObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

function checkKeyList(v: unknown, pointer: string, errors: FieldError[]): void {
  if (!Array.isArray(v)) {
    errors.push({ pointer, detail: 'must be an array of targeting keys' });
    return;
  }
  if (v.length > 10_000) errors.push({ pointer, detail: 'must have at most 10000 keys' });
  v.forEach((k, i) => {
    if (typeof k !== 'string' || k.length < 1 || k.length > 256)
      errors.push({ pointer: `${pointer}/${i}`, detail: 'must be a string of 1–256 characters' });
  });
}

/** Checks a `LayerPatch` (`set`): known layers only, at least one, each in range. */
export function checkLayerPatch(v: unknown, pointer: string): Checked<LayerPatch> {
  const errors: FieldError[] = [];
  if (!isObject(v)) return { ok: false, errors: [{ pointer, detail: 'must be an object' }] };
  if (Object.keys(v).length === 0) errors.push({ pointer, detail: 'must set at least one layer' });
  for (const [k, val] of Object.entries(v)) {
    const p = `${pointer}/${k}`;
    switch (k) {
      case 'enabled':
        if (typeof val !== 'boolean') errors.push({ pointer: p, detail: 'must be true or false' });
        break;
      case 'rolloutPercent':
        if (typeof val !== 'number' || !Number.isFinite(val) || val < 0 || val > 100)
          errors.push({ pointer: p, detail: 'must be a number between 0 and 100' });
        break;
      case 'confidenceThreshold':
        if (typeof val !== 'number' || !Number.isFinite(val) || val < 0 || val > 1)
          errors.push({ pointer: p, detail: 'must be a number between 0 and 1' });
        break;
      case 'modelVersion':
        if (typeof val !== 'string' || val.length < 1 || val.length > 128)
          errors.push({ pointer: p, detail: 'must be a string of 1–128 characters' });
        break;
      case 'allowList':
      case 'blockList':
        checkKeyList(val, p, errors);
        break;
      default:
        errors.push({ pointer: p, detail: `unknown layer "${k}"` });
    }
  }
  return errors.length ? { ok: false, errors } : { ok: true, value: v as LayerPatch };
}

/** Checks a `ChangeRequest` body (already parsed from JSON). */
export function checkChangeRequest(body: unknown): Checked<ChangeRequest> {
  if (!isObject(body)) return { ok: false, errors: [{ pointer: '', detail: 'must be a JSON object' }] };
  const errors: FieldError[] = [];
  for (const k of Object.keys(body)) {
    if (!['set', 'expectedVersion', 'reason', 'actor'].includes(k))
      errors.push({ pointer: `/${k}`, detail: 'is not a field of a change request' });
  }
  if (!('set' in body)) errors.push({ pointer: '/set', detail: 'is required' });
  else {
    const set = checkLayerPatch(body.set, '/set');
    if (!set.ok) errors.push(...set.errors);
  }
  if (!('expectedVersion' in body))
    errors.push({ pointer: '/expectedVersion', detail: 'is required (a version string, or null)' });
  else if (body.expectedVersion !== null && typeof body.expectedVersion !== 'string')
    errors.push({ pointer: '/expectedVersion', detail: 'must be a version string or null' });
  if (typeof body.reason !== 'string' || body.reason.length > 2000)
    errors.push({ pointer: '/reason', detail: 'is required: a string of at most 2000 characters' });
  if (typeof body.actor !== 'string' || body.actor.length < 1 || body.actor.length > 256)
    errors.push({ pointer: '/actor', detail: 'is required: a string of 1–256 characters' });
  return errors.length ? { ok: false, errors } : { ok: true, value: body as unknown as ChangeRequest };
}
