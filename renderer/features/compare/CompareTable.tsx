/**
 * The metric comparison table: one row per metric, treatment − control.
 *
 * Each row shows ONE statistic (`row.statistic`: a rate, a mean, or a quantile such as p95) in
 * its control, treatment, difference and lift cells, each cell naming it; and ONE method
 * (`row.method`): the difference and lift intervals, the p-value and the verdict all come from
 * it, each interval naming it (a quantile row stays fixed-horizon in sequential mode and says so).
 */
import type { MetricComparison } from '../../../shared/metrics.ts';
import { effectiveResult } from './compare-model.ts';
import { selectMetric } from './compare-store.ts';
import { formatAbsolute, formatStatistic, METHOD_TEXT, VERDICT_TEXT } from './compare-format.ts';
import { formatCi, formatLift, formatN, formatP } from '../../lib/format.ts';

function StatLabel({ row }: { row: MetricComparison }) {
  return (
    <span className="stat-label" title={statTitle(row)}>
      {row.statistic.label}
    </span>
  );
}

const statTitle = (row: MetricComparison): string =>
  row.statistic.quantile !== null
    ? `The ${row.statistic.label} (${row.statistic.quantile * 100}th percentile) of each cohort`
    : row.metric.kind === 'binomial'
      ? 'The rate (successes / n) of each cohort'
      : row.metric.kind === 'ratio'
        ? 'The mean of the per-minute values of each cohort'
        : 'The mean of each cohort';

function Arm({ row, side }: { row: MetricComparison; side: 'control' | 'treatment' }) {
  return (
    <td className="num" data-col={side}>
      <StatLabel row={row} /> {formatStatistic(row.metric, row.statistic[side])}
      <div className="muted small">n {formatN(row[side].n)}</div>
    </td>
  );
}

/** The comparison table; a metric's name button selects it for the time series. */
export function CompareTable({
  rows,
  sequential,
  selected,
}: {
  rows: readonly MetricComparison[];
  /** The requested mode; a row whose method differs (quantiles) says so itself. */
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
            <th scope="col" title="Treatment − control of the row's statistic, with its interval">
              Difference (CI)
            </th>
            <th
              scope="col"
              title="(Treatment − control) / |control| of the row's statistic, with its interval"
            >
              Lift (CI)
            </th>
            <th scope="col">p-value (adjusted)</th>
            <th scope="col">Verdict</th>
          </tr>
        </thead>
        <tbody>
          {rows.map((row) => {
            const m = row.metric;
            const eff = effectiveResult(row);
            const method = eff ? METHOD_TEXT[eff.method] : null;
            const isSelected = m.name === selected;
            const otherMode = row.method.kind !== (sequential ? 'sequential' : 'fixed-horizon');
            return (
              <tr
                key={m.name}
                data-metric={m.name}
                data-verdict={row.verdict}
                data-method={row.method.kind}
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
                <td className="num" data-col="difference">
                  {eff ? (
                    <>
                      <StatLabel row={row} /> {formatAbsolute(m, eff.estimate)}
                      <div className="muted small ci-line">
                        <span className="ci-method">{method} CI</span>{' '}
                        <span className="ci-bounds">{formatCi(eff.ci, (v) => formatAbsolute(m, v))}</span>
                      </div>
                    </>
                  ) : (
                    '—'
                  )}
                </td>
                <td className="num" data-col="lift">
                  {eff?.lift ? (
                    <>
                      <StatLabel row={row} /> {formatLift(eff.lift.estimate)}
                      <div
                        className="muted small ci-line"
                        title={
                          eff.lift.ci
                            ? undefined
                            : `The control ${row.statistic.label} is not yet distinguishable from 0, so the lift has no bounded interval`
                        }
                      >
                        <span className="ci-method">{method} CI</span>{' '}
                        <span className="ci-bounds">
                          {eff.lift.ci ? formatCi(eff.lift.ci, formatLift) : 'unbounded'}
                        </span>
                      </div>
                    </>
                  ) : (
                    '—'
                  )}
                </td>
                <td className="num" data-col="p">
                  {formatP(eff?.pValue)}
                  {row.adjustedPValue !== null ? (
                    <div className="muted small">adj. {formatP(row.adjustedPValue)}</div>
                  ) : m.guardrail ? (
                    <div className="muted small">not adjusted</div>
                  ) : null}
                </td>
                <td data-col="verdict">
                  <span className={`verdict verdict-${row.verdict}`}>{VERDICT_TEXT[row.verdict]}</span>
                  <div className={`small method-line${otherMode ? ' method-other' : ' muted'}`}>
                    {row.method.note ?? METHOD_TEXT[row.method.kind]}
                  </div>
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
