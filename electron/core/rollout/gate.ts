/**
 * The stage-gate checklist (pure), after the AI rollout decision checklist: minimum observation
 * elapsed; minimum sample reached; all guardrails within range; business metrics not worse
 * (non-inferiority margin); no sample ratio mismatch; no open incident on the flag; approvals
 * given when the stage asks for them; the next stage ready to apply (no template placeholder).
 *
 * No vacuous passes: an item is `pass` only on evidence. Without evidence it is `missing` (what it
 * needs is not set up — blocks advancing), `waiting` (data or time still accruing; a metric with
 * no data in the stage is waiting, never passing) or `n/a` (the item does not apply: shown
 * neutral with the reason, never green). A plan from a template that requires evidence (the AI
 * checklist) needs at least one guardrail and one business metric: without them those items are
 * `missing`. The gate passes only when every item is `pass` or `n/a`.
 */
import type { FlagRef } from '../../../shared/domain.ts';
import type { MetricComparison } from '../../../shared/metrics.ts';
import type {
  GateEvaluation,
  GateItem,
  GateItemStatus,
  RolloutState,
} from '../../../shared/rollout-state.ts';
import type { GuardrailState } from '../../../shared/guardrails.ts';
import type { Stage } from '../../../shared/rollout-plans.ts';
import { stagePlaceholders } from '../../../shared/rollout-templates.ts';
import { utcWords } from '../../../shared/time-words.ts';

/**
 * Input of {@link evaluateGate}: the flag's stage and rollout state, its guardrail states, and its
 * metric comparisons and samples over the stage so far.
 */
export interface GateInput {
  flag: FlagRef;
  stage: Stage;
  state: RolloutState;
  guardrails: readonly GuardrailState[];
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
  /**
   * The plan's template requires evidence (guardrails and a business metric): without them the
   * items are `missing` instead of `n/a`.
   */
  requiresEvidence?: boolean;
  /** The stage after this one (checked for template placeholders), or null at the last stage. */
  nextStage?: Stage | null;
  /** How many of the flag's metrics have an expected split (SRM is checked on those). */
  expectedSplits?: number;
  /** ms since epoch. */
  now: number;
}

/** Items that do not hold the gate back: a pass on evidence, or an item that does not apply. */
export const GATE_OK: ReadonlySet<GateItemStatus> = new Set(['pass', 'n/a']);

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
      evidence: `${duration(elapsed)} of ${duration(i.stage.minObservationMs)} at this stage${done ? '' : `; ends at ${utcWords(endsAt)}`}`,
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
      status: 'n/a',
      evidence: 'does not apply at 100 % (no control cohort)',
    };
  const rows = i.samples.filter((r) => r.control + r.treatment > 0);
  if (need === 0 && i.requiresEvidence)
    return {
      id: 'min-sample',
      label,
      status: 'missing',
      evidence:
        'no minimum sample is set for this stage; this plan needs one (size the stages with the planner)',
    };
  if (!rows.length)
    return need === 0
      ? {
          id: 'min-sample',
          label,
          status: 'n/a',
          evidence: 'no minimum sample is set for this stage (and no metric data in it)',
        }
      : {
          id: 'min-sample',
          label,
          status: 'waiting',
          evidence: `no metric data in this stage yet; need ${need} units per cohort`,
        };
  let smallest = rows[0] as SampleCount;
  for (const r of rows)
    if (Math.min(r.control, r.treatment) < Math.min(smallest.control, smallest.treatment)) smallest = r;
  const have = Math.min(smallest.control, smallest.treatment);
  return {
    id: 'min-sample',
    label,
    status: need === 0 ? 'n/a' : have >= need ? 'pass' : 'waiting',
    evidence: `smallest cohort: ${have} units (${smallest.metric}: ${smallest.control} control, ${smallest.treatment} treatment); ${need === 0 ? 'no minimum is set for this stage' : `need ${need}`}`,
  };
}

