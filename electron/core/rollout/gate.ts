/**
 * The stage-gate checklist (pure), after seed 000's rollout decision checklist: minimum
 * observation elapsed; minimum sample reached; all guardrails within range; business metrics not
 * worse (non-inferiority margin); no sample ratio mismatch; no open incident on the flag;
 * approvals given when the stage asks for them. The gate passes only when every item passes:
 * `waiting` (time or data still accruing, or no data) never counts as a pass.
 */
import type { FlagRef } from '../../../shared/domain.ts';
import type { MetricComparison } from '../../../shared/metrics.ts';
import type {
  GateEvaluation,
  GateItem,
  GuardrailState,
  RolloutState,
  Stage,
} from '../../../shared/rollout.ts';

export interface GateInput {
  flag: FlagRef;
  stage: Stage;
  state: RolloutState;
  guardrails: readonly GuardrailState[];
  /**
  /**
   * Comparisons of the flag's business metrics over the stage so far (since the stage was
   * confirmed), sequential (always-valid), at the gate's level (two-sided; the gate reads one bound).
   */
  comparisons: readonly MetricComparison[];
  /** Units per cohort of each (non-ratio) metric over the stage so far. */
  samples: readonly SampleCount[];
  /**
   * True when the data items (sample, non-inferiority) were not computed because the minimum
   * observation time has not elapsed (the monitor's cheap path): they are `waiting`.
   */
  deferred?: boolean;
  /** Reason of the flag's open incident, or null. */
  openIncident: string | null;
  /** ms since epoch. */
  now: number;
}

/** A metric's units per cohort over the stage. */
export interface SampleCount {
  metric: string;
  control: number;
  treatment: number;
}

const fmt = (x: number): string => (Math.abs(x) >= 100 ? x.toFixed(1) : Number(x.toPrecision(3)).toString());
const pct = (x: number): string => `${fmt(x * 100)} %`;

/** `3 d 4 h`, `25 min`, `40 s`. */
export function duration(ms: number): string {
  const s = Math.round(ms / 1000);
  if (s < 120) return `${s} s`;
  const m = Math.round(s / 60);
  if (m < 120) return `${m} min`;
  const h = Math.floor(m / 60);
  if (h < 48) return `${h} h${m % 60 ? ` ${m % 60} min` : ''}`;
  return `${Math.floor(h / 24)} d${h % 24 ? ` ${h % 24} h` : ''}`;
}

function observation(i: GateInput): { item: GateItem; endsAt: string | null } {
  const label = 'Minimum observation time elapsed';
  if (!i.state.stageStartedAt)
    return {
      item: {
        id: 'min-observation',
        label,
        status: 'waiting',
        evidence: 'the provider has not confirmed this stage yet',
      },
      endsAt: null,
    };
  const started = Date.parse(i.state.stageStartedAt);
  const elapsed = i.now - started;
  const endsAt = new Date(started + i.stage.minObservationMs).toISOString();
  const done = elapsed >= i.stage.minObservationMs;
  return {
    item: {
      id: 'min-observation',
      label,
      status: done ? 'pass' : 'waiting',
      evidence: `${duration(elapsed)} of ${duration(i.stage.minObservationMs)} at this stage${done ? '' : `; ends at ${endsAt}`}`,
    },
    endsAt,
  };
}

const DEFERRED = 'checked once the minimum observation time has elapsed';

function sample(i: GateInput): GateItem {
  const label = 'Minimum sample per cohort reached';
  const need = i.stage.minSamplePerCohort;
  if (i.deferred && i.stage.targetPercent < 100 && need > 0)
    return {
      id: 'min-sample',
      label,
      status: 'waiting',
      evidence: `need ${need} units per cohort; ${DEFERRED}`,
    };
  if (i.stage.targetPercent >= 100)
    return {
      id: 'min-sample',
      label,
      status: 'pass',
      evidence: 'not applicable at 100 % (no control cohort)',
    };
  const rows = i.samples.filter((r) => r.control + r.treatment > 0);
  if (!rows.length)
    return need === 0
      ? { id: 'min-sample', label, status: 'pass', evidence: 'no minimum sample set and no metric data' }
      : {
          id: 'min-sample',
          label,
          status: 'waiting',
          evidence: `no metric data yet; need ${need} units per cohort`,
        };
  let smallest = rows[0] as SampleCount;
  for (const r of rows)
    if (Math.min(r.control, r.treatment) < Math.min(smallest.control, smallest.treatment)) smallest = r;
  const have = Math.min(smallest.control, smallest.treatment);
  return {
    id: 'min-sample',
    label,
    status: have >= need ? 'pass' : 'waiting',
    evidence: `smallest cohort: ${have} units (${smallest.metric}: ${smallest.control} control, ${smallest.treatment} treatment); need ${need}`,
  };
}

function guardrailItem(i: GateInput): GateItem {
  const label = 'All guardrails within range';
  if (!i.guardrails.length)
    return { id: 'guardrails', label, status: 'pass', evidence: 'no guardrails are defined for this flag' };
  const breached = i.guardrails.filter((g) => g.status === 'breached');
  const noData = i.guardrails.filter((g) => g.status === 'no-data');
  const warn = i.guardrails.filter((g) => g.status === 'warn');
  const ids = (gs: GuardrailState[]): string => gs.map((g) => g.guardrail.id).join(', ');
  if (breached.length)
    return {
      id: 'guardrails',
      label,
      status: 'fail',
      evidence: `breached: ${ids(breached)} — ${breached[0]?.note}`,
    };
  if (noData.length)
    return {
      id: 'guardrails',
      label,
      status: 'waiting',
      evidence: `no data: ${ids(noData)} — ${noData[0]?.note}`,
    };
  return {
    id: 'guardrails',
    label,
    status: 'pass',
    evidence: `${i.guardrails.length} guardrail(s) ok${warn.length ? `; warn tier: ${ids(warn)}` : ''}`,
  };
}

