/**
 * The staged rollout of one flag (`#/flag/<provider>/<environment>/<key>/rollout`): the stage
 * timeline (where the flag is, how long is left), the gate checklist (what it waits for), the
 * operator's buttons (start / advance with the gate's evidence, pause, resume, approve, roll back —
 * each confirmed with a reason), the live guardrail board, and the plan editor.
 * Live: re-reads on `rollout.changed` / `monitor.decision` events of the flag.
 */
import { FlagCrumbs } from '../navigation/FlagCrumbs.tsx';
import { useEffect } from 'react';
import { useShallow } from 'zustand/react/shallow';
import type { FlagRef } from '../../../shared/domain.ts';
import { Dialog } from '../../components/Dialog.tsx';
import { ErrorState, LoadingState } from '../../components/States.tsx';
import { useNow } from '../../lib/clock.ts';
import { formatDateTime, formatPercent } from '../../lib/format.ts';
import { showCompare, showDecisions, showIncidents } from '../navigation/navigation-store.ts';
import { openAction, resetActionStore, type RolloutActionKind } from './action-store.ts';
import { GateChecklist } from './GateChecklist.tsx';
import { GuardrailBoard } from './GuardrailBoard.tsx';
import { GuardrailDialog } from './GuardrailDialog.tsx';
import { PlanEditor } from './PlanEditor.tsx';
import { availableActions } from './timeline-model.ts';
import { RolloutActionDialog } from './RolloutActionDialog.tsx';
import {
  askRemoveGuardrail,
  cancelRemoveGuardrail,
  confirmRemoveGuardrail,
  evaluateNow,
  loadRollout,
  openEditor,
  openGuardrailForm,
  openRollout,
  resetRolloutStore,
  startRolloutLive,
  useRolloutStore,
} from './rollout-store.ts';
import { StageTimeline } from './StageTimeline.tsx';

function RemoveGuardrailDialog() {
  const removing = useRolloutStore((s) => s.removing);
  if (!removing) return null;
  const busy = removing.status === 'removing';
  return (
    <Dialog labelledBy="ro-remove-title" onRequestClose={cancelRemoveGuardrail}>
      <div className="dialog-body">
        <header className="dialog-header">
          <h2 id="ro-remove-title">
            Remove guardrail <span className="mono">{removing.id}</span>?
          </h2>
          <p className="muted">
            The monitor stops watching this metric for the flag. Past decisions stay in the log.
          </p>
        </header>
        {removing.status === 'failed' && removing.error ? (
          <div role="alert" className="alert alert-error">
            <span className="error-text">{removing.error.message}</span>
          </div>
        ) : null}
        <footer className="dialog-footer">
          <button type="button" className="btn btn-ghost" onClick={cancelRemoveGuardrail} disabled={busy}>
            Cancel
          </button>
          <button
            type="button"
            className="btn btn-danger"
            disabled={busy}
            data-autofocus
            onClick={() => void confirmRemoveGuardrail()}
          >
            {busy ? 'Removing…' : 'Remove guardrail'}
          </button>
        </footer>
      </div>
    </Dialog>
  );
}

/**
 * The staged-rollout page of a flag; opens it in the rollout store and keeps it live while shown;
 * leaving resets the rollout and action stores.
 */
