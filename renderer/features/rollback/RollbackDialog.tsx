/**
 * Roll back a flag: choose Kill (kill switch to Killed — everyone gets the fallback)
 * or Revert (restore the last known-good rollout/threshold/model), see exactly
 * what will change, give a reason, confirm, and see the state confirmed by
 * re-reading the provider (or the provider's error).
 *
 * Restore (a Killed flag): the exact inverse of the kill — Serving again with
 * every layer as the provider confirmed it right before the kill — previewed the
 * same way, with a reason, provider-confirmed; it closes the flag's incident.
 */
import { useId } from 'react';
import { useShallow } from 'zustand/react/shallow';
import { ChangeTable, ConfirmedResult } from '../../components/ChangeTable.tsx';
import { Dialog, DialogFooter } from '../../components/Dialog.tsx';
import { SourceBadge } from '../../components/Badges.tsx';
import { formatDateTime } from '../../lib/format.ts';
import { formatLayerValue, LAYER_LABELS } from '../../lib/layer-format.ts';
import {
  chooseRollbackMode,
  closeRollback,
  confirmRollback,
  MIN_ROLLBACK_REASON,
  retryRollback,
  selectCanConfirmRollback,
  selectReasonValid,
  setRollbackReason,
  useRollbackStore,
} from './rollback-store.ts';
import { useProviderWait } from './provider-wait.ts';
import { AuditOutcomeNote } from '../../components/AuditOutcomeNote.tsx';

