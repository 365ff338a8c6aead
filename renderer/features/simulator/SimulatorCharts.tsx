/**
 * The three charts of a sweep: metrics vs threshold, risk–coverage and ROC,
 * each marking the current and the candidate threshold.
 *
 * Performance: the recharts tree (memoised on the series and the current
 * threshold) never re-renders while the slider moves. The current threshold
 * is a recharts ReferenceLine / ReferenceDot; the candidate is drawn in a
 * light SVG overlay positioned with the chart's own axis scales
 * (`useXAxisScale` / `useYAxisScale`), so a move re-renders one `<line>` or
 * `<circle>` per chart.
 *
 * CSP: recharts draws with SVG attributes and React style props (CSSOM),
 * which `style-src 'self'` allows.
 */
import { memo, useEffect, useId, useMemo, useState, type ReactNode } from 'react';
import {
  CartesianGrid,
  Legend,
  Line,
  LineChart,
  ReferenceDot,
  ReferenceLine,
  ResponsiveContainer,
  Tooltip,
  useXAxisScale,
  useYAxisScale,
  XAxis,
  YAxis,
} from 'recharts';
import type { SweepSeries } from '../../../shared/simulator.ts';
import { pointAt, thresholdText } from './simulator-model.ts';
import {
  curveData,
  riskCoverageData,
  riskCoverageMarker,
  riskTicks,
  rocData,
  rocMarker,
} from './chart-data.ts';
import { formatPct } from './projection.ts';

/** Mid-tone colours readable on both themes. */
export const COLORS = {
  precision: '#3b8eea',
  recall: '#20a86b',
  coverage: '#d99a1e',
  fpr: '#e5484d',
  risk: '#e5484d',
  roc: '#3b8eea',
  current: '#8d99a6',
  candidate: '#b46cf0',
} as const;

const HEIGHT = 250;
const MARGIN = { top: 18, right: 16, bottom: 4, left: 0 };
const TICKS = [0, 0.2, 0.4, 0.6, 0.8, 1];
const pctTick = (v: number) => `${Math.round(v * 100)}%`;
const pctValue = (v: unknown) => (typeof v === 'number' ? formatPct(v) : '—');
const tooltipStyle = { background: 'var(--bg-elev)', border: '1px solid var(--border)', borderRadius: 6 };

interface Marks {
  series: SweepSeries;
  /** `null`: the flag has no threshold (no "current" marker). */
  current: number | null;
  candidate: number;
}

type Scale = (value: unknown) => number | undefined;
interface Scales {
  x: Scale;
  y: Scale;
}

interface PlotProps {
  series: SweepSeries;
  current: number | null;
  onScales: (scales: Scales | null) => void;
}

/** Reports the chart's axis scales (data → pixels) to the overlay. Renders nothing. */
function ScaleProbe({ onScales }: { onScales: (scales: Scales | null) => void }) {
  const x = useXAxisScale() as Scale | undefined;
  const y = useYAxisScale() as Scale | undefined;
  useEffect(() => {
    onScales(x && y ? { x, y } : null);
  }, [x, y, onScales]);
  return null;
}

