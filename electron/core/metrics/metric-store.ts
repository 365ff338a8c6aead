/**
 * SQLite storage of metric definitions and per-minute rollups (schema v3), and
 * the all-or-nothing event import: events are aggregated into per-minute
 * rollups in memory while the file streams, then written in one transaction
 * at the end, so a bad row leaves the database untouched.
 */
import type { FlagRef } from '../../../shared/domain.ts';
import { MetricDefinitionSchema, type MetricDefinition } from '../../../shared/metrics.ts';
import { statementCache, type Db, type Sql } from '../db/database.ts';
import { readMetricEvents, type ReadProgress } from './metric-events-reader.ts';
import {
  deserializeSketch,
  emptyRollup,
  addValue,
  floorMinute,
  mergeInto,
  serializeSketch,
  type Rollup,
  type RollupKey,
} from './rollup.ts';

/** A rollup with its key. */
export interface KeyedRollup extends RollupKey {
  rollup: Rollup;
}

/** Result of an import. */
export interface ImportSummary {
  rows: number;
  flags: string[];
  metrics: string[];
}

interface RollupRow {
  minute: number;
  count: number;
  sum: number;
  sum_sq: number;
  successes: number;
  sketch: Uint8Array | null;
}

const toRollup = (r: RollupRow): Rollup => ({
  count: r.count,
  sum: r.sum,
  sumSq: r.sum_sq,
  successes: r.successes,
  sketch: deserializeSketch(r.sketch),
});

const SEP = '\u0000';

export class MetricStore {
  private readonly db: Db;
  private readonly sql: Sql;

  constructor(db: Db) {
    this.db = db;
    this.sql = statementCache(db);
  }

  /** Creates or replaces a definition (by flag + name). */
  define(def: MetricDefinition): MetricDefinition {
    this.sql(
      `INSERT INTO metric_definition (provider, environment, flag_key, name, json) VALUES (?, ?, ?, ?, ?)
       ON CONFLICT (provider, environment, flag_key, name) DO UPDATE SET json = excluded.json`,
    ).run(def.flag.provider, def.flag.environment, def.flag.key, def.name, JSON.stringify(def));
    return def;
  }

  /** Definitions of a flag (every flag when omitted), by flag and name. */
  list(flag?: FlagRef): MetricDefinition[] {
    const rows = (
      flag
        ? this.sql(
            `SELECT json FROM metric_definition WHERE provider = ? AND environment = ? AND flag_key = ? ORDER BY name`,
          ).all(flag.provider, flag.environment, flag.key)
        : this.sql(`SELECT json FROM metric_definition ORDER BY provider, environment, flag_key, name`).all()
    ) as { json: string }[];
    return rows.map((r) => MetricDefinitionSchema.parse(JSON.parse(r.json)));
  }

  /** Per-minute rollups of one metric and variant with `fromMinute <= minute < toMinute`, by minute. */
  minutes(
    flag: FlagRef,
    metric: string,
    variant: string,
    fromMinute: number,
    toMinute: number,
    withSketch = false,
  ): Array<{ minute: number; rollup: Rollup }> {
    // The sketch blob is only read when asked for: deserializing it is most of the cost of a
    // window query, and only quantile metrics use it (bench/README.md, finding 13).
    const rows = this.sql(
      `SELECT minute, count, sum, sum_sq, successes${withSketch ? ', sketch' : ', NULL AS sketch'} FROM metric_rollup
       WHERE provider = ? AND environment = ? AND flag_key = ? AND metric = ? AND variant = ?
         AND minute >= ? AND minute < ? ORDER BY minute`,
    ).all(flag.provider, flag.environment, flag.key, metric, variant, fromMinute, toMinute) as RollupRow[];
    return rows.map((r) => ({ minute: r.minute, rollup: toRollup(r) }));
  }

  variants(flag: FlagRef, metric: string): string[] {
    const rows = this.sql(
      `SELECT DISTINCT variant FROM metric_rollup
       WHERE provider = ? AND environment = ? AND flag_key = ? AND metric = ? ORDER BY variant`,
    ).all(flag.provider, flag.environment, flag.key, metric) as { variant: string }[];
    return rows.map((r) => r.variant);
  }

