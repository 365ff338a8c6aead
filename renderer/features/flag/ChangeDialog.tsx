/** Confirm a layer change: before → after, provider actions, reason, apply, confirmed result. */
import { useId } from 'react';
import { useShallow } from 'zustand/react/shallow';
import { ChangeTable, ConfirmedResult } from '../../components/ChangeTable.tsx';
import { Dialog, DialogFooter } from '../../components/Dialog.tsx';
import { LAYER_LABELS } from '../../lib/layer-format.ts';
import { AudiencePanel } from '../audience/AudiencePanel.tsx';
import { useProviderWait } from '../rollback/provider-wait.ts';
import {
  applyEdit,
  backToEdit,
  cancelEdit,
  MIN_REASON_LENGTH,
  selectCanApply,
  setChangeReason,
  useChangeStore,
} from './change-store.ts';
import { AuditOutcomeNote } from '../../components/AuditOutcomeNote.tsx';

/** The layer-change confirmation dialog of the change store (shown from the preview on). */
export function ChangeDialog() {
  const s = useChangeStore(
    useShallow((st) => ({
      phase: st.phase,
      ref: st.ref,
      layer: st.layer,
      preview: st.preview,
      patch: st.patch,
      reason: st.reason,
      error: st.error,
      fieldErrors: st.fieldErrors,
      result: st.result,
      canApply: selectCanApply(st),
    })),
  );
  const id = useId();
  const waitSeconds = useProviderWait(s.ref, s.phase === 'applying');
  const open =
    s.phase === 'confirm' || s.phase === 'applying' || s.phase === 'succeeded' || s.phase === 'failed';
  if (!open || !s.ref || !s.layer || !s.preview) return null;

  const titleId = `${id}-title`;
  const reasonId = `${id}-reason`;
  const hintId = `${id}-hint`;
  const applying = s.phase === 'applying';
  const done = s.phase === 'succeeded';

  return (
    <Dialog
      labelledBy={titleId}
      onRequestClose={cancelEdit}
      className="change-dialog"
      focusKey={done || s.phase === 'failed' ? s.phase : 'open'}
    >
      <form
        className="dialog-body"
        aria-busy={applying}
        onSubmit={(e) => {
          e.preventDefault();
          void applyEdit();
        }}
      >
        <header className="dialog-header">
          <h2 id={titleId}>
            Change {LAYER_LABELS[s.layer]} of <span className="mono">{s.ref.key}</span>
          </h2>
          <p className="muted">
            {s.ref.provider} · {s.ref.environment}
          </p>
        </header>

        {!done ? (
          <section className="preview" aria-label="What will change">
            <h3>What will change</h3>
            <ChangeTable changes={s.preview.changes} caption="Planned changes" />
            {s.preview.description.length > 0 ? (
              <>
                <h4>Provider actions</h4>
                <ul className="provider-actions-list">
                  {s.preview.description.map((d, i) => (
                    <li key={i}>{d}</li>
                  ))}
                </ul>
              </>
            ) : null}
          </section>
        ) : null}

        {!done && s.patch ? <AudiencePanel flagRef={s.ref} patch={s.patch} /> : null}

        {!done ? (
          <div className="field">
            <label htmlFor={reasonId}>Reason</label>
            <textarea
              id={reasonId}
              rows={3}
              value={s.reason}
              required
              minLength={MIN_REASON_LENGTH}
              disabled={applying}
              aria-describedby={hintId}
              placeholder="Why are you making this change?"
              onChange={(e) => setChangeReason(e.target.value)}
              data-autofocus
            />
            <span id={hintId} className="hint">
              Required, at least {MIN_REASON_LENGTH} characters. Recorded in the audit log.
            </span>
          </div>
        ) : null}

        {applying ? (
          <div className="progress" aria-live="polite">
            <progress aria-label="Applying change" />
            <span>
              {waitSeconds !== null
                ? `Applying… waiting for rate limit (${waitSeconds}s).`
                : 'Applying… waiting for the provider to confirm.'}
            </span>
          </div>
        ) : null}

        {s.phase === 'failed' && (s.error || s.fieldErrors.length > 0) ? (
          <div role="alert" className="alert alert-error alert-big" data-error-code={s.error?.code}>
            <strong>Change failed.</strong>{' '}
            <span className="error-text">
              {[...s.fieldErrors, s.error?.message].filter(Boolean).join('; ')}
            </span>
            <AuditOutcomeNote message={s.error?.message} />
          </div>
        ) : null}

        {done && s.result ? (
          <ConfirmedResult
            headline="Change applied."
            result={s.result}
            changed={s.preview?.changes.map((c) => c.layer)}
          />
        ) : null}

        <DialogFooter
          done={done}
          onClose={cancelEdit}
          secondary={{ label: 'Back', onClick: backToEdit, disabled: applying }}
        >
          <button type="submit" className="btn btn-primary" disabled={!s.canApply}>
            {applying ? 'Applying…' : 'Apply change'}
          </button>
        </DialogFooter>
      </form>
    </Dialog>
  );
}