function Figure({ title, note, children }: { title: string; note?: string | null; children: ReactNode }) {
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

/** A chart plus the candidate overlay on top of it (same box, so pixel coordinates match). */
function ChartBox({
  plot,
  overlay,
}: {
  plot: (onScales: (s: Scales | null) => void) => ReactNode;
  overlay: (scales: Scales) => ReactNode;
}) {
  const [scales, setScales] = useState<Scales | null>(null);
  // `setScales` is stable, so the memoised plot does not re-render when the overlay moves.
  const plotNode = useMemo(() => plot(setScales), [plot]);
  return (
    <div className="chart-box">
      {plotNode}
      {scales ? (
        <svg className="chart-overlay" aria-hidden="true">
          {overlay(scales)}
        </svg>
      ) : null}
    </div>
  );
}

function CandidateLine({ scales, t, yTop }: { scales: Scales; t: number; yTop: number }) {
  const x = scales.x(t);
  const y1 = scales.y(yTop);
  const y2 = scales.y(0);
  if (x === undefined || y1 === undefined || y2 === undefined) return null;
  const right = t > 0.75;
  return (
    <g className="candidate-marker">
      <line x1={x} x2={x} y1={y1} y2={y2} stroke={COLORS.candidate} strokeWidth={2} />
      <text
        x={right ? x - 4 : x + 4}
        y={y2 - 6}
        textAnchor={right ? 'end' : 'start'}
        fill={COLORS.candidate}
        fontSize={11}
      >
        candidate {thresholdText(t)}
      </text>
    </g>
  );
}

function CandidateDot({ scales, x, y }: { scales: Scales; x: number; y: number }) {
  const cx = scales.x(x);
  const cy = scales.y(y);
  if (cx === undefined || cy === undefined) return null;
  return <circle className="candidate-marker" cx={cx} cy={cy} r={6} fill={COLORS.candidate} />;
}

const MetricsPlot = memo(function MetricsPlot({ series, current, onScales }: PlotProps) {
  const data = useMemo(() => curveData(series), [series]);
  return (
    <ResponsiveContainer width="100%" height={HEIGHT}>
      <LineChart data={data} margin={MARGIN}>
        <CartesianGrid strokeDasharray="3 3" />
        <XAxis dataKey="threshold" type="number" domain={[0, 1]} ticks={TICKS} />
        <YAxis domain={[0, 1]} ticks={TICKS} tickFormatter={pctTick} width={44} />
        <Tooltip
          formatter={pctValue}
          labelFormatter={(t) => `threshold ${thresholdText(Number(t))}`}
          contentStyle={tooltipStyle}
          isAnimationActive={false}
        />
        <Legend />
        <Line
          dataKey="precision"
          name="precision"
          stroke={COLORS.precision}
          dot={false}
          strokeWidth={2}
          isAnimationActive={false}
        />
        <Line
          dataKey="recall"
          name="recall"
          stroke={COLORS.recall}
          dot={false}
          strokeWidth={2}
          isAnimationActive={false}
        />
        <Line
          dataKey="coverage"
          name="coverage"
          stroke={COLORS.coverage}
          dot={false}
          strokeWidth={2}
          isAnimationActive={false}
        />
        <Line
          dataKey="fpr"
          name="FPR"
          stroke={COLORS.fpr}
          dot={false}
          strokeWidth={2}
          isAnimationActive={false}
        />
        {current !== null ? (
          <ReferenceLine
            x={current}
            stroke={COLORS.current}
            strokeDasharray="5 4"
            label={{
              value: `current ${thresholdText(current)}`,
              position: 'insideTopLeft',
              fill: COLORS.current,
              fontSize: 11,
            }}
          />
        ) : null}
        <ScaleProbe onScales={onScales} />
      </LineChart>
    </ResponsiveContainer>
  );
});

function MetricsChart({ series, current, candidate }: Marks) {
  const plot = useMemo(
    () => (onScales: (s: Scales | null) => void) => (
      <MetricsPlot series={series} current={current} onScales={onScales} />
    ),
    [series, current],
  );
  const noFpr = series.negatives === 0;
  const noRecall = series.positives === 0;
  return (
    <Figure
      title="Precision, recall, coverage and FPR vs threshold"
      note={
        noFpr
          ? 'FPR undefined: no negatives in this slice.'
          : noRecall
            ? 'Recall undefined: no positives.'
            : null
      }
    >
      <ChartBox plot={plot} overlay={(scales) => <CandidateLine scales={scales} t={candidate} yTop={1} />} />
    </Figure>
  );
}

const RiskCoveragePlot = memo(function RiskCoveragePlot({ series, current, onScales }: PlotProps) {
  const data = useMemo(() => riskCoverageData(series), [series]);
  const yTicks = useMemo(() => riskTicks(data), [data]);
  const cur = current === null ? null : riskCoverageMarker(pointAt(series, current));
  return (
    <ResponsiveContainer width="100%" height={HEIGHT}>
      <LineChart data={data} margin={MARGIN}>
        <CartesianGrid strokeDasharray="3 3" />
        <XAxis dataKey="coverage" type="number" domain={[0, 1]} ticks={TICKS} tickFormatter={pctTick} />
        <YAxis
          dataKey="risk"
          type="number"
          domain={[0, yTicks[yTicks.length - 1]!]}
          ticks={yTicks}
          tickFormatter={pctTick}
          width={44}
        />
        <Tooltip
          formatter={pctValue}
          labelFormatter={(c) => `coverage ${formatPct(Number(c))}`}
          contentStyle={tooltipStyle}
          isAnimationActive={false}
        />
        <Legend />
        <Line
          dataKey="risk"
          name="wrong answers shown (1 − precision)"
          stroke={COLORS.risk}
          dot={false}
          strokeWidth={2}
          isAnimationActive={false}
        />
        {cur ? (
          <ReferenceDot x={cur.coverage} y={cur.risk} r={5} fill={COLORS.current} stroke="none" />
        ) : null}
        <ScaleProbe onScales={onScales} />
      </LineChart>
    </ResponsiveContainer>
  );
});

function RiskCoverageChart({ series, current, candidate }: Marks) {
  const plot = useMemo(
    () => (onScales: (s: Scales | null) => void) => (
      <RiskCoveragePlot series={series} current={current} onScales={onScales} />
    ),
    [series, current],
  );
  const empty = useMemo(() => series.points.every((p) => p.precision === null), [series]);
  const cand = riskCoverageMarker(pointAt(series, candidate));
  return (
    <Figure
      title="Risk–coverage"
      note={
        empty
          ? 'Nothing covered at any threshold.'
          : cand
            ? null
            : `Candidate ${thresholdText(candidate)} covers nothing, so it has no point here.`
      }
    >
      <ChartBox
        plot={plot}
        overlay={(scales) => (cand ? <CandidateDot scales={scales} x={cand.coverage} y={cand.risk} /> : null)}
      />
      <MarkerKey current={current} candidate={candidate} />
    </Figure>
  );
}

const RocPlot = memo(function RocPlot({ series, current, onScales }: PlotProps) {
  const data = useMemo(() => rocData(series), [series]);
  const cur = current === null ? null : rocMarker(pointAt(series, current));
  const auc = series.auc === null ? 'AUC undefined' : `AUC ${series.auc.toFixed(3)}`;
  return (
    <ResponsiveContainer width="100%" height={HEIGHT}>
      <LineChart data={data} margin={MARGIN}>
        <CartesianGrid strokeDasharray="3 3" />
        <XAxis dataKey="fpr" type="number" domain={[0, 1]} ticks={TICKS} tickFormatter={pctTick} />
        <YAxis dataKey="tpr" type="number" domain={[0, 1]} ticks={TICKS} tickFormatter={pctTick} width={44} />
        <Tooltip
          formatter={pctValue}
          labelFormatter={(f) => `FPR ${formatPct(Number(f))}`}
          contentStyle={tooltipStyle}
          isAnimationActive={false}
        />
        <Legend />
        <ReferenceLine
          segment={[
            { x: 0, y: 0 },
            { x: 1, y: 1 },
          ]}
          stroke={COLORS.current}
          strokeDasharray="3 3"
        />
        <Line
          dataKey="tpr"
          name={`TPR (recall) · ${auc}`}
          stroke={COLORS.roc}
          dot={false}
          strokeWidth={2}
          isAnimationActive={false}
        />
        {cur ? <ReferenceDot x={cur.fpr} y={cur.tpr} r={5} fill={COLORS.current} stroke="none" /> : null}
        <ScaleProbe onScales={onScales} />
      </LineChart>
    </ResponsiveContainer>
  );
});

function RocChart({ series, current, candidate }: Marks) {
  const plot = useMemo(
    () => (onScales: (s: Scales | null) => void) => (
      <RocPlot series={series} current={current} onScales={onScales} />
    ),
    [series, current],
  );
  const empty = series.positives === 0 || series.negatives === 0;
  const cand = rocMarker(pointAt(series, candidate));
  return (
    <Figure title="ROC" note={empty ? 'ROC undefined: the slice needs both positives and negatives.' : null}>
      <ChartBox
        plot={plot}
        overlay={(scales) => (cand ? <CandidateDot scales={scales} x={cand.fpr} y={cand.tpr} /> : null)}
      />
      <MarkerKey current={current} candidate={candidate} />
    </Figure>
  );
}

function MarkerKey({ current, candidate }: { current: number | null; candidate: number }) {
  return (
    <p className="marker-key">
      {current !== null ? (
        <span>
          <span className="marker-swatch marker-current" aria-hidden="true" /> current{' '}
          {thresholdText(current)}
        </span>
      ) : null}
      <span>
        <span className="marker-swatch marker-candidate" aria-hidden="true" /> candidate{' '}
        {thresholdText(candidate)}
      </span>
    </p>
  );
}

/** The three sweep charts, marking the current and the candidate threshold. */
export function SimulatorCharts(props: Marks) {
  return (
    <div className="chart-grid">
      <MetricsChart {...props} />
      <RiskCoverageChart {...props} />
      <RocChart {...props} />
    </div>
  );
}
