/**
 * The confidence-threshold what-if simulator of one flag
 * (`#/flag/<provider>/<environment>/<key>/simulator`).
 *
 * Replays a prediction log at a candidate threshold: curves with the current
 * and candidate marked, the projected change in plain numbers, every model
 * version × segment side by side, recommendations for a target, a model A/B,
 * and "Apply threshold" through the usual confirmed, audited change.
 */
import { FlagCrumbs } from '../navigation/FlagCrumbs.tsx';
import { useEffect, useId } from 'react';
import { useShallow } from 'zustand/react/shallow';
import type { FlagRef, FleetRow } from '../../../shared/domain.ts';
import type { PredictionLog } from '../../../shared/simulator.ts';
import { KillBadge, StaleBadge } from '../../components/Badges.tsx';
import { ErrorState, LoadingState } from '../../components/States.tsx';
import { useNow } from '../../lib/clock.ts';
import { formatDateTime, formatPercent } from '../../lib/format.ts';
import { formatThreshold } from '../../lib/layer-format.ts';
import { resetChangeStore, useChangeStore } from '../flag/change-store.ts';
import { closeFlag, loadFlag, useFlagStore } from '../flag/flag-store.ts';
import { useFleetStore } from '../fleet/fleet-store.ts';
import { thresholdText } from './simulator-model.ts';
import {
  applyThreshold,
  loadLogs,
  loadSweep,
  openImport,
  openSimulator,
  selectLog,
  selectPredictionLog,
  selectSweep,
  setFlagContext,
  setSlice,
  useSimulatorStore,
} from './simulator-store.ts';
import { ChangeDialog } from '../flag/ChangeDialog.tsx';
import { ImportDialog } from './ImportDialog.tsx';
import { ModelAb } from './ModelAb.tsx';
import { ProjectedChange } from './ProjectedChange.tsx';
import { Recommendations } from './Recommendations.tsx';
import { SegmentSelect } from './SegmentSelect.tsx';
import { SideBySide } from './SideBySide.tsx';
import { SimulatorCharts } from './SimulatorCharts.tsx';
import { formatCount } from './projection.ts';
import { ThresholdControl } from './ThresholdControl.tsx';

function LogPicker({ flag }: { flag: FleetRow }) {
  const id = useId();
  const { flagLogs, allLogs, logId } = useSimulatorStore(
    useShallow((s) => ({ flagLogs: s.flagLogs, allLogs: s.allLogs, logId: s.logId })),
  );
  const mine = new Set(flagLogs.map((l) => l.id));
  const others = allLogs.filter((l) => !mine.has(l.id));
  const label = (l: PredictionLog) => `${l.name} · ${formatCount(l.rows)} rows`;
  return (
    <div className="log-picker">
      <label className="field-inline">
        Prediction log
        <select
          id={`${id}-log`}
          value={logId ?? ''}
          onChange={(e) => selectPredictionLog(e.target.value === '' ? null : Number(e.target.value))}
        >
          {logId === null ? <option value="">Choose a prediction log…</option> : null}
          {flagLogs.length ? (
            <optgroup label={`Attached to ${flag.key}`}>
              {flagLogs.map((l) => (
                <option key={l.id} value={l.id}>
                  {label(l)}
                </option>
              ))}
            </optgroup>
          ) : null}
          {others.length ? (
            <optgroup label="Other logs">
              {others.map((l) => (
                <option key={l.id} value={l.id}>
                  {label(l)}
                  {l.flag ? ` (${l.flag.key})` : ''}
                </option>
              ))}
            </optgroup>
          ) : null}
        </select>
      </label>
    </div>
  );
}

function LogSummary({ log }: { log: PredictionLog }) {
  return (
    <p className="muted log-summary">
      {formatCount(log.rows)} predictions, {formatCount(log.positives)} positive (
      {log.rows ? ((log.positives / log.rows) * 100).toFixed(1) : '0'}%) · from{' '}
      <span className="mono">{log.source}</span> · imported {formatDateTime(log.importedAt)}
    </p>
  );
}

