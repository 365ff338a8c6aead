import { describe, expect, it } from 'vitest';
import { sweepOf, type MockPrediction } from '../../../test/fakes/fake-simulator.ts';
import {
  formatCount,
  formatPct,
  intervalText,
  projectChange,
  wrongShare,
  type ProjectionInput,
} from './projection.ts';

/** 100 predictions: 0.85 → 59 right + 1 wrong; 0.75 → 16 + 4; 0.50 → 5 + 15. */
function fixture(): MockPrediction[] {
  const rows: MockPrediction[] = [];
  const add = (confidence: number, right: number, wrong: number) => {
    for (let i = 0; i < right; i++) rows.push({ confidence, label: 1, modelVersion: 'v2.4', segment: null });
    for (let i = 0; i < wrong; i++) rows.push({ confidence, label: 0, modelVersion: 'v2.4', segment: null });
  };
  add(0.85, 59, 1);
  add(0.75, 16, 4);
  add(0.5, 5, 15);
  return rows;
}

const series = sweepOf(fixture(), { modelVersion: null, segment: null });
const base: ProjectionInput = {
  series,
  current: 0.7,
  candidate: 0.8,
  usersPerDay: 10_000,
  rolloutPercent: 10,
  enabled: true,
};

describe('formatPct / formatCount', () => {
  it('formats fractions as short percentages', () => {
    expect(formatPct(0.021)).toBe('2.1%');
    expect(formatPct(0.006)).toBe('0.6%');
    expect(formatPct(0.14)).toBe('14%');
    expect(formatPct(0.0004)).toBe('<0.1%');
    expect(formatPct(0.9995)).toBe('>99.9%');
    expect(formatPct(0.964)).toBe('96.4%');
    expect(formatPct(1)).toBe('100%');
    expect(formatPct(0)).toBe('0%');
    expect(formatPct(-0.05)).toBe('−5%');
    expect(formatPct(null)).toBe('—');
    expect(formatPct(Number.NaN)).toBe('—');
  });

  it('formats counts with separators, small fractions with one decimal', () => {
    expect(formatCount(10_000)).toBe('10,000');
    expect(formatCount(0.66)).toBe('0.7');
    expect(formatCount(12.4)).toBe('12');
    expect(formatCount(0)).toBe('0');
  });
});

describe('projectChange', () => {
  it('says how wrong answers, fallbacks and wrong answers per day change', () => {
    const p = projectChange(base)!;
    expect(p.current.threshold).toBe(0.7);
    expect(p.candidate.threshold).toBe(0.8);
    expect(p.sentence).toBe(
      'At 0.80 instead of 0.70: wrong answers shown fall from 6.3% to 1.7% of covered requests; ' +
        '20% more of all requests fall back (40% instead of 20%); ' +
        "at today's rollout (10% of ~10,000 users/day) that is ≈ 40 fewer wrong answers per day (≈ 10 instead of 50).",
    );
    expect(p.exposedPerDay).toBe(1000);
    expect(p.wrongPerDayNow).toBeCloseTo(50);
    expect(p.wrongPerDayThen).toBeCloseTo(10);
  });

  it('says "rise" and "fewer fall back" when lowering the threshold', () => {
    const p = projectChange({ ...base, current: 0.8, candidate: 0.7 })!;
    expect(p.sentence).toContain('wrong answers shown rise from 1.7% to 6.3% of covered requests');
    expect(p.sentence).toContain('20% fewer of all requests fall back (20% instead of 40%)');
    expect(p.sentence).toContain('≈ 40 more wrong answers per day (≈ 50 instead of 10)');
  });

  it('describes the current threshold when the candidate equals it', () => {
    const p = projectChange({ ...base, candidate: 0.7 })!;
    expect(p.sentence).toBe(
      'At 0.70 (the current threshold): wrong answers shown are 6.3% of covered requests; ' +
        "20% of all requests fall back; at today's rollout (10% of ~10,000 users/day) that is ≈ 50 wrong answers per day.",
    );
  });

  it('handles "nothing covered" in words', () => {
    const p = projectChange({ ...base, candidate: 0.9 })!;
    expect(p.candidate.precision).toBeNull();
    expect(p.sentence).toContain(
      'precision undefined: nothing covered at 0.90, so no AI answers are shown (today 6.3% of covered requests are wrong)',
    );
    expect(p.sentence).toContain('80% more of all requests fall back (100% instead of 20%)');
    expect(p.sentence).toContain('≈ 50 fewer wrong answers per day (≈ 0 instead of 50)');
    expect(p.interval).toBe('Precision at 0.90 is undefined: nothing covered (0 of 100 requests).');

    const q = projectChange({ ...base, current: 0.95, candidate: 0.8 })!;
    expect(q.sentence).toContain(
      'precision undefined today: nothing covered at 0.95; at 0.80, 1.7% of covered requests would be wrong',
    );
    const r = projectChange({ ...base, current: 0.95, candidate: 0.9 })!;
    expect(r.sentence).toContain('precision undefined: nothing covered at either threshold');
  });

  it('treats "no threshold" as showing everything, a killed flag as no exposure, no rollout as everyone', () => {
    expect(projectChange({ ...base, current: null })!.sentence).toMatch(
      /^At 0\.80 instead of no threshold \(every answer shown\): wrong answers shown fall from 20% to 1\.7%/,
    );
    const killed = projectChange({ ...base, enabled: false })!;
    expect(killed.exposedPerDay).toBe(0);
    expect(killed.sentence).toContain(
      'the flag is killed, so today nobody sees AI answers (0 wrong answers per day)',
    );
    expect(projectChange({ ...base, rolloutPercent: null })!.sentence).toContain(
      "at today's exposure (no rollout layer: all of ~10,000 users/day) that is ≈ 400 fewer wrong answers per day",
    );
  });

  it('leaves out the per-day part without users per day, and returns null without a series', () => {
    const p = projectChange({ ...base, usersPerDay: null })!;
    expect(p.sentence).not.toContain('per day');
    expect(p.wrongPerDayNow).toBeNull();
    expect(p.sentence.endsWith('(40% instead of 20%).')).toBe(true);
    expect(projectChange({ ...base, series: null })).toBeNull();
  });

  it('reports the precision interval at the candidate', () => {
    const p = projectChange(base)!;
    expect(p.interval).toMatch(
      /^Precision at 0\.80: 98\.3% \(95% interval 91\.1%–99\.7%; 60 of 100 requests covered\)\.$/,
    );
    expect(intervalText(p.current)).toContain('80 of 100 requests covered');
  });

  it('counts wrong answers among all requests', () => {
    expect(wrongShare(projectChange(base)!.current)).toBeCloseTo(0.05);
    expect(wrongShare(projectChange({ ...base, candidate: 0.9 })!.candidate)).toBe(0);
  });
});
