/**
 * The plan editor: start from a template or size the stages with the planner (power analysis),
 * edit every stage (target %, audience, minimum observation and sample, gate margin, approvals,
 * auto-advance), then save (`rollout.savePlan`; a new plan starts as a draft, nothing is sent).
 */
import { isPlaceholderKey } from '../../../shared/rollout-templates.ts';
import { useId } from 'react';
import { useShallow } from 'zustand/react/shallow';
import { formatDateTime, formatDuration } from '../../lib/format.ts';
import { splitList, type AudienceType, type StageDraft } from './plan-form.ts';
import { describePlannerInputs, type PlannerDraft } from './planner-draft.ts';
import {
  addStage,
  chooseTemplate,
  closeEditor,
  removeStage,
  runPlanner,
  savePlan,
  setPlanName,
  setPlannerField,
  setStageField,
  togglePlanner,
  useRolloutStore,
} from './rollout-store.ts';

function PlannerForm() {
  const { planner, status } = useRolloutStore(
    useShallow((s) => ({ planner: s.editor.planner, status: s.editor.status })),
  );
  const id = useId();
  const busy = status === 'planning' || status === 'saving';
  const input = (key: keyof PlannerDraft, label: string, hint?: string) => (
    <div className="field">
      <label htmlFor={`${id}-${key}`}>{label}</label>
      <input
        id={`${id}-${key}`}
        type="text"
        inputMode="decimal"
        value={planner[key]}
        disabled={busy}
        onChange={(e) => setPlannerField({ [key]: e.target.value } as Partial<PlannerDraft>)}
      />
      {hint ? <span className="hint">{hint}</span> : null}
    </div>
  );
  return (
    <fieldset className="ro-planner" aria-describedby={`${id}-desc`}>
      <legend>Planner (power analysis)</legend>
      <p id={`${id}-desc`} className="muted small">
        Each stage waits until both cohorts reach the sample that detects the regression at α (one-sided) with
        the chosen power, within the minimum and maximum observation time.
      </p>
      <div className="define-grid">
        {input('trafficPerDay', 'Traffic per day (units)')}
        <div className="field">
          <label htmlFor={`${id}-kind`}>Metric</label>
          <select
            id={`${id}-kind`}
            value={planner.metricKind}
            disabled={busy}
            onChange={(e) => setPlannerField({ metricKind: e.target.value as PlannerDraft['metricKind'] })}
          >
            <option value="proportion">a rate (e.g. error rate)</option>
            <option value="mean">a mean (e.g. latency)</option>
          </select>
        </div>
        {planner.metricKind === 'proportion' ? (
          input('baselineRatePercent', 'Baseline rate (%)', 'e.g. 2 for a 2 % error rate')
        ) : (
          <>
            {input('baselineMean', 'Baseline mean')}
            {input('sd', 'Standard deviation')}
          </>
        )}
        {input('minDetectablePercent', 'Smallest regression to catch (% relative)', 'e.g. 20 = +20 %')}
        {input('alpha', 'α (one-sided)')}
        {input('power', 'Power')}
        {input('minObservationDays', 'Minimum days per stage')}
        {input('maxObservationDays', 'Maximum days per stage')}
        {input('controlSharePercent', 'Control share of the rest (%)')}
      </div>
      <button type="button" className="btn" disabled={busy} onClick={() => void runPlanner()}>
        {status === 'planning' ? 'Computing…' : 'Compute stage durations'}
      </button>
    </fieldset>
  );
}

