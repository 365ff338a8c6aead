/**
 * The live guardrail board of a flag: per guardrail its value against its limit, a trend
 * sparkline of recent evaluations, its state (colour + text) and what it does when it fires.
 */
import { memo } from 'react';
import { Line, LineChart, ReferenceLine, YAxis } from 'recharts';
import type { GuardrailState } from '../../../shared/guardrails.ts';
import { formatDateTime, formatValue } from '../../lib/format.ts';
import {
  countByStatus,
  describeGuardrailAction,
  describeGuardrailKind,
  describeSpan,
  formatStreak,
  GUARDRAIL_STATUS_LABEL,
  sortGuardrailStates,
  sparklinePoints,
} from './rollout-format.ts';
import { GuardrailStatusBadge } from './StatusBadges.tsx';

const STATUS_STROKE = { ok: '#20a86b', warn: '#d99a1e', breached: '#e5484d', 'no-data': '#8d99a6' } as const;

/** A small trend line of a guardrail's recent values, with its limit as a dashed line. */
export const Sparkline = memo(function Sparkline({ state }: { state: GuardrailState }) {
  const data = sparklinePoints(state);
  const values = data.flatMap((d) => (d.value === null ? [] : [d.value]));
  const label = values.length
    ? `Trend of the last ${data.length} evaluations: from ${formatValue(values[0])} to ${formatValue(values.at(-1))}`
    : 'No values yet';
  if (values.length === 0)
    return (
      <span className="muted small ro-spark-empty" role="img" aria-label={label}>
        no values yet
      </span>
    );
  const all = state.limit !== null ? [...values, state.limit] : values;
  const lo = Math.min(...all);
  const hi = Math.max(...all);
  const pad = (hi - lo) * 0.1 || Math.abs(hi) * 0.1 || 1;
  return (
    <div className="ro-spark" role="img" aria-label={label}>
      <LineChart width={120} height={32} data={data} margin={{ top: 2, right: 2, bottom: 2, left: 2 }}>
        <YAxis hide domain={[lo - pad, hi + pad]} />
        {state.limit !== null ? (
          <ReferenceLine y={state.limit} stroke="#8d99a6" strokeDasharray="3 3" ifOverflow="extendDomain" />
        ) : null}
        <Line
          type="monotone"
          dataKey="value"
          stroke={STATUS_STROKE[state.status]}
          strokeWidth={1.5}
          dot={false}
          isAnimationActive={false}
          connectNulls={false}
        />
      </LineChart>
    </div>
  );
});

/** Props of {@link GuardrailBoard}; without `onEdit` / `onRemove` the board has no action column. */
export interface GuardrailBoardProps {
  states: readonly GuardrailState[];
  /** Guardrails defined but not evaluated yet (no state). */
  pending?: readonly string[];
  onEdit?: (id: string) => void;
  onRemove?: (id: string) => void;
  title?: string;
}

/**
 * The guardrail board (see the module docs), worst states first, plus a row per guardrail not evaluated
 * yet.
 */
export function GuardrailBoard({
  states,
  pending = [],
  onEdit,
  onRemove,
  title = 'Guardrails',
}: GuardrailBoardProps) {
  const sorted = sortGuardrailStates(states);
  const counts = countByStatus(states);
  return (
    <div className="ro-board">
      <p className="muted small ro-board-counts" aria-live="polite">
        {(['breached', 'warn', 'no-data', 'ok'] as const)
          .filter((s) => counts[s] > 0)
          .map((s) => `${counts[s]} ${GUARDRAIL_STATUS_LABEL[s].toLowerCase()}`)
          .join(' · ') || 'No evaluations yet.'}
      </p>
      <div className="table-scroll">
        <table className="sim-table ro-board-table" aria-label={title}>
          <thead>
            <tr>
              <th scope="col">Guardrail</th>
              <th scope="col">State</th>
              <th scope="col" className="num">
                Value
              </th>
              <th scope="col" className="num">
                Limit
              </th>
              <th scope="col">Trend</th>
              <th scope="col">Breaches in a row</th>
              <th scope="col">When it fires</th>
              {onEdit || onRemove ? (
                <th scope="col">
                  <span className="sr-only">Actions</span>
                </th>
              ) : null}
            </tr>
          </thead>
          <tbody>
            {sorted.map((s) => (
              <tr key={s.guardrail.id} data-guardrail={s.guardrail.id} data-status={s.status}>
                <th scope="row">
                  <span className="mono">{s.guardrail.id}</span>
                  <div className="muted small">
                    {s.guardrail.metric}: {describeGuardrailKind(s.guardrail)} · {describeSpan(s)}
                  </div>
                </th>
                <td data-col="status">
                  <GuardrailStatusBadge status={s.status} />
                  {s.srm?.mismatch ? <span className="badge ro-badge ro-g-breached">SRM</span> : null}
                </td>
                <td className="num" data-col="value">
                  {formatValue(s.value)}
                  <div className="muted small">{s.valueLabel}</div>
                </td>
                <td className="num" data-col="limit">
                  {formatValue(s.limit)}
                </td>
                <td>
                  <Sparkline state={s} />
                </td>
                <td data-col="streak">{formatStreak(s)}</td>
                <td>
                  {describeGuardrailAction(s.guardrail)}
                  <div className="muted small ro-note" title={`Evaluated ${formatDateTime(s.evaluatedAt)}`}>
                    {s.note}
                  </div>
                </td>
                {onEdit || onRemove ? (
                  <td className="ro-row-actions">
                    {onEdit ? (
                      <button
                        type="button"
                        className="btn btn-small btn-ghost"
                        data-write
                        aria-label={`Edit guardrail ${s.guardrail.id}`}
                        onClick={() => onEdit(s.guardrail.id)}
                      >
                        Edit
                      </button>
                    ) : null}
                    {onRemove ? (
                      <button
                        type="button"
                        className="btn btn-small btn-danger-outline"
                        data-write
                        aria-label={`Remove guardrail ${s.guardrail.id}`}
                        onClick={() => onRemove(s.guardrail.id)}
                      >
                        Remove
                      </button>
                    ) : null}
                  </td>
                ) : null}
              </tr>
            ))}
            {pending.map((id) => (
              <tr key={`pending-${id}`} data-guardrail={id} data-status="pending">
                <th scope="row">
                  <span className="mono">{id}</span>
                </th>
                <td colSpan={onEdit || onRemove ? 7 : 6} className="muted">
                  Not evaluated yet.
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </div>
  );
}
