/**
 * Target (min precision, optionally on the interval's lower bound, or max FPR) → lowest threshold
 * per slice, with "Use", and the verdict: meets the target / not enough data to tell (with the
 * labelled predictions needed) / roll back the model.
 */
import { memo, useId } from 'react';
import { useShallow } from 'zustand/react/shallow';
import type { Recommendation, RecommendationStatus, Slice } from '../../../shared/simulator.ts';
import { formatThreshold } from '../../lib/layer-format.ts';
import { gridAtOrAbove, thresholdText } from './simulator-model.ts';
import { runRecommend, setCandidate, setSlice, setTarget, useSimulatorStore } from './simulator-store.ts';
import { formatCount, formatPct } from './projection.ts';
import { sliceLabel } from './SideBySide.tsx';

function UseButton({ threshold, slice }: { threshold: number; slice: Slice }) {
  const t = gridAtOrAbove(threshold);
  return (
    <button
      type="button"
      className="btn btn-small"
      aria-label={`Use ${thresholdText(t)} for ${sliceLabel(slice)}`}
      title={`Move the candidate to ${thresholdText(t)}${
        t !== threshold ? ` (the 0.001 step at or above ${formatThreshold(threshold)})` : ''
      } and show this slice in the charts`}
      onClick={() => {
        setSlice(slice);
        setCandidate(t);
      }}
    >
      Use
    </button>
  );
}

const STATUS_TEXT: Record<RecommendationStatus, string> = {
  met: 'Meets target',
  'not-met': 'Roll back the model',
  'insufficient-data': 'Not enough data',
};

/** The verdict cell: a status badge, the labelled predictions needed, and the full sentence. */
function Verdict({ r }: { r: Recommendation }) {
  return (
    <>
      <span className={`badge rec-status rec-status-${r.status}`}>{STATUS_TEXT[r.status]}</span>
      {r.status === 'insufficient-data' && r.neededLabelled !== null ? (
        <span className="rec-needed">≈ {formatCount(r.neededLabelled)} more labelled predictions needed</span>
      ) : null}
      <span className="rec-message">{r.message}</span>
    </>
  );
}

/**
 * The Recommendations panel: the target form (values checked as typed, messages next to the
 * fields) and one row per model version × segment with the lowest threshold meeting the target,
 * its coverage and precision (95% interval), the verdict (status badge, labelled predictions
 * needed, the core's sentence) and "Use".
 */
export const Recommendations = memo(function Recommendations() {
  const id = useId();
  const { target, status, items, error, fieldErrors } = useSimulatorStore(
    useShallow((s) => ({
      target: s.target,
      status: s.recommendStatus,
      items: s.recommendations,
      error: s.recommendError,
      fieldErrors: s.targetFieldErrors,
    })),
  );
  const precisionError = fieldErrors.minPrecision;
  const fprError = fieldErrors.maxFpr;
  const precision = target.kind === 'min-precision';
  return (
    <section className="panel" aria-labelledby={`${id}-h`}>
      <h3 id={`${id}-h`}>Recommendations</h3>
      <form
        className="target-form"
        noValidate
        onSubmit={(e) => {
          e.preventDefault();
          void runRecommend();
        }}
      >
        <fieldset className="radio-group">
          <legend className="sr-only">Target</legend>
          <label>
            <input
              type="radio"
              name={`${id}-kind`}
              checked={precision}
              onChange={() => setTarget({ kind: 'min-precision' })}
            />
            Minimum precision
          </label>
          <label>
            <input
              type="radio"
              name={`${id}-kind`}
              checked={!precision}
              onChange={() => setTarget({ kind: 'max-fpr' })}
            />
            Maximum FPR
          </label>
        </fieldset>
        {precision ? (
          <>
            <div className="sim-field">
              <label className="field-inline">
                Minimum precision (0–1)
                <input
                  type="text"
                  inputMode="decimal"
                  className="num input-narrow"
                  value={target.minPrecision}
                  aria-invalid={precisionError ? true : undefined}
                  aria-describedby={precisionError ? `${id}-min-err` : undefined}
                  onChange={(e) => setTarget({ minPrecision: e.target.value })}
                />
              </label>
              {precisionError ? (
                <span id={`${id}-min-err`} className="field-error" role="alert">
                  {precisionError}
                </span>
              ) : null}
            </div>
            <label className="field-inline">
              <input
                type="checkbox"
                checked={target.useLowerBound}
                onChange={(e) => setTarget({ useLowerBound: e.target.checked })}
              />
              Use the interval&apos;s lower bound
            </label>
          </>
        ) : (
          <div className="sim-field">
            <label className="field-inline">
              Maximum FPR (0–1)
              <input
                type="text"
                inputMode="decimal"
                className="num input-narrow"
                value={target.maxFpr}
                aria-invalid={fprError ? true : undefined}
                aria-describedby={fprError ? `${id}-fpr-err` : undefined}
                onChange={(e) => setTarget({ maxFpr: e.target.value })}
              />
            </label>
            {fprError ? (
              <span id={`${id}-fpr-err`} className="field-error" role="alert">
                {fprError}
              </span>
            ) : null}
          </div>
        )}
        <button type="submit" className="btn" disabled={status === 'loading'}>
          {status === 'loading' ? 'Finding…' : 'Recommend'}
        </button>
      </form>

      {status === 'error' && error ? (
        <div role="alert" className="alert alert-error">
          Could not compute recommendations: <span className="error-text">{error.message}</span>
        </div>
      ) : null}
      {status === 'ready' && items.length === 0 ? <p className="muted">No slices to recommend for.</p> : null}
      {items.length > 0 ? (
        <div className="table-scroll" aria-busy={status === 'loading'}>
          <table className="sim-table rec-table" aria-label="Recommended thresholds">
            <thead>
              <tr>
                <th scope="col">Model version</th>
                <th scope="col">Segment</th>
                <th scope="col" className="num">
                  Threshold
                </th>
                <th scope="col" className="num">
                  Coverage
                </th>
                <th scope="col" className="num">
                  Precision
                </th>
                <th scope="col">Verdict</th>
                <th scope="col" className="rec-action">
                  <span className="sr-only">Actions</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {items.map((r) => (
                <tr
                  key={`${r.slice.modelVersion}|${r.slice.segment}`}
                  className={r.threshold === null ? 'is-unmet' : ''}
                  data-model-version={r.slice.modelVersion ?? 'all'}
                  data-segment={r.slice.segment ?? 'all'}
                  data-status={r.status}
                >
                  <th scope="row" className="mono rec-slice">
                    {r.slice.modelVersion ?? 'all'}
                  </th>
                  <td className="rec-slice">{r.slice.segment ?? 'all'}</td>
                  <td className="num">{r.threshold === null ? '—' : formatThreshold(r.threshold)}</td>
                  <td className="num">{r.point ? formatPct(r.point.coverage) : '—'}</td>
                  <td className="num">
                    {r.point?.precision != null ? formatPct(r.point.precision) : '—'}
                    {r.point?.precisionCi ? (
                      <span className="muted rec-ci">
                        {formatPct(r.point.precisionCi[0])}–{formatPct(r.point.precisionCi[1])}
                      </span>
                    ) : null}
                  </td>
                  <td className={`rec-verdict rec-verdict-${r.status}`}>
                    <Verdict r={r} />
                  </td>
                  <td className="rec-action">
                    {r.threshold !== null ? <UseButton threshold={r.threshold} slice={r.slice} /> : null}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      ) : status === 'loading' ? (
        <p className="muted" aria-busy="true">
          Finding thresholds…
        </p>
      ) : null}
    </section>
  );
});