function PlannerResultView() {
  const planner = useRolloutStore((s) => s.editor.draft.planner);
  if (!planner) return null;
  return (
    <section className="ro-planner-result" aria-label="Planner result">
      <h4>This plan came from</h4>
      <ul className="small">
        {describePlannerInputs(planner.inputs).map((line) => (
          <li key={line}>{line}</li>
        ))}
        <li>
          sample per cohort <strong>{planner.samplePerCohort.toLocaleString('en-US')}</strong> (
          {planner.method})
        </li>
      </ul>
      <p className="small">
        Expected calendar: {formatDuration(planner.totalDurationMs)} in all, ending{' '}
        <time dateTime={planner.endsAt}>{formatDateTime(planner.endsAt)}</time>.
      </p>
      <ol className="small ro-calendar">
        {planner.stages.map((s) => (
          <li key={s.stageIndex} data-stage={s.stageIndex}>
            stage {s.stageIndex + 1}: {formatDuration(s.durationMs)} (
            <time dateTime={s.startsAt}>{formatDateTime(s.startsAt)}</time> →{' '}
            <time dateTime={s.endsAt}>{formatDateTime(s.endsAt)}</time>)
            {s.sampleShortfall ? (
              <strong className="ro-warn-text"> · sample short at the maximum time</strong>
            ) : null}
          </li>
        ))}
      </ol>
    </section>
  );
}

/** The text fields of a stage draft (every field but the audience kind and auto-advance). */
type StageTextField = Exclude<keyof StageDraft, 'audienceType' | 'autoAdvance'>;

function StageRow({ index, stage, disabled }: { index: number; stage: StageDraft; disabled: boolean }) {
  const n = index + 1;
  const set = (patch: Partial<StageDraft>) => setStageField(index, patch);
  const text = (
    field: StageTextField,
    label: string,
    o: { inputMode?: 'decimal' | 'numeric'; narrow?: boolean; placeholder?: string; title?: string } = {},
  ) => (
    <input
      type="text"
      inputMode={o.inputMode}
      className={o.narrow ? 'input-narrow' : undefined}
      aria-label={`Stage ${n} ${label}`}
      placeholder={o.placeholder}
      title={o.title}
      value={stage[field]}
      disabled={disabled}
      onChange={(e) => set({ [field]: e.target.value })}
    />
  );
  return (
    <tr data-stage={index}>
      <th scope="row">{n}</th>
      <td>{text('name', 'name')}</td>
      <td>{text('targetPercent', 'target %', { inputMode: 'decimal', narrow: true })}</td>
      <td>
        <select
          aria-label={`Stage ${n} audience`}
          value={stage.audienceType}
          disabled={disabled}
          onChange={(e) => set({ audienceType: e.target.value as AudienceType })}
        >
          <option value="everyone">everyone</option>
          <option value="allow-list">allow-list</option>
          <option value="segment">segment</option>
        </select>
        {stage.audienceType === 'allow-list'
          ? text('audienceKeys', 'allow-list keys', { placeholder: 'key-1, key-2' })
          : null}
        {stage.audienceType === 'allow-list' && splitList(stage.audienceKeys).some(isPlaceholderKey) ? (
          <span className="field-error small" role="note" data-placeholder-stage={index}>
            Replace the placeholder with your real targeting keys: a stage with a placeholder cannot start.
          </span>
        ) : null}
        {stage.audienceType === 'segment' ? text('segment', 'segment', { placeholder: 'power-users' }) : null}
      </td>
      <td>{text('minObservation', 'minimum observation', { narrow: true, title: 'e.g. 3d, 12h, 30m' })}</td>
      <td>{text('minSample', 'minimum sample per cohort', { inputMode: 'numeric', narrow: true })}</td>
      <td>
        {text('marginPercent', 'non-inferiority margin %', { inputMode: 'decimal', narrow: true })}
        {text('businessMetrics', 'business metrics', { placeholder: 'all metrics' })}
      </td>
      <td>{text('approvals', 'approvals required', { inputMode: 'numeric', narrow: true })}</td>
      <td>
        <input
          type="checkbox"
          aria-label={`Stage ${n} auto-advance`}
          checked={stage.autoAdvance}
          disabled={disabled}
          onChange={(e) => set({ autoAdvance: e.target.checked })}
        />
      </td>
      <td>
        <button
          type="button"
          className="btn btn-small btn-ghost"
          aria-label={`Remove stage ${n}`}
          disabled={disabled}
          onClick={() => removeStage(index)}
        >
          ✕
        </button>
      </td>
    </tr>
  );
}

