/**
 * Charts of the cohort comparison: a forest plot of the per-metric intervals
 * (with the zero line) and the per-cohort time series of one metric.
 *
 * CSP: recharts draws with SVG attributes and React style props (CSSOM),
 * which `style-src 'self'` allows; the interval marks are plain SVG shapes.
 */
import { memo, useId, useMemo, type ReactNode } from 'react';
import {
  Bar,
  CartesianGrid,
  ComposedChart,
  Legend,
  Line,
  LineChart,
  ReferenceLine,
  ResponsiveContainer,
  Tooltip,
  XAxis,
  YAxis,
} from 'recharts';
import type { MetricComparison, MetricDefinition, MetricSeries } from '../../../shared/metrics.ts';
import { forestData, seriesChartData, type ForestDatum, type Scale } from './compare-model.ts';
import { formatAbsolute } from './compare-format.ts';
import { formatLift, formatNumber } from '../../lib/format.ts';

/** Mid-tone colours readable on both themes. */
export const VERDICT_COLORS: Record<MetricComparison['verdict'], string> = {
  better: '#20a86b',
  worse: '#e5484d',
  inconclusive: '#8d99a6',
  insufficient: '#b0b7bf',
};
const VARIANT_COLORS = ['#8d99a6', '#3b8eea', '#b46cf0', '#d99a1e', '#20a86b'];
const tooltipStyle = { background: 'var(--bg-elev)', border: '1px solid var(--border)', borderRadius: 6 };

function Figure({ title, note, children }: { title: string; note?: ReactNode; children: ReactNode }) {
  const id = useId();
  return (
    <figure className="chart panel" aria-labelledby={`${id}-cap`}>
      <figcaption id={`${id}-cap`} className="chart-title">
        {title}
      </figcaption>
      {children}
      {note ? <p className="chart-note muted">{note}</p> : null}
    </figure>
  );
}

/** An axis from `min` to `max` (which include 0) on a 1/2/5 step, about 5 ticks. */
export function niceAxis(min: number, max: number): { domain: [number, number]; ticks: number[] } {
  const span = max - min || Math.abs(max) || 1;
  const raw = span / 5;
  const mag = 10 ** Math.floor(Math.log10(raw));
  const step = ([1, 2, 5, 10].find((f) => f * mag >= raw) ?? 10) * mag;
  const lo = Math.floor(min / step + 1e-9) * step;
  const hi = Math.ceil(max / step - 1e-9) * step;
  const ticks: number[] = [];
  for (let i = 0; lo + i * step <= hi + step / 2; i++)
    ticks.push(Number(((Math.round(lo / step) + i) * step).toPrecision(12)) || 0);
  return { domain: [ticks[0]!, ticks[ticks.length - 1]!], ticks };
}

interface BarShapeProps {
  x?: number;
  y?: number;
  width?: number;
  height?: number;
  payload?: ForestDatum;
}

/** One interval: a horizontal line with end caps and a dot at the estimate. */
function IntervalShape({ x = 0, y = 0, width = 0, height = 0, payload }: BarShapeProps) {
  if (!payload) return null;
  const [lo, hi] = payload.range;
  const left = Math.min(x, x + width);
  const w = Math.abs(width);
  const cy = y + height / 2;
  const t = hi === lo ? 0.5 : (payload.estimate - lo) / (hi - lo);
  const cx = left + w * Math.min(1, Math.max(0, t));
  const color = VERDICT_COLORS[payload.verdict];
  return (
    <g
      className="forest-interval"
      data-metric={payload.metric}
      data-method={payload.method}
      data-lo={lo}
      data-hi={hi}
    >
      <line x1={left} x2={left + w} y1={cy} y2={cy} stroke={color} strokeWidth={2.5} />
      <line x1={left} x2={left} y1={cy - 6} y2={cy + 6} stroke={color} strokeWidth={2} />
      <line x1={left + w} x2={left + w} y1={cy - 6} y2={cy + 6} stroke={color} strokeWidth={2} />
      {payload.guardrail ? (
        <rect x={cx - 5} y={cy - 5} width={10} height={10} fill={color} />
      ) : (
        <circle cx={cx} cy={cy} r={5} fill={color} />
      )}
    </g>
  );
}

/** How the plot's note names the methods of the drawn intervals. */
export function forestMethodNote(data: readonly ForestDatum[]): string {
  const methods = new Set(data.map((d) => d.method));
  if (methods.size === 0) return '';
  if (methods.size === 1)
    return methods.has('sequential')
      ? 'all sequential (always valid)'
      : 'all fixed-horizon (valid at one planned look)';
  const fixed = data.filter((d) => d.method === 'fixed-horizon').map((d) => d.metric);
  return `sequential (always valid), except fixed-horizon for ${fixed.join(', ')} (no sequential test for quantiles)`;
}

