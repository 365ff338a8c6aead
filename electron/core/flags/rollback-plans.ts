/**
 * The patches of the one-click actions, from the flag's current state and its recorded facts:
 * kill (kill switch to Killed), revert (the last known-good rollout %, threshold and model version
 * from history) and restore (the exact inverse of the last kill, from its open incident).
 */
import type { FlagLayers, FlagRef, FlagState, HistoryEntry, LayerPatch } from '../../../shared/domain.ts';
import { killSwitchWord, layersWords } from '../../../shared/layer-words.ts';
import { utcWords } from '../../../shared/time-words.ts';
import { CoreError } from '../errors.ts';
import type { IncidentStore } from '../incidents/incident-store.ts';
import { REVERTIBLE_LAYERS, type HistoryStore } from './history-store.ts';

/** A restore: the patch, and where its values come from. */
export interface RestorePlan {
  patch: LayerPatch;
  /** Lines for the preview (what the layers come from). */
  notes: string[];
}

/**
 * The kill patch `{enabled: false}`.
 * @throws CoreError BAD_INPUT when the flag is already Killed.
 */
export function killPatch(ref: FlagRef, state: FlagState): { patch: LayerPatch; basis: null } {
  if (!state.layers.enabled)
    throw new CoreError(
      'BAD_INPUT',
      `flag "${ref.key}" in ${ref.environment} is already Killed; use restore to serve it again`,
    );
  return { patch: { enabled: false }, basis: null };
}

/**
 * The revert patch: the earlier values of the last revertible change in history, and that entry.
 * @throws CoreError BAD_INPUT when history has no earlier value to restore.
 */
export function revertPatch(ref: FlagRef, history: HistoryStore): { patch: LayerPatch; basis: HistoryEntry } {
  const basis = history.lastRevertible(ref);
  if (!basis)
    throw new CoreError(
      'BAD_INPUT',
      `no earlier rollout %, threshold or model version of "${ref.key}" in history to revert to; use kill instead`,
    );
  const patch: Record<string, unknown> = {};
  for (const c of basis.changes) {
    if (REVERTIBLE_LAYERS.has(c.layer) && c.before !== null && c.before !== undefined)
      patch[c.layer] = c.before;
  }
  if (!Object.keys(patch).length)
    throw new CoreError(
      'BAD_INPUT',
      `the last change of "${ref.key}" has no earlier value to restore; use kill`,
    );
  return { patch: patch as LayerPatch, basis };
}

/**
 * The exact inverse of the flag's last kill: Serving again, with every layer as the provider
 * confirmed it immediately before the kill (kept on the open incident that holds the kill). When
 * no kill was recorded (the flag was already Killed when the control room first read it), only
 * the kill switch is turned back to Serving, and the notes say so.
 * @throws CoreError BAD_INPUT when the flag is not Killed.
 */
export function restorePlanOf(ref: FlagRef, state: FlagState, incidents: IncidentStore): RestorePlan {
  if (state.layers.enabled)
    throw new CoreError(
      'BAD_INPUT',
      `flag "${ref.key}" in ${ref.environment} is not killed (kill switch ${killSwitchWord(true)}): nothing to restore`,
    );
  const open = incidents.openOf(ref);
  const pre: FlagLayers | null = open?.killed ? open.layersBeforeKill : null;
  if (!open || !pre)
    return {
      patch: { enabled: true },
      notes: [
        `No kill of "${ref.key}" was recorded by the control room (it was already ${killSwitchWord(false)} when first read): only the kill switch is turned back to ${killSwitchWord(true)}.`,
      ],
    };
  const patch: Record<string, unknown> = { enabled: true };
  const current = state.layers as Record<string, unknown>;
  for (const [layer, value] of Object.entries(pre)) {
    if (layer === 'enabled' || value === null) continue;
    if (JSON.stringify(current[layer]) !== JSON.stringify(value)) patch[layer] = value;
  }
  return {
    patch: patch as LayerPatch,
    notes: [
      `Restores the layers confirmed right before the kill of incident #${open.id} (opened ${utcWords(open.openedAt)} by ${open.openedBy}): ${layersWords(pre)}.`,
    ],
  };
}