/** The plan editor; `hasPlan` tells whether a saved plan is being edited or a new one made. */
export function PlanEditor({ hasPlan }: { hasPlan: boolean }) {
  const { editor, templates, templatesError } = useRolloutStore(
    useShallow((s) => ({ editor: s.editor, templates: s.templates, templatesError: s.templatesError })),
  );
  const id = useId();
  const busy = editor.status === 'saving' || editor.status === 'planning';
  const template = templates.find((t) => t.id === editor.draft.templateId);
  return (
    <section className="panel ro-editor" aria-labelledby={`${id}-h`} data-write>
      <div className="ro-section-head">
        <h3 id={`${id}-h`}>{hasPlan ? 'Edit the rollout plan' : 'New rollout plan'}</h3>
      </div>
      <form
        noValidate
        onSubmit={(e) => {
          e.preventDefault();
          void savePlan();
        }}
      >
        <div className="define-grid">
          <div className="field">
            <label htmlFor={`${id}-template`}>Template</label>
            <select
              id={`${id}-template`}
              value={editor.draft.templateId ?? ''}
              disabled={busy}
              onChange={(e) => chooseTemplate(e.target.value)}
            >
              <option value="" disabled>
                {editor.draft.templateId ? 'custom' : 'choose a template…'}
              </option>
              {templates.map((t) => (
                <option key={t.id} value={t.id}>
                  {t.name}
                </option>
              ))}
            </select>
            {template ? (
              <span className="hint">
                {template.description} Based on {template.source}.
              </span>
            ) : null}
            {templatesError ? <span className="field-error">{templatesError.message}</span> : null}
          </div>
          <div className="field">
            <label htmlFor={`${id}-name`}>Plan name</label>
            <input
              id={`${id}-name`}
              type="text"
              value={editor.draft.name}
              disabled={busy}
              onChange={(e) => setPlanName(e.target.value)}
            />
          </div>
        </div>
        <div className="table-scroll">
          <table className="sim-table ro-stage-table" aria-label="Plan stages">
            <thead>
              <tr>
                <th scope="col">#</th>
                <th scope="col">Name</th>
                <th scope="col">Target %</th>
                <th scope="col">Audience</th>
                <th scope="col">Min observation</th>
                <th scope="col">Min sample / cohort</th>
                <th scope="col">Gate: margin % · metrics</th>
                <th scope="col">Approvals</th>
                <th scope="col">Auto-advance</th>
                <th scope="col">
                  <span className="sr-only">Remove</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {editor.draft.stages.map((s, i) => (
                <StageRow key={i} index={i} stage={s} disabled={busy} />
              ))}
            </tbody>
          </table>
        </div>
        <div className="flag-actions">
          <button
            type="button"
            className="btn btn-small"
            disabled={busy || editor.draft.stages.length >= 20}
            onClick={addStage}
          >
            Add stage
          </button>
          <button
            type="button"
            className="btn btn-small btn-ghost"
            aria-expanded={editor.plannerOpen}
            onClick={() => togglePlanner()}
          >
            {editor.plannerOpen ? 'Hide the planner' : 'Size stages with the planner…'}
          </button>
        </div>
        {editor.plannerOpen ? <PlannerForm /> : null}
        <PlannerResultView />
        {editor.status === 'failed' && editor.error ? (
          <div role="alert" className="alert alert-error" data-error-code={editor.error.code}>
            <strong>{editor.fieldErrors.length ? 'Fix the plan:' : 'Not saved.'}</strong>{' '}
            {editor.fieldErrors.length ? (
              <ul>
                {editor.fieldErrors.map((e) => (
                  <li key={e.path + e.message} className="error-text">
                    {e.message}
                  </li>
                ))}
              </ul>
            ) : (
              <span className="error-text">{editor.error.message}</span>
            )}
          </div>
        ) : null}
        <footer className="dialog-footer">
          {hasPlan ? (
            <button type="button" className="btn btn-ghost" disabled={busy} onClick={closeEditor}>
              Cancel
            </button>
          ) : null}
          <button
            type="submit"
            className="btn btn-primary"
            disabled={busy || editor.draft.stages.length === 0}
          >
            {editor.status === 'saving' ? 'Saving…' : 'Save plan'}
          </button>
        </footer>
      </form>
    </section>
  );
}
