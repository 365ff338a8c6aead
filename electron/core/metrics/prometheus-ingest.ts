/**
 * Polls Prometheus for the metrics whose definition has a `prometheus` source and
 * replaces their per-minute rollups over the polled range (idempotent re-polling).
 *
 * Conventions (docs/metrics.md):
 * - binomial: `query` gives successes (e.g. errors) and `denominator` the units
 *   (requests) per step, typically `increase(...[1m])`; per minute, successes and
 *   count are the sums over the steps in that minute (rounded to whole numbers).
 * - ratio: each step's `query / denominator` (or `query` without a denominator) is one observation.
 * - continuous / quantile: each step value is one observation.
 *
 * Only allow-listed sources are queried (data-sources.ts): a definition whose source is not in the
 * allow-list fails with "not allowed" and the fix, without a request. A failed query is reported
 * with a fixed message (`publicSourceMessage`): never the source's answer, one phrase for every
 * network failure.
 */
import type { FlagRef } from '../../../shared/domain.ts';
import type { MetricDefinition } from '../../../shared/metrics.ts';
import type { MetricStore } from './metric-store.ts';
import type { DataSourceConfig } from '../config.ts';
import { publicSourceMessage, resolvePrometheusSource, type ResolvedSource } from './data-sources.ts';
import { expandTemplate, queryRange as defaultQueryRange } from './prometheus-client.ts';
import { addValue, emptyRollup, floorMinute, MINUTE_MS, type Rollup } from './rollup.ts';

/** The signature of prometheus-client's `queryRange`, so tests can replace the Prometheus client. */
export type QueryRange = typeof defaultQueryRange;

/**
 * What {@link ingestPrometheus} needs: the metric store, a clock (ms since epoch), the Prometheus client
 * and the allow-list of sources.
 */
export interface PrometheusIngestDeps {
  store: MetricStore;
  now: () => number;
  /** Replaces the Prometheus client (tests). */
  queryRange?: QueryRange;
  /**
   * The allow-list of Prometheus sources (config.json `dataSources.prometheus`, read on every poll);
   * without it nothing is allowed and every Prometheus metric fails as "not allowed".
   */
  sources?: () => readonly DataSourceConfig[];
}

/** Prometheus returns at most 11,000 points per series; the polled range is capped below that. */
const MAX_POINTS = 10_000;

type PromSource = Extract<MetricDefinition['source'], { type: 'prometheus' }>;

async function ingestVariant(
  d: PrometheusIngestDeps,
  def: MetricDefinition,
  src: PromSource,
  source: ResolvedSource,
  variant: string,
  fromMinute: number,
  toMs: number,
): Promise<void> {
  const client = d.queryRange ?? defaultQueryRange;
  const query = async (template: string) => {
    const promql = expandTemplate(template, variant);
    try {
      return await client(source.url, promql, fromMinute, toMs, src.stepSeconds, {
        timeoutMs: source.timeoutMs,
      });
    } catch (error) {
      throw new Error(publicSourceMessage(error, source.name));
    }
  };
  const num = await query(src.query);
  const den =
    src.denominator && (def.kind === 'binomial' || def.kind === 'ratio')
      ? await query(src.denominator)
      : null;
  const byMinute = new Map<number, Rollup>();
  const at = (t: number): Rollup => {
    const m = floorMinute(t);
    let r = byMinute.get(m);
    if (!r) byMinute.set(m, (r = emptyRollup()));
    return r;
  };
  if (def.kind === 'binomial') {
    if (!den) throw new Error(`binomial metric "${def.name}" needs a denominator query`);
    const raw = new Map<number, { s: number; n: number }>();
    const slot = (t: number): { s: number; n: number } => {
      const m = floorMinute(t);
      let v = raw.get(m);
      if (!v) raw.set(m, (v = { s: 0, n: 0 }));
      return v;
    };
    for (const p of num) slot(p.t).s += p.value;
    for (const p of den) slot(p.t).n += p.value;
    for (const [m, v] of raw) {
      const count = Math.max(0, Math.round(v.n));
      const successes = Math.min(count, Math.max(0, Math.round(v.s)));
      if (count > 0) byMinute.set(m, { count, sum: successes, sumSq: successes, successes, sketch: null });
    }
  } else if (den) {
    const denAt = new Map(den.map((p) => [p.t, p.value]));
    for (const p of num) {
      const n = denAt.get(p.t);
      if (n !== undefined && n !== 0) addValue(at(p.t), p.value / n);
    }
  } else for (const p of num) addValue(at(p.t), p.value);
  d.store.replaceRange(
    def.flag,
    def.name,
    variant,
    fromMinute,
    toMs + 1,
    [...byMinute].map(([minute, rollup]) => ({ minute, rollup })),
  );
}

/**
 * Polls the last `lookbackMinutes` (aligned to whole minutes) of every Prometheus-sourced metric
 * of `flag` (of every flag when omitted; only `metric` when given) for both variants.
 * @returns metric name → error message for the metrics whose poll failed (their rollups are
 *   untouched): `not allowed: …` for a source outside the allow-list, else a fixed message.
 */
export async function ingestPrometheus(
  d: PrometheusIngestDeps,
  flag?: FlagRef,
  opts: { lookbackMinutes?: number; metric?: string } = {},
): Promise<Map<string, string>> {
  const failures = new Map<string, string>();
  const toMs = d.now();
  for (const def of d.store.list(flag)) {
    if (def.source.type !== 'prometheus' || (opts.metric && def.name !== opts.metric)) continue;
    const src = def.source;
    const allowed = resolvePrometheusSource(src, d.sources?.() ?? []);
    if (!allowed.ok) {
      failures.set(def.name, `not allowed: ${allowed.message}`);
      continue;
    }
    const maxMinutes = Math.floor((MAX_POINTS * src.stepSeconds) / 60);
    const minutes = Math.min(opts.lookbackMinutes ?? 60, maxMinutes);
    const fromMinute = floorMinute(toMs) - (minutes - 1) * MINUTE_MS;
    try {
      for (const variant of [def.controlVariant, def.treatmentVariant])
        await ingestVariant(d, def, src, allowed.source, variant, fromMinute, toMs);
    } catch (error) {
      failures.set(def.name, error instanceof Error ? error.message : String(error));
    }
  }
  return failures;
}