export function RolloutPage({ flagRef }: { flagRef: FlagRef }) {
  const { provider, environment, key } = flagRef;
  useEffect(() => {
    void openRollout({ provider, environment, key });
    const stop = startRolloutLive();
    return () => {
      stop();
      resetRolloutStore();
      resetActionStore();
    };
  }, [provider, environment, key]);

  const s = useRolloutStore(
    useShallow((st) => ({
      status: st.status,
      view: st.view,
      error: st.error,
      defined: st.defined,
      editorOpen: st.editor.open,
      evaluating: st.evaluating,
      evaluateError: st.evaluateError,
      lastRun: st.lastRun,
      readOnly: st.readOnly,
    })),
  );
  const now = useNow();
  const view = s.view;
  const can = availableActions(view);
  const plan = view?.plan ?? null;
  const idx = view?.state?.stageIndex ?? -1;
  const stageText = (i: number) => {
    const st = plan?.stages[i];
    return st ? `stage ${i + 1} “${st.name}” (${formatPercent(st.targetPercent)})` : null;
  };
  const act = (kind: RolloutActionKind) =>
    openAction(
      kind,
      flagRef,
      kind === 'restart'
        ? { gate: view?.gate ?? null, currentStage: null, nextStage: stageText(idx), toStage: idx }
        : {
            gate: view?.gate ?? null,
            currentStage: idx >= 0 ? stageText(idx) : null,
            nextStage: stageText(idx + 1),
          },
      () => void loadRollout(true),
    );
  const stateIds = new Set(view?.guardrails.map((g) => g.guardrail.id));
  const pending = s.defined.map((g) => g.id).filter((id) => !stateIds.has(id));

  return (
    <div className="flag-page rollout-page">
      <FlagCrumbs flagRef={flagRef} page="staged rollout" />
      <header className="flag-header" data-flag-key={key}>
        <div className="flag-title">
          <h2>
            Staged rollout · <span className="mono">{key}</span>
          </h2>
        </div>
        {plan ? <p className="flag-sub muted">{plan.name}</p> : null}
        <div className="flag-actions" aria-label="Rollout actions">
          {can.start ? (
            <button type="button" className="btn btn-primary" data-write onClick={() => act('start')}>
              Start rollout
            </button>
          ) : null}
          {can.advance ? (
            <button type="button" className="btn btn-primary" data-write onClick={() => act('advance')}>
              Advance to next stage…
            </button>
          ) : null}
          {can.restart ? (
            <button type="button" className="btn" data-write onClick={() => act('restart')}>
              Restart at this stage…
            </button>
          ) : null}
          {can.approve ? (
            <button type="button" className="btn" data-write onClick={() => act('approve')}>
              Approve stage
            </button>
          ) : null}
          {can.pause ? (
            <button type="button" className="btn" data-write onClick={() => act('pause')}>
              Pause
            </button>
          ) : null}
          {can.resume ? (
            <button type="button" className="btn" data-write onClick={() => act('resume')}>
              Resume
            </button>
          ) : null}
          {can.rollback ? (
            <button type="button" className="btn btn-danger" data-write onClick={() => act('rollback')}>
              Roll back…
            </button>
          ) : null}
          <button
            type="button"
            className="btn btn-ghost"
            data-write
            disabled={s.evaluating}
            onClick={() => void evaluateNow()}
          >
            {s.evaluating ? 'Evaluating…' : 'Evaluate now'}
          </button>
          <button type="button" className="btn btn-ghost" onClick={() => void loadRollout(true)}>
            Refresh
          </button>
        </div>
        <p className="small ro-links">
          <button type="button" className="link-button" onClick={() => showDecisions(flagRef)}>
            Decision log of this flag
          </button>{' '}
          ·{' '}
          <button type="button" className="link-button" onClick={showIncidents}>
            Incident mode
          </button>{' '}
          ·{' '}
          <button type="button" className="link-button" onClick={() => showCompare(flagRef)}>
            Compare cohorts (metrics)
          </button>
        </p>
      </header>

      {s.evaluateError ? (
        <div role="alert" className="alert alert-error">
          Evaluation failed: <span className="error-text">{s.evaluateError.message}</span>
        </div>
      ) : null}
      {s.lastRun ? (
        <p className="muted small" role="status" data-testid="last-run">
          Evaluated at {formatDateTime(s.lastRun.at)}: {s.lastRun.guardrails} guardrail
          {s.lastRun.guardrails === 1 ? '' : 's'},{' '}
          {s.lastRun.decisions.length
            ? `decisions: ${s.lastRun.decisions.map((d) => d.action).join(', ')}`
            : 'no decision'}
          .
        </p>
      ) : null}
      {s.status === 'ready' && s.error ? (
        <div role="alert" className="alert alert-error">
          Refresh failed: <span className="error-text">{s.error.message}</span> (showing the last state)
        </div>
      ) : null}
      {s.readOnly ? (
        <p className="muted small">Read-only session: showing the monitor’s last evaluation.</p>
      ) : null}

      {s.status === 'loading' || s.status === 'idle' ? <LoadingState what="the rollout" /> : null}
      {s.status === 'error' && s.error ? (
        <ErrorState error={s.error} what="the rollout" onRetry={() => void loadRollout(true)} />
      ) : null}

      {view ? (
        <>
          {plan ? (
            <div className="ro-grid">
              <StageTimeline view={view} now={now} />
              <GateChecklist gate={view.gate} />
            </div>
          ) : !s.editorOpen ? (
            <div className="state state-empty panel" data-empty="no-plan">
              <h2>No rollout plan for {key}</h2>
              <p>
                A plan is a list of stages — target %, audience, minimum observation time and sample — with a
                gate each stage must pass before the next. Start from a template or size the stages with the
                planner.
              </p>
              <button type="button" className="btn btn-primary" data-write onClick={openEditor}>
                Create a plan
              </button>
            </div>
          ) : null}
          {s.editorOpen ? (
            <PlanEditor hasPlan={!!plan} />
          ) : plan ? (
            <div className="flag-actions">
              <button type="button" className="btn btn-small" data-write onClick={openEditor}>
                Edit plan
              </button>
            </div>
          ) : null}

          <section className="panel" aria-labelledby="ro-board-h">
            <div className="ro-section-head">
              <h3 id="ro-board-h">Guardrail board</h3>
              <button type="button" className="btn btn-small" data-write onClick={() => openGuardrailForm()}>
                Add guardrail
              </button>
            </div>
            {view.guardrails.length === 0 && pending.length === 0 ? (
              <p className="muted" data-empty="no-guardrails">
                No guardrails on this flag. A guardrail watches one metric (e.g. error rate above 2 %, p95
                latency above 200 ms) and notifies, pauses or rolls back when it breaks.
              </p>
            ) : (
              <GuardrailBoard
                states={view.guardrails}
                pending={pending}
                onEdit={(id) => openGuardrailForm(id)}
                onRemove={askRemoveGuardrail}
              />
            )}
          </section>
        </>
      ) : null}
      <GuardrailDialog />
      <RemoveGuardrailDialog />
      <RolloutActionDialog />
    </div>
  );
}