function NoLogs() {
  return (
    <div className="state state-empty panel">
      <h2>No prediction logs yet</h2>
      <p>
        The simulator replays logged predictions to show what a different confidence threshold would have
        done. Import a CSV, JSONL or Parquet file with one prediction per row:{' '}
        <span className="mono">confidence</span> (0–1) and <span className="mono">label</span> (1 when the AI
        answer was right, 0 when wrong), optionally <span className="mono">model_version</span> and{' '}
        <span className="mono">segment</span>.
      </p>
      <button type="button" className="btn btn-primary" data-write onClick={openImport}>
        Import prediction log
      </button>
    </div>
  );
}

function ApplyThreshold({ flag, candidate }: { flag: FleetRow; candidate: number }) {
  const change = useChangeStore(
    useShallow((s) => ({
      phase: s.phase,
      layer: s.layer,
      fieldErrors: s.fieldErrors,
      error: s.error,
    })),
  );
  const supported = useFleetStore(
    (s) => s.providers.find((p) => p.name === flag.provider)?.capabilities.threshold ?? true,
  );
  const current = flag.layers.confidenceThreshold;
  const same = current !== null && Math.abs(current - candidate) < 1e-9;
  const previewing = change.phase === 'previewing';
  const showErrors =
    change.layer === 'confidenceThreshold' &&
    change.phase === 'editing' &&
    (change.fieldErrors.length > 0 || change.error !== null);
  const why = !supported
    ? `The ${flag.providerKind} provider cannot set a confidence threshold.`
    : same
      ? 'The candidate is the current threshold.'
      : undefined;
  return (
    <div className="apply-threshold">
      <button
        type="button"
        className="btn btn-primary"
        data-write
        disabled={!supported || same || previewing}
        title={why}
        onClick={() => void applyThreshold(flag, candidate)}
      >
        {previewing ? 'Previewing…' : `Apply threshold ${thresholdText(candidate)}`}
      </button>
      {showErrors ? (
        <div role="alert" className="field-error">
          {[...change.fieldErrors, change.error?.message].filter(Boolean).join('; ')}
        </div>
      ) : null}
    </div>
  );
}

function Workbench({ flag, log }: { flag: FleetRow; log: PredictionLog }) {
  const { candidate, slice, entry } = useSimulatorStore(
    useShallow((s) => ({ candidate: s.candidate, slice: s.slice, entry: selectSweep(s) })),
  );
  if (candidate === null) return null;
  const current = flag.layers.confidenceThreshold;
  const series = entry?.series ?? null;
  return (
    <>
      <section className="sim-controls panel" aria-label="Simulator controls">
        <div className="sim-selectors">
          <label className="field-inline">
            Model version
            <select
              value={slice.modelVersion ?? ''}
              onChange={(e) => setSlice({ modelVersion: e.target.value === '' ? null : e.target.value })}
            >
              <option value="">all versions</option>
              {log.modelVersions.map((v) => (
                <option key={v} value={v}>
                  {v}
                  {v === flag.layers.modelVersion ? ' (serving)' : ''}
                </option>
              ))}
            </select>
          </label>
          <SegmentSelect
            segments={log.segments}
            value={slice.segment}
            onChange={(segment) => setSlice({ segment })}
          />
          {series ? (
            <span className="muted small">
              {formatCount(series.n)} predictions in this slice ({formatCount(series.positives)} positive)
            </span>
          ) : null}
        </div>
        <div className="sim-threshold-row">
          <ThresholdControl candidate={candidate} current={current} />
          <ApplyThreshold flag={flag} candidate={candidate} />
        </div>
      </section>

      {!entry || entry.status === 'loading' ? <LoadingState what="the sweep" /> : null}
      {entry?.status === 'error' && entry.error ? (
        <ErrorState
          error={entry.error}
          what="the sweep of this slice"
          onRetry={() => void loadSweep(slice)}
        />
      ) : null}
      {series ? (
        <>
          <div className="sim-grid">
            <ProjectedChange series={series} flag={flag} candidate={candidate} />
            <SimulatorCharts series={series} current={current} candidate={candidate} />
          </div>
        </>
      ) : null}
      <SideBySide log={log} candidate={candidate} />
      <div className="sim-stack">
        <Recommendations />
        <ModelAb log={log} candidate={candidate} />
      </div>
    </>
  );
}

