import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { addValue, emptyRollup, mergeInto, MINUTE_MS, quantiles, sketchOf, type Rollup } from './rollup.ts';
import { SlidingMerge, type MinuteRollup } from './sliding-merge.ts';

const T0 = Date.UTC(2026, 0, 5, 0, 0);

/** Minute i of a synthetic series: empty every 7th minute, else a few values. */
const series: MinuteRollup[] = [];
for (let i = 0; i < 400; i++) {
  if (i % 7 === 3) continue;
  const r = emptyRollup();
  for (let j = 0; j < 1 + (i % 4); j++) addValue(r, 10 + ((i * 37 + j * 11) % 290));
  series.push({ minute: T0 + i * MINUTE_MS, rollup: r });
}
const source = (a: number, b: number): MinuteRollup[] => series.filter((m) => m.minute >= a && m.minute < b);

const direct = (from: number, to: number): Rollup => {
  const out = emptyRollup();
  for (const m of source(from, to)) mergeInto(out, m.rollup);
  return out;
};

const summary = (r: Rollup) => ({
  count: r.count,
  sum: Number(r.sum.toPrecision(12)),
  successes: r.successes,
  q: quantiles(sketchOf(r)),
});

const viaParts = (parts: Rollup[]): Rollup => {
  const out = emptyRollup();
  for (const p of parts) mergeInto(out, p);
  return out;
};

describe('SlidingMerge (two-stacks sliding window)', () => {
  it('equals merging every minute for a window sliding a minute at a time, and reads few minutes per move', () => {
    const s = new SlidingMerge();
    let read = 0;
    const counted = (a: number, b: number) => {
      read += (b - a) / MINUTE_MS;
      return source(a, b);
    };
    const L = 30;
    for (let i = 0; i + L <= 300; i++) {
      const from = T0 + i * MINUTE_MS;
      const to = from + L * MINUTE_MS;
      expect(summary(viaParts(s.parts(from, to, counted)))).toEqual(summary(direct(from, to)));
      expect(s.held().from).toBeLessThanOrEqual(from);
      expect(s.held().to).toBe(to);
    }
    // 271 moves of a 30-minute window: rebuilds every 31 moves read 30 minutes, the other moves 1.
    expect(read).toBeLessThan(271 * 3);
  });

  it('equals merging every minute for any sequence of windows (forward, back, jumps, growing)', () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.integer({ min: 0, max: 350 }), fc.integer({ min: 1, max: 50 })), {
          minLength: 1,
          maxLength: 40,
        }),
        (windows) => {
          const s = new SlidingMerge();
          for (const [a, n] of windows) {
            const from = T0 + a * MINUTE_MS;
            const to = from + n * MINUTE_MS;
            expect(summary(viaParts(s.parts(from, to, source)))).toEqual(summary(direct(from, to)));
          }
        },
      ),
      { seed: 20261122, numRuns: 300 },
    );
  });
});