function guardrailItem(i: GateInput): GateItem {
  const label = 'All guardrails within range';
  if (!i.guardrails.length)
    return i.requiresEvidence
      ? {
          id: 'guardrails',
          label,
          status: 'missing',
          evidence:
            'no guardrails are defined for this flag; this plan needs at least one (Guardrail board → Add guardrail)',
        }
      : { id: 'guardrails', label, status: 'n/a', evidence: 'no guardrails are defined for this flag' };
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
 * The interval of a comparison's relative lift the gate judges — the one the cohort table draws:
 * the always-valid (sequential) interval of the lift when the comparison is sequential (Fieller's
 * inversion of the confidence sequence of Δ: the control mean's own error is accounted for, see
 * docs/statistics.md), else the fixed-horizon interval of the lift (quantile metrics: bootstrap, no
 * sequential version). Null when there is none — e.g. unbounded while control cannot be told apart
 * from 0 — which the gate reads as not enough data.
 */
function relativeBounds(
  r: MetricComparison,
): { kind: 'sequential' | 'fixed-horizon'; estimate: number; ci: [number, number] } | null {
  if (r.sequential)
    return r.sequential.relative
      ? { kind: 'sequential', estimate: r.sequential.relative.estimate, ci: r.sequential.relative.ci }
      : null;
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
      status: 'n/a',
      evidence: 'does not apply at 100 % (no control cohort)',
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
      status: 'missing',
      evidence: `business metric(s) named by the stage are not defined for the flag: ${missing.join(', ')}`,
    };
  if (!rows.length)
    return i.requiresEvidence
      ? {
          id: 'non-inferiority',
          label,
          status: 'missing',
          evidence:
            'no business (non-guardrail) metric is defined; this plan needs at least one (Compare cohorts → Add metric)',
        }
      : {
          id: 'non-inferiority',
          label,
          status: 'n/a',
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
  if (checked)
    return {
      id: 'no-srm',
      label,
      status: 'pass',
      evidence: `${checked} check(s) against the expected split, no mismatch (p ≥ 0.001)`,
    };
  if (i.stage.targetPercent >= 100)
    return { id: 'no-srm', label, status: 'n/a', evidence: 'does not apply at 100 % (no control cohort)' };
  if (i.expectedSplits)
    return {
      id: 'no-srm',
      label,
      status: 'waiting',
      evidence: i.deferred
        ? `${i.expectedSplits} metric(s) with an expected split; ${DEFERRED}`
        : `${i.expectedSplits} metric(s) with an expected split, but no data in this stage yet to check it`,
    };
  return {
    id: 'no-srm',
    label,
    status: 'n/a',
    evidence:
      'no expected split is set on the metrics, so the split cannot be checked (set one when adding a metric)',
  };
}

function approvals(i: GateInput): GateItem {
  const label = 'Approvals given';
  const need = i.stage.approvalsRequired;
  const given = i.state.approvals.filter((a) => a.stageIndex === i.state.stageIndex);
  if (need === 0) return { id: 'approvals', label, status: 'n/a', evidence: 'this stage needs no approval' };
  return {
    id: 'approvals',
    label,
    status: given.length >= need ? 'pass' : 'waiting',
    evidence: `${given.length} of ${need}${given.length ? ` (${given.map((a) => a.actor).join(', ')})` : ''}`,
  };
}

function nextStageReady(i: GateInput): GateItem {
  const label = 'Next stage ready to apply';
  const next = i.nextStage ?? null;
  if (!next) return { id: 'next-stage-ready', label, status: 'n/a', evidence: 'this is the last stage' };
  const placeholders = stagePlaceholders(next);
  if (placeholders.length)
    return {
      id: 'next-stage-ready',
      label,
      status: 'missing',
      evidence: `stage "${next.name}" has the template placeholder ${placeholders.join(', ')} in its allow-list; replace it in the plan`,
    };
  return {
    id: 'next-stage-ready',
    label,
    status: 'pass',
    evidence: `stage "${next.name}" (${next.targetPercent} %) has no template placeholder`,
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
    nextStageReady(i),
  ];
  return {
    flag: i.flag,
    stageIndex: i.state.stageIndex,
    passed: items.every((x) => GATE_OK.has(x.status)),
    items,
    observationEndsAt: obs.endsAt,
    evaluatedAt: new Date(i.now).toISOString(),
  };
}
