/**
 * The cohort comparison of one flag (`#/flag/<provider>/<environment>/<key>/compare`):
 * treatment vs control on every metric of the flag — table, forest plot of
 * the intervals, per-cohort time series of a selected metric, SRM banner,
 * sequential / fixed-horizon toggle, window and adjustment selectors,
 * import of metric events and "Add metric". Refreshes every 15 s while open.
 */
import { useEffect } from 'react';
import { useShallow } from 'zustand/react/shallow';
import type { FlagRef } from '../../../shared/domain.ts';
import { FlagCrumbs } from '../navigation/FlagCrumbs.tsx';
import { ErrorState, LoadingState } from '../../components/States.tsx';
import { formatDateTime, formatP } from '../../lib/format.ts';
import { ADJUSTMENTS, WINDOWS, type Adjust, type Scale, type WindowKey } from './compare-model.ts';
import {
  loadComparison,
  loadDefinitions,
  loadSeries,
  openCompare,
  openDefine,
  openImport,
  refreshCompare,
  REFRESH_MS,
  resetCompareStore,
  selectMetric,
  selectSelectedRow,
  selectSrmMismatches,
  setAdjust,
  setScale,
  setSequential,
  setWindow,
  useCompareStore,
} from './compare-store.ts';
import { AddMetricDialog } from './AddMetricDialog.tsx';
import { ForestPlot, SeriesChart } from './CompareCharts.tsx';
import { CompareTable } from './CompareTable.tsx';
import { ImportEventsDialog } from './ImportEventsDialog.tsx';

/** What sequential vs fixed-horizon means, shown next to the mode toggle. */
export const MODE_EXPLANATION =
  'Sequential results stay valid however often you look; fixed-horizon results are only valid if you look once, at the planned sample size. Each row’s intervals, p-value and verdict use one method, named in the row; quantile metrics (e.g. p95) have no sequential test and stay fixed-horizon.';

function NoMetrics({ flagKey }: { flagKey: string }) {
  return (
    <div className="state state-empty panel">
      <h2>No metrics defined for {flagKey}</h2>
      <p>
        A cohort comparison needs at least one metric: what to measure (a rate, a mean, a ratio or a
        quantile), which direction is better, and where the data comes from — imported metric events or a
        Prometheus query per variant. Add a metric, then import events or let Prometheus supply them.
      </p>
      <div className="flag-actions">
        <button type="button" className="btn btn-primary" data-write onClick={() => void openDefine()}>
          Add metric
        </button>
        <button type="button" className="btn" data-write onClick={openImport}>
          Import metric events
        </button>
      </div>
    </div>
  );
}

function Controls() {
  const { sequential, window, adjust, scale } = useCompareStore(
    useShallow((s) => ({ sequential: s.sequential, window: s.window, adjust: s.adjust, scale: s.scale })),
  );
  return (
    <section className="panel compare-controls" aria-label="Comparison settings">
      <div className="compare-selectors">
        <fieldset className="segmented">
          <legend className="sr-only">Results</legend>
          <label className={sequential ? 'active' : undefined}>
            <input
              type="radio"
              name="compare-mode"
              checked={sequential}
              onChange={() => void setSequential(true)}
            />
            Sequential (always valid)
          </label>
          <label className={!sequential ? 'active' : undefined}>
            <input
              type="radio"
              name="compare-mode"
              checked={!sequential}
              onChange={() => void setSequential(false)}
            />
            Fixed horizon
          </label>
        </fieldset>
        <label className="field-inline">
          Window
          <select value={window} onChange={(e) => void setWindow(e.target.value as WindowKey)}>
            {WINDOWS.map((w) => (
              <option key={w.key} value={w.key}>
                {w.label}
              </option>
            ))}
          </select>
        </label>
        <label className="field-inline">
          Adjustment
          <select value={adjust} onChange={(e) => void setAdjust(e.target.value as Adjust)}>
            {ADJUSTMENTS.map((a) => (
              <option key={a.key} value={a.key}>
                {a.label}
              </option>
            ))}
          </select>
        </label>
        <label className="field-inline">
          Intervals
          <select value={scale} onChange={(e) => setScale(e.target.value as Scale)}>
            <option value="relative">relative (lift)</option>
            <option value="absolute">absolute</option>
          </select>
        </label>
      </div>
      <p className="muted small compare-mode-note">{MODE_EXPLANATION}</p>
    </section>
  );
}

function SrmBanner() {
  const mismatches = useCompareStore(useShallow(selectSrmMismatches));
  if (mismatches.length === 0) return null;
  return (
    <div role="alert" className="alert alert-error srm-banner">
      <strong>Sample ratio mismatch.</strong> The traffic split differs from the expected split for{' '}
      {mismatches.map((r, i) => (
        <span key={r.metric.name}>
          {i ? ', ' : ''}
          <span className="mono">{r.metric.name}</span> (p {formatP(r.srm?.pValue)})
        </span>
      ))}
      . Assignment or logging may be broken; do not trust these results until it is explained.
    </div>
  );
}