/** The threshold-simulator page of a flag. */
export function SimulatorPage({ flagRef }: { flagRef: FlagRef }) {
  const { provider, environment, key } = flagRef;
  useEffect(() => {
    void loadFlag({ provider, environment, key });
    return () => {
      closeFlag();
      resetChangeStore();
    };
  }, [provider, environment, key]);

  const { status, flag, error } = useFlagStore(
    useShallow((s) => ({ status: s.status, flag: s.flag, error: s.error })),
  );
  const flagReady = flag !== null;
  const threshold = flag?.layers.confidenceThreshold ?? null;
  const modelVersion = flag?.layers.modelVersion ?? null;

  // Open the simulator once the flag (its current threshold and model) is known.
  useEffect(() => {
    const f = useFlagStore.getState().flag;
    if (!flagReady || !f) return;
    void openSimulator(
      { provider, environment, key },
      { threshold: f.layers.confidenceThreshold, modelVersion: f.layers.modelVersion },
    );
  }, [flagReady, provider, environment, key]);
  useEffect(() => {
    if (flagReady) setFlagContext({ threshold, modelVersion });
  }, [flagReady, threshold, modelVersion]);

  const sim = useSimulatorStore(
    useShallow((s) => ({
      logsStatus: s.logsStatus,
      logsError: s.logsError,
      flagLogs: s.flagLogs.length,
      allLogs: s.allLogs.length,
      log: selectLog(s),
    })),
  );
  const now = useNow();

  return (
    <div className="flag-page simulator-page">
      <FlagCrumbs flagRef={flagRef} page="threshold simulator" />

      {status === 'loading' || status === 'idle' ? <LoadingState what={key} /> : null}
      {status === 'error' && error ? (
        <ErrorState error={error} what={`flag ${key}`} onRetry={() => void loadFlag(flagRef)} />
      ) : null}

      {flag ? (
        <>
          <header className="flag-header sim-header" data-flag-key={flag.key}>
            <div className="flag-title">
              <h2>
                Threshold simulator · <span className="mono">{flag.key}</span>
              </h2>
              <KillBadge enabled={flag.layers.enabled} />
              {flag.stale ? <StaleBadge syncedAt={flag.syncedAt} now={now} /> : null}
            </div>
            <p className="flag-sub">
              <span>
                Confidence threshold{' '}
                <strong className="num" data-col="confidenceThreshold">
                  {formatThreshold(flag.layers.confidenceThreshold)}
                </strong>
              </span>
              <span className="muted"> · </span>
              <span>
                rollout <strong className="num">{formatPercent(flag.layers.rolloutPercent)}</strong>
              </span>
              <span className="muted"> · </span>
              <span>
                model <strong className="mono">{flag.layers.modelVersion ?? '—'}</strong>
              </span>
            </p>
            {flag.kind !== 'ai' ? (
              <p className="flag-desc muted">
                This is a {flag.kind} flag: it may have no confidence threshold to apply, but logs can still
                be simulated.
              </p>
            ) : null}
            <div className="flag-actions">
              <button type="button" className="btn" data-write onClick={openImport}>
                Import prediction log
              </button>
            </div>
          </header>

          {sim.logsStatus === 'loading' || sim.logsStatus === 'idle' ? (
            <LoadingState what="prediction logs" />
          ) : null}
          {sim.logsStatus === 'error' && sim.logsError ? (
            <ErrorState error={sim.logsError} what="prediction logs" onRetry={() => void loadLogs()} />
          ) : null}
          {sim.logsStatus === 'ready' ? (
            sim.allLogs === 0 ? (
              <NoLogs />
            ) : (
              <>
                <div className="panel log-bar">
                  <LogPicker flag={flag} />
                  {sim.log ? <LogSummary log={sim.log} /> : null}
                  {sim.flagLogs === 0 ? (
                    <p className="notice">
                      No prediction log is attached to <span className="mono">{flag.key}</span>. Pick another
                      log above, or import one for this flag.
                    </p>
                  ) : null}
                </div>
                {sim.log ? <Workbench flag={flag} log={sim.log} /> : null}
              </>
            )
          ) : null}
          <ChangeDialog />
          <ImportDialog />
        </>
      ) : null}
    </div>
  );
}
