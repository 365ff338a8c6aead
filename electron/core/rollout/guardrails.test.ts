import { describe, expect, it } from 'vitest';
import type { MetricDefinition } from '../../../shared/metrics.ts';
import { GuardrailSchema, type Guardrail, type GuardrailState } from '../../../shared/rollout.ts';
import { evaluateGuardrail, type ArmData, type GuardrailInput } from './guardrails.ts';

const flag = { provider: 'local', environment: 'production', key: 'ai-answer-assist' };
const NOW = Date.parse('2026-03-02T09:00:00Z');

const def = (over: Partial<MetricDefinition> = {}): MetricDefinition => ({
  flag,
  name: 'errors',
  kind: 'binomial',
  direction: 'lower-is-better',
  unit: '',
  source: { type: 'events' },
  controlVariant: 'control',
  treatmentVariant: 'treatment',
  expectedSplit: null,
  guardrail: true,
  ...over,
});
const guard = (over: Record<string, unknown>): Guardrail =>
  GuardrailSchema.parse({
    flag,
    id: 'g',
    metric: 'errors',
    action: 'rollback',
    consecutiveBreaches: 2,
    minSamplePerCohort: 100,
    ...over,
  });
const rate = (n: number, p: number): ArmData => ({ n, mean: p, variance: p * (1 - p), quantiles: null });
const cont = (n: number, mean: number, sd: number, p95 = mean * 2): ArmData => ({
  n,
  mean,
  variance: sd * sd,
  quantiles: { p50: mean, p95, p99: p95 * 1.5 },
});

function run(g: Guardrail, c: ArmData, t: ArmData, o: Partial<GuardrailInput> = {}) {
  return evaluateGuardrail({
    guardrail: g,
    def: def(),
    control: c,
    treatment: t,
    sourceError: null,
    previous: null,
    now: NOW,
    ...o,
  });
}
/** Evaluates `times` times in a row, feeding each state to the next. */
function repeat(times: number, input: Omit<GuardrailInput, 'previous' | 'now'>) {
  let previous: GuardrailState | null = null;
  const out = [];
  for (let i = 0; i < times; i++) {
    const v = evaluateGuardrail({ ...input, previous, now: NOW + i * 5000 });
    out.push(v);
    previous = v.state;
  }
  return out;
}

