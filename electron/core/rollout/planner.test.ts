import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  PlannerInputsSchema,
  RolloutPlanSchema,
  DAY_MS,
  type PlannerMetric,
} from '../../../shared/rollout-plans.ts';
import { planStages, sampleSizeTreatment, standardizedEffect } from './planner.ts';
import { findTemplate, PLAN_TEMPLATES } from '../../../shared/rollout-templates.ts';

interface RefCase {
  id: string;
  metric: PlannerMetric;
  minDetectableRelative: number;
  alpha: number;
  power: number;
  ratio: number;
  effectSize: number;
  nTreatment: number;
}
const REF = JSON.parse(
  fs.readFileSync(path.resolve(import.meta.dirname, '../../../test/fixtures/planner/reference.json'), 'utf8'),
) as { cases: RefCase[] };

const NOW = Date.parse('2026-03-02T09:00:00Z');

describe('planner power analysis (statsmodels NormalIndPower reference)', () => {
  it.each(REF.cases)('$id', (c) => {
    const inputs = PlannerInputsSchema.parse({
      trafficPerDay: 1000,
      metric: c.metric,
      minDetectableRelative: c.minDetectableRelative,
      alpha: c.alpha,
      power: c.power,
    });
    const { d } = standardizedEffect(inputs);
    expect(d).toBeCloseTo(c.effectSize, 12);
    const n = sampleSizeTreatment(d, c.alpha, c.power, c.ratio);
    expect(Math.abs(n - c.nTreatment) / c.nTreatment).toBeLessThan(1e-6);
  });
});

describe('planStages', () => {
  const inputs = PlannerInputsSchema.parse({
    trafficPerDay: 200_000,
    metric: { kind: 'proportion', baselineRate: 0.02 },
    minDetectableRelative: 0.2,
    startAt: '2026-03-02T09:00:00Z',
  });
  const stages = (findTemplate('ai-six-stage') ?? PLAN_TEMPLATES[0])!.stages;

  it('sizes each stage by its cohort traffic and lays out the calendar', () => {
    const { stages: out, result } = planStages(stages, inputs, NOW);
    // Equal allocation: statsmodels gives 16594.06 for p0 0.02, +20 %, α 0.05 one-sided, power 0.8.
    expect(result.samplePerCohort).toBe(16595);
    expect(result.effect).toBeCloseTo(0.004, 12);
    expect(result.method).toMatch(/Cohen/);
    const s10 = result.stages[2]!; // 10 %: treatment 20k/day, control 180k/day
    expect(s10.treatmentPerDay).toBeCloseTo(20_000);
    expect(s10.controlPerDay).toBeCloseTo(180_000);
    const nT = sampleSizeTreatment(standardizedEffect(inputs).d, 0.05, 0.8, 9);
    expect(s10.daysForSample).toBeCloseTo(nT / 20_000, 10);
    // Less than a day of traffic is needed, so the 3-day minimum observation wins.
    expect(out[2]!.minObservationMs).toBe(3 * DAY_MS);
    expect(out[2]!.minSamplePerCohort).toBe(Math.ceil(nT));
    // 1 % (2000/day in treatment) needs ~4.6 days: longer than the minimum, under the 7-day cap.
    const s1 = result.stages[0]!;
    expect(s1.daysForSample).toBeGreaterThan(3);
    expect(out[0]!.minObservationMs).toBe(Math.ceil(s1.daysForSample * DAY_MS));
    expect(s1.sampleShortfall).toBe(false);
    // 100 %: no control cohort; the stage only observes for the minimum.
    expect(result.stages[5]!.controlPerDay).toBe(0);
    expect(out[5]!.minSamplePerCohort).toBe(0);
    // The calendar chains the stages.
    expect(result.stages[0]!.startsAt).toBe('2026-03-02T09:00:00.000Z');
    for (let i = 1; i < 6; i++) expect(result.stages[i]!.startsAt).toBe(result.stages[i - 1]!.endsAt);
    expect(result.endsAt).toBe(result.stages[5]!.endsAt);
    expect(result.totalDurationMs).toBe(out.reduce((a, s) => a + s.minObservationMs, 0));
    // Above 50 % the control is the smaller cohort: its requirement is checked.
    const three = planStages(
      [
        { ...stages[2]!, targetPercent: 50 },
        { ...stages[2]!, targetPercent: 80 },
      ],
      inputs,
      NOW,
    );
    expect(three.stages[1]!.minSamplePerCohort).toBeLessThan(three.stages[0]!.minSamplePerCohort);
    // The plan validates and records where it came from.
    const plan = RolloutPlanSchema.parse({
      flag: { provider: 'local', environment: 'production', key: 'f' },
      name: 'p',
      stages: out,
      planner: result,
    });
    expect(plan.planner?.inputs.trafficPerDay).toBe(200_000);
  });

  it('caps a stage at the max observation time and flags the shortfall', () => {
    const slow = { ...inputs, trafficPerDay: 5000 };
    const { stages: out, result } = planStages(stages, slow, NOW);
    expect(result.stages[0]!.sampleShortfall).toBe(true);
    expect(out[0]!.minObservationMs).toBe(7 * DAY_MS);
  });

  it('sizes a means test (Chow, Shao & Wang)', () => {
    const m = PlannerInputsSchema.parse({
      trafficPerDay: 10_000,
      metric: { kind: 'mean', baselineMean: 180, sd: 60 },
      minDetectableRelative: 0.1,
    });
    const { result } = planStages(stages, m, NOW);
    // d = 18/60 = 0.3 → n = 2·(1.6449 + 0.8416)²/0.09 = 137.4
    expect(result.samplePerCohort).toBe(138);
  });

  it('rejects impossible inputs with clear messages', () => {
    expect(() =>
      planStages(stages, { ...inputs, metric: { kind: 'proportion', baselineRate: 0.9 } }, NOW),
    ).toThrow(/baseline 0.9 × \(1 \+ 0.2\) = 1.08 is not a rate below 1/);
    expect(() => planStages(stages, { ...inputs, maxObservationMs: 1000 }, NOW)).toThrow(/maxObservationMs/);
    const bad = PlannerInputsSchema.safeParse({ ...inputs, trafficPerDay: -5 });
    expect(bad.success).toBe(false);
    expect(JSON.stringify(bad.error?.issues)).toMatch(/trafficPerDay must be above 0/);
  });
});