/** Forest plot: each metric's interval (relative lift or absolute Δ, per `scale`) around zero. */
export const ForestPlot = memo(function ForestPlot({
  rows,
  scale,
}: {
  rows: readonly MetricComparison[];
  scale: Scale;
}) {
  const data = useMemo(() => forestData(rows, scale), [rows, scale]);
  const byName = useMemo(() => new Map(rows.map((r) => [r.metric.name, r.metric])), [rows]);
  const one = (metric: MetricDefinition | undefined, v: number) =>
    scale === 'relative' ? formatLift(v) : metric ? formatAbsolute(metric, v) : formatNumber(v);
  const [min, max] = data.reduce(([a, b], d) => [Math.min(a, d.range[0]), Math.max(b, d.range[1])], [
    0, 0,
  ] as [number, number]);
  const { domain, ticks } = niceAxis(min, max);
  const hasGuardrail = data.some((d) => d.guardrail);
  const label = useMemo(() => new Map(data.map((d) => [d.metric, `${d.metric} · ${d.statistic}`])), [data]);
  return (
    <Figure
      title="Confidence intervals"
      note={
        <>
          {scale === 'relative' ? 'Relative difference (lift)' : 'Absolute difference'} of each metric&apos;s
          statistic, treatment − control, with the zero line (no difference). Each interval is the one its
          verdict uses: {forestMethodNote(data)}.{' '}
          {hasGuardrail ? 'Square markers are guardrails: they must not cross into "worse". ' : ''}
          {data.length < rows.length
            ? `${rows.length - data.length} metric(s) without a bounded interval are not shown.`
            : ''}
        </>
      }
    >
      {data.length === 0 ? (
        <p className="muted chart-empty">No intervals yet: not enough data in this window.</p>
      ) : (
        <ResponsiveContainer width="100%" height={Math.max(120, 44 * data.length + 50)}>
          <ComposedChart data={data} layout="vertical" margin={{ top: 8, right: 24, bottom: 4, left: 8 }}>
            <CartesianGrid strokeDasharray="3 3" horizontal={false} />
            <XAxis
              type="number"
              domain={domain}
              ticks={ticks}
              tickFormatter={(v: number) => (scale === 'relative' ? formatLift(v) : formatNumber(v))}
            />
            <YAxis
              type="category"
              dataKey="metric"
              width={170}
              tick={{ fontSize: 12 }}
              tickFormatter={(v: string) => label.get(v) ?? v}
            />
            <Tooltip
              cursor={false}
              contentStyle={tooltipStyle}
              isAnimationActive={false}
              formatter={(_v: unknown, _n: unknown, item: { payload?: ForestDatum }) => {
                const d = item.payload;
                if (!d) return ['—', ''];
                const m = byName.get(d.metric);
                return [
                  `${one(m, d.estimate)} [${one(m, d.range[0])}, ${one(m, d.range[1])}]`,
                  `${d.statistic} ${scale === 'relative' ? 'lift' : 'difference'}, ${d.method} CI`,
                ];
              }}
            />
            <ReferenceLine x={0} stroke="var(--text-muted, #8d99a6)" strokeWidth={1.5} />
            <Bar dataKey="range" shape={IntervalShape} isAnimationActive={false} barSize={20} />
          </ComposedChart>
        </ResponsiveContainer>
      )}
    </Figure>
  );
});

/** Time series of one metric, one line per cohort (rates as percentages). */
export const SeriesChart = memo(function SeriesChart({
  metric,
  series,
}: {
  metric: MetricDefinition;
  series: readonly MetricSeries[];
}) {
  const data = useMemo(() => seriesChartData(series), [series]);
  const rate = metric.kind === 'binomial';
  const value = (v: number) => (rate ? `${formatNumber(v * 100)}%` : formatNumber(v));
  const variants = series.map((s) => s.variant);
  const color = (v: string, i: number) =>
    v === metric.controlVariant
      ? VARIANT_COLORS[0]!
      : v === metric.treatmentVariant
        ? VARIANT_COLORS[1]!
        : VARIANT_COLORS[(i % (VARIANT_COLORS.length - 2)) + 2]!;
  const time = (ms: unknown) =>
    typeof ms === 'number'
      ? new Date(ms).toLocaleString(undefined, {
          month: 'short',
          day: 'numeric',
          hour: '2-digit',
          minute: '2-digit',
        })
      : '';
  return (
    <Figure
      title="Time series"
      note={`${metric.name} per minute by cohort (${rate ? 'rate' : 'mean'}${metric.unit ? `, ${metric.unit}` : ''}).`}
    >
      {data.length === 0 ? (
        <p className="muted chart-empty">No data points for {metric.name} in this window.</p>
      ) : (
        <ResponsiveContainer width="100%" height={260}>
          <LineChart data={data} margin={{ top: 12, right: 16, bottom: 4, left: 0 }}>
            <CartesianGrid strokeDasharray="3 3" />
            <XAxis
              dataKey="ms"
              type="number"
              domain={['dataMin', 'dataMax']}
              scale="time"
              tickFormatter={time}
            />
            <YAxis tickFormatter={value} width={60} />
            <Tooltip
              contentStyle={tooltipStyle}
              isAnimationActive={false}
              labelFormatter={time}
              formatter={(v: unknown) => (typeof v === 'number' ? value(v) : '—')}
            />
            <Legend />
            {variants.map((v, i) => (
              <Line
                key={v}
                dataKey={v}
                name={v}
                stroke={color(v, i)}
                dot={false}
                strokeWidth={2}
                connectNulls
                isAnimationActive={false}
              />
            ))}
          </LineChart>
        </ResponsiveContainer>
      )}
    </Figure>
  );
});
