import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { rng } from '../../../bench/lib/rng.ts';
import type { Db } from '../db/database.ts';
import { tempMetricStore } from '../../../test/support/metric-fixtures.ts';
import { MetricStore } from './metric-store.ts';
import { DAY_MS, HOUR_MS, windowSegments } from './rollup-level-defs.ts';
import {
  addValue,
  emptyRollup,
  mergeInto,
  MINUTE_MS,
  rollupFromRow,
  sketchOf,
  type Rollup,
  type RollupColumns,
} from './rollup.ts';

const FLAG = { provider: 'local', environment: 'production', key: 'f' };
const T0 = Date.UTC(2026, 0, 5, 0, 0);

describe('windowSegments', () => {
  it('uses whole days, then whole hours, then minutes, covering the window exactly once', () => {
    const from = T0 + 22 * HOUR_MS + 17 * MINUTE_MS;
    const to = T0 + 3 * DAY_MS + 5 * HOUR_MS + 3 * MINUTE_MS;
    const segs = windowSegments(from, to);
    expect(segs.map((s) => s.resolution)).toEqual([MINUTE_MS, HOUR_MS, DAY_MS, HOUR_MS, MINUTE_MS]);
    let at = from;
    for (const s of segs) {
      expect(s.from).toBe(at);
      expect((s.to - s.from) % s.resolution).toBe(0);
      at = s.to;
    }
    expect(at).toBe(to);
    expect(windowSegments(T0 + 5 * MINUTE_MS, T0 + 9 * MINUTE_MS)).toEqual([
      { resolution: MINUTE_MS, from: T0 + 5 * MINUTE_MS, to: T0 + 9 * MINUTE_MS },
    ]);
    expect(windowSegments(T0, T0)).toEqual([]);
  });
});

