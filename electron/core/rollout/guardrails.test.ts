import { describe, expect, it } from 'vitest';
import { rng } from '../../../bench/lib/rng.ts';
import type { MetricDefinition } from '../../../shared/metrics.ts';
import { GuardrailSchema, type Guardrail, type GuardrailState } from '../../../shared/guardrails.ts';
import { metricDef } from '../../../test/support/metric-fixtures.ts';
import {
  describeSpan,
  evaluateGuardrail,
  type ArmData,
  type GuardrailInput,
  type GuardrailSpan,
} from './guardrails.ts';

const flag = { provider: 'local', environment: 'production', key: 'ai-answer-assist' };
const NOW = Date.parse('2026-03-02T09:00:00Z');
/** The guardrails' default sliding window (`windowMinutes` 30). */
const WINDOW: GuardrailSpan = { kind: 'window', minutes: 30 };
/** A stage started 40 minutes before NOW. */
const STAGE: GuardrailSpan = { kind: 'stage', since: '2026-03-02T08:20:00.000Z' };

const def = (over: Partial<MetricDefinition> = {}): MetricDefinition => metricDef(flag, over);
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
    span: WINDOW,
    sourceError: null,
    previous: null,
    now: NOW,
    ...o,
  });
}
/** Evaluates `times` times in a row, feeding each state to the next (span: the 30-min window). */
function repeat(
  times: number,
  input: Omit<GuardrailInput, 'previous' | 'now' | 'span'> & { span?: GuardrailSpan },
) {
  let previous: GuardrailState | null = null;
  const out = [];
  for (let i = 0; i < times; i++) {
    const v = evaluateGuardrail({ span: WINDOW, ...input, previous, now: NOW + i * 5000 });
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
    const stage = { span: STAGE };
    const worse = run(g, rate(20_000, 0.02), rate(20_000, 0.04), stage);
    expect(worse.state.status).toBe('breached');
    expect(worse.state.value).toBeGreaterThan(0);
    expect(worse.state.interval?.[0]).toBe(worse.state.value);
    expect(worse.state.valueLabel).toBe('Δ lower bound (one-sided 95 %, sequential)');
    expect(worse.state.note).toMatch(
      /^treatment is worse on errors: the one-sided 95 % sequential bound of Δ is .*since the stage started at 08:20 UTC\)/,
    );
    expect(worse.state.note).not.toMatch(/not always-valid/);
    // Same rates: no breach. A small sample with a big difference: not yet significant.
    const same = run(g, rate(20_000, 0.02), rate(20_000, 0.02), stage);
    expect(same.state.status).toBe('ok');
    expect(same.state.note).toMatch(/sequential lower bound .* within the limit 0 \(since the stage started/);
    expect(run(g, rate(200, 0.02), rate(200, 0.04), stage).state.status).toBe('ok');
    // A limit of +1 pp: a 2 pp worse treatment breaches only when the bound is above 1 pp.
    const loose = guard({ kind: { type: 'statistical', limit: 0.03 } });
    expect(run(loose, rate(20_000, 0.02), rate(20_000, 0.04), stage).state.status).toBe('ok');
    // higher-is-better: breach when the upper bound is below the limit.
    const d = def({ name: 'ctr', direction: 'higher-is-better' });
    const hib = guard({ metric: 'ctr', kind: { type: 'statistical' } });
    const drop = run(hib, rate(20_000, 0.1), rate(20_000, 0.08), { def: d, ...stage });
    expect(drop.state.status).toBe('breached');
    expect(drop.state.value).toBe(drop.state.interval?.[1]);
    expect(drop.state.valueLabel).toBe('Δ upper bound (one-sided 95 %, sequential)');
  });

  it('statistical on a sliding window (no live stage): same bound, but it does not claim validity', () => {
    const g = guard({ kind: { type: 'statistical', limit: 0, alpha: 0.05 } });
    const anchored = run(g, rate(20_000, 0.02), rate(20_000, 0.04), { span: STAGE });
    const sliding = run(g, rate(20_000, 0.02), rate(20_000, 0.04), { span: WINDOW });
    expect(sliding.state).toMatchObject({ status: 'breached', value: anchored.state.value });
    expect(sliding.state.valueLabel).toBe('Δ lower bound (one-sided 95 %, sliding window)');
    expect(sliding.state.note).not.toMatch(/sequential/);
    expect(sliding.state.note).toMatch(
      /bound of Δ is .* \(Δ = 0\.02 in the last 30 min; no live stage, so the bound is not always-valid \(repeated looks on a sliding window\)\)/,
    );
    const ok = run(g, rate(20_000, 0.02), rate(20_000, 0.02), { span: WINDOW });
    expect(ok.state.note).toMatch(/within the limit 0 \(in the last 30 min; .*not always-valid/);
  });

  it('describes the span it was read over', () => {
    expect(describeSpan({ kind: 'window', minutes: 10 }, NOW)).toBe('in the last 10 min');
    expect(describeSpan(STAGE, NOW)).toBe('since the stage started at 08:20 UTC');
    // Another UTC day: with the date.
    expect(describeSpan({ kind: 'stage', since: '2026-03-01T22:05:00.000Z' }, NOW)).toBe(
      'since the stage started at 2026-03-01 22:05 UTC',
    );
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
      span: WINDOW,
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
    const noStageRows = repeat(1, {
      guardrail: g,
      def: def(),
      control: empty,
      treatment: empty,
      sourceError: null,
      span: STAGE,
    });
    expect(noStageRows[0]!.state.note).toMatch(/no data for "errors" since the stage started at 08:20 UTC/);
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

interface Simulation {
  streams: number;
  looks: number;
  /** New units per arm between two looks. */
  perLook: number;
  pControl: number;
  pTreatment: number;
  /** null: each look sees every unit since the start (anchored); N: only the last N looks' units. */
  slidingLooks: number | null;
  seed: number;
}

/**
 * Simulates independent streams (experiments) of Bernoulli units, each looked at `looks` times
 * by a statistical guardrail (α 0.05, limit 0, lower-is-better, 1 breach acts, min sample 100)
 * with the ArmData a store would give for the span (n, rate, variance p(1 − p)).
 * @returns the fraction of streams in which the guardrail acted at some look.
 */
function actingRate(s: Simulation): number {
  const g = guard({
    kind: { type: 'statistical', limit: 0, alpha: 0.05 },
    consecutiveBreaches: 1,
    minSamplePerCohort: 100,
  });
  const d = def();
  const span: GuardrailSpan = s.slidingLooks === null ? STAGE : { kind: 'window', minutes: s.slidingLooks };
  const rnd = rng(s.seed);
  const binomial = (n: number, p: number): number => {
    let x = 0;
    for (let i = 0; i < n; i++) if (rnd() < p) x++;
    return x;
  };
  /** Units and successes of the last `k` looks (all when k is null). */
  const sum = (xs: number[], k: number | null): number =>
    (k === null ? xs : xs.slice(-k)).reduce((a, b) => a + b, 0);
  let acted = 0;
  for (let stream = 0; stream < s.streams; stream++) {
    const c: number[] = [];
    const t: number[] = [];
    let previous: GuardrailState | null = null;
    for (let look = 0; look < s.looks; look++) {
      c.push(binomial(s.perLook, s.pControl));
      t.push(binomial(s.perLook, s.pTreatment));
      const n = Math.min(look + 1, s.slidingLooks ?? Infinity) * s.perLook;
      const v = evaluateGuardrail({
        guardrail: g,
        def: d,
        control: rate(n, sum(c, s.slidingLooks) / n),
        treatment: rate(n, sum(t, s.slidingLooks) / n),
        span,
        sourceError: null,
        previous,
        now: NOW + look * 60_000,
      });
      previous = v.state;
      if (v.act) {
        acted++;
        break; // the rollback ends the stream
      }
    }
  }
  return acted / s.streams;
}

describe('statistical guardrail under continuous monitoring (simulation)', () => {
  // 400 A/A streams, 60 looks each. The false-alarm rate over all looks must stay within α = 0.05
  // plus 3 binomial standard errors of a 400-stream estimate (√(0.05 · 0.95 / 400) ≈ 0.011).
  const streams = 400;
  const margin = 3 * Math.sqrt((0.05 * 0.95) / streams);
  const aa = { streams, looks: 60, pControl: 0.05, pTreatment: 0.05 };

  it('anchored at the stage start: A/A false alarms stay within α over 60 looks', () => {
    // 40 units per arm per look (2,400 per arm after 60 looks) and 500 (30,000).
    for (const perLook of [40, 500]) {
      const r = actingRate({ ...aa, perLook, slidingLooks: null, seed: perLook });
      expect(r).toBeLessThanOrEqual(0.05 + margin);
    }
  });

  it('a sliding window of the last 5 looks breaks the guarantee (why statistical guardrails are anchored)', () => {
    // Windows of 2,500 units per arm (5 looks of 500): about the confidence sequence's tuning
    // sample (5,000 in all), like a production guardrail's window. Each look re-starts the
    // sequence on a new sample, so the looks' chances of a false alarm add up. (With small windows
    // — 5 looks of 40 units — the sequence is so wide at 400 units that both stay far below α: the
    // damage shows where the window holds a real sample.)
    const anchored = actingRate({ ...aa, perLook: 500, slidingLooks: null, seed: 7 });
    const sliding = actingRate({ ...aa, perLook: 500, slidingLooks: 5, seed: 7 });
    const se = Math.sqrt((anchored * (1 - anchored) + sliding * (1 - sliding)) / streams);
    expect(sliding).toBeGreaterThan(0.05);
    expect(sliding - anchored).toBeGreaterThan(3 * se);
  });

  it('power: a doubled error rate (0.05 → 0.10) breaches within 60 looks in ≥ 95 % of streams', () => {
    const r = actingRate({
      streams: 100,
      looks: 60,
      perLook: 40,
      pControl: 0.05,
      pTreatment: 0.1,
      slidingLooks: null,
      seed: 11,
    });
    expect(r).toBeGreaterThanOrEqual(0.95);
  });
});

describe('the evidence window after a restart', () => {
  const empty: ArmData = { n: 0, mean: null, variance: null, quantiles: null };
  const since = new Date(NOW + 30_000).toISOString(); // first full minute after a restart at 09:00:00–09:00:30
  const g = guard({ kind: { type: 'absolute', limit: 0.05, breachWhen: 'above' }, consecutiveBreaches: 1 });

  it('an empty span during the first full minute after a restart is filling, not a no-data streak', () => {
    const r = run(g, empty, empty, { span: { kind: 'restart', since }, now: NOW + 45_000 });
    expect(r.state).toMatchObject({ status: 'no-data', consecutive: 0, fired: null });
    expect(r.act).toBeNull();
    expect(r.state.note).toMatch(/since the restart \(from 09:00 UTC\)/);
  });

  it('once that minute is over, no data counts again (a broken pipeline still pauses)', () => {
    const r = run(g, empty, empty, { span: { kind: 'restart', since }, now: NOW + 95_000 });
    expect(r.state).toMatchObject({ status: 'no-data', consecutive: 1, fired: 'no-data' });
    expect(r.act).toBe('pause');
  });

  it('a breach in the restart span is judged like any other (from data after the restart)', () => {
    const r = run(g, rate(500, 0.02), rate(500, 0.2), {
      span: { kind: 'restart', since },
      now: NOW + 200_000,
    });
    expect(r.state.status).toBe('breached');
    expect(r.act).toBe('rollback');
  });
});
