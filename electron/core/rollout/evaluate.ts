/**
 * One flag's evaluation: polls its Prometheus-sourced metrics (through the metrics engine's
 * ingestion), reads each guardrail's window, judges every guardrail and — when a stage is live —
 * evaluates the stage gate over the stage's data so far. Reads only; writes nothing but the
 * polled rollups.
 */
import type { FlagRef } from '../../../shared/domain.ts';
import type { MetricComparison, MetricDefinition } from '../../../shared/metrics.ts';
import type {
  GateEvaluation,
  Guardrail,
  GuardrailState,
  RolloutPlan,
  RolloutState,
} from '../../../shared/rollout.ts';
import { compareMetrics, resolveWindow } from '../metrics/metric-compare.ts';
import type { MetricStore } from '../metrics/metric-store.ts';
import { ingestPrometheus, type QueryRange } from '../metrics/prometheus-ingest.ts';
import { evaluateGate, type SampleCount } from './gate.ts';
import { ArmReader, lastMinutes } from './guardrail-data.ts';
import { evaluateGuardrail, type GuardrailVerdict } from './guardrails.ts';

/** One-sided level of the gate's non-inferiority bounds (the comparison runs at 2α two-sided). */
export const GATE_ALPHA = 0.05;

export interface EvaluateDeps {
  metrics: MetricStore;
  now: () => number;
  queryRange?: QueryRange;
  /** Last successful Prometheus poll per flag id (ms), kept by the caller between evaluations. */
  lastPoll?: Map<string, number>;
}

export interface FlagContext {
  flag: FlagRef;
  plan: RolloutPlan | null;
  state: RolloutState;
  guardrails: readonly Guardrail[];
  previous: (g: Guardrail) => GuardrailState | null;
  /** Reason of the flag's open incident, or null. */
  openIncident: string | null;
  /**
   * Evaluate the gate (when a stage is live). `deferred` (the monitor): while the stage's minimum
   * observation time has not elapsed the gate cannot pass, so its data items (sample,
   * non-inferiority) are not computed — they show `waiting`; `full` computes every item.
   */
  withGate: boolean | 'deferred' | 'full';
}

export interface FlagEvaluation {
  verdicts: GuardrailVerdict[];
  gate: GateEvaluation | null;
}

/** Whether the flag's stage is live enough for a gate: a plan, a stage applied, not rolled back. */
export function gateApplies(plan: RolloutPlan | null, state: RolloutState): boolean {
  return (
    !!plan &&
    state.stageIndex >= 0 &&
    state.stageIndex < plan.stages.length &&
    (state.status === 'running' || state.status === 'paused')
  );
}

/** Evaluates one flag (see the module docs). */
export async function evaluateFlag(d: EvaluateDeps, c: FlagContext): Promise<FlagEvaluation> {
  const now = d.now();
  const defs = new Map<string, MetricDefinition>(d.metrics.list(c.flag).map((m) => [m.name, m]));
  const withGate = c.withGate && gateApplies(c.plan, c.state);
  let sourceErrors = new Map<string, string>();
  if ([...defs.values()].some((m) => m.source.type === 'prometheus')) {
    // Poll the guardrail windows, plus everything since this flag's last successful poll (the
    // whole stage on the first poll of the process) — earlier minutes are already stored.
    const key = `${c.flag.provider}/${c.flag.environment}/${c.flag.key}`;
    const last = d.lastPoll?.get(key);
    const since = last ?? (withGate && c.state.stageStartedAt ? Date.parse(c.state.stageStartedAt) : now);
    const sinceMinutes = Math.ceil((now - since) / 60_000) + 1;
    const lookback = Math.max(sinceMinutes, ...c.guardrails.map((g) => g.windowMinutes), 1);
    sourceErrors = await ingestPrometheus(
      { store: d.metrics, now: d.now, queryRange: d.queryRange },
      c.flag,
      {
        lookbackMinutes: lookback,
      },
    );
    if (!sourceErrors.size) d.lastPoll?.set(key, now);
  }
  const reader = new ArmReader(d.metrics);
  const verdicts = c.guardrails.map((g) => {
    const def = defs.get(g.metric);
    const w = lastMinutes(g.windowMinutes, now);
    const quantile = g.kind.type !== 'statistical' && g.kind.statistic !== 'mean';
    const empty = { n: 0, mean: null, variance: null, quantiles: null };
    return evaluateGuardrail({
      guardrail: g,
      def,
      control: def ? reader.arm(def, def.controlVariant, w.fromMinute, w.toMinute, quantile) : empty,
      treatment: def ? reader.arm(def, def.treatmentVariant, w.fromMinute, w.toMinute, quantile) : empty,
      sourceError: def ? (sourceErrors.get(def.name) ?? null) : null,
      previous: c.previous(g),
      now,
    });
  });
  let gate: GateEvaluation | null = null;
  const stage = withGate && c.plan ? c.plan.stages[c.state.stageIndex] : undefined;
  if (stage) {
    let comparisons: MetricComparison[] = [];
    const samples: SampleCount[] = [];
    const observed =
      !!c.state.stageStartedAt && now - Date.parse(c.state.stageStartedAt) >= stage.minObservationMs;
    const deferred = c.withGate === 'deferred' && !observed;
    if (c.state.stageStartedAt && defs.size && !deferred) {
      const window = resolveWindow(
        { from: c.state.stageStartedAt, to: new Date(now + 1).toISOString() },
        now,
      );
      // Non-inferiority needs only the business metrics: compare those (a view of the store that
      // lists just them), and count the stage's units per cohort with moment sums (no sketches).
      const wanted = stage.gate.businessMetrics;
      const business = [...defs.values()].filter((m) =>
        wanted.length ? wanted.includes(m.name) : !m.guardrail,
      );
      if (business.length) {
        const view = Object.create(d.metrics) as MetricStore;
        view.list = () => business;
        comparisons = compareMetrics(view, c.flag, {
          window,
          sequential: false,
          alpha: 2 * GATE_ALPHA,
          adjust: 'none',
          sourceErrors,
        });
      }
      for (const m of defs.values()) {
        if (m.kind === 'ratio' || sourceErrors.has(m.name)) continue;
        const n = (variant: string) => reader.arm(m, variant, window.fromMinute, window.toMinute, false).n;
        samples.push({ metric: m.name, control: n(m.controlVariant), treatment: n(m.treatmentVariant) });
      }
    }
    gate = evaluateGate({
      flag: c.flag,
      stage,
      state: c.state,
      guardrails: verdicts.map((v) => v.state),
      comparisons,
      samples,
      deferred,
      openIncident: c.openIncident,
      now,
    });
  }
  return { verdicts, gate };
}
