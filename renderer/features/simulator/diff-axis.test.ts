import { describe, expect, it } from 'vitest';
import { diffAxis, formatPp } from './diff-axis.ts';

describe('A/B difference axis', () => {
  it('shows the interval, 0 and the margin with 1/2/5 ticks', () => {
    const a = diffAxis(-2.4, 1.2, 2);
    expect(a.min).toBeLessThan(-2.4);
    expect(a.max).toBeGreaterThan(2);
    expect(a.ticks).toEqual([-2, -1, 0, 1, 2]);
    const wide = diffAxis(-5.6, 4.3, 2);
    expect(wide.ticks).toContain(0);
    expect(wide.ticks.every((t, i) => i === 0 || t > wide.ticks[i - 1]!)).toBe(true);
    expect(wide.ticks.length).toBeGreaterThanOrEqual(4);
    expect(wide.ticks.length).toBeLessThanOrEqual(8);
    // an interval far right still keeps 0 in view
    const right = diffAxis(3.5, 8.5, 2);
    expect(right.min).toBeLessThan(0);
    expect(() => diffAxis(2, 1, 2)).toThrow(RangeError);
  });
  it('formats signed percentage points', () => {
    expect(formatPp(-0.667)).toBe('−0.7 pp');
    expect(formatPp(1.25)).toBe('+1.3 pp');
    expect(formatPp(0.01)).toBe('0 pp');
  });
});
