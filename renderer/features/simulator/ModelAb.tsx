/**
 * Model A/B: control vs treatment model version at their thresholds → ship / hold / roll back /
 * inconclusive / insufficient, decided by the 95% Newcombe interval of the precision difference
 * (computed in the core); the same interval is drawn next to the verdict.
 */
import { useId } from 'react';
import { useShallow } from 'zustand/react/shallow';
import type { AbResult, PredictionLog, SweepPoint } from '../../../shared/simulator.ts';
import { thresholdText, type AbField } from './simulator-model.ts';
import { runAb, setAbDraft, useSimulatorStore } from './simulator-store.ts';
import { diffAxis, formatPp } from './diff-axis.ts';
import { formatCount, formatPct } from './projection.ts';
import { SegmentSelect } from './SegmentSelect.tsx';

const DECISION_TEXT: Record<AbResult['decision'], string> = {
  ship: 'Ship',
  hold: 'Hold',
  'roll-back': 'Roll back',
  inconclusive: 'Inconclusive',
  insufficient: 'Insufficient data',
};

function precisionText(p: SweepPoint): string {
  if (p.precision === null || !p.precisionCi) return 'undefined: nothing covered';
  return `${formatPct(p.precision)} (${formatPct(p.precisionCi[0])}–${formatPct(p.precisionCi[1])})`;
}

const W = 560;
const H = 74;
const PAD = 14;

/**
 * The precision difference (treatment − control) with its 95% interval on an axis where the
 * decision regions are shaded: below 0 roll back, 0 to the margin hold, from the margin on ship.
 */
function DiffIntervalPlot({
  diffPp,
  ciPp,
  marginPp,
}: {
  diffPp: number;
  ciPp: readonly [number, number];
  marginPp: number;
}) {
  const axis = diffAxis(ciPp[0], ciPp[1], marginPp);
  const x = (v: number) => PAD + ((v - axis.min) / (axis.max - axis.min)) * (W - 2 * PAD);
  const y = 30;
  const label = `Precision difference ${formatPp(diffPp)}, 95% interval ${formatPp(ciPp[0])} to ${formatPp(
    ciPp[1],
  )}; 0 and the ${formatPp(marginPp)} ship margin are marked`;
  return (
    <svg
      className="ab-diff-plot"
      viewBox={`0 0 ${W} ${H}`}
      role="img"
      aria-label={label}
      data-testid="ab-diff-interval"
      data-lo={ciPp[0]}
      data-hi={ciPp[1]}
      data-diff={diffPp}
    >
      <rect className="region-roll-back" x={x(axis.min)} y={8} width={x(0) - x(axis.min)} height={44} />
      <rect className="region-hold" x={x(0)} y={8} width={x(marginPp) - x(0)} height={44} />
      <rect className="region-ship" x={x(marginPp)} y={8} width={x(axis.max) - x(marginPp)} height={44} />
      <line className="axis-line" x1={PAD} x2={W - PAD} y1={52} y2={52} />
      {axis.ticks.map((t) => (
        <g key={t}>
          <line className="axis-tick" x1={x(t)} x2={x(t)} y1={52} y2={56} />
          <text className="axis-label" x={x(t)} y={68} textAnchor="middle">
            {t === 0 ? '0' : `${t > 0 ? '+' : '−'}${Math.abs(t)}`}
          </text>
        </g>
      ))}
      <line className="ref-zero" x1={x(0)} x2={x(0)} y1={8} y2={52} />
      <line className="ref-margin" x1={x(marginPp)} x2={x(marginPp)} y1={8} y2={52} />
      <text className="ref-label" x={x(marginPp) + 3} y={18}>
        margin
      </text>
      <line className="ci-bar" x1={x(ciPp[0])} x2={x(ciPp[1])} y1={y} y2={y} />
      <line className="ci-cap" x1={x(ciPp[0])} x2={x(ciPp[0])} y1={y - 7} y2={y + 7} />
      <line className="ci-cap" x1={x(ciPp[1])} x2={x(ciPp[1])} y1={y - 7} y2={y + 7} />
      <circle className="ci-point" cx={x(diffPp)} cy={y} r={4.5} />
    </svg>
  );
}

/** A labelled text field with its plain-language error next to it. */
function NumberField({
  label,
  value,
  error,
  errorId,
  onChange,
}: {
  label: string;
  value: string;
  error: string | undefined;
  errorId: string;
  onChange: (v: string) => void;
}) {
  return (
    <div className="sim-field">
      <label className="field-inline">
        {label}
        <input
          type="text"
          inputMode="decimal"
          className="num input-narrow"
          value={value}
          aria-invalid={error ? true : undefined}
          aria-describedby={error ? errorId : undefined}
          onChange={(e) => onChange(e.target.value)}
        />
      </label>
      {error ? (
        <span id={errorId} className="field-error" role="alert">
          {error}
        </span>
      ) : null}
    </div>
  );
}

