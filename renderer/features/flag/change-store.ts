/**
 * Editing one layer of a flag: draft → server preview (before → after and the
 * provider actions) → reason → apply → state confirmed by the provider.
 *
 * Values are sent as typed; the server validates them, and its messages
 * (`patch.rolloutPercent: rolloutPercent must be between 0 and 100`) are shown
 * next to the field.
 */
import { create } from 'zustand';
import type { ApiError } from '../../../shared/contract.ts';
import type { ActionResult, ChangePreview } from '../../../shared/flag-actions.ts';
import type { FlagLayers, FlagRef, LayerName, LayerPatch } from '../../../shared/domain.ts';
import { api } from '../../api/current.ts';
import { splitValidationMessage } from '../../lib/validation-message.ts';
import { toRef } from '../../lib/flag-ref.ts';
import { loadFleet } from '../fleet/fleet-store.ts';
import { refreshFlag } from './flag-store.ts';

/** Where a layer edit is: editing → previewing → confirm → applying → succeeded, or failed. */
export type ChangePhase = 'idle' | 'editing' | 'previewing' | 'confirm' | 'applying' | 'succeeded' | 'failed';

/** The layer edit in progress: the draft, the server's preview and the result. */
export interface ChangeState {
  phase: ChangePhase;
  ref: FlagRef | null;
  layer: LayerName | null;
  /** `boolean` for the kill switch, text for every other layer (lists: one key per line). */
  draft: string | boolean;
  /** Validation messages for the field being edited. */
  fieldErrors: string[];
  /** Any other error (preview or apply). */
  error: ApiError | null;
  patch: LayerPatch | null;
  preview: ChangePreview | null;
  reason: string;
  result: ActionResult | null;
}

/** A fresh store: no edit open (`phase: 'idle'`). */
export const initialChangeState = (): ChangeState => ({
  phase: 'idle',
  ref: null,
  layer: null,
  draft: '',
  fieldErrors: [],
  error: null,
  patch: null,
  preview: null,
  reason: '',
  result: null,
});

/** The layer-edit store (one edit at a time across the app). */
export const useChangeStore = create<ChangeState>()(() => initialChangeState());

/** Shortest reason accepted for a change, in characters (after trimming). */
export const MIN_REASON_LENGTH = 3;

/** The editable text for a layer's current value. */
export function draftOf(layers: FlagLayers, layer: LayerName): string | boolean {
  const v = layers[layer];
  if (layer === 'enabled') return v as boolean;
  if (Array.isArray(v)) return v.join('\n');
  return v === null ? '' : String(v);
}

function toNumberish(text: string): unknown {
  const t = text.trim();
  if (t === '') return null; // the server answers "… must be a number"
  const n = Number(t);
  return Number.isFinite(n) ? n : t;
}

/** Build the patch for a draft. Values the server must reject are passed through as typed. */
export function buildPatch(layer: LayerName, draft: string | boolean): LayerPatch {
  switch (layer) {
    case 'enabled':
      return { enabled: draft === true };
    case 'rolloutPercent':
    case 'confidenceThreshold':
      return { [layer]: toNumberish(String(draft)) } as LayerPatch;
    case 'modelVersion':
      return { modelVersion: String(draft).trim() };
    case 'allowList':
    case 'blockList':
      return {
        [layer]: String(draft)
          .split(/[\n,]/)
          .map((s) => s.trim())
          .filter(Boolean),
      } as LayerPatch;
  }
}

/** Split a BAD_INPUT message into messages for the edited field and the rest. */
function routeError(error: ApiError): { fieldErrors: string[]; error: ApiError | null } {
  if (error.code !== 'BAD_INPUT') return { fieldErrors: [], error };
  const parts = splitValidationMessage(error.message);
  const field = parts.filter((p) => p.path === 'patch' || p.path.startsWith('patch.')).map((p) => p.message);
  const rest = parts.filter((p) => !(p.path === 'patch' || p.path.startsWith('patch.')));
  return {
    fieldErrors: field,
    error: rest.length ? { code: error.code, message: rest.map((p) => p.message).join('; ') } : null,
  };
}

let generation = 0;

/**
 * Open the editor for one layer of a flag, starting from the layer's current value.
 * Drops any answer still pending for an earlier edit.
 */
export function startEdit(ref: FlagRef, layer: LayerName, layers: FlagLayers): void {
  generation += 1;
  useChangeStore.setState({
    ...initialChangeState(),
    phase: 'editing',
    ref: toRef(ref),
    layer,
    draft: draftOf(layers, layer),
  });
}

/** Change the draft; clears the field's validation messages. */
export function setDraft(draft: string | boolean): void {
  useChangeStore.setState({ draft, fieldErrors: [] });
}

/** Ask the server what the draft would change. Validation errors go back to the field. */
export async function previewEdit(): Promise<void> {
  const s = useChangeStore.getState();
  if (!s.ref || !s.layer || (s.phase !== 'editing' && s.phase !== 'failed')) return;
  const patch = buildPatch(s.layer, s.draft);
  const gen = ++generation;
  useChangeStore.setState({ phase: 'previewing', fieldErrors: [], error: null, patch });
  const result = await api().invoke('flag.previewChange', { ref: s.ref, patch });
  if (gen !== generation) return;
  if (result.ok) {
    useChangeStore.setState({ phase: 'confirm', preview: result.value });
  } else {
    useChangeStore.setState({ phase: 'editing', ...routeError(result.error) });
  }
}

/** Change the reason typed for the change. */
export function setChangeReason(reason: string): void {
  useChangeStore.setState({ reason });
}

/** True when the confirmation is shown, a patch was previewed and the reason is long enough. */
export const selectCanApply = (s: ChangeState): boolean =>
  s.phase === 'confirm' && s.reason.trim().length >= MIN_REASON_LENGTH && s.patch !== null;

/** Send the previewed change with the reason; on success keep the confirmed state to show. */
export async function applyEdit(): Promise<void> {
  const s = useChangeStore.getState();
  if (!selectCanApply(s) || !s.ref || !s.patch) return;
  const gen = ++generation;
  useChangeStore.setState({ phase: 'applying', error: null });
  const result = await api().invoke('flag.applyChange', {
    ref: s.ref,
    patch: s.patch,
    reason: s.reason.trim(),
  });
  if (gen !== generation) return;
  if (result.ok) {
    useChangeStore.setState({ phase: 'succeeded', result: result.value });
  } else {
    const routed = routeError(result.error);
    useChangeStore.setState({
      phase: 'failed',
      fieldErrors: routed.fieldErrors,
      error: routed.error ?? result.error,
    });
  }
  void refreshFlag();
  void loadFleet();
}

/** Go back from the confirmation to the field (keeps the draft). */
export function backToEdit(): void {
  const s = useChangeStore.getState();
  if (s.phase === 'applying') return;
  generation += 1;
  useChangeStore.setState({ phase: 'editing', preview: null, error: null, result: null });
}

/** Close the editor (not while the change is being applied). */
export function cancelEdit(): void {
  if (useChangeStore.getState().phase === 'applying') return;
  generation += 1;
  useChangeStore.setState(initialChangeState(), true);
}

/** Back to a fresh store; answers still pending are dropped (tests, closing the flag). */
export function resetChangeStore(): void {
  generation += 1;
  useChangeStore.setState(initialChangeState(), true);
}
