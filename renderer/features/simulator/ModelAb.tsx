/** Model A/B: control vs treatment model version at their thresholds → ship / hold / roll back / insufficient. */
import { useId } from 'react';
import { useShallow } from 'zustand/react/shallow';
import type { AbResult, PredictionLog, SweepPoint } from '../../../shared/simulator.ts';
import { runAb, setAbDraft, thresholdText, useSimulatorStore } from '../../stores/simulator-store.ts';
import { formatPct } from './projection.ts';
import { SegmentSelect } from './SegmentSelect.tsx';

const DECISION_TEXT: Record<AbResult['decision'], string> = {
  ship: 'Ship',
  hold: 'Hold',
  'roll-back': 'Roll back',
  insufficient: 'Insufficient data',
};

function pp(v: number | null): string {
  if (v === null) return 'undefined';
  return `${v > 0 ? '+' : v < 0 ? '−' : ''}${Math.abs(v).toFixed(1)} pp`;
}

function precisionText(p: SweepPoint): string {
  if (p.precision === null || !p.precisionCi) return 'undefined: nothing covered';
  return `${formatPct(p.precision)} (${formatPct(p.precisionCi[0])}–${formatPct(p.precisionCi[1])})`;
}

export function ModelAb({ log, candidate }: { log: PredictionLog; candidate: number }) {
  const id = useId();
  const { ab, status, result, resultFor, error } = useSimulatorStore(
    useShallow((s) => ({
      ab: s.ab,
      status: s.abStatus,
      result: s.abResult,
      resultFor: s.abResultFor,
      error: s.abError,
    })),
  );
  return (
    <section className="panel" aria-labelledby={`${id}-h`}>
      <h3 id={`${id}-h`}>Model A/B</h3>
      {!ab ? (
        <p className="muted">
          This log has {log.modelVersions.length === 1 ? 'one model version' : 'no model versions'}; an A/B
          needs two (a <span className="mono">model_version</span> column with at least two values).
        </p>
      ) : (
        <>
          <form
            className="ab-form"
            noValidate
            onSubmit={(e) => {
              e.preventDefault();
              void runAb();
            }}
          >
            {(['control', 'treatment'] as const).map((side) => (
              <fieldset key={side} className="ab-side">
                <legend>{side === 'control' ? 'Control' : 'Treatment'}</legend>
                <label className="field-inline">
                  Model version
                  <select
                    value={ab[side].modelVersion}
                    onChange={(e) => setAbDraft({ [side]: { modelVersion: e.target.value } })}
                  >
                    {log.modelVersions.map((v) => (
                      <option key={v} value={v}>
                        {v}
                      </option>
                    ))}
                  </select>
                </label>
                <label className="field-inline">
                  Threshold
                  <input
                    type="text"
                    inputMode="decimal"
                    className="num input-narrow"
                    value={ab[side].threshold}
                    onChange={(e) => setAbDraft({ [side]: { threshold: e.target.value } })}
                  />
                </label>
                {side === 'treatment' && ab.treatment.threshold !== thresholdText(candidate) ? (
                  <button
                    type="button"
                    className="btn btn-ghost btn-small"
                    onClick={() => setAbDraft({ treatment: { threshold: thresholdText(candidate) } })}
                  >
                    Use candidate {thresholdText(candidate)}
                  </button>
                ) : null}
              </fieldset>
            ))}
            <div className="ab-common">
              <SegmentSelect
                segments={log.segments}
                value={ab.segment}
                onChange={(segment) => setAbDraft({ segment })}
              />
              <label className="field-inline">
                Ship margin (pp)
                <input
                  type="text"
                  inputMode="decimal"
                  className="num input-narrow"
                  value={ab.shipMarginPp}
                  onChange={(e) => setAbDraft({ shipMarginPp: e.target.value })}
                />
              </label>
              <button type="submit" className="btn" disabled={status === 'loading'}>
                {status === 'loading' ? 'Comparing…' : 'Compare'}
              </button>
            </div>
          </form>

          {status === 'error' && error ? (
            <div role="alert" className="alert alert-error">
              Could not compare: <span className="error-text">{error.message}</span>
            </div>
          ) : null}

          {result && resultFor ? (
            <div
              className={`ab-result decision-${result.decision}`}
              data-decision={result.decision}
              aria-live="polite"
            >
              <p>
                <span className={`badge badge-decision-${result.decision}`}>
                  {DECISION_TEXT[result.decision]}
                </span>{' '}
                <span className="ab-rationale">{result.rationale}</span>
              </p>
              <table className="sim-table compact" aria-label="A/B comparison">
                <thead>
                  <tr>
                    <th scope="col"></th>
                    <th scope="col">
                      Control <span className="mono">{resultFor.control.modelVersion}</span> @{' '}
                      {resultFor.control.threshold}
                    </th>
                    <th scope="col">
                      Treatment <span className="mono">{resultFor.treatment.modelVersion}</span> @{' '}
                      {resultFor.treatment.threshold}
                    </th>
                    <th scope="col">Difference</th>
                  </tr>
                </thead>
                <tbody>
                  <tr>
                    <th scope="row">Precision (95% interval)</th>
                    <td className="num">{precisionText(result.control)}</td>
                    <td className="num">{precisionText(result.treatment)}</td>
                    <td className="num">{pp(result.precisionDiffPp)}</td>
                  </tr>
                  <tr>
                    <th scope="row">Coverage</th>
                    <td className="num">{formatPct(result.control.coverage)}</td>
                    <td className="num">{formatPct(result.treatment.coverage)}</td>
                    <td className="num">{pp(result.coverageDiffPp)}</td>
                  </tr>
                </tbody>
              </table>
              <p className="muted small">
                Segment: {resultFor.segment ?? 'all'} · ship margin {resultFor.shipMarginPp} pp
              </p>
            </div>
          ) : status === 'loading' ? (
            <p className="muted" aria-busy="true">
              Comparing…
            </p>
          ) : null}
        </>
      )}
    </section>
  );
}
