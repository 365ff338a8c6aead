/**
 * "Add metric": a small form for a metric definition, sent to `metrics.define` (the server
 * validates). A Prometheus metric picks one of the allow-listed data sources (`sources.list`); the
 * list is set on the machine running the control room (`rcr sources add`), never from this form.
 */
import { useId } from 'react';
import { useShallow } from 'zustand/react/shallow';
import type { Direction, MetricKind } from '../../../shared/metrics.ts';
import { Dialog } from '../../components/Dialog.tsx';
import { closeDefine, setDefineField, submitDefine, useCompareStore } from './compare-store.ts';

const KINDS: MetricKind[] = ['binomial', 'continuous', 'ratio', 'quantile'];

/** The "Add metric" dialog of the compare store (rendered only while `define.open`). */
export function AddMetricDialog() {
  const id = useId();
  const { open, draft, status, error, splitDefault, shareEdited, sources, sourcesError } = useCompareStore(
    useShallow((s) => ({
      open: s.define.open,
      draft: s.define.draft,
      status: s.define.status,
      error: s.define.error,
      splitDefault: s.define.splitDefault,
      shareEdited: s.define.shareEdited,
      sources: s.define.sources,
      sourcesError: s.define.sourcesError,
    })),
  );
  if (!open) return null;
  const saving = status === 'saving';
  const prom = draft.sourceType === 'prometheus';
  const text = (
    key:
      | 'name'
      | 'unit'
      | 'query'
      | 'denominator'
      | 'controlVariant'
      | 'treatmentVariant'
      | 'expectedControlShare',
    label: string,
    extra: { placeholder?: string; mono?: boolean; hint?: string; wide?: boolean } = {},
  ) => (
    <div className={extra.wide ? 'field field-wide' : 'field'}>
      <label htmlFor={`${id}-${key}`}>{label}</label>
      <input
        id={`${id}-${key}`}
        type="text"
        className={extra.mono ? 'mono' : undefined}
        value={draft[key]}
        disabled={saving}
        autoComplete="off"
        spellCheck={false}
        placeholder={extra.placeholder}
        onChange={(e) => setDefineField({ [key]: e.target.value })}
        {...(key === 'name' ? { 'data-autofocus': true } : {})}
      />
      {extra.hint ? <span className="hint">{extra.hint}</span> : null}
    </div>
  );

  return (
    <Dialog
      labelledBy={`${id}-title`}
      onRequestClose={closeDefine}
      className="define-dialog"
      focusKey={status}
    >
      <form
        className="dialog-body"
        noValidate
        aria-busy={saving}
        onSubmit={(e) => {
          e.preventDefault();
          void submitDefine();
        }}
      >
        <header className="dialog-header">
          <h2 id={`${id}-title`}>Add metric</h2>
        </header>
        <div className="define-grid">
          {text('name', 'Name', { placeholder: 'e.g. answer_accepted', mono: true })}
          <div className="field">
            <label htmlFor={`${id}-kind`}>Kind</label>
            <select
              id={`${id}-kind`}
              value={draft.kind}
              disabled={saving}
              onChange={(e) => setDefineField({ kind: e.target.value as MetricKind })}
            >
              {KINDS.map((k) => (
                <option key={k} value={k}>
                  {k}
                </option>
              ))}
            </select>
          </div>
          <div className="field">
            <label htmlFor={`${id}-direction`}>Direction</label>
            <select
              id={`${id}-direction`}
              value={draft.direction}
              disabled={saving}
              onChange={(e) => setDefineField({ direction: e.target.value as Direction })}
            >
              <option value="higher-is-better">higher is better</option>
              <option value="lower-is-better">lower is better</option>
            </select>
          </div>
          {text('unit', 'Unit', { placeholder: 'e.g. ms' })}
          <div className="field">
            <label htmlFor={`${id}-source`}>Source</label>
            <select
              id={`${id}-source`}
              value={draft.sourceType}
              disabled={saving}
              onChange={(e) => setDefineField({ sourceType: e.target.value as 'events' | 'prometheus' })}
            >
              <option value="events">imported events</option>
              <option value="prometheus">Prometheus</option>
            </select>
          </div>
          {text('controlVariant', 'Control variant')}
          {text('treatmentVariant', 'Treatment variant')}
          {text('expectedControlShare', 'Expected control share', {
            placeholder: 'e.g. 0.9',
            wide: true,
            hint: `For the sample-ratio check (control share of the two cohorts). ${
              shareEdited ? 'Empty = no check.' : (splitDefault?.text ?? "Loading the flag's split…")
            }`,
          })}
        </div>
        {prom ? (
          <>
            <div className="field field-wide">
              <label htmlFor={`${id}-dataSource`}>Prometheus source</label>
              <select
                id={`${id}-dataSource`}
                value={draft.dataSource}
                disabled={saving || !sources?.length}
                aria-describedby={`${id}-dataSource-hint`}
                onChange={(e) => setDefineField({ dataSource: e.target.value })}
              >
                {sources === null ? <option value="">Loading…</option> : null}
                {sources?.length === 0 ? <option value="">none allow-listed</option> : null}
                {sources?.map((s) => (
                  <option key={s.name} value={s.name}>
                    {s.name} — {s.url}
                  </option>
                ))}
              </select>
              <span id={`${id}-dataSource-hint`} className="hint">
                {sourcesError
                  ? `The allow-list could not be read: ${sourcesError.message}`
                  : 'Only allow-listed sources can be queried. To add one, on the machine running the control room: '}
                {sourcesError ? null : (
                  <span className="mono">rcr sources add prometheus --name NAME --url URL</span>
                )}
              </span>
            </div>
            {text('query', 'Query template', {
              placeholder: 'sum(rate(errors_total{variant="{{variant}}"}[1m]))',
              mono: true,
              hint: 'PromQL with a {{variant}} placeholder.',
            })}
            {text('denominator', 'Denominator template (optional)', {
              placeholder: 'sum(rate(requests_total{variant="{{variant}}"}[1m]))',
              mono: true,
            })}
          </>
        ) : null}
        <label className="field-inline checkbox-line">
          <input
            type="checkbox"
            checked={draft.guardrail}
            disabled={saving}
            onChange={(e) => setDefineField({ guardrail: e.target.checked })}
          />
          Guardrail (must not get worse; not part of the multiple-testing adjustment)
        </label>
        {status === 'failed' && error ? (
          <div role="alert" className="alert alert-error" data-error-code={error.code}>
            <strong>Could not save the metric.</strong> <span className="error-text">{error.message}</span>
          </div>
        ) : null}
        <footer className="dialog-footer">
          <button type="button" className="btn btn-ghost" onClick={closeDefine}>
            Cancel
          </button>
          <button type="submit" className="btn btn-primary" disabled={saving || draft.name.trim() === ''}>
            {saving ? 'Saving…' : 'Save metric'}
          </button>
        </footer>
      </form>
    </Dialog>
  );
}
