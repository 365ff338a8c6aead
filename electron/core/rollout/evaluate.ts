/**
 * One flag's evaluation: polls its Prometheus-sourced metrics (through the metrics engine's
 * ingestion), reads each guardrail's span, judges every guardrail and — when a stage is live —
 * evaluates the stage gate over the stage's data so far. Reads only; writes nothing but the
 * polled rollups.
 *
 * Spans ({@link guardrailSpan}, guardrails.ts `GuardrailSpan`): a statistical guardrail reads the
 * cohorts cumulatively from the minute holding the current stage's start (`stageStartedAt`, when
 * {@link gateApplies}) up to the current minute — its confidence sequence is time-uniform only for
 * a sample growing from a fixed start; without a live stage it falls back to its sliding window
 * (and its verdict says the bound is then not always-valid). The other kinds always read the last
 * `windowMinutes` minutes (point checks: responsiveness matters).
 *
 * Evidence window: after a restart, resume or restore (`evidenceSince` of the rollout state) every
 * span is cut at the first full minute after it ({@link GuardrailSpan} `restart`), so a restart is
 * judged only on data after it — never on the data that stopped it.
 */
import type { FlagRef } from '../../../shared/domain.ts';
import type { MetricComparison, MetricDefinition } from '../../../shared/metrics.ts';
import type { GateEvaluation, RolloutState } from '../../../shared/rollout-state.ts';
import type { Guardrail, GuardrailState } from '../../../shared/guardrails.ts';
import type { RolloutPlan } from '../../../shared/rollout-plans.ts';
import { compareMetrics, resolveWindow } from '../metrics/metric-compare.ts';
import type { MetricStore } from '../metrics/metric-store.ts';
import { ingestPrometheus, type QueryRange } from '../metrics/prometheus-ingest.ts';
import type { DataSourceConfig } from '../config.ts';
import { floorMinute, MINUTE_MS } from '../metrics/rollup.ts';
import { findTemplate } from '../../../shared/rollout-templates.ts';
import { evaluateGate, type SampleCount } from './gate.ts';
import { ArmReader, lastMinutes } from './guardrail-data.ts';
import { evaluateGuardrail, type GuardrailSpan, type GuardrailVerdict } from './guardrails.ts';

/**
 * Level of the gate's non-inferiority bounds: the comparison's always-valid confidence sequence is
 * two-sided at this level, so its one bound the gate reads errs with probability at most this over
 * every look of the stage.
 */
export const GATE_ALPHA = 0.05;

/**
 * What {@link evaluateFlag} needs: the metric store, a clock (ms since epoch), the Prometheus client and
 * allow-list, and the last poll per flag.
 */
export interface EvaluateDeps {
  metrics: MetricStore;
  now: () => number;
  queryRange?: QueryRange;
  /** The allow-list of Prometheus sources (config.json `dataSources.prometheus`); default none. */
  prometheusSources?: () => readonly DataSourceConfig[];
  /** Last successful Prometheus poll per flag id (ms), kept by the caller between evaluations. */
  lastPoll?: Map<string, number>;
}

/**
 * One flag as {@link evaluateFlag} sees it: its plan, rollout state, guardrails and their previous
 * states, its open incident, and whether to evaluate the gate.
 */
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

/** What {@link evaluateFlag} found: a verdict per guardrail and the gate (null when not evaluated). */
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

/**
 * The start (ms since epoch, not floored) of the flag's live stage, or null without one: a stage
 * applies ({@link gateApplies}) and the provider confirmed it (`stageStartedAt`).
 */
export function liveStageStart(plan: RolloutPlan | null, state: RolloutState): number | null {
  if (!gateApplies(plan, state) || !state.stageStartedAt) return null;
  const at = Date.parse(state.stageStartedAt);
  return Number.isFinite(at) ? at : null;
}

/** The first minute boundary at or after `ms` (ms since epoch). */
export function ceilMinute(ms: number): number {
  return Math.ceil(ms / MINUTE_MS) * MINUTE_MS;
}

/**
 * The minute bounds `[fromMinute, toMinute)` (ms since epoch) a guardrail reads at `now`, and the
 * span they describe. `toMinute` always ends after the current minute (as {@link lastMinutes}).
 * A statistical guardrail with a live stage (`stageStart`, ms, or null) reads from the minute
 * holding the stage's start (at least the current minute, should the start lie ahead of `now`);
 * everything else reads the last `windowMinutes` minutes. With an evidence window
 * (`evidenceSince`, ms, or null) the span starts no earlier than the first full minute after it
 * (span `restart`; empty — `fromMinute === toMinute` — until that minute begins).
 */