describe('rollup levels', () => {
  let fx: ReturnType<typeof tempMetricStore>;
  let store: MetricStore;
  let db: Db;

  beforeEach(() => {
    fx = tempMetricStore();
    ({ db, store } = fx);
  });
  afterEach(() => fx.close());

  /** Three days of minutes with a gap, values that make every minute's mean differ. */
  function fill(): Map<number, Rollup> {
    const minutes = new Map<number, Rollup>();
    for (let m = 0; m < 3 * 1440; m += m % 500 === 499 ? 40 : 1) {
      const r = emptyRollup();
      // Every 7th minute holds only 0/1 values (stored without a sketch), the rest other values.
      for (let j = 0; j <= m % 3; j++) addValue(r, m % 7 === 0 ? (m + j) % 2 : ((m * 7 + j * 13) % 97) - 5);
      minutes.set(T0 + m * MINUTE_MS, r);
    }
    store.addRollups(
      [...minutes].map(([minute, rollup]) => ({
        provider: FLAG.provider,
        environment: FLAG.environment,
        flagKey: FLAG.key,
        metric: 'latency',
        variant: 'control',
        minute,
        rollup,
      })),
    );
    return minutes;
  }

  /** The window computed from the raw minute rows (what the levels must reproduce). */
  function direct(from: number, to: number): { w: Rollup; means: Rollup } {
    const w = emptyRollup();
    const means = emptyRollup();
    for (const { rollup } of store.minutes(FLAG, 'latency', 'control', from, to, true)) {
      w.count += rollup.count;
      w.sum += rollup.sum;
      w.sumSq += rollup.sumSq;
      w.successes += rollup.successes;
      if (rollup.count > 0) {
        const v = rollup.sum / rollup.count;
        means.count++;
        means.sum += v;
        means.sumSq += v * v;
        if (v !== 0) means.successes++;
      }
    }
    return { w, means };
  }

  it('answers windows from the levels exactly as from the minutes (moments, minute means, quantiles)', () => {
    fill();
    const windows: Array<[number, number]> = [
      [T0, T0 + 3 * DAY_MS],
      [T0 + 13 * MINUTE_MS, T0 + 2 * DAY_MS + 7 * HOUR_MS + 11 * MINUTE_MS],
      [T0 + 5 * HOUR_MS, T0 + 6 * HOUR_MS],
      [T0 + DAY_MS - 3 * MINUTE_MS, T0 + DAY_MS + 3 * MINUTE_MS],
    ];
    for (const [from, to] of windows) {
      const d = direct(from, to);
      const w = store.window(FLAG, 'latency', 'control', from, to, true);
      expect(w.count).toBe(d.w.count);
      expect(w.successes).toBe(d.w.successes);
      expect(w.sum).toBeCloseTo(d.w.sum, 6);
      expect(w.sumSq).toBeCloseTo(d.w.sumSq, 3);
      const m = store.minuteMeans(FLAG, 'latency', 'control', from, to);
      expect(m.count).toBe(d.means.count);
      expect(m.successes).toBe(d.means.successes);
      expect(m.sum).toBeCloseTo(d.means.sum, 6);
      expect(m.sumSq).toBeCloseTo(d.means.sumSq, 4);
      // The merged sketch equals the merge of the minute rollups (merging is exact on bins; 0/1-only
      // minutes count as their zeros and ones).
      const ref = emptyRollup();
      for (const { rollup } of store.minutes(FLAG, 'latency', 'control', from, to, true))
        mergeInto(ref, rollup);
      expect(ref.sketch?.count).toBe(d.w.count);
      for (const q of [0, 0.05, 0.5, 0.95, 0.99, 1])
        expect(sketchOf(w)?.getValueAtQuantile(q)).toBe(sketchOf(ref)?.getValueAtQuantile(q));
    }
  });

  it('keeps the levels in step when minutes are replaced, and rebuilds missing levels on open', () => {
    fill();
    const from = T0 + DAY_MS + 2 * HOUR_MS;
    const r = emptyRollup();
    addValue(r, 1000);
    store.replaceRange(FLAG, 'latency', 'control', from, from + 90 * MINUTE_MS, [
      { minute: from, rollup: r },
    ]);
    const d = direct(T0, T0 + 3 * DAY_MS);
    expect(store.window(FLAG, 'latency', 'control', T0, T0 + 3 * DAY_MS).count).toBe(d.w.count);
    expect(store.window(FLAG, 'latency', 'control', from, from + HOUR_MS).count).toBe(1);

    db.prepare('DELETE FROM metric_rollup_level').run();
    const reopened = new MetricStore(db);
    expect(reopened.window(FLAG, 'latency', 'control', T0, T0 + 3 * DAY_MS).count).toBe(d.w.count);
    expect(
      db.prepare('SELECT COUNT(*) FROM metric_rollup_level WHERE resolution = ?').pluck().get(DAY_MS),
    ).toBe(3);
  });

  it('levels updated by additions equal levels rebuilt from the minutes', () => {
    const random = rng(5);
    for (let batch = 0; batch < 60; batch++) {
      const n = 1 + Math.floor(random() * 20);
      store.addRollups(
        Array.from({ length: n }, () => {
          const r = emptyRollup();
          const binary = random() < 0.3;
          for (let j = 0; j < 1 + Math.floor(random() * 3); j++)
            addValue(r, binary ? (random() < 0.4 ? 1 : 0) : Math.round(random() * 500) - 20);
          return {
            provider: FLAG.provider,
            environment: FLAG.environment,
            flagKey: FLAG.key,
            metric: 'latency',
            variant: random() < 0.5 ? 'control' : 'treatment',
            // Two days of minutes, so some additions land in minutes, hours and days seen before.
            minute: T0 + Math.floor(random() * 2 * 1440) * MINUTE_MS,
            rollup: r,
          };
        }),
      );
    }
    type Level = RollupColumns & {
      variant: string;
      resolution: number;
      bucket: number;
      minutes: number;
      ratio_sum: number;
      ratio_sum_sq: number;
      ratio_nonzero: number;
    };
    const levels = () =>
      db
        .prepare(
          `SELECT variant, resolution, bucket, count, sum, sum_sq, successes, minutes, ratio_sum, ratio_sum_sq,
                  ratio_nonzero, sketch FROM metric_rollup_level ORDER BY variant, resolution, bucket`,
        )
        .all() as Level[];
    const incremental = levels();
    store.levels.rebuildAll();
    const rebuilt = levels();
    expect(incremental.length).toBe(rebuilt.length);
    expect(rebuilt.length).toBeGreaterThan(40);
    incremental.forEach((a, i) => {
      const b = rebuilt[i] as Level;
      expect([a.variant, a.resolution, a.bucket, a.count, a.successes, a.minutes, a.ratio_nonzero]).toEqual([
        b.variant,
        b.resolution,
        b.bucket,
        b.count,
        b.successes,
        b.minutes,
        b.ratio_nonzero,
      ]);
      expect(a.sum).toBeCloseTo(b.sum, 6);
      expect(a.sum_sq).toBeCloseTo(b.sum_sq, 3);
      expect(a.ratio_sum).toBeCloseTo(b.ratio_sum, 6);
      expect(a.ratio_sum_sq).toBeCloseTo(b.ratio_sum_sq, 3);
      const qa = sketchOf(rollupFromRow(a));
      const qb = sketchOf(rollupFromRow(b));
      for (const q of [0, 0.5, 0.95, 1]) expect(qa?.getValueAtQuantile(q)).toBe(qb?.getValueAtQuantile(q));
    });
  });
});
