/**
 * Confirmation of an operator action on a rollout: what will happen (for a start, advance or
 * restart: before → after per layer and the exact provider requests, like every other change; for
 * an advance also the gate's checklist with its evidence — advancing without a passed gate is an
 * override), a reason for the decision log, and the outcome once the server recorded it.
 */
import { useId } from 'react';
import { useShallow } from 'zustand/react/shallow';
import type { RollbackTarget } from '../../../shared/guardrails.ts';
import { ChangeTable } from '../../components/ChangeTable.tsx';
import { Dialog, DialogFooter } from '../../components/Dialog.tsx';
import {
  ACTION_CONFIRM,
  ACTION_TITLE,
  closeAction,
  confirmAction,
  selectCanConfirm,
  setActionReason,
  setActionTarget,
  useActionStore,
  type RolloutActionKind,
} from './action-store.ts';
import { GateChecklist } from './GateChecklist.tsx';
import { ROLLBACK_TARGET_LABEL, ROLLOUT_STATUS_LABEL } from './rollout-format.ts';

const EXPLAIN: Record<RolloutActionKind, string> = {
  start:
    'Applies stage 1 at the provider through the journaled outbox; the stage counts from the provider’s confirmation.',
  restart:
    'Applies the current stage again at the provider (kill switch Serving, the stage’s %) through the journaled outbox. Guardrails start a fresh evidence window: only data after the restart counts.',
  advance:
    'Applies the next stage at the provider through the journaled outbox. The gate is not required: an operator may override it, and the decision log records the gate as it was.',
  pause: 'Holds the rollout at its stage: the monitor keeps evaluating guardrails but will not advance.',
  resume:
    'Lets the monitor act again (guardrails judge only data from now on) and closes the flag’s open incidents, unless the flag is Killed.',
  approve: 'Counts your approval toward the approvals this stage needs before it may advance.',
  rollback:
    'Rolls back at the provider through the journaled outbox; it is done only when the provider confirms.',
};

/**
 * The confirmation dialog of the rollout action open in the action store (see the module docs); renders
 * nothing when none is open.
 */
