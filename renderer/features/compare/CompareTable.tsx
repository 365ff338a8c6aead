/** The metric comparison table: one row per metric, treatment − control. */
import type { MetricComparison } from '../../../shared/metrics.ts';
import { effectiveResult, selectMetric } from '../../stores/compare-store.ts';
import {
  formatAbsolute,
  formatArmValue,
  formatCi,
  formatLift,
  formatN,
  formatP,
  VERDICT_TEXT,
} from './format.ts';

function Arm({ row, side }: { row: MetricComparison; side: 'control' | 'treatment' }) {
  const arm = row[side];
  return (
    <td className="num">
      {formatArmValue(row.metric, arm)}
      <div className="muted small">n {formatN(arm.n)}</div>
    </td>
  );
}

export function CompareTable({
  rows,
  sequential,
  selected,
}: {
  rows: readonly MetricComparison[];
  sequential: boolean;
  selected: string | null;
}) {
  return (
    <div className="table-scroll">
      <table className="sim-table compare-table" aria-label="Metric comparison">
        <thead>
          <tr>
            <th scope="col">Metric</th>
            <th scope="col">Control</th>
            <th scope="col">Treatment</th>
            <th scope="col">Difference ({sequential ? 'sequential' : 'fixed-horizon'} CI)</th>
            <th
              scope="col"
              title="The core computes lift intervals with the fixed-horizon method in both modes."
            >
              Lift (fixed-horizon CI)
            </th>
            <th scope="col">p-value (adjusted)</th>
            <th scope="col">Verdict</th>
          </tr>
        </thead>
        <tbody>
          {rows.map((row) => {
            const m = row.metric;
            const eff = effectiveResult(row, sequential);
            const isSelected = m.name === selected;
            return (
              <tr
                key={m.name}
                data-metric={m.name}
                data-verdict={row.verdict}
                aria-selected={isSelected}
                className={isSelected ? 'selected' : undefined}
              >
                <th scope="row">
                  <button
                    type="button"
                    className="link-button mono"
                    title="Show its time series"
                    onClick={() => void selectMetric(m.name)}
                  >
                    {m.name}
                  </button>
                  {m.guardrail ? <span className="badge badge-guardrail">guardrail</span> : null}
                  <div className="muted small">
                    {m.kind}
                    {m.unit ? ` · ${m.unit}` : ''} · {m.direction === 'higher-is-better' ? '↑' : '↓'}{' '}
                    {m.direction}
                  </div>
                </th>
                <Arm row={row} side="control" />
                <Arm row={row} side="treatment" />
                <td className="num">
                  {row.absolute ? formatAbsolute(m, row.absolute.estimate) : '—'}
                  {eff ? (
                    <div className="muted small">{formatCi(eff.ci, (v) => formatAbsolute(m, v))}</div>
                  ) : null}
                </td>
                <td className="num">
                  {row.relative ? formatLift(row.relative.estimate) : '—'}
                  {row.relative ? (
                    <div className="muted small">{formatCi(row.relative.ci, formatLift)}</div>
                  ) : null}
                </td>
                <td className="num">
                  {formatP(eff?.pValue)}
                  {row.adjustedPValue !== null ? (
                    <div className="muted small">adj. {formatP(row.adjustedPValue)}</div>
                  ) : m.guardrail ? (
                    <div className="muted small">not adjusted</div>
                  ) : null}
                </td>
                <td>
                  <span className={`verdict verdict-${row.verdict}`}>{VERDICT_TEXT[row.verdict]}</span>
                  {row.note ? <div className="muted small verdict-note">{row.note}</div> : null}
                </td>
              </tr>
            );
          })}
        </tbody>
      </table>
    </div>
  );
}