export function guardrailSpan(
  g: Guardrail,
  stageStart: number | null,
  now: number,
  evidenceSince: number | null = null,
): { fromMinute: number; toMinute: number; span: GuardrailSpan } {
  const w = lastMinutes(g.windowMinutes, now);
  let out: { fromMinute: number; toMinute: number; span: GuardrailSpan };
  if (g.kind.type !== 'statistical' || stageStart === null)
    out = { ...w, span: { kind: 'window', minutes: g.windowMinutes } };
  else {
    const fromMinute = Math.min(floorMinute(stageStart), w.toMinute - MINUTE_MS);
    out = {
      fromMinute,
      toMinute: w.toMinute,
      span: { kind: 'stage', since: new Date(fromMinute).toISOString() },
    };
  }
  if (evidenceSince === null) return out;
  const cut = ceilMinute(evidenceSince);
  if (cut <= out.fromMinute) return out;
  return {
    fromMinute: Math.min(cut, out.toMinute),
    toMinute: out.toMinute,
    span: { kind: 'restart', since: new Date(cut).toISOString() },
  };
}

/** Evaluates one flag (see the module docs). */
export async function evaluateFlag(d: EvaluateDeps, c: FlagContext): Promise<FlagEvaluation> {
  const now = d.now();
  const defs = new Map<string, MetricDefinition>(d.metrics.list(c.flag).map((m) => [m.name, m]));
  const withGate = c.withGate && gateApplies(c.plan, c.state);
  const stageStart = liveStageStart(c.plan, c.state);
  const evidenceSince = c.state.evidenceSince ? Date.parse(c.state.evidenceSince) : null;
  // Statistical guardrails read the live stage so far: it must be stored like the gate's data.
  const anchored = stageStart !== null && c.guardrails.some((g) => g.kind.type === 'statistical');
  let sourceErrors = new Map<string, string>();
  if ([...defs.values()].some((m) => m.source.type === 'prometheus')) {
    // Poll the guardrail windows, plus everything since this flag's last successful poll (the
    // whole stage on the first poll of the process, when the gate or an anchored statistical
    // guardrail reads it) — earlier minutes are already stored.
    const key = `${c.flag.provider}/${c.flag.environment}/${c.flag.key}`;
    const last = d.lastPoll?.get(key);
    const since = last ?? ((withGate || anchored) && stageStart !== null ? stageStart : now);
    const sinceMinutes = Math.ceil((now - since) / 60_000) + 1;
    const lookback = Math.max(sinceMinutes, ...c.guardrails.map((g) => g.windowMinutes), 1);
    sourceErrors = await ingestPrometheus(
      { store: d.metrics, now: d.now, queryRange: d.queryRange, sources: d.prometheusSources },
      c.flag,
      {
        lookbackMinutes: lookback,
      },
    );
    if (!sourceErrors.size) d.lastPoll?.set(key, now);
  }
  // Every window read below ends with the current minute: read it for all series in one query.
  const current = floorMinute(now);
  d.metrics.prefetch(c.flag, [...defs.values()], current, current + MINUTE_MS);
  const reader = new ArmReader(d.metrics);
  const verdicts = c.guardrails.map((g) => {
    const def = defs.get(g.metric);
    const w = guardrailSpan(g, stageStart, now, evidenceSince);
    const quantile = g.kind.type !== 'statistical' && g.kind.statistic !== 'mean';
    const empty = { n: 0, mean: null, variance: null, quantiles: null };
    return evaluateGuardrail({
      guardrail: g,
      def,
      control: def ? reader.arm(def, def.controlVariant, w.fromMinute, w.toMinute, quantile) : empty,
      treatment: def ? reader.arm(def, def.treatmentVariant, w.fromMinute, w.toMinute, quantile) : empty,
      span: w.span,
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
        // Up to the end of the current minute (the same rows as `now + 1`): the same span as the
        // anchored statistical guardrails, so their cohort reads are shared.
        { from: c.state.stageStartedAt, to: new Date(floorMinute(now) + MINUTE_MS).toISOString() },
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
          // Sequential: the monitor looks at the gate every tick, over a sample growing from the
          // stage's start — a fixed-horizon bound would pass a worse treatment by chance.
          sequential: true,
          alpha: GATE_ALPHA,
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
      requiresEvidence: c.plan?.templateId
        ? findTemplate(c.plan.templateId)?.requiresEvidence === true
        : false,
      nextStage: c.plan?.stages[c.state.stageIndex + 1] ?? null,
      expectedSplits: [...defs.values()].filter((m) => m.expectedSplit && m.kind !== 'ratio').length,
      now,
    });
  }
  return { verdicts, gate };
}