describe('guardrail kinds', () => {
  it('absolute: p95 latency above 200 ms breaches, below is ok', () => {
    const g = guard({
      metric: 'latency',
      kind: { type: 'absolute', statistic: 'p95', limit: 200, breachWhen: 'above' },
    });
    const d = def({ name: 'latency', kind: 'quantile' });
    const bad = run(g, cont(500, 100, 20, 150), cont(500, 120, 30, 240), { def: d });
    expect(bad.state).toMatchObject({
      status: 'breached',
      value: 240,
      limit: 200,
      valueLabel: 'treatment p95',
    });
    expect(bad.state.note).toMatch(/treatment p95 of latency is 240, above the limit 200/);
    const ok = run(g, cont(500, 100, 20, 150), cont(500, 100, 20, 180), { def: d });
    expect(ok.state.status).toBe('ok');
  });

  it('absolute below: precision under 0.85', () => {
    const g = guard({ metric: 'precision', kind: { type: 'absolute', limit: 0.85, breachWhen: 'below' } });
    const d = def({ name: 'precision', kind: 'binomial', direction: 'higher-is-better' });
    expect(run(g, rate(1000, 0.9), rate(1000, 0.8), { def: d }).state.status).toBe('breached');
    expect(run(g, rate(1000, 0.9), rate(1000, 0.88), { def: d }).state.status).toBe('ok');
  });

  it('relative to control: error rate above 2× control', () => {
    const g = guard({ kind: { type: 'relative-to-control', factor: 2 } });
    const v = run(g, rate(1000, 0.02), rate(1000, 0.05));
    expect(v.state).toMatchObject({ status: 'breached', limit: 2 });
    expect(v.state.value).toBeCloseTo(2.5);
    expect(run(g, rate(1000, 0.02), rate(1000, 0.03)).state.status).toBe('ok');
    // control 0 and treatment > 0: a breach, value undefined
    expect(run(g, rate(1000, 0), rate(1000, 0.01)).state).toMatchObject({ status: 'breached', value: null });
  });

  it('relative to baseline: complaints above 3× baseline', () => {
    const g = guard({
      metric: 'complaints',
      kind: { type: 'relative-to-baseline', baseline: 0.01, factor: 3 },
    });
    const d = def({ name: 'complaints' });
    expect(run(g, rate(1000, 0.01), rate(1000, 0.031), { def: d }).state.status).toBe('breached');
    expect(run(g, rate(1000, 0.01), rate(1000, 0.029), { def: d }).state.status).toBe('ok');
  });

  it('drift tiers: warn 10 %, critical 20 %, rollback 30 % (at once)', () => {
    const g = guard({ metric: 'accuracy', action: 'pause', kind: { type: 'drift', baseline: 0.9 } });
    const d = def({ name: 'accuracy', direction: 'higher-is-better' });
    const at = (p: number) => run(g, rate(1000, 0.9), rate(1000, p), { def: d });
    expect(at(0.85).state.status).toBe('ok'); // 5.6 %
    const warn = at(0.8); // 11 %
    expect(warn.state.status).toBe('warn');
    expect(warn).toMatchObject({ act: 'notify', firstFire: true });
    const critical = at(0.7); // 22 %: breach, but a streak of 2 is needed before pausing
    expect(critical.state.status).toBe('breached');
    expect(critical.act).toBeNull();
    const rollback = at(0.6); // 33 %: rollback tier acts at once, whatever the guardrail's action
    expect(rollback).toMatchObject({ act: 'rollback', firstFire: true });
    expect(rollback.state.fired).toBe('drift-rollback-tier');
    // `side: above` ignores drops
    const up = guard({ metric: 'accuracy', kind: { type: 'drift', baseline: 0.9, side: 'above' } });
    expect(run(up, rate(1000, 0.9), rate(1000, 0.5), { def: d }).state.status).toBe('ok');
    expect(
      GuardrailSchema.safeParse({ ...g, kind: { type: 'drift', baseline: 1, warn: 0.3, critical: 0.2 } })
        .success,
    ).toBe(false);
  });

  it('statistical: the one-sided sequential bound of Δ beyond the limit', () => {
    const g = guard({ kind: { type: 'statistical', limit: 0, alpha: 0.05 } });
    const worse = run(g, rate(20_000, 0.02), rate(20_000, 0.04));
    expect(worse.state.status).toBe('breached');
    expect(worse.state.value).toBeGreaterThan(0);
    expect(worse.state.interval?.[0]).toBe(worse.state.value);
    expect(worse.state.valueLabel).toMatch(/Δ lower bound \(one-sided 95 %, sequential\)/);
    // Same rates: no breach. A small sample with a big difference: not yet significant.
    expect(run(g, rate(20_000, 0.02), rate(20_000, 0.02)).state.status).toBe('ok');
    expect(run(g, rate(200, 0.02), rate(200, 0.04)).state.status).toBe('ok');
    // A limit of +1 pp: a 2 pp worse treatment breaches only when the bound is above 1 pp.
    const loose = guard({ kind: { type: 'statistical', limit: 0.03 } });
    expect(run(loose, rate(20_000, 0.02), rate(20_000, 0.04)).state.status).toBe('ok');
    // higher-is-better: breach when the upper bound is below the limit.
    const d = def({ name: 'ctr', direction: 'higher-is-better' });
    const hib = guard({ metric: 'ctr', kind: { type: 'statistical' } });
    const drop = run(hib, rate(20_000, 0.1), rate(20_000, 0.08), { def: d });
    expect(drop.state.status).toBe('breached');
    expect(drop.state.value).toBe(drop.state.interval?.[1]);
  });
});