/**
 * The interval of a comparison's relative lift the gate judges: the always-valid confidence
 * sequence of Δ divided by the control mean (`sequential`: the margin is relative to control, taken
 * as known — its own error is small next to Δ's at a stage's sample), else the fixed-horizon
 * interval of the lift (quantile metrics: bootstrap, no sequential version). Null without one.
 */
function relativeBounds(
  r: MetricComparison,
): { kind: 'sequential' | 'fixed-horizon'; estimate: number; ci: [number, number] } | null {
  const base = r.control.mean;
  if (r.sequential && r.absolute && base !== null && base > 0)
    return {
      kind: 'sequential',
      estimate: r.absolute.estimate / base,
      ci: [r.sequential.ci[0] / base, r.sequential.ci[1] / base],
    };
  if (r.relative) return { kind: 'fixed-horizon', estimate: r.relative.estimate, ci: r.relative.ci };
  return null;
}

function nonInferiority(i: GateInput): GateItem {
  const label = 'Business metrics not worse (non-inferiority)';
  const margin = i.stage.gate.nonInferiorityMargin;
  if (i.stage.targetPercent >= 100)
    return {
      id: 'non-inferiority',
      label,
      status: 'pass',
      evidence: 'not applicable at 100 % (no control cohort)',
    };
  if (i.deferred) return { id: 'non-inferiority', label, status: 'waiting', evidence: DEFERRED };
  const wanted = i.stage.gate.businessMetrics;
  const rows = wanted.length
    ? i.comparisons.filter((r) => wanted.includes(r.metric.name))
    : i.comparisons.filter((r) => !r.metric.guardrail);
  const missing = wanted.filter((m) => !rows.some((r) => r.metric.name === m));
  if (missing.length)
    return {
      id: 'non-inferiority',
      label,
      status: 'fail',
      evidence: `business metric(s) not defined for the flag: ${missing.join(', ')}`,
    };
  if (!rows.length)
    return {
      id: 'non-inferiority',
      label,
      status: 'pass',
      evidence: 'no business (non-guardrail) metrics are defined',
    };
  const parts: string[] = [];
  let status: GateItem['status'] = 'pass';
  for (const r of rows) {
    const b = relativeBounds(r);
    if (!b || r.verdict === 'insufficient') {
      parts.push(`${r.metric.name}: ${r.note || 'not enough data'}`);
      if (status === 'pass') status = 'waiting';
      continue;
    }
    const [lo, hi] = b.ci;
    const higher = r.metric.direction === 'higher-is-better';
    const bound = higher ? lo : hi;
    const ok = higher ? lo > -margin : hi < margin;
    const worse = higher ? hi < -margin : lo > margin;
    parts.push(
      `${r.metric.name}: lift ${pct(b.estimate)}, ${b.kind} one-sided bound ${pct(bound)} vs margin ${higher ? '−' : '+'}${pct(margin)}`,
    );
    if (worse) status = 'fail';
    else if (!ok && status === 'pass') status = 'waiting';
  }
  return { id: 'non-inferiority', label, status, evidence: parts.join('; ') };
}

function srm(i: GateInput): GateItem {
  const label = 'No sample ratio mismatch';
  const bad = [
    ...i.comparisons
      .filter((r) => r.srm?.mismatch)
      .map((r) => `${r.metric.name} (p = ${r.srm?.pValue.toExponential(2)})`),
    ...i.guardrails
      .filter((g) => g.srm?.mismatch)
      .map((g) => `guardrail ${g.guardrail.id} (p = ${g.srm?.pValue.toExponential(2)})`),
  ];
  if (bad.length) return { id: 'no-srm', label, status: 'fail', evidence: `mismatch on ${bad.join(', ')}` };
  const checked = i.comparisons.filter((r) => r.srm).length + i.guardrails.filter((g) => g.srm).length;
  return {
    id: 'no-srm',
    label,
    status: 'pass',
    evidence: checked
      ? `${checked} check(s) against the expected split, no mismatch (p ≥ 0.001)`
      : 'no expected split configured on the metrics',
  };
}

function approvals(i: GateInput): GateItem {
  const label = 'Approvals given';
  const need = i.stage.approvalsRequired;
  const given = i.state.approvals.filter((a) => a.stageIndex === i.state.stageIndex);
  if (need === 0) return { id: 'approvals', label, status: 'pass', evidence: 'this stage needs no approval' };
  return {
    id: 'approvals',
    label,
    status: given.length >= need ? 'pass' : 'waiting',
    evidence: `${given.length} of ${need}${given.length ? ` (${given.map((a) => a.actor).join(', ')})` : ''}`,
  };
}

/** Evaluates the gate of the current stage (pure). */
export function evaluateGate(i: GateInput): GateEvaluation {
  const obs = observation(i);
  const items: GateItem[] = [
    obs.item,
    sample(i),
    guardrailItem(i),
    nonInferiority(i),
    srm(i),
    i.openIncident
      ? { id: 'no-incident', label: 'No open incident on the flag', status: 'fail', evidence: i.openIncident }
      : {
          id: 'no-incident',
          label: 'No open incident on the flag',
          status: 'pass',
          evidence: 'no open incident',
        },
    approvals(i),
  ];
  return {
    flag: i.flag,
    stageIndex: i.state.stageIndex,
    passed: items.every((x) => x.status === 'pass'),
    items,
    observationEndsAt: obs.endsAt,
    evaluatedAt: new Date(i.now).toISOString(),
  };
}
