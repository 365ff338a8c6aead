import { describe, expect, it } from 'vitest';
import { makeMetricDefinition } from '../../../test/fakes/fake-metrics.ts';
import { niceAxis } from './CompareCharts.tsx';
import { formatAbsolute, formatStatistic } from './compare-format.ts';
import { formatLift, formatNumber, formatP } from '../../lib/format.ts';

const ref = { provider: 'local', environment: 'production', key: 'k' };

describe('compare formatting', () => {
  it('formats rates in percent and points, other statistics with their unit', () => {
    const rate = makeMetricDefinition(ref, 'r');
    const ms = makeMetricDefinition(ref, 'l', { kind: 'continuous', unit: 'ms' });
    expect(formatStatistic(rate, 0.1234)).toBe('12.34%');
    expect(formatStatistic(ms, 380.44)).toBe('380.4 ms');
    expect(formatStatistic(ms, null)).toBe('—');
    expect(formatAbsolute(rate, -0.0312)).toBe('−3.12 pp');
    expect(formatAbsolute(ms, 18.5)).toBe('+18.5 ms');
    expect(formatLift(0.411)).toBe('+41.1%');
    expect(formatNumber(0.012345)).toBe('0.0123');
    expect(formatP(0.0004)).toBe('< 0.001');
    expect(formatP(0.0412)).toBe('0.041');
    expect(formatP(null)).toBe('—');
  });

  it('makes a nice forest axis that includes zero', () => {
    expect(niceAxis(-0.048, 0.6)).toEqual({ domain: [-0.2, 0.6], ticks: [-0.2, 0, 0.2, 0.4, 0.6] });
    expect(niceAxis(0, 0).ticks).toContain(0);
  });
});

describe('forest axis ticks', () => {
  it('has an exact zero tick', () => {
    const { ticks } = niceAxis(-0.25, 0.16);
    expect(ticks).toContain(0);
    expect(ticks.every((t) => Object.is(t, 0) || t !== 0)).toBe(true);
    expect(formatLift(-1e-17)).toBe('0%');
  });
});