describe('guardrail rules', () => {
  it('acts after N consecutive breaches and resets on ok', () => {
    const g = guard({ kind: { type: 'relative-to-control', factor: 2 }, consecutiveBreaches: 3 });
    const seq = repeat(4, {
      guardrail: g,
      def: def(),
      control: rate(1000, 0.02),
      treatment: rate(1000, 0.05),
      sourceError: null,
    });
    expect(seq.map((v) => v.state.consecutive)).toEqual([1, 2, 3, 4]);
    expect(seq.map((v) => v.act)).toEqual([null, null, 'rollback', 'rollback']);
    expect(seq.map((v) => v.firstFire)).toEqual([false, false, true, false]);
    expect(seq[1]!.state.note).toMatch(/breach 2 of 3 before acting/);
    const ok = evaluateGuardrail({
      guardrail: g,
      def: def(),
      control: rate(1000, 0.02),
      treatment: rate(1000, 0.02),
      sourceError: null,
      previous: seq[3]!.state,
      now: NOW,
    });
    expect(ok.state).toMatchObject({ status: 'ok', consecutive: 0, fired: null });
    expect(ok.state.recent).toHaveLength(5);
  });

  it('SRM acts at once, with the guardrail action', () => {
    const g = guard({
      kind: { type: 'relative-to-control', factor: 2 },
      consecutiveBreaches: 5,
      action: 'pause',
    });
    const v = run(g, rate(10_000, 0.02), rate(9_000, 0.02), { def: def({ expectedSplit: [0.5, 0.5] }) });
    expect(v).toMatchObject({ act: 'pause', firstFire: true });
    expect(v.state).toMatchObject({ status: 'breached', fired: 'srm' });
    expect(v.state.srm?.mismatch).toBe(true);
    expect(v.state.note).toMatch(/sample ratio mismatch/);
    // A matching split is fine.
    expect(
      run(g, rate(10_000, 0.02), rate(10_050, 0.02), { def: def({ expectedSplit: [0.5, 0.5] }) }).state
        .status,
    ).toBe('ok');
  });

  it('no data pauses after N evaluations — never passes, never rolls back', () => {
    const g = guard({
      kind: { type: 'relative-to-control', factor: 2 },
      consecutiveBreaches: 2,
      action: 'rollback',
    });
    const empty = { n: 0, mean: null, variance: null, quantiles: null };
    const failing = repeat(3, {
      guardrail: g,
      def: def(),
      control: empty,
      treatment: empty,
      sourceError: 'connect ECONNREFUSED 127.0.0.1:9090',
    });
    expect(failing.map((v) => v.state.status)).toEqual(['no-data', 'no-data', 'no-data']);
    expect(failing.map((v) => v.act)).toEqual([null, 'pause', 'pause']);
    expect(failing[1]!.state.fired).toBe('no-data');
    expect(failing[0]!.state.note).toMatch(/the events source of "errors" failed: connect ECONNREFUSED/);
    const noRows = repeat(2, {
      guardrail: g,
      def: def(),
      control: empty,
      treatment: empty,
      sourceError: null,
    });
    expect(noRows[1]!.act).toBe('pause');
    expect(noRows[0]!.state.note).toMatch(/no data for "errors" in the last 30 min/);
    const undef = run(g, empty, empty, { def: undefined });
    expect(undef.state.note).toMatch(/metric "errors" is not defined/);
    // Too small a sample is no-data but does not count toward the pause (the stage is filling up).
    const small = repeat(3, {
      guardrail: g,
      def: def(),
      control: rate(50, 0.02),
      treatment: rate(50, 0.5),
      sourceError: null,
    });
    expect(small.map((v) => v.state.status)).toEqual(['no-data', 'no-data', 'no-data']);
    expect(small.map((v) => v.act)).toEqual([null, null, null]);
    expect(small[0]!.state.note).toMatch(
      /insufficient sample .* 50 control and 50 treatment units, need 100 each/,
    );
  });

  it('keeps at most 60 recent values for the sparkline', () => {
    const g = guard({ kind: { type: 'absolute', limit: 1, breachWhen: 'above' } });
    const seq = repeat(70, {
      guardrail: g,
      def: def(),
      control: rate(1000, 0.02),
      treatment: rate(1000, 0.02),
      sourceError: null,
    });
    const last = seq[69]!.state;
    expect(last.recent).toHaveLength(60);
    expect(last.recent[59]).toEqual({
      at: new Date(NOW + 69 * 5000).toISOString(),
      value: 0.02,
      status: 'ok',
    });
  });
});
