/** Coverage / precision / recall / FPR at the candidate for each model version × segment (one cached sweep per slice). */
import { useId } from 'react';
import { useShallow } from 'zustand/react/shallow';
import type { PredictionLog, Slice } from '../../../shared/simulator.ts';
import { pointAt, sideBySideSlices, sliceKey, thresholdText } from './simulator-model.ts';
import { loadSweep, setSlice, useSimulatorStore } from './simulator-store.ts';
import { formatCount, formatPct } from './projection.ts';

/** A slice in words: `v2.4 · consumer`, `all versions · all segments`. */
export function sliceLabel(slice: Slice): string {
  return `${slice.modelVersion ?? 'all versions'} · ${slice.segment ?? 'all segments'}`;
}

/** The side-by-side table of a log's slices at the `candidate` threshold (0–1). */
export function SideBySide({ log, candidate }: { log: PredictionLog; candidate: number }) {
  const id = useId();
  const { sweeps, shown } = useSimulatorStore(useShallow((s) => ({ sweeps: s.sweeps, shown: s.slice })));
  const { slices, total } = sideBySideSlices(log);
  return (
    <section className="panel" aria-labelledby={`${id}-h`}>
      <h3 id={`${id}-h`}>
        Side by side at <span className="num">{thresholdText(candidate)}</span>
      </h3>
      <div className="table-scroll">
        <table className="sim-table" aria-label="Side by side">
          <thead>
            <tr>
              <th scope="col">Model version</th>
              <th scope="col">Segment</th>
              <th scope="col" className="num">
                Predictions
              </th>
              <th scope="col" className="num">
                Coverage
              </th>
              <th scope="col" className="num">
                Precision (95% interval)
              </th>
              <th scope="col" className="num">
                Recall
              </th>
              <th scope="col" className="num">
                FPR
              </th>
              <th scope="col">
                <span className="sr-only">Actions</span>
              </th>
            </tr>
          </thead>
          <tbody>
            {slices.map((slice) => {
              const key = sliceKey(log.id, slice);
              const entry = sweeps[key];
              const p = entry?.series ? pointAt(entry.series, candidate) : null;
              const isShown = slice.modelVersion === shown.modelVersion && slice.segment === shown.segment;
              return (
                <tr
                  key={key}
                  className={`${isShown ? 'is-shown' : ''} ${slice.segment === null ? 'is-subtotal' : ''}`}
                  data-model-version={slice.modelVersion ?? 'all'}
                  data-segment={slice.segment ?? 'all'}
                >
                  <th scope="row" className="mono">
                    {slice.modelVersion ?? 'all'}
                  </th>
                  <td>{slice.segment ?? 'all'}</td>
                  {entry?.status === 'error' ? (
                    <td colSpan={5} className="error-text">
                      {entry.error?.message}{' '}
                      <button type="button" className="btn btn-small" onClick={() => void loadSweep(slice)}>
                        Retry
                      </button>
                    </td>
                  ) : !p ? (
                    <td colSpan={5} className="muted" aria-busy="true">
                      loading…
                    </td>
                  ) : (
                    <>
                      <td className="num">{formatCount(p.n)}</td>
                      <td className="num" data-col="coverage">
                        {formatPct(p.coverage)}
                      </td>
                      <td className="num" data-col="precision">
                        {p.precision === null || !p.precisionCi ? (
                          <span className="muted">undefined: nothing covered</span>
                        ) : (
                          <>
                            {formatPct(p.precision)}{' '}
                            <span className="muted">
                              ({formatPct(p.precisionCi[0])}–{formatPct(p.precisionCi[1])})
                            </span>
                          </>
                        )}
                      </td>
                      <td className="num" data-col="recall">
                        {p.recall === null ? <span className="muted">undefined</span> : formatPct(p.recall)}
                      </td>
                      <td className="num" data-col="fpr">
                        {p.fpr === null ? <span className="muted">undefined</span> : formatPct(p.fpr)}
                      </td>
                    </>
                  )}
                  <td>
                    {isShown ? (
                      <span className="muted small">in charts</span>
                    ) : (
                      <button
                        type="button"
                        className="btn btn-ghost btn-small"
                        aria-label={`Show ${sliceLabel(slice)} in the charts`}
                        onClick={() => setSlice(slice)}
                      >
                        Show
                      </button>
                    )}
                  </td>
                </tr>
              );
            })}
          </tbody>
        </table>
      </div>
      {total > slices.length ? (
        <p className="muted">
          Showing the first {slices.length} of {total} slices; pick a model version and segment above for the
          others.
        </p>
      ) : null}
    </section>
  );
}