function AbVerdict({ result, marginPp }: { result: AbResult; marginPp: number }) {
  const ci = result.precisionDiffCiPp;
  return (
    <div className="ab-verdict">
      <div className="ab-verdict-head">
        <span className={`badge badge-decision-${result.decision}`}>{DECISION_TEXT[result.decision]}</span>
        {result.precisionDiffPp !== null && ci ? (
          <span className="ab-diff-text" data-testid="ab-diff-text">
            Precision difference (treatment − control) <strong>{formatPp(result.precisionDiffPp)}</strong>,
            95% interval <strong>{formatPp(ci[0])}</strong> to <strong>{formatPp(ci[1])}</strong>
          </span>
        ) : null}
      </div>
      {result.precisionDiffPp !== null && ci ? (
        <DiffIntervalPlot diffPp={result.precisionDiffPp} ciPp={ci} marginPp={marginPp} />
      ) : null}
      <p className="ab-rationale">{result.rationale}</p>
    </div>
  );
}

/**
 * The Model A/B panel of a log: control and treatment model version and threshold (checked as
 * typed, with messages next to the fields), segment and ship margin; the verdict with the
 * difference's 95% interval drawn next to it, and the per-arm sample when inconclusive.
 * @param log the open prediction log (needs ≥ 2 model versions for an A/B)
 * @param candidate the candidate threshold (0–1), offered for the treatment
 */
export function ModelAb({ log, candidate }: { log: PredictionLog; candidate: number }) {
  const id = useId();
  const { ab, status, result, resultFor, error, fieldErrors } = useSimulatorStore(
    useShallow((s) => ({
      ab: s.ab,
      status: s.abStatus,
      result: s.abResult,
      resultFor: s.abResultFor,
      error: s.abError,
      fieldErrors: s.abFieldErrors,
    })),
  );
  const errorId = (f: AbField) => `${id}-${f.replace('.', '-')}-err`;
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
                <div className="sim-field">
                  <label className="field-inline">
                    Model version
                    <select
                      value={ab[side].modelVersion}
                      aria-invalid={fieldErrors[`${side}.modelVersion`] ? true : undefined}
                      aria-describedby={
                        fieldErrors[`${side}.modelVersion`] ? errorId(`${side}.modelVersion`) : undefined
                      }
                      onChange={(e) => setAbDraft({ [side]: { modelVersion: e.target.value } })}
                    >
                      {log.modelVersions.map((v) => (
                        <option key={v} value={v}>
                          {v}
                        </option>
                      ))}
                    </select>
                  </label>
                  {fieldErrors[`${side}.modelVersion`] ? (
                    <span id={errorId(`${side}.modelVersion`)} className="field-error" role="alert">
                      {fieldErrors[`${side}.modelVersion`]}
                    </span>
                  ) : null}
                </div>
                <NumberField
                  label="Threshold"
                  value={ab[side].threshold}
                  error={fieldErrors[`${side}.threshold`]}
                  errorId={errorId(`${side}.threshold`)}
                  onChange={(threshold) => setAbDraft({ [side]: { threshold } })}
                />
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
              <NumberField
                label="Ship margin (pp)"
                value={ab.shipMarginPp}
                error={fieldErrors.shipMarginPp}
                errorId={errorId('shipMarginPp')}
                onChange={(shipMarginPp) => setAbDraft({ shipMarginPp })}
              />
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
              <AbVerdict result={result} marginPp={Number(resultFor.shipMarginPp)} />
              <div className="table-scroll">
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
                      <th scope="col">Difference (95% interval)</th>
                    </tr>
                  </thead>
                  <tbody>
                    <tr>
                      <th scope="row">Precision (95% interval)</th>
                      <td className="num">{precisionText(result.control)}</td>
                      <td className="num">{precisionText(result.treatment)}</td>
                      <td className="num">
                        {result.precisionDiffPp === null ? 'undefined' : formatPp(result.precisionDiffPp)}
                        {result.precisionDiffCiPp ? (
                          <span className="muted">
                            {' '}
                            ({formatPp(result.precisionDiffCiPp[0])} to{' '}
                            {formatPp(result.precisionDiffCiPp[1])})
                          </span>
                        ) : null}
                      </td>
                    </tr>
                    <tr>
                      <th scope="row">Covered predictions</th>
                      <td className="num">{formatCount(result.control.covered)}</td>
                      <td className="num">{formatCount(result.treatment.covered)}</td>
                      <td className="num"></td>
                    </tr>
                    {result.decision === 'inconclusive' &&
                    result.neededPerArm !== null &&
                    result.neededLabelled ? (
                      <tr data-testid="ab-needed">
                        <th scope="row">Needed to tell (80% power)</th>
                        <td className="num">
                          {formatCount(result.neededPerArm)} covered ≈{' '}
                          {formatCount(result.neededLabelled.control)} labelled
                        </td>
                        <td className="num">
                          {formatCount(result.neededPerArm)} covered ≈{' '}
                          {formatCount(result.neededLabelled.treatment)} labelled
                        </td>
                        <td></td>
                      </tr>
                    ) : null}
                    <tr>
                      <th scope="row">Coverage</th>
                      <td className="num">{formatPct(result.control.coverage)}</td>
                      <td className="num">{formatPct(result.treatment.coverage)}</td>
                      <td className="num">{formatPp(result.coverageDiffPp)}</td>
                    </tr>
                  </tbody>
                </table>
              </div>
              <p className="muted small">
                Segment: {resultFor.segment ?? 'all'} · ship margin {resultFor.shipMarginPp} pp · ship when
                the interval&apos;s lower bound is at least the margin, roll back when its upper bound is
                below 0, hold when it lies between; otherwise inconclusive (Newcombe hybrid score interval,
                1998).
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
