/** "Add guardrail" / "Edit guardrail": metric, kind with its limits, action, streak, window, sample. */
import { useId } from 'react';
import { useShallow } from 'zustand/react/shallow';
import { Dialog } from '../../components/Dialog.tsx';
import type { GuardrailDraft, GuardrailKindType } from './guardrail-draft.ts';
import { ROLLBACK_TARGET_LABEL } from './rollout-format.ts';
import { closeGuardrailForm, setGuardrailField, submitGuardrail, useRolloutStore } from './rollout-store.ts';

const KINDS: { key: GuardrailKindType; label: string }[] = [
  { key: 'absolute', label: 'Absolute limit (e.g. error rate above 0.05)' },
  { key: 'relative-to-control', label: 'Relative to control (e.g. above 2× control)' },
  { key: 'relative-to-baseline', label: 'Relative to a baseline (e.g. above 3× baseline)' },
  { key: 'drift', label: 'Drift tiers from a baseline (warn / critical / roll back)' },
  { key: 'statistical', label: 'Statistical (sequential interval of treatment − control)' },
];

function Field({
  id,
  label,
  hint,
  children,
}: {
  id: string;
  label: string;
  hint?: string;
  children: React.ReactNode;
}) {
  return (
    <div className="field">
      <label htmlFor={id}>{label}</label>
      {children}
      {hint ? <span className="hint">{hint}</span> : null}
    </div>
  );
}

