/**
 * evaluateFlag's guardrail spans on a real MetricStore (SQLite in a temporary folder): while a
 * stage is live a statistical guardrail reads the cohorts cumulatively since the stage started,
 * the point-check kinds only their sliding window; without a live stage the statistical guardrail
 * falls back to its window and says that its bound is then not always-valid.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { GuardrailSchema, type Guardrail, type GuardrailState } from '../../../shared/guardrails.ts';
import type { RolloutState } from '../../../shared/rollout-state.ts';
import type { MetricStore } from '../metrics/metric-store.ts';
import type { QueryRange } from '../metrics/prometheus-ingest.ts';
import { MINUTE_MS } from '../metrics/rollup.ts';
import { metricDef, tempMetricStore } from '../../../test/support/metric-fixtures.ts';
import { threeStagePlan } from '../../../test/support/rollout-fixtures.ts';
import { evaluateFlag, guardrailSpan, type FlagContext } from './evaluate.ts';

const FLAG = { provider: 'local', environment: 'production', key: 'ai-answer-assist' };
/** The stage started 30 s into 09:00; the evaluation runs at 09:39:10 (40 minute buckets: 09:00–09:39). */
const STAGE_START = Date.parse('2026-03-02T09:00:30Z');
const NOW = Date.parse('2026-03-02T09:39:10Z');
/** Data from 08:30 (before the stage) to 09:39, 100 units per cohort and minute. */
const DATA_FROM = Date.parse('2026-03-02T08:30:00Z');
const PER_MINUTE = 100;

const errorsMetric = metricDef(FLAG);
const guard = (over: Record<string, unknown>): Guardrail =>
  GuardrailSchema.parse({
    flag: FLAG,
    metric: 'errors',
    action: 'rollback',
    consecutiveBreaches: 1,
    windowMinutes: 10,
    minSamplePerCohort: 100,
    ...over,
  });
const statistical = guard({ id: 'errors-seq', kind: { type: 'statistical', limit: 0, alpha: 0.05 } });
const absolute = guard({ id: 'errors-abs', kind: { type: 'absolute', limit: 0.5, breachWhen: 'above' } });
const plan = threeStagePlan(FLAG);
const state = (over: Partial<RolloutState> = {}): RolloutState => ({
  flag: FLAG,
  stageIndex: 1,
  status: 'running',
  stageStartedAt: new Date(STAGE_START).toISOString(),
  reason: null,
  approvals: [],
  pendingActionId: null,
  evidenceSince: null,
  updatedAt: new Date(STAGE_START).toISOString(),
  ...over,
});

let fx: ReturnType<typeof tempMetricStore>;
let store: MetricStore;

beforeEach(() => {
  fx = tempMetricStore('rcr-evaluate-');
  ({ store } = fx);
  store.define(errorsMetric);
  // Before the stage the treatment was bad (20 % errors, e.g. the previous stage's fault); since
  // the stage started both cohorts run at 5 %. Reading pre-stage minutes would show a breach.
  const rows = [];
  for (let m = DATA_FROM; m < NOW; m += MINUTE_MS)
    for (const variant of ['control', 'treatment']) {
      const errors = variant === 'treatment' && m < STAGE_START - 30_000 ? 20 : 5;
      rows.push({
        provider: FLAG.provider,
        environment: FLAG.environment,
        flagKey: FLAG.key,
        metric: 'errors',
        variant,
        minute: m,
        rollup: { count: PER_MINUTE, sum: errors, sumSq: errors, successes: errors, sketch: null },
      });
    }
  store.addRollups(rows);
});
afterEach(() => fx.close());

async function evaluate(over: Partial<FlagContext>, queryRange?: QueryRange) {
  const ev = await evaluateFlag(
    {
      metrics: store,
      now: () => NOW,
      queryRange,
      prometheusSources: () => [{ name: 'prom', url: 'http://prometheus.test' }],
    },
    {
      flag: FLAG,
      plan,
      state: state(),
      guardrails: [statistical, absolute],
      previous: () => null,
      openIncident: null,
      withGate: false,
      ...over,
    },
  );
  const byId = (id: string): GuardrailState => {
    const v = ev.verdicts.find((x) => x.state.guardrail.id === id);
    if (!v) throw new Error(`no verdict for ${id}`);
    return v.state;
  };
  return { ev, byId };
}

