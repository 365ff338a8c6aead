import { describe, expect, it } from 'vitest';
import { wilsonInterval, wilsonSeparationSize } from './precision-interval.ts';
import { newcombeInterval, twoProportionSampleSize } from './two-proportions.ts';

describe('Newcombe hybrid score interval for p1 − p2', () => {
  // Newcombe (1998), Stat Med 17:873–890, Table II, method 10 (score, no continuity correction).
  const table2: [number, number, number, number, number, number][] = [
    [56, 70, 48, 80, 0.0524, 0.3339], // (a)
    [9, 10, 3, 10, 0.1705, 0.809], // (b)
    [6, 7, 2, 7, 0.0582, 0.8062], // (c)
    [5, 56, 0, 29, -0.0381, 0.1926], // (d)
    [0, 10, 0, 20, -0.1611, 0.2775], // (e)
    [0, 10, 0, 10, -0.2775, 0.2775], // (f)
    [10, 10, 0, 20, 0.6791, 1], // (g)
    [10, 10, 0, 10, 0.6075, 1], // (h)
  ];
  it.each(table2)('%i/%i − %i/%i → (%f, %f) as in Table II', (x1, n1, x2, n2, lo, hi) => {
    const ci = newcombeInterval(x1, n1, x2, n2);
    expect(ci).not.toBeNull();
    expect(ci![0]).toBeCloseTo(lo, 4);
    expect(ci![1]).toBeCloseTo(hi, 4);
  });
  it('is null without trials and refuses impossible counts', () => {
    expect(newcombeInterval(0, 0, 3, 10)).toBeNull();
    expect(() => newcombeInterval(11, 10, 3, 10)).toThrow(RangeError);
  });
});

describe('two-proportion sample size per arm', () => {
  // Chow, Shao & Wang (2008), Sample Size Calculations in Clinical Research, 2nd ed., §4.2:
  // equality, p1 = 0.65, p2 = 0.85, α = 0.05 two-sided, 80% power → 70 per arm;
  // non-inferiority, treatment 0.85 vs control 0.65, δ = −0.1, α = 0.05 one-sided → 25 per arm
  // (the same numbers as R TrialSize::TwoSampleProportion.Equality and epiR::epi.ssninfb).
  it('matches the textbook examples', () => {
    expect(twoProportionSampleSize(0.65, 0.85, 0)).toBe(70);
    expect(twoProportionSampleSize(0.85, 0.65, -0.1, { alphaOneSided: 0.05 })).toBe(25);
  });
  it('is null when the difference sits on the boundary or the variance is zero', () => {
    expect(twoProportionSampleSize(0.9, 0.9, 0)).toBeNull();
    expect(twoProportionSampleSize(1, 1, 0.02)).toBeNull();
  });
});

describe('Wilson separation size', () => {
  it('is the fewest trials at which the interval around the observed proportion excludes the target', () => {
    // perfect precision needs 73 covered for a 95% lower bound ≥ 0.95
    expect(wilsonSeparationSize(1, 0.95)).toBe(73);
    expect(wilsonInterval(73, 73)![0]).toBeGreaterThanOrEqual(0.95);
    expect(wilsonInterval(72, 72)![0]).toBeLessThan(0.95);
    // observed 0.9 against 0.95: the upper bound falls below 0.95 from n on
    const n = wilsonSeparationSize(0.9, 0.95)!;
    expect(wilsonInterval(0.9 * n, n)![1]).toBeLessThan(0.95);
    expect(wilsonInterval(0.9 * (n - 1), n - 1)![1]).toBeGreaterThanOrEqual(0.95);
    expect(wilsonSeparationSize(0.95, 0.95)).toBeNull();
  });
});
