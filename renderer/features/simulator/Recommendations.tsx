/** Target (min precision, optionally on the interval's lower bound, or max FPR) → lowest threshold per slice, with "Use". */
import { memo, useId } from 'react';
import { useShallow } from 'zustand/react/shallow';
import type { Slice } from '../../../shared/simulator.ts';
import { formatThreshold } from '../../lib/format.ts';
import {
  gridAtOrAbove,
  runRecommend,
  setCandidate,
  setSlice,
  setTarget,
  thresholdText,
  useSimulatorStore,
} from '../../stores/simulator-store.ts';
import { formatPct } from './projection.ts';
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

export const Recommendations = memo(function Recommendations() {
  const id = useId();
  const { target, status, items, error } = useSimulatorStore(
    useShallow((s) => ({
      target: s.target,
      status: s.recommendStatus,
      items: s.recommendations,
      error: s.recommendError,
    })),
  );
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
            <label className="field-inline">
              Minimum precision (0–1)
              <input
                type="text"
                inputMode="decimal"
                className="num input-narrow"
                value={target.minPrecision}
                onChange={(e) => setTarget({ minPrecision: e.target.value })}
              />
            </label>
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
          <label className="field-inline">
            Maximum FPR (0–1)
            <input
              type="text"
              inputMode="decimal"
              className="num input-narrow"
              value={target.maxFpr}
              onChange={(e) => setTarget({ maxFpr: e.target.value })}
            />
          </label>
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
          <table className="sim-table" aria-label="Recommended thresholds">
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
                <th scope="col">
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
                >
                  <th scope="row" className="mono">
                    {r.slice.modelVersion ?? 'all'}
                  </th>
                  <td>{r.slice.segment ?? 'all'}</td>
                  <td className="num">{r.threshold === null ? '—' : formatThreshold(r.threshold)}</td>
                  <td className="num">{r.point ? formatPct(r.point.coverage) : '—'}</td>
                  <td className="num">
                    {r.point?.precision != null ? formatPct(r.point.precision) : '—'}
                    {r.point?.precisionCi ? (
                      <span className="muted">
                        {' '}
                        ({formatPct(r.point.precisionCi[0])}–{formatPct(r.point.precisionCi[1])})
                      </span>
                    ) : null}
                  </td>
                  <td className={`verdict ${r.threshold === null ? 'verdict-unmet' : 'muted'}`}>
                    {r.message}
                  </td>
                  <td>
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
