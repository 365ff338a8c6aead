/**
 * Operator actions on a rollout, each behind a confirmation with a reason: start / advance /
 * restart (with the gate's evidence and — like every change — the before → after and the exact
 * provider requests, `rollout.previewAdvance`), pause, resume, approve, roll back (kill, previous
 * stage, revert). Used by the rollout page and by incident mode. The server records every action
 * as a decision.
 */
import { create } from 'zustand';
import type { ApiError } from '../../../shared/contract.ts';
import type { ChangePreview } from '../../../shared/flag-actions.ts';
import type { FlagRef } from '../../../shared/domain.ts';
import type { GateEvaluation, RolloutView } from '../../../shared/rollout-state.ts';
import type { RollbackTarget } from '../../../shared/guardrails.ts';
import { api } from '../../api/current.ts';
import { toRef } from '../../lib/flag-ref.ts';

/**
 * An operator action on a rollout (each is one channel call, `restart` being an advance to the
 * current stage).
 */
export type RolloutActionKind = 'start' | 'advance' | 'restart' | 'pause' | 'resume' | 'approve' | 'rollback';

/** What the confirmation shows about where the rollout is (stage labels as the page words them). */
export interface ActionContext {
  /** The gate's last evaluation (shown before an advance). */
  gate: GateEvaluation | null;
  /** e.g. `stage 2 "50 %" (50 %)` — what an advance moves to. */
  nextStage: string | null;
  currentStage: string | null;
  /** For `restart`: the stage index to apply again. */
  toStage?: number;
}

/** The action dialog: which action on which flag, the reason, the preview and the outcome. */
export interface ActionState {
  kind: RolloutActionKind | null;
  ref: FlagRef | null;
  context: ActionContext;
  reason: string;
  target: RollbackTarget;
  phase: 'closed' | 'confirm' | 'sending' | 'done' | 'failed';
  error: ApiError | null;
  /** The view after the action (its state and pending outbox action). */
  result: RolloutView | null;
  /** Start / advance / restart: what the stage change sends (`loading` until the server answered). */
  preview: {
    status: 'none' | 'loading' | 'ready' | 'error';
    value: ChangePreview | null;
    error: ApiError | null;
  };
}

const NO_PREVIEW: ActionState['preview'] = { status: 'none', value: null, error: null };

/** The actions that change the flag at the provider and so show a preview first. */
export const CHANGES_FLAG: ReadonlySet<RolloutActionKind> = new Set(['start', 'advance', 'restart']);

const emptyContext = (): ActionContext => ({ gate: null, nextStage: null, currentStage: null });

/** A fresh store: the dialog is closed; a rollback defaults to the kill switch. */
export const initialActionState = (): ActionState => ({
  kind: null,
  ref: null,
  context: emptyContext(),
  reason: '',
  target: 'kill',
  phase: 'closed',
  error: null,
  result: null,
  preview: NO_PREVIEW,
});

/** The rollout-action dialog store (one dialog app-wide: rollout page and incident mode). */
export const useActionStore = create<ActionState>()(() => initialActionState());
const get = () => useActionStore.getState();
const set = (patch: Partial<ActionState>) => useActionStore.setState(patch);

/** The dialog title of each action. */
export const ACTION_TITLE: Record<RolloutActionKind, string> = {
  start: 'Start the rollout',
  advance: 'Advance to the next stage',
  restart: 'Restart at the current stage',
  pause: 'Pause the rollout',
  resume: 'Resume the rollout',
  approve: 'Approve this stage',
  rollback: 'Roll back',
};

/** The confirm button's label of each action. */
export const ACTION_CONFIRM: Record<RolloutActionKind, string> = {
  start: 'Confirm start',
  advance: 'Confirm advance',
  restart: 'Confirm restart',
  pause: 'Confirm pause',
  resume: 'Confirm resume',
  approve: 'Confirm approval',
  rollback: 'Confirm rollback',
};

/** Called after a successful action (pages refresh what they show). */
let onDone: (() => void) | null = null;