function SeriesSection() {
  const { rows, selected, row, status, series, seriesFor, error } = useCompareStore(
    useShallow((s) => ({
      rows: s.comparison?.rows ?? [],
      selected: s.selectedMetric,
      row: selectSelectedRow(s),
      status: s.seriesStatus,
      series: s.series,
      seriesFor: s.seriesFor,
      error: s.seriesError,
    })),
  );
  if (!row) return null;
  return (
    <section className="compare-series" aria-label="Metric over time">
      <label className="field-inline">
        Metric
        <select value={selected ?? ''} onChange={(e) => void selectMetric(e.target.value)}>
          {rows.map((r) => (
            <option key={r.metric.name} value={r.metric.name}>
              {r.metric.name}
            </option>
          ))}
        </select>
      </label>
      {status === 'loading' ? <LoadingState what="the time series" /> : null}
      {status === 'error' && error ? (
        <ErrorState error={error} what="the time series" onRetry={() => void loadSeries()} />
      ) : null}
      {status === 'ready' && seriesFor === row.metric.name ? (
        <SeriesChart metric={row.metric} series={series} />
      ) : null}
    </section>
  );
}

/** The cohort-comparison page of a flag; opens it in the compare store and refreshes while shown. */
export function ComparePage({ flagRef }: { flagRef: FlagRef }) {
  const { provider, environment, key } = flagRef;
  useEffect(() => {
    void openCompare({ provider, environment, key });
    const timer = setInterval(() => {
      if (!document.hidden) void refreshCompare();
    }, REFRESH_MS);
    return () => {
      clearInterval(timer);
      resetCompareStore();
    };
  }, [provider, environment, key]);

  const s = useCompareStore(
    useShallow((st) => ({
      definitionsStatus: st.definitionsStatus,
      definitionsError: st.definitionsError,
      definitions: st.definitions.length,
      compareStatus: st.compareStatus,
      compareError: st.compareError,
      comparison: st.comparison,
      sequential: st.sequential,
      scale: st.scale,
      selected: st.selectedMetric,
    })),
  );

  let body: React.ReactNode = null;
  if (s.definitionsStatus === 'loading' || s.definitionsStatus === 'idle')
    body = <LoadingState what="metrics" />;
  else if (s.definitionsStatus === 'error' && s.definitionsError)
    body = <ErrorState error={s.definitionsError} what="metrics" onRetry={() => void loadDefinitions()} />;
  else if (s.definitions === 0) body = <NoMetrics flagKey={key} />;
  else
    body = (
      <>
        <Controls />
        <SrmBanner />
        {s.compareStatus === 'loading' || s.compareStatus === 'idle' ? (
          <LoadingState what="the comparison" />
        ) : null}
        {s.compareStatus === 'error' && s.compareError ? (
          <ErrorState error={s.compareError} what="the comparison" onRetry={() => void loadComparison()} />
        ) : null}
        {s.compareStatus === 'ready' && s.compareError ? (
          <div role="alert" className="alert alert-error">
            Refresh failed: <span className="error-text">{s.compareError.message}</span> (showing the last
            result)
          </div>
        ) : null}
        {s.comparison ? (
          <>
            <section className="panel compare-results" aria-label="Results">
              <p className="muted small">
                {formatDateTime(s.comparison.from)} – {formatDateTime(s.comparison.to)} · treatment − control
              </p>
              <CompareTable rows={s.comparison.rows} sequential={s.sequential} selected={s.selected} />
            </section>
            <div className="compare-charts">
              <ForestPlot rows={s.comparison.rows} scale={s.scale} />
              <SeriesSection />
            </div>
          </>
        ) : null}
      </>
    );

  return (
    <div className="flag-page compare-page">
      <FlagCrumbs flagRef={flagRef} page="cohort comparison" />
      <header className="flag-header" data-flag-key={key}>
        <div className="flag-title">
          <h2>
            Compare cohorts · <span className="mono">{key}</span>
          </h2>
        </div>
        <div className="flag-actions">
          <button type="button" className="btn" data-write onClick={openImport}>
            Import metric events
          </button>
          <button type="button" className="btn" data-write onClick={() => void openDefine()}>
            Add metric
          </button>
          <button type="button" className="btn btn-ghost" onClick={() => void refreshCompare()}>
            Refresh
          </button>
        </div>
      </header>
      {body}
      <ImportEventsDialog />
      <AddMetricDialog />
    </div>
  );
}