  /** The window's rollups of one metric and variant merged into one (moments summed, sketches merged). */
  window(
    flag: FlagRef,
    metric: string,
    variant: string,
    fromMinute: number,
    toMinute: number,
    withSketch = false,
  ): Rollup {
    if (withSketch) {
      const out = emptyRollup();
      for (const m of this.minutes(flag, metric, variant, fromMinute, toMinute, true))
        mergeInto(out, m.rollup);
      return out;
    }
    // Moments only: summed by SQLite in one indexed range scan, no per-minute objects.
    const r = this.sql(
      `SELECT COALESCE(SUM(count), 0) AS count, COALESCE(SUM(sum), 0) AS sum, COALESCE(SUM(sum_sq), 0) AS sum_sq,
              COALESCE(SUM(successes), 0) AS successes
       FROM metric_rollup
       WHERE provider = ? AND environment = ? AND flag_key = ? AND metric = ? AND variant = ?
         AND minute >= ? AND minute < ?`,
    ).get(flag.provider, flag.environment, flag.key, metric, variant, fromMinute, toMinute) as Omit<
      RollupRow,
      'minute' | 'sketch'
    >;
    return { count: r.count, sum: r.sum, sumSq: r.sum_sq, successes: r.successes, sketch: null };
  }

  /** Adds rollups to the stored ones (merging with an existing minute), in one transaction. */
  addRollups(rollups: Iterable<KeyedRollup>): void {
    const get = this.sql(
      `SELECT minute, count, sum, sum_sq, successes, sketch FROM metric_rollup
       WHERE provider = ? AND environment = ? AND flag_key = ? AND metric = ? AND variant = ? AND minute = ?`,
    );
    this.db.transaction(() => {
      for (const k of rollups) {
        const existing = get.get(k.provider, k.environment, k.flagKey, k.metric, k.variant, k.minute) as
          RollupRow | undefined;
        const merged = emptyRollup();
        if (existing) mergeInto(merged, toRollup(existing));
        mergeInto(merged, k.rollup);
        this.put({ ...k, rollup: merged });
      }
    })();
  }

  /**
   * Replaces the rollups of one metric and variant in `[fromMinute, toMinute)` by `rollups`
   * (minutes with no new rollup are cleared), in one transaction — re-polling is idempotent.
   */
  replaceRange(
    flag: FlagRef,
    metric: string,
    variant: string,
    fromMinute: number,
    toMinute: number,
    rollups: Array<{ minute: number; rollup: Rollup }>,
  ): void {
    this.db.transaction(() => {
      this.sql(
        `DELETE FROM metric_rollup WHERE provider = ? AND environment = ? AND flag_key = ? AND metric = ?
           AND variant = ? AND minute >= ? AND minute < ?`,
      ).run(flag.provider, flag.environment, flag.key, metric, variant, fromMinute, toMinute);
      for (const r of rollups)
        this.put({
          provider: flag.provider,
          environment: flag.environment,
          flagKey: flag.key,
          metric,
          variant,
          minute: r.minute,
          rollup: r.rollup,
        });
    })();
  }

  private put(k: KeyedRollup): void {
    this.sql(
      `INSERT OR REPLACE INTO metric_rollup
         (provider, environment, flag_key, metric, variant, minute, count, sum, sum_sq, successes, sketch)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    ).run(
      k.provider,
      k.environment,
      k.flagKey,
      k.metric,
      k.variant,
      k.minute,
      k.rollup.count,
      k.rollup.sum,
      k.rollup.sumSq,
      Math.round(k.rollup.successes),
      serializeSketch(k.rollup.sketch),
    );
  }

  /**
   * Imports a metric-event file into the rollups of `provider`/`environment`: all-or-nothing
   * (nothing is written unless every row is valid). Timestamps round down to the minute.
   * @throws MetricFormatError naming the first bad line.
   */
  async importFile(
    file: string,
    opts: { provider: string; environment: string; onProgress?: (p: ReadProgress) => void },
  ): Promise<ImportSummary> {
    const acc = new Map<string, KeyedRollup>();
    const flags = new Set<string>();
    const metrics = new Set<string>();
    const rows = await readMetricEvents(
      file,
      (e) => {
        const minute = floorMinute(e.timestamp);
        const id = [e.flagKey, e.metric, e.variant, minute].join(SEP);
        let k = acc.get(id);
        if (!k) {
          k = {
            provider: opts.provider,
            environment: opts.environment,
            flagKey: e.flagKey,
            metric: e.metric,
            variant: e.variant,
            minute,
            rollup: emptyRollup(),
          };
          acc.set(id, k);
        }
        addValue(k.rollup, e.value);
        flags.add(e.flagKey);
        metrics.add(e.metric);
      },
      opts.onProgress,
    );
    this.addRollups(acc.values());
    return { rows, flags: [...flags].sort(), metrics: [...metrics].sort() };
  }
}
