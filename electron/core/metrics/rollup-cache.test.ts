import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { rng } from '../../../bench/lib/rng.ts';
import { openDatabase, type Db } from '../db/database.ts';
import { tempMetricStore } from '../../../test/support/metric-fixtures.ts';
import { MetricStore } from './metric-store.ts';
import { HOUR_MS } from './rollup-level-defs.ts';
import { addValue, emptyRollup, MINUTE_MS, quantiles, sketchOf, type Rollup } from './rollup.ts';

const FLAG = { provider: 'local', environment: 'production', key: 'f' };
const T0 = Date.UTC(2026, 0, 5, 0, 0);

const rollupOf = (values: number[]): Rollup => {
  const r = emptyRollup();
  for (const v of values) addValue(r, v);
  return r;
};

const keyed = (metric: string, variant: string, minute: number, rollup: Rollup) => ({
  provider: FLAG.provider,
  environment: FLAG.environment,
  flagKey: FLAG.key,
  metric,
  variant,
  minute,
  rollup,
});

/** The window read without the cache (inside a transaction the cache is bypassed). */
function uncached<T>(db: Db, read: () => T): T {
  return db.transaction(read)();
}

const summary = (r: Rollup) => ({
  count: r.count,
  sum: Number(r.sum.toPrecision(12)),
  sumSq: Number(r.sumSq.toPrecision(12)),
  successes: r.successes,
  q: quantiles(sketchOf(r)),
});

/** Resolves on the next turn of the event loop (after `setImmediate` callbacks queued before). */
const nextTurn = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