/** The rollback / restore dialog of the rollback store. */
export function RollbackDialog() {
  const s = useRollbackStore(
    useShallow((st) => ({
      phase: st.phase,
      ref: st.ref,
      intent: st.intent,
      mode: st.mode,
      preview: st.preview,
      reason: st.reason,
      error: st.error,
      result: st.result,
      canConfirm: selectCanConfirmRollback(st),
      reasonValid: selectReasonValid(st),
    })),
  );
  const id = useId();
  const waitSeconds = useProviderWait(s.ref, s.phase === 'executing' || s.phase === 'previewing');
  if (s.phase === 'closed' || !s.ref) return null;

  const titleId = `${id}-title`;
  const killDescId = `${id}-kill-desc`;
  const revertDescId = `${id}-revert-desc`;
  const reasonId = `${id}-reason`;
  const reasonHintId = `${id}-reason-hint`;
  const executing = s.phase === 'executing';
  const done = s.phase === 'succeeded';
  const editable = !executing && !done;
  const restore = s.intent === 'restore';

  return (
    <Dialog
      labelledBy={titleId}
      onRequestClose={closeRollback}
      className={`rollback-dialog ${restore ? 'restore-dialog' : ''}`}
      focusKey={done || s.phase === 'failed' ? s.phase : 'open'}
    >
      <form
        className="dialog-body"
        aria-busy={executing}
        onSubmit={(e) => {
          e.preventDefault();
          void confirmRollback();
        }}
      >
        <header className="dialog-header">
          <h2 id={titleId}>
            {restore ? 'Restore' : 'Roll back'} <span className="mono">{s.ref.key}</span>
          </h2>
          <p className="muted">
            {s.ref.provider} · {s.ref.environment}
            {restore
              ? ' · Serving again, with every layer as the provider confirmed it right before the kill.'
              : ''}
          </p>
        </header>

        <fieldset className="mode-choice" disabled={!editable} hidden={done || restore}>
          <legend>Rollback mode</legend>
          <div className="mode-option">
            <button
              type="button"
              className={`btn mode-btn ${s.mode === 'kill' ? 'is-selected' : ''}`}
              aria-pressed={s.mode === 'kill'}
              aria-describedby={killDescId}
              data-autofocus
              onClick={() => void chooseRollbackMode('kill')}
            >
              Kill
            </button>
            <span id={killDescId} className="mode-desc">
              Kill switch to Killed — everyone gets the fallback.
            </span>
          </div>
          <div className="mode-option">
            <button
              type="button"
              className={`btn mode-btn ${s.mode === 'revert' ? 'is-selected' : ''}`}
              aria-pressed={s.mode === 'revert'}
              aria-describedby={revertDescId}
              onClick={() => void chooseRollbackMode('revert')}
            >
              Revert
            </button>
            <span id={revertDescId} className="mode-desc">
              Restore the last known-good rollout, threshold and model from history.
            </span>
          </div>
        </fieldset>

        {s.phase === 'choosing' ? (
          <p className="muted">Choose a mode to see exactly what will change.</p>
        ) : null}
        {s.phase === 'previewing' ? (
          <p className="muted" aria-live="polite" aria-busy="true">
            Asking the provider what will change…
            {waitSeconds !== null ? (
              <span className="rate-limit-wait"> Waiting for rate limit ({waitSeconds}s).</span>
            ) : null}
          </p>
        ) : null}
        {s.phase === 'preview-failed' && s.error ? (
          <div role="alert" className="alert alert-error" data-error-code={s.error.code}>
            <strong>Cannot {s.mode ?? 'roll back'}:</strong> {s.error.message}
          </div>
        ) : null}

        {s.preview && s.phase !== 'succeeded' ? (
          <section className="preview" aria-label="What will change">
            <h3>What will change</h3>
            <ChangeTable changes={s.preview.changes} caption="Rollback changes" />
            {s.mode === 'revert' && s.preview.basis ? (
              <div className="basis" data-history-id={s.preview.basis.id}>
                <h4>Restores the state before history entry #{s.preview.basis.id}</h4>
                <p>
                  <time dateTime={s.preview.basis.at}>{formatDateTime(s.preview.basis.at)}</time> ·{' '}
                  {s.preview.basis.actor ?? 'unknown actor'} · <SourceBadge source={s.preview.basis.source} />{' '}
                  · <span className="mono">{s.preview.basis.eventType}</span>
                </p>
                <ul className="change-lines">
                  {s.preview.basis.changes.map((c) => (
                    <li key={c.layer} data-layer={c.layer}>
                      {LAYER_LABELS[c.layer]}: {formatLayerValue(c.layer, c.before)} →{' '}
                      {formatLayerValue(c.layer, c.after)}
                    </li>
                  ))}
                </ul>
              </div>
            ) : null}
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

        {!done ? (
          <div className="field">
            <label htmlFor={reasonId}>Reason</label>
            <textarea
              id={reasonId}
              value={s.reason}
              required
              minLength={MIN_ROLLBACK_REASON}
              rows={3}
              disabled={executing}
              aria-describedby={reasonHintId}
              aria-invalid={s.reason.length > 0 && !s.reasonValid}
              placeholder={
                restore
                  ? 'Why is it safe to serve again? e.g. upstream fix deployed'
                  : 'Why are you rolling back? e.g. error rate spike after v2.4'
              }
              onChange={(e) => setRollbackReason(e.target.value)}
            />
            <span id={reasonHintId} className="hint">
              Required, at least {MIN_ROLLBACK_REASON} characters. Recorded in the audit and decision logs.
            </span>
          </div>
        ) : null}

        {executing ? (
          <div className="progress" aria-live="polite">
            <progress aria-label={restore ? 'Restoring' : 'Rolling back'} />
            <span>
              {`${restore ? 'Restoring' : 'Rolling back'}… ${
                waitSeconds !== null
                  ? `waiting for rate limit (${waitSeconds}s).`
                  : 'waiting for the provider to confirm.'
              }`}
            </span>
          </div>
        ) : null}

        {s.phase === 'failed' && s.error ? (
          <div role="alert" className="alert alert-error alert-big" data-error-code={s.error.code}>
            <strong>{restore ? 'Restore failed.' : 'Rollback failed.'}</strong> The provider said:{' '}
            <span className="error-text">{s.error.message}</span>
            <AuditOutcomeNote message={s.error.message} />
          </div>
        ) : null}

        {done && s.result ? (
          <ConfirmedResult
            headline={restore ? 'Restored.' : 'Rolled back.'}
            result={s.result}
            changed={s.preview?.changes.map((c) => c.layer)}
          />
        ) : null}

        <DialogFooter
          done={done}
          onClose={closeRollback}
          secondary={{ label: 'Cancel', onClick: closeRollback, disabled: executing }}
        >
          {s.phase === 'failed' ? (
            <button type="button" className="btn" onClick={() => void retryRollback()} data-autofocus>
              Try again
            </button>
          ) : (
            <button
              type="submit"
              className={`btn ${restore ? 'btn-primary' : 'btn-danger'}`}
              disabled={!s.canConfirm}
            >
              {restore
                ? executing
                  ? 'Restoring…'
                  : 'Confirm restore'
                : executing
                  ? 'Rolling back…'
                  : 'Confirm rollback'}
            </button>
          )}
        </DialogFooter>
      </form>
    </Dialog>
  );
}
