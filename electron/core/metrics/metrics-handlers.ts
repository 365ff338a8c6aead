/** Contract handlers of cohort metric comparisons (`metrics.*`). */
import fs from 'node:fs';
import path from 'node:path';
import type { EventPayload } from '../../../shared/contract.ts';
import { CoreError } from '../errors.ts';
import type { Handlers } from '../handler-types.ts';
import { compareMetrics, resolveWindow, type ResolvedWindow } from './metric-compare.ts';
import { MetricFormatError } from './metric-events-reader.ts';
import { metricSeries } from './metric-series.ts';
import type { MetricStore } from './metric-store.ts';
import { ingestPrometheus, type QueryRange } from './prometheus-ingest.ts';
import { MINUTE_MS } from './rollup.ts';

export interface MetricsHandlerDeps {
  store: MetricStore;
  now: () => number;
  progress: (p: EventPayload<'metrics.progress'>) => void;
  /** Replaces the Prometheus client (tests). */
  queryRange?: QueryRange;
}

type MetricsChannel =
  'metrics.list' | 'metrics.define' | 'metrics.importEvents' | 'metrics.compare' | 'metrics.series';

/** Minutes from the window's start to now (what a Prometheus poll must cover). */
const lookback = (w: ResolvedWindow, now: number): number =>
  Math.max(1, Math.ceil((now - w.fromMinute) / MINUTE_MS));

export function metricsHandlers(d: MetricsHandlerDeps): Handlers<MetricsChannel> {
  return {
    'metrics.list': async ({ flag }) => d.store.list(flag),
    'metrics.define': async (def) => d.store.define(def),
    'metrics.importEvents': async ({ path: file, provider, environment }) => {
      const abs = path.resolve(file);
      if (!fs.existsSync(abs)) throw new CoreError('BAD_INPUT', `path: no file at ${abs}`);
      const totalBytes = fs.statSync(abs).size;
      try {
        const out = await d.store.importFile(abs, {
          provider,
          environment,
          onProgress: (p) => d.progress({ path: abs, ...p, done: false }),
        });
        d.progress({ path: abs, rows: out.rows, bytesRead: totalBytes, totalBytes, done: true });
        return out;
      } catch (error) {
        if (error instanceof MetricFormatError) throw new CoreError('BAD_INPUT', error.message);
        throw error;
      }
    },
    'metrics.compare': async ({ flag, window, sequential, alpha, adjust }) => {
      const now = d.now();
      const w = resolveWindow(window, now);
      const sourceErrors = await ingestPrometheus(
        { store: d.store, now: d.now, queryRange: d.queryRange },
        flag,
        {
          lookbackMinutes: lookback(w, now),
        },
      );
      const rows = compareMetrics(d.store, flag, { window: w, sequential, alpha, adjust, sourceErrors });
      return { rows, from: w.from, to: w.to };
    },
    'metrics.series': async ({ flag, metric, window, maxPoints }) => {
      const now = d.now();
      const w = resolveWindow(window, now);
      const def = d.store.list(flag).find((m) => m.name === metric);
      if (def?.source.type === 'prometheus') {
        const failed = await ingestPrometheus(
          { store: d.store, now: d.now, queryRange: d.queryRange },
          flag,
          {
            lookbackMinutes: lookback(w, now),
            metric,
          },
        );
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