describe('rollup cache (window reads served from memory)', () => {
  let fx: ReturnType<typeof tempMetricStore>;
  let db: Db;
  let store: MetricStore;

  beforeEach(() => {
    fx = tempMetricStore();
    ({ db, store } = fx);
  });
  afterEach(() => fx.close());

  it('equals the database after every kind of write, for random windows (moments, sketches, minute means)', () => {
    const random = rng(7);
    const span = 3 * HOUR_MS;
    const write = (n: number) =>
      store.addRollups(
        Array.from({ length: n }, () =>
          keyed(
            'latency',
            random() < 0.5 ? 'control' : 'treatment',
            T0 + Math.floor(random() * (span / MINUTE_MS)) * MINUTE_MS,
            rollupOf(Array.from({ length: 1 + Math.floor(random() * 4) }, () => Math.round(random() * 300))),
          ),
        ),
      );
    write(400);
    for (let round = 0; round < 12; round++) {
      for (let i = 0; i < 25; i++) {
        const a = T0 + Math.floor(random() * span);
        const b = a + Math.floor(random() * span);
        const variant = random() < 0.5 ? 'control' : 'treatment';
        const withSketch = random() < 0.5;
        const cached = store.window(FLAG, 'latency', variant, a, b, withSketch);
        const direct = uncached(db, () => store.window(FLAG, 'latency', variant, a, b, withSketch));
        expect(summary(cached)).toEqual(summary(direct));
        expect(summary(store.minuteMeans(FLAG, 'latency', variant, a, b))).toEqual(
          summary(uncached(db, () => store.minuteMeans(FLAG, 'latency', variant, a, b))),
        );
      }
      // Change the data between rounds: add to minutes, replace a range (clearing some), or both.
      if (round % 3 === 0) write(30);
      else {
        const from = T0 + Math.floor(random() * 120) * MINUTE_MS;
        store.replaceRange(FLAG, 'latency', 'control', from, from + 20 * MINUTE_MS, [
          { minute: from + 5 * MINUTE_MS, rollup: rollupOf([1000, 2000]) },
        ]);
        if (round % 3 === 2) write(10);
      }
    }
  });

  it('a sketch window sliding a minute at a time equals the database, with writes before, inside and at its end', () => {
    const random = rng(11);
    const values = () =>
      rollupOf(Array.from({ length: 2 + Math.floor(random() * 3) }, () => 50 + Math.round(random() * 400)));
    for (let m = 0; m < 200; m++)
      if (m % 9 !== 4) store.addRollups([keyed('latency', 'treatment', T0 + m * MINUTE_MS, values())]);
    for (let m = 30; m < 200; m++) {
      const now = T0 + m * MINUTE_MS + 20_000;
      // New data in the current minute every move; now and then in a closed minute of the window
      // (an import of late events) or just before it.
      store.addRollups([keyed('latency', 'treatment', T0 + m * MINUTE_MS, values())]);
      if (m % 13 === 0)
        store.addRollups([keyed('latency', 'treatment', T0 + (m - 10) * MINUTE_MS, values())]);
      if (m % 17 === 0)
        store.addRollups([keyed('latency', 'treatment', T0 + (m - 30) * MINUTE_MS, values())]);
      for (const len of [20, 30]) {
        const read = () => store.window(FLAG, 'latency', 'treatment', now - len * MINUTE_MS, now + 1, true);
        expect(summary(read())).toEqual(summary(uncached(db, read)));
      }
    }
  });

  it('a re-poll (replaceRange) writes only the minutes that changed, and windows stay equal to the database', async () => {
    const poll = (changeAt: number | null, clearAt: number | null) =>
      Array.from({ length: 30 }, (_, m) => ({
        minute: T0 + m * MINUTE_MS,
        rollup: rollupOf(m === changeAt ? [999, 1] : [m, m + 10, 2 * m]),
      })).filter((r) => r.minute !== (clearAt === null ? -1 : T0 + clearAt * MINUTE_MS));
    const replace = (rows: ReturnType<typeof poll>) =>
      store.replaceRange(FLAG, 'latency', 'treatment', T0, T0 + 30 * MINUTE_MS, rows);
    const read = () =>
      store.window(FLAG, 'latency', 'treatment', T0 + 5 * MINUTE_MS, T0 + 30 * MINUTE_MS, true);
    expect(replace(poll(null, null))).toBe(30);
    expect(summary(read())).toEqual(summary(uncached(db, read)));
    expect(replace(poll(null, null))).toBe(0);
    expect(replace(poll(12, null))).toBe(1);
    expect(summary(read())).toEqual(summary(uncached(db, read)));
    expect(replace(poll(12, 20))).toBe(1);
    expect(summary(read())).toEqual(summary(uncached(db, read)));
    expect(read().count).toBe(25 * 3 - 1 - 3);
    expect(replace(poll(null, null))).toBe(2);
    expect(summary(read())).toEqual(summary(uncached(db, read)));
    // After a commit by another connection the cache is empty: a re-poll that changes one minute
    // must not make the unchanged ones look empty.
    const other = openDatabase(path.join(fx.dir, 'rcr.db'));
    try {
      new MetricStore(other).addRollups([keyed('errors', 'control', T0, rollupOf([1]))]);
    } finally {
      other.close();
    }
    await nextTurn();
    expect(read().count).toBe(25 * 3);
    expect(replace(poll(7, null))).toBe(1);
    expect(summary(read())).toEqual(summary(uncached(db, read)));
    expect(read().count).toBe(25 * 3 - 1);
    // The hour level agrees with the minutes after the partial refreshes.
    const level = store.window(FLAG, 'latency', 'treatment', T0, T0 + HOUR_MS, false);
    expect(level.count).toBe(30 * 3 - 1);
  });

  it('a window ending in the current minute sees new data in that minute and in earlier ones', () => {
    const now = T0 + 40 * MINUTE_MS + 30_000;
    for (let m = 0; m <= 40; m++)
      store.addRollups([keyed('errors', 'treatment', T0 + m * MINUTE_MS, rollupOf([0, 0, 1]))]);
    const read = () => store.window(FLAG, 'errors', 'treatment', now - 30 * MINUTE_MS, now + 1, false);
    // [10:30, 40:30] rounds to the minutes 11..40 (rows sit on minute boundaries).
    expect(read().count).toBe(30 * 3);
    store.addRollups([keyed('errors', 'treatment', T0 + 40 * MINUTE_MS, rollupOf([1]))]);
    expect(read().count).toBe(30 * 3 + 1);
    store.addRollups([keyed('errors', 'treatment', T0 + 20 * MINUTE_MS, rollupOf([1, 1]))]);
    expect(read()).toMatchObject({ count: 30 * 3 + 3, successes: 30 + 3 });
  });

  it('sees a commit by another connection (another process on the same data folder)', async () => {
    store.addRollups([keyed('errors', 'control', T0, rollupOf([1, 0]))]);
    expect(store.window(FLAG, 'errors', 'control', T0, T0 + MINUTE_MS, false).count).toBe(2);
    const other = openDatabase(path.join(fx.dir, 'rcr.db'));
    try {
      new MetricStore(other).addRollups([keyed('errors', 'control', T0, rollupOf([1, 1, 1]))]);
    } finally {
      other.close();
    }
    // The check runs once per turn of the event loop: the next turn sees the commit.
    await nextTurn();
    expect(store.window(FLAG, 'errors', 'control', T0, T0 + MINUTE_MS, false).count).toBe(5);
  });

  it('caches nothing read inside a transaction that rolls back', () => {
    store.addRollups([keyed('errors', 'control', T0, rollupOf([1]))]);
    expect(() =>
      db.transaction(() => {
        store.addRollups([keyed('errors', 'control', T0, rollupOf([1, 1, 1, 1]))]);
        expect(store.window(FLAG, 'errors', 'control', T0, T0 + MINUTE_MS, false).count).toBe(5);
        throw new Error('roll back');
      })(),
    ).toThrow('roll back');
    expect(store.window(FLAG, 'errors', 'control', T0, T0 + MINUTE_MS, false).count).toBe(1);
  });

  it('a second store on the same connection shares the cache (a write through one is seen by the other)', () => {
    const other = new MetricStore(db);
    store.addRollups([keyed('errors', 'control', T0, rollupOf([1]))]);
    expect(other.window(FLAG, 'errors', 'control', T0, T0 + 2 * MINUTE_MS, false).count).toBe(1);
    store.addRollups([keyed('errors', 'control', T0 + MINUTE_MS, rollupOf([0, 0]))]);
    expect(other.window(FLAG, 'errors', 'control', T0, T0 + 2 * MINUTE_MS, false).count).toBe(3);
  });
});