describe('evaluateFlag: guardrail spans', () => {
  it('a live stage: the statistical guardrail reads since the stage start, the absolute one its window', async () => {
    const { ev, byId } = await evaluate({});
    expect(ev.gate).toBeNull(); // the anchoring does not depend on the gate being evaluated
    const seq = byId('errors-seq');
    // 09:00 (the minute holding 09:00:30) to 09:39: 40 minutes × 100 units, none from before.
    expect(seq.control).toEqual({ n: 40 * PER_MINUTE, value: 0.05 });
    expect(seq.treatment).toEqual({ n: 40 * PER_MINUTE, value: 0.05 });
    expect(seq.status).toBe('ok');
    expect(seq.valueLabel).toBe('Δ lower bound (one-sided 95 %, sequential)');
    expect(seq.note).toMatch(/\(since the stage started at 09:00 UTC\)$/);
    expect(seq.note).not.toMatch(/not always-valid/);
    // The absolute guardrail on the same metric: the last 10 minutes only (09:30–09:39).
    const abs = byId('errors-abs');
    expect(abs.control).toEqual({ n: 10 * PER_MINUTE, value: 0.05 });
    expect(abs.treatment).toEqual({ n: 10 * PER_MINUTE, value: 0.05 });
    // Paused at the stage: still the same stage, still anchored.
    const paused = (await evaluate({ state: state({ status: 'paused' }) })).byId('errors-seq');
    expect(paused.treatment.n).toBe(40 * PER_MINUTE);
  });

  it('a new stage starts a new sample', async () => {
    const later = Date.parse('2026-03-02T09:25:59Z');
    const { byId } = await evaluate({ state: state({ stageStartedAt: new Date(later).toISOString() }) });
    expect(byId('errors-seq').treatment.n).toBe(15 * PER_MINUTE); // 09:25–09:39
    expect(byId('errors-seq').note).toMatch(/since the stage started at 09:25 UTC/);
  });

  it('no live stage: the statistical guardrail falls back to its sliding window and says so', async () => {
    for (const over of [
      { plan: null, state: state({ stageIndex: -1, stageStartedAt: null }) },
      { state: state({ status: 'rolled-back' }) },
      { state: state({ stageStartedAt: null }) }, // the provider has not confirmed the stage yet
    ]) {
      const seq = (await evaluate(over)).byId('errors-seq');
      expect(seq.control.n).toBe(10 * PER_MINUTE);
      expect(seq.treatment.n).toBe(10 * PER_MINUTE);
      expect(seq.valueLabel).toBe('Δ lower bound (one-sided 95 %, sliding window)');
      expect(seq.note).toMatch(
        /in the last 10 min; no live stage, so the bound is not always-valid \(repeated looks on a sliding window\)/,
      );
    }
  });

  it('polls Prometheus since the stage start when a statistical guardrail is anchored (gate or not)', async () => {
    store.define({
      ...errorsMetric,
      name: 'http_errors',
      source: {
        type: 'prometheus',
        url: 'http://prometheus.test',
        query: 'sum(increase(errors{variant="{{variant}}"}[1m]))',
        denominator: 'sum(increase(requests{variant="{{variant}}"}[1m]))',
        stepSeconds: 15,
      },
    });
    const firstPollStart = async (guardrails: Guardrail[]): Promise<number> => {
      const starts: number[] = [];
      const queryRange: QueryRange = (_url, _query, startMs) => {
        starts.push(startMs);
        return Promise.resolve([]);
      };
      await evaluate({ guardrails }, queryRange);
      expect(starts.length).toBeGreaterThan(0);
      return Math.min(...starts);
    };
    const promSeq = { ...statistical, metric: 'http_errors' };
    const promAbs = { ...absolute, metric: 'http_errors' };
    expect(new Date(await firstPollStart([promSeq, promAbs])).toISOString()).toBe('2026-03-02T09:00:00.000Z');
    // Only point checks, no gate: the windows are enough.
    expect(new Date(await firstPollStart([promAbs])).toISOString()).toBe('2026-03-02T09:30:00.000Z');
  });
});

describe('guardrailSpan', () => {
  it('floors the stage start to its minute; never starts after the current minute', () => {
    const s = guardrailSpan(statistical, STAGE_START, NOW);
    expect(s).toEqual({
      fromMinute: Date.parse('2026-03-02T09:00:00Z'),
      toMinute: Date.parse('2026-03-02T09:40:00Z'),
      span: { kind: 'stage', since: '2026-03-02T09:00:00.000Z' },
    });
    // A start ahead of the clock (skew): the current minute.
    const ahead = guardrailSpan(statistical, NOW + 5 * MINUTE_MS, NOW);
    expect(ahead.fromMinute).toBe(Date.parse('2026-03-02T09:39:00Z'));
    // Other kinds and no stage: the last windowMinutes minutes.
    expect(guardrailSpan(absolute, STAGE_START, NOW)).toEqual({
      fromMinute: Date.parse('2026-03-02T09:30:00Z'),
      toMinute: Date.parse('2026-03-02T09:40:00Z'),
      span: { kind: 'window', minutes: 10 },
    });
    expect(guardrailSpan(statistical, null, NOW).span).toEqual({ kind: 'window', minutes: 10 });
  });
});
