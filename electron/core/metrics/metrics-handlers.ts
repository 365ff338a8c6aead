/**
 * Contract handlers of cohort metric comparisons (`metrics.*`) and of the data-source allow-list
 * (`sources.list`, read-only: the list is set by the local user in config.json, data-sources.ts).
 */
import fs from 'node:fs';
import path from 'node:path';
import type { EventPayload } from '../../../shared/contract.ts';
import type { DataSourceConfig } from '../config.ts';
import { CoreError } from '../errors.ts';
import type { Handlers } from '../handler-types.ts';
import { checkImportHeader, METRIC_EVENT_IMPORT } from '../io/import-header.ts';
import { resolvePrometheusSource, sourceInfos } from './data-sources.ts';
import { compareMetrics, resolveWindow, type ResolvedWindow } from './metric-compare.ts';
import { MetricFormatError } from './metric-events-reader.ts';
import { DuplicateImportError } from './metric-import-publish.ts';
import { metricSeries } from './metric-series.ts';
import type { MetricStore } from './metric-store.ts';
import { ingestPrometheus, type QueryRange } from './prometheus-ingest.ts';
import { MINUTE_MS } from './rollup.ts';

/**
 * What {@link metricsHandlers} needs: the metric store, a clock (ms since epoch), the sink of
 * `metrics.progress` events, the Prometheus client and allow-list, and whether the session is read-only.
 */
export interface MetricsHandlerDeps {
  store: MetricStore;
  now: () => number;
  progress: (p: EventPayload<'metrics.progress'>) => void;
  /** Replaces the Prometheus client (tests). */
  queryRange?: QueryRange;
  /** The allow-list of Prometheus sources (config.json `dataSources.prometheus`); default none. */
  sources?: () => readonly DataSourceConfig[];
  /**
   * A read-only session (`rcr serve --read-only`): Prometheus is not polled — polling stores
   * rollups — and Prometheus metrics are answered from the rollups stored by the processes that
   * poll (the app, `rcr monitor`); `metrics.compare` says so in each such row's note.
   */
  readOnly?: boolean;
}

/** Prefixed to the note of a Prometheus metric's comparison on a read-only screen. */
export const READ_ONLY_PROMETHEUS_NOTE =
  'read-only screen: Prometheus is not polled here; compared on the rollups the app last stored';

type MetricsChannel =
  | 'metrics.list'
  | 'metrics.define'
  | 'metrics.importEvents'
  | 'metrics.compare'
  | 'metrics.series'
  | 'sources.list';

/** Minutes from the window's start to now (what a Prometheus poll must cover). */
const lookback = (w: ResolvedWindow, now: number): number =>
  Math.max(1, Math.ceil((now - w.fromMinute) / MINUTE_MS));

/**
 * Builds the handlers.
 * - `metrics.define` of a Prometheus metric: the source must be allow-listed (by name, or a URL
 *   equal to an allow-listed one); the definition is stored naming the source (`dataSource`),
 *   without a URL. Otherwise `BAD_INPUT` saying how the local user allows it.
 * - `metrics.importEvents`: a path on this machine (the CLI, the desktop app; browser mode refuses
 *   paths and uploads instead, server/upload.ts); a file without a recognised header is refused
 *   with a fixed message before anything of it is read as events (io/import-header.ts).
 * - `metrics.compare` / `metrics.series` poll the Prometheus metrics first (storing rollups), except
 *   in a read-only session ({@link MetricsHandlerDeps.readOnly}), which reads what is stored.
 */
export function metricsHandlers(d: MetricsHandlerDeps): Handlers<MetricsChannel> {
  const sources = (): readonly DataSourceConfig[] => d.sources?.() ?? [];
  const ingestDeps = () => ({ store: d.store, now: d.now, queryRange: d.queryRange, sources });
  return {
    'metrics.list': async ({ flag }) => d.store.list(flag),
    'metrics.define': async (def) => {
      if (def.source.type !== 'prometheus') return d.store.define(def);
      const allowed = resolvePrometheusSource(def.source, sources());
      if (!allowed.ok) throw new CoreError('BAD_INPUT', `source: ${allowed.message}`);
      const { url: _url, ...source } = def.source;
      return d.store.define({ ...def, source: { ...source, dataSource: allowed.source.name } });
    },
    'sources.list': async () => sourceInfos(sources()),
    'metrics.importEvents': async ({ path: file, provider, environment, onDuplicate }) => {
      const abs = path.resolve(file);
      if (!fs.existsSync(abs)) throw new CoreError('BAD_INPUT', `path: no file at ${abs}`);
      await checkImportHeader(abs, path.basename(abs), METRIC_EVENT_IMPORT);
      const totalBytes = fs.statSync(abs).size;
      try {
        const out = await d.store.importFile(abs, {
          provider,
          environment,
          onDuplicate,
          onProgress: (p) => d.progress({ path: abs, ...p, done: false }),
        });
        d.progress({ path: abs, rows: out.rows, bytesRead: totalBytes, totalBytes, done: true });
        return { rows: out.rows, flags: out.flags, metrics: out.metrics };
      } catch (error) {
        if (error instanceof MetricFormatError) throw new CoreError('BAD_INPUT', error.message);
        if (error instanceof DuplicateImportError) throw new CoreError('CONFLICT', error.message);
        throw error;
      }
    },
    'metrics.compare': async ({ flag, window, sequential, alpha, adjust }) => {
      const now = d.now();
      const w = resolveWindow(window, now);
      const sourceErrors = d.readOnly
        ? new Map<string, string>()
        : await ingestPrometheus(ingestDeps(), flag, {
            lookbackMinutes: lookback(w, now),
          });
      const rows = compareMetrics(d.store, flag, { window: w, sequential, alpha, adjust, sourceErrors });
      if (d.readOnly)
        for (const row of rows)
          if (row.metric.source.type === 'prometheus')
            row.note = row.note ? `${READ_ONLY_PROMETHEUS_NOTE}; ${row.note}` : READ_ONLY_PROMETHEUS_NOTE;
      return { rows, from: w.from, to: w.to };
    },
    'metrics.series': async ({ flag, metric, window, maxPoints }) => {
      const now = d.now();
      const w = resolveWindow(window, now);
      const def = d.store.list(flag).find((m) => m.name === metric);
      // A read-only session answers from the stored rollups (polling would store new ones).
      if (def?.source.type === 'prometheus' && !d.readOnly) {
        const failed = await ingestPrometheus(ingestDeps(), flag, {
          lookbackMinutes: lookback(w, now),
          metric,
        });
        const message = failed.get(metric);
        if (message)
          throw new CoreError(
            'PROVIDER_ERROR',
            `metric "${metric}": the Prometheus source failed: ${message}`,
          );
      }
      if (!def && !d.store.variants(flag, metric).length)
        throw new CoreError(
          'NOT_FOUND',
          `metric "${metric}" has no definition and no data for flag "${flag.key}"`,
        );
      return metricSeries(d.store, flag, metric, def, w, maxPoints);
    },
  };
}