/**
 * Opens the confirmation of `kind` on a flag; a stage change (start, advance, restart) also loads
 * its preview (`rollout.previewAdvance`, at `context.toStage` for a restart). `after` runs once the
 * action succeeded (the page refreshes).
 */
export function openAction(
  kind: RolloutActionKind,
  ref: FlagRef,
  context: Partial<ActionContext> = {},
  after?: () => void,
): void {
  onDone = after ?? null;
  const flag = toRef(ref);
  useActionStore.setState(
    {
      ...initialActionState(),
      kind,
      ref: flag,
      context: { ...emptyContext(), ...context },
      phase: 'confirm',
      preview: CHANGES_FLAG.has(kind) ? { status: 'loading', value: null, error: null } : NO_PREVIEW,
    },
    true,
  );
  if (CHANGES_FLAG.has(kind)) void loadPreview(kind, flag, kind === 'restart' ? context.toStage : undefined);
}

/** Asks the server what the stage change would send (refused for a template placeholder). */
async function loadPreview(kind: RolloutActionKind, ref: FlagRef, toStage?: number): Promise<void> {
  const r = await api().invoke('rollout.previewAdvance', {
    flag: ref,
    ...(toStage === undefined ? {} : { toStage }),
  });
  if (get().kind !== kind || get().ref !== ref) return; // closed or replaced meanwhile
  set({
    preview: r.ok
      ? { status: 'ready', value: r.value, error: null }
      : { status: 'error', value: null, error: r.error },
  });
}

/** Whether the action can be confirmed: a stage change only once its preview is known and allowed. */
export const selectCanConfirm = (s: ActionState): boolean =>
  s.phase !== 'sending' && (!CHANGES_FLAG.has(s.kind as RolloutActionKind) || s.preview.status === 'ready');

/** Changes the reason; after a failure, back to the confirmation. */
export function setActionReason(reason: string): void {
  set({ reason, ...(get().phase === 'failed' ? { phase: 'confirm' as const, error: null } : {}) });
}

/** Chooses what a rollback goes back to (kill, previous stage, revert). */
export function setActionTarget(target: RollbackTarget): void {
  set({ target });
}

/** Closes the dialog (the `after` callback is dropped); ignored while sending. */
export function closeAction(): void {
  if (get().phase === 'sending') return;
  onDone = null;
  useActionStore.setState(initialActionState(), true);
}

/** The reason is required (≥ 3 characters, like the server's rule). */
export function reasonProblem(reason: string): string | null {
  return reason.trim().length >= 3 ? null : 'Say why (at least 3 characters): it goes into the decision log.';
}

/** Sends the action; returns whether it succeeded. */
export async function confirmAction(): Promise<boolean> {
  const { kind, ref, reason, target, phase, context } = get();
  if (!kind || !ref || phase === 'sending' || !selectCanConfirm(get())) return false;
  const problem = reasonProblem(reason);
  if (problem) {
    set({ phase: 'failed', error: { code: 'BAD_INPUT', message: problem } });
    return false;
  }
  set({ phase: 'sending', error: null });
  const input = { flag: ref, reason: reason.trim() };
  const result =
    kind === 'start' || kind === 'advance'
      ? await api().invoke('rollout.advance', input)
      : kind === 'restart'
        ? await api().invoke('rollout.advance', { ...input, toStage: context.toStage ?? 0 })
        : kind === 'pause'
          ? await api().invoke('rollout.pause', input)
          : kind === 'resume'
            ? await api().invoke('rollout.resume', input)
            : kind === 'approve'
              ? await api().invoke('rollout.approve', input)
              : await api().invoke('rollout.rollback', { ...input, target });
  if (get().kind !== kind || get().ref !== ref) return false; // closed or replaced meanwhile
  if (!result.ok) {
    set({ phase: 'failed', error: result.error });
    return false;
  }
  set({ phase: 'done', result: result.value });
  onDone?.();
  return true;
}

/** Back to a fresh store, even while sending (tests). */
export function resetActionStore(): void {
  onDone = null;
  useActionStore.setState(initialActionState(), true);
}
