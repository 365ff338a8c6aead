import { describe, expect, it } from 'vitest';
import { rng } from '../../../bench/lib/rng.ts';
import type { MetricComparison } from '../../../shared/metrics.ts';
import type { Stage } from '../../../shared/rollout-plans.ts';
import { compareMetric } from '../stats/compare.ts';
import { parseMetricSummary } from '../stats/summary.ts';
import { metricDef } from '../../../test/support/metric-fixtures.ts';
import { runningState } from '../../../test/support/rollout-fixtures.ts';
import { GATE_ALPHA } from './evaluate.ts';
import { evaluateGate } from './gate.ts';

const FLAG = { provider: 'local', environment: 'production', key: 'ai-summary' };
const MARGIN = 0.1;
const conversions = metricDef(FLAG, {
  name: 'conversions',
  direction: 'higher-is-better',
  guardrail: false,
});
const stage: Stage = {
  name: '10 %',
  targetPercent: 10,
  audience: { type: 'everyone' },
  minObservationMs: 0,
  minSamplePerCohort: 0,
  gate: { nonInferiorityMargin: MARGIN, businessMetrics: ['conversions'] },
  approvalsRequired: 0,
  autoAdvance: false,
};
const state = runningState(FLAG);

/** A comparison row as `compareMetrics` makes it (binomial), sequential or fixed-horizon. */
function comparison(
  c: { n: number; s: number },
  t: { n: number; s: number },
  o: { sequential: boolean; alpha: number },
): MetricComparison {
  const r = compareMetric(
    parseMetricSummary({
      id: 'conversions',
      kind: 'binomial',
      control: { n: c.n, successes: c.s },
      treatment: { n: t.n, successes: t.s },
      alpha: o.alpha,
      expectedSplit: null,
      sequential: o.sequential,
      direction: 'higher-is-better',
    }),
  );
  const arm = (variant: string, a: { n: number; s: number }) => ({
    variant,
    n: a.n,
    mean: a.s / a.n,
    sd: null,
    successes: a.s,
    quantiles: null,
  });
  return {
    metric: conversions,
    control: arm('control', c),
    treatment: arm('treatment', t),
    absolute: r.absolute,
    relative: r.relative,
    sequential: r.sequential,
    statistic: { label: 'rate', quantile: null, control: c.s / c.n, treatment: t.s / t.n },
    method: { kind: o.sequential ? 'sequential' : 'fixed-horizon', note: null },
    srm: null,
    adjustedPValue: null,
    verdict: r.verdict,
    note: '',
  };
}

const item = (row: MetricComparison) =>
  evaluateGate({
    flag: FLAG,
    stage,
    state,
    guardrails: [],
    comparisons: [row],
    samples: [],
    openIncident: null,
    now: Date.parse('2026-11-23T00:00:00Z'),
  }).items.find((i) => i.id === 'non-inferiority')!;

describe('gate: business metrics not worse (non-inferiority)', () => {
  it('reads the sequential bound relative to control and says so', () => {
    const pass = item(
      comparison({ n: 20_000, s: 6_000 }, { n: 20_000, s: 6_050 }, { sequential: true, alpha: GATE_ALPHA }),
    );
    expect(pass.status).toBe('pass');
    expect(pass.evidence).toMatch(/conversions: lift 0\.833 %, sequential one-sided bound -?\d/);
    const fail = item(
      comparison({ n: 20_000, s: 6_000 }, { n: 20_000, s: 4_800 }, { sequential: true, alpha: GATE_ALPHA }),
    );
    expect(fail.status).toBe('fail');
    const wait = item(
      comparison({ n: 500, s: 150 }, { n: 500, s: 140 }, { sequential: true, alpha: GATE_ALPHA }),
    );
    expect(wait.status).toBe('waiting');
  });

  it('checked at every look of a stage, passes a treatment exactly at the margin at most α of the time (a fixed-horizon bound does not)', () => {
    // Treatment converts 10 % less than control (exactly the margin): "not worse" must not pass.
    // 300 stages, each looked at 40 times as 250 more units per cohort arrive; a stage counts as
    // falsely passed when any look passes.
    const random = rng(20261122);
    const pc = 0.3;
    const pt = pc * (1 - MARGIN);
    const draw = (n: number, p: number) => {
      let s = 0;
      for (let i = 0; i < n; i++) if (random() < p) s++;
      return s;
    };
    const streams = 300;
    let sequentialPasses = 0;
    let fixedPasses = 0;
    for (let k = 0; k < streams; k++) {
      const c = { n: 0, s: 0 };
      const t = { n: 0, s: 0 };
      let seq = false;
      let fixed = false;
      for (let look = 0; look < 40; look++) {
        c.n += 250;
        c.s += draw(250, pc);
        t.n += 250;
        t.s += draw(250, pt);
        seq ||= item(comparison(c, t, { sequential: true, alpha: GATE_ALPHA })).status === 'pass';
        // What the gate read before: the fixed-horizon interval at 2α (one-sided α).
        fixed ||= item(comparison(c, t, { sequential: false, alpha: 2 * GATE_ALPHA })).status === 'pass';
      }
      if (seq) sequentialPasses++;
      if (fixed) fixedPasses++;
    }
    console.log(
      `non-inferiority at the margin, ${streams} stages × 40 looks: sequential ${sequentialPasses / streams}, fixed-horizon ${fixedPasses / streams}`,
    );
    expect(sequentialPasses / streams).toBeLessThanOrEqual(GATE_ALPHA);
    expect(fixedPasses / streams).toBeGreaterThan(2 * GATE_ALPHA);
  });

  it('still passes a treatment that is as good as control once the sample is large enough', () => {
    const random = rng(7);
    let passed = 0;
    for (let k = 0; k < 50; k++) {
      const n = 20_000;
      let cs = 0;
      let ts = 0;
      for (let i = 0; i < n; i++) {
        if (random() < 0.3) cs++;
        if (random() < 0.3) ts++;
      }
      if (
        item(comparison({ n, s: cs }, { n, s: ts }, { sequential: true, alpha: GATE_ALPHA })).status ===
        'pass'
      )
        passed++;
    }
    expect(passed).toBe(50);
  });
});
