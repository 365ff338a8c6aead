/**
 * The rollback / restore dialog's state machine. A rollback chooses Kill or Revert; a restore
 * (of a Killed flag) has one mode, `restore`: Serving again with every layer as before the kill.
 *
 *   closed ──open──▶ choosing ──mode──▶ previewing ──▶ ready ──confirm──▶ executing ──▶ succeeded
 *                                           │                                   └──▶ failed ──retry──▶ previewing
 *                                           └──▶ preview-failed (e.g. nothing to revert to)
 *
 * Choosing another mode re-previews; answers to stale requests are dropped.
 * The dialog cannot be closed while the rollback is executing.
 */
import { create } from 'zustand';
import type { ApiError } from '../../../shared/contract.ts';
import type { ActionResult, ChangePreview, RollbackMode } from '../../../shared/flag-actions.ts';
import type { FlagRef } from '../../../shared/domain.ts';
import { api } from '../../api/current.ts';
import { toRef } from '../../lib/flag-ref.ts';
import { loadFleet } from '../fleet/fleet-store.ts';
import { refreshFlag } from '../flag/flag-store.ts';
import { loadOpenIncidents } from '../incident/open-incidents-store.ts';

/** Where the rollback / restore dialog is (see the state machine above). */
export type RollbackPhase =
  'closed' | 'choosing' | 'previewing' | 'ready' | 'preview-failed' | 'executing' | 'succeeded' | 'failed';

/** What the dialog does: roll back (kill or revert) or restore a killed flag. */
export type DialogMode = RollbackMode | 'restore';

/** The rollback / restore dialog: flag, chosen mode, preview, reason and outcome. */
export interface RollbackState {
  phase: RollbackPhase;
  ref: FlagRef | null;
  /** `restore` for the restore dialog; otherwise the chosen rollback mode. */
  intent: 'rollback' | 'restore';
  mode: DialogMode | null;
  preview: ChangePreview | null;
  reason: string;
  /** Preview or execution error (the provider's message on failure). */
  error: ApiError | null;
  result: ActionResult | null;
}

/** A fresh store: the dialog is closed. */
export const initialRollbackState = (): RollbackState => ({
  phase: 'closed',
  ref: null,
  intent: 'rollback',
  mode: null,
  preview: null,
  reason: '',
  error: null,
  result: null,
});

/** The rollback / restore dialog store (one dialog app-wide). */
export const useRollbackStore = create<RollbackState>()(() => initialRollbackState());

/** Shortest reason accepted for a rollback or restore, in characters (after trimming). */
export const MIN_ROLLBACK_REASON = 3;

let generation = 0;

/**
 * Open the rollback dialog of a flag; with `mode`, preview that mode right away.
 * Ignored while a rollback is executing.
 */
export function openRollback(ref: FlagRef, mode?: RollbackMode): void {
  if (useRollbackStore.getState().phase === 'executing') return;
  generation += 1;
  useRollbackStore.setState({ ...initialRollbackState(), phase: 'choosing', ref: toRef(ref) });
  if (mode) void chooseRollbackMode(mode);
}

/** Opens the restore dialog of a Killed flag: the preview of Serving again with the pre-kill layers. */
export function openRestore(ref: FlagRef): void {
  if (useRollbackStore.getState().phase === 'executing') return;
  generation += 1;
  useRollbackStore.setState({
    ...initialRollbackState(),
    phase: 'choosing',
    intent: 'restore',
    ref: toRef(ref),
  });
  void chooseRollbackMode('restore');
}

/** Pick Kill or Revert (or `restore`) and fetch the preview of exactly what will change. */
export async function chooseRollbackMode(mode: DialogMode): Promise<void> {
  const s = useRollbackStore.getState();
  if (!s.ref || s.phase === 'closed' || s.phase === 'executing' || s.phase === 'succeeded') return;
  const gen = ++generation;
  useRollbackStore.setState({ phase: 'previewing', mode, preview: null, error: null, result: null });
  const result =
    mode === 'restore'
      ? await api().invoke('flag.previewRestore', { ref: s.ref })
      : await api().invoke('flag.previewRollback', { ref: s.ref, mode });
  if (gen !== generation) return;
  if (result.ok) useRollbackStore.setState({ phase: 'ready', preview: result.value });
  else useRollbackStore.setState({ phase: 'preview-failed', error: result.error });
}

/** Change the reason typed for the rollback / restore. */
export function setRollbackReason(reason: string): void {
  useRollbackStore.setState({ reason });
}

/** True when the reason is at least {@link MIN_ROLLBACK_REASON} characters (trimmed). */
export const selectReasonValid = (s: RollbackState): boolean => s.reason.trim().length >= MIN_ROLLBACK_REASON;

/** True when a mode was previewed and the reason is valid: the Confirm button is enabled. */
export const selectCanConfirmRollback = (s: RollbackState): boolean =>
  s.phase === 'ready' && s.mode !== null && s.preview !== null && selectReasonValid(s);

/** Execute the rollback; the result carries the state confirmed by re-reading the provider. */
export async function confirmRollback(): Promise<void> {
  const s = useRollbackStore.getState();
  if (!selectCanConfirmRollback(s) || !s.ref || !s.mode) return;
  const gen = ++generation;
  useRollbackStore.setState({ phase: 'executing', error: null });
  const reason = s.reason.trim();
  const result =
    s.mode === 'restore'
      ? await api().invoke('flag.restore', { ref: s.ref, reason })
      : await api().invoke('flag.rollback', { ref: s.ref, mode: s.mode, reason });
  if (gen !== generation) return;
  if (result.ok) useRollbackStore.setState({ phase: 'succeeded', result: result.value });
  else useRollbackStore.setState({ phase: 'failed', error: result.error });
  void loadFleet();
  void refreshFlag();
  void loadOpenIncidents();
}

/** After a failure: preview the same mode again (the reason is kept). */
export function retryRollback(): Promise<void> {
  const s = useRollbackStore.getState();
  if (s.phase !== 'failed' || !s.mode) return Promise.resolve();
  useRollbackStore.setState({ phase: 'choosing' });
  return chooseRollbackMode(s.mode);
}

/** Close the dialog; ignored while executing. Returns whether it closed. */
export function closeRollback(): boolean {
  if (useRollbackStore.getState().phase === 'executing') return false;
  generation += 1;
  useRollbackStore.setState(initialRollbackState(), true);
  return true;
}

/** Back to a fresh store, even while executing; a pending answer is dropped (tests). */
export function resetRollbackStore(): void {
  generation += 1;
  useRollbackStore.setState(initialRollbackState(), true);
}