/** The guardrail dialog of the rollout store. */
export function GuardrailDialog() {
  const { form, metrics } = useRolloutStore(
    useShallow((s) => ({ form: s.guardrailForm, metrics: s.metrics })),
  );
  const id = useId();
  if (!form.open) return null;
  const d = form.draft;
  const set = (patch: Partial<GuardrailDraft>) => setGuardrailField(patch);
  const saving = form.status === 'saving';
  const quantileOk = d.kindType !== 'statistical';
  const text = (
    key: keyof GuardrailDraft,
    label: string,
    hint?: string,
    inputMode: 'decimal' | 'numeric' = 'decimal',
  ) => (
    <Field id={`${id}-${key}`} label={label} hint={hint}>
      <input
        id={`${id}-${key}`}
        type="text"
        inputMode={inputMode}
        value={d[key] as string}
        disabled={saving}
        onChange={(e) => set({ [key]: e.target.value } as Partial<GuardrailDraft>)}
      />
    </Field>
  );
  return (
    <Dialog labelledBy={`${id}-title`} onRequestClose={closeGuardrailForm} className="ro-guardrail-dialog">
      <form
        className="dialog-body"
        noValidate
        aria-busy={saving}
        onSubmit={(e) => {
          e.preventDefault();
          void submitGuardrail();
        }}
      >
        <header className="dialog-header">
          <h2 id={`${id}-title`}>{form.editing ? `Edit guardrail ${d.id}` : 'Add guardrail'}</h2>
          <p className="muted">
            A guardrail watches one metric of this flag every monitor run. No data never passes: after the
            breaches-in-a-row limit without data the rollout pauses.
          </p>
        </header>
        {metrics.length === 0 ? (
          <div role="alert" className="alert alert-error">
            This flag has no metrics yet. Define one on the “Compare cohorts” page first.
          </div>
        ) : null}
        <div className="define-grid">
          <Field id={`${id}-id`} label="Guardrail id" hint='Letters, digits, "_", ".", ":" and "-".'>
            <input
              id={`${id}-id`}
              type="text"
              className="mono"
              value={d.id}
              disabled={saving || form.editing}
              autoComplete="off"
              data-autofocus
              onChange={(e) => set({ id: e.target.value })}
            />
          </Field>
          <Field id={`${id}-metric`} label="Metric">
            <select
              id={`${id}-metric`}
              value={d.metric}
              disabled={saving}
              onChange={(e) => set({ metric: e.target.value })}
            >
              {d.metric && !metrics.some((m) => m.name === d.metric) ? (
                <option value={d.metric}>{d.metric} (not defined)</option>
              ) : null}
              {metrics.map((m) => (
                <option key={m.name} value={m.name}>
                  {m.name} ({m.kind}, {m.direction})
                </option>
              ))}
            </select>
          </Field>
          <Field id={`${id}-kind`} label="Kind">
            <select
              id={`${id}-kind`}
              value={d.kindType}
              disabled={saving}
              onChange={(e) => set({ kindType: e.target.value as GuardrailKindType })}
            >
              {KINDS.map((k) => (
                <option key={k.key} value={k.key}>
                  {k.label}
                </option>
              ))}
            </select>
          </Field>
          {quantileOk ? (
            <Field id={`${id}-statistic`} label="Statistic" hint="p50/p95/p99 need a quantile metric.">
              <select
                id={`${id}-statistic`}
                value={d.statistic}
                disabled={saving}
                onChange={(e) => set({ statistic: e.target.value as GuardrailDraft['statistic'] })}
              >
                <option value="mean">mean (rate for binomial metrics)</option>
                <option value="p50">p50</option>
                <option value="p95">p95</option>
                <option value="p99">p99</option>
              </select>
            </Field>
          ) : null}
          {d.kindType === 'absolute' ||
          d.kindType === 'relative-to-control' ||
          d.kindType === 'relative-to-baseline' ? (
            <Field id={`${id}-breach`} label="Breached when the value is">
              <select
                id={`${id}-breach`}
                value={d.breachWhen}
                disabled={saving}
                onChange={(e) => set({ breachWhen: e.target.value as 'above' | 'below' })}
              >
                <option value="above">above the limit</option>
                <option value="below">below the limit</option>
              </select>
            </Field>
          ) : null}
          {d.kindType === 'absolute'
            ? text('limit', 'Limit', 'In the metric’s units (a rate as 0–1).')
            : null}
          {d.kindType === 'relative-to-control' || d.kindType === 'relative-to-baseline'
            ? text('factor', 'Factor (×)', 'e.g. 2 = twice the reference.')
            : null}
          {d.kindType === 'relative-to-baseline' || d.kindType === 'drift'
            ? text('baseline', 'Baseline')
            : null}
          {d.kindType === 'drift' ? (
            <>
              {text('warnPercent', 'Warn tier (% deviation)')}
              {text('criticalPercent', 'Critical tier (% deviation)')}
              {text('rollbackPercent', 'Roll-back tier (% deviation)', 'Acts at once.')}
              <Field id={`${id}-side`} label="Deviations that count">
                <select
                  id={`${id}-side`}
                  value={d.side}
                  disabled={saving}
                  onChange={(e) => set({ side: e.target.value as GuardrailDraft['side'] })}
                >
                  <option value="both">both sides</option>
                  <option value="above">only above the baseline</option>
                  <option value="below">only below the baseline</option>
                </select>
              </Field>
            </>
          ) : null}
          {d.kindType === 'statistical' ? (
            <>
              {text('limit', 'Limit on Δ (treatment − control)', '0 = “significantly worse at all”.')}
              {text('alpha', 'α (one-sided)')}
            </>
          ) : null}
          <Field id={`${id}-action`} label="Action when it fires">
            <select
              id={`${id}-action`}
              value={d.action}
              disabled={saving}
              onChange={(e) => set({ action: e.target.value as GuardrailDraft['action'] })}
            >
              <option value="notify">notify</option>
              <option value="pause">pause (hold at the current stage)</option>
              <option value="rollback">roll back</option>
            </select>
          </Field>
          {d.action === 'rollback' ? (
            <Field id={`${id}-target`} label="Roll back to">
              <select
                id={`${id}-target`}
                value={d.rollbackTarget}
                disabled={saving}
                onChange={(e) => set({ rollbackTarget: e.target.value as GuardrailDraft['rollbackTarget'] })}
              >
                {(Object.keys(ROLLBACK_TARGET_LABEL) as GuardrailDraft['rollbackTarget'][]).map((t) => (
                  <option key={t} value={t}>
                    {ROLLBACK_TARGET_LABEL[t]}
                  </option>
                ))}
              </select>
            </Field>
          ) : null}
          {text(
            'consecutiveBreaches',
            'Breaches in a row before acting',
            'SRM and the drift roll-back tier act at once.',
            'numeric',
          )}
          {text(
            'windowMinutes',
            'Window (minutes)',
            d.kindType === 'statistical'
              ? 'While a stage is live a statistical guardrail reads the whole stage so far (always-valid); the window is used otherwise.'
              : undefined,
            'numeric',
          )}
          {text(
            'minSamplePerCohort',
            'Minimum sample per cohort',
            'Below it the guardrail reports no data.',
            'numeric',
          )}
        </div>
        {form.status === 'failed' && form.error ? (
          <div role="alert" className="alert alert-error" data-error-code={form.error.code}>
            <strong>Not saved.</strong> <span className="error-text">{form.error.message}</span>
          </div>
        ) : null}
        <footer className="dialog-footer">
          <button type="button" className="btn btn-ghost" onClick={closeGuardrailForm} disabled={saving}>
            Cancel
          </button>
          <button type="submit" className="btn btn-primary" disabled={saving || metrics.length === 0}>
            {saving ? 'Saving…' : 'Save guardrail'}
          </button>
        </footer>
      </form>
    </Dialog>
  );
}