export function RolloutActionDialog() {
  const s = useActionStore(
    useShallow((st) => ({
      kind: st.kind,
      ref: st.ref,
      context: st.context,
      reason: st.reason,
      target: st.target,
      phase: st.phase,
      error: st.error,
      result: st.result,
      preview: st.preview,
      canConfirm: selectCanConfirm(st),
    })),
  );
  const id = useId();
  if (s.phase === 'closed' || !s.kind || !s.ref) return null;
  const sending = s.phase === 'sending';
  const done = s.phase === 'done';
  const danger = s.kind === 'rollback' || s.kind === 'pause';
  const pending = s.result?.state?.pendingActionId ?? null;
  return (
    <Dialog
      labelledBy={`${id}-title`}
      describedBy={`${id}-desc`}
      onRequestClose={closeAction}
      className="ro-action-dialog"
      focusKey={s.phase === 'done' ? 'done' : 'edit'}
    >
      <form
        className="dialog-body"
        noValidate
        aria-busy={sending}
        onSubmit={(e) => {
          e.preventDefault();
          void confirmAction();
        }}
      >
        <header className="dialog-header">
          <h2 id={`${id}-title`}>
            {ACTION_TITLE[s.kind]} · <span className="mono">{s.ref.key}</span>
          </h2>
          <p id={`${id}-desc`} className="muted">
            {s.ref.provider} / {s.ref.environment}. {EXPLAIN[s.kind]}
          </p>
        </header>
        {!done && (s.kind === 'advance' || s.kind === 'start' || s.kind === 'restart') ? (
          <>
            {s.context.currentStage || s.context.nextStage ? (
              <p>
                {s.context.currentStage ? <>From {s.context.currentStage} </> : null}
                {s.context.nextStage ? <>to {s.context.nextStage}</> : null}.
              </p>
            ) : null}
            <section aria-label="What will change" className="preview">
              <h4>What will change at the provider</h4>
              {s.preview.status === 'loading' ? (
                <p className="muted" aria-busy="true">
                  Asking the provider what will change…
                </p>
              ) : null}
              {s.preview.status === 'error' && s.preview.error ? (
                <div role="alert" className="alert alert-error" data-error-code={s.preview.error.code}>
                  <strong>Cannot apply this stage:</strong>{' '}
                  <span className="error-text">{s.preview.error.message}</span>
                </div>
              ) : null}
              {s.preview.value ? (
                <>
                  <ChangeTable changes={s.preview.value.changes} caption="Stage changes" />
                  {s.preview.value.description.length ? (
                    <ul className="provider-actions-list" aria-label="Provider actions">
                      {s.preview.value.description.map((d, i) => (
                        <li key={i}>{d}</li>
                      ))}
                    </ul>
                  ) : null}
                </>
              ) : null}
            </section>
            {s.kind === 'advance' ? (
              <section aria-label="Gate evidence" className="ro-gate-evidence">
                <h4>Gate evidence</h4>
                <GateChecklist gate={s.context.gate} compact />
                {s.context.gate && !s.context.gate.passed ? (
                  <p role="note" className="alert ro-override">
                    The gate has not passed: advancing now is an override and is recorded as one.
                  </p>
                ) : null}
              </section>
            ) : null}
          </>
        ) : null}
        {!done && s.kind === 'rollback' ? (
          <fieldset className="radio-group">
            <legend>Roll back to</legend>
            {(Object.keys(ROLLBACK_TARGET_LABEL) as RollbackTarget[]).map((t) => (
              <label key={t} className="checkbox-line">
                <input
                  type="radio"
                  name={`${id}-target`}
                  value={t}
                  checked={s.target === t}
                  disabled={sending}
                  onChange={() => setActionTarget(t)}
                />
                {ROLLBACK_TARGET_LABEL[t]}
              </label>
            ))}
          </fieldset>
        ) : null}
        {!done ? (
          <div className="field">
            <label htmlFor={`${id}-reason`}>Reason</label>
            <textarea
              id={`${id}-reason`}
              rows={2}
              value={s.reason}
              disabled={sending}
              required
              data-autofocus
              aria-invalid={s.phase === 'failed'}
              onChange={(e) => setActionReason(e.target.value)}
            />
            <span className="hint">Recorded in the decision log and the provider’s audit trail.</span>
          </div>
        ) : null}
        {sending ? (
          <div className="progress" aria-live="polite">
            <progress aria-label="Sending" />
            <span>Recording the decision…</span>
          </div>
        ) : null}
        {s.phase === 'failed' && s.error ? (
          <div role="alert" className="alert alert-error" data-error-code={s.error.code}>
            <strong>Not done.</strong> <span className="error-text">{s.error.message}</span>
          </div>
        ) : null}
        {done ? (
          <div role="status" className="result result-ok">
            <p>
              <strong>Recorded.</strong>{' '}
              {s.result?.state ? (
                <>The rollout is now {ROLLOUT_STATUS_LABEL[s.result.state.status].toLowerCase()}.</>
              ) : null}{' '}
              {pending !== null
                ? `Outbox action #${pending} is waiting for the provider's confirmation.`
                : s.kind === 'start' || s.kind === 'advance' || s.kind === 'restart' || s.kind === 'rollback'
                  ? 'No outbox action is waiting for the provider.'
                  : ''}
            </p>
          </div>
        ) : null}
        <DialogFooter
          done={done}
          onClose={closeAction}
          secondary={{ label: 'Cancel', onClick: closeAction, disabled: sending }}
        >
          <button
            type="submit"
            className={`btn ${danger ? 'btn-danger' : 'btn-primary'}`}
            disabled={!s.canConfirm}
          >
            {sending ? 'Sending…' : ACTION_CONFIRM[s.kind]}
          </button>
        </DialogFooter>
      </form>
    </Dialog>
  );
}