describe('plan validation', () => {
  const flag = { provider: 'local', environment: 'production', key: 'f' };
  const stage = (p: number, extra: object = {}) => ({
    name: `s${p}`,
    targetPercent: p,
    minObservationMs: 1000,
    minSamplePerCohort: 10,
    ...extra,
  });

  it('templates are valid plans with increasing percentages', () => {
    for (const t of PLAN_TEMPLATES)
      expect(RolloutPlanSchema.safeParse({ flag, name: t.name, stages: t.stages }).success).toBe(true);
    expect(PLAN_TEMPLATES.map((t) => t.stages.map((s) => s.targetPercent))).toEqual([
      [1, 5, 10, 25, 50, 100],
      [10, 50, 100],
      [1, 5, 10, 25, 50, 100],
    ]);
  });

  it('rejects percentages that do not increase, above 100, negative durations', () => {
    const r1 = RolloutPlanSchema.safeParse({ flag, name: 'x', stages: [stage(10), stage(10)] });
    expect(r1.error?.issues[0]?.message).toMatch(/stage 2 \(10%\) must be above stage 1 \(10%\)/);
    const r2 = RolloutPlanSchema.safeParse({ flag, name: 'x', stages: [stage(50), stage(120)] });
    expect(r2.error?.issues[0]?.message).toBe('targetPercent must be at most 100');
    const r3 = RolloutPlanSchema.safeParse({ flag, name: 'x', stages: [stage(5, { minObservationMs: -1 })] });
    expect(r3.error?.issues[0]?.message).toBe('minObservationMs must not be negative');
    const r4 = RolloutPlanSchema.safeParse({ flag, name: 'x', stages: [] });
    expect(r4.error?.issues[0]?.message).toBe('a plan needs at least one stage');
  });
});
