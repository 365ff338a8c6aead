/**
 * Evaluating flags for the rollout service: which flags are monitored, one flag's evaluation
 * (guardrails and stage gate, through evaluate.ts — reads only), and the last gate evaluation of
 * each flag, which views and operator decisions show.
 */
import type { FlagRef } from '../../../shared/domain.ts';
import type { GateEvaluation } from '../../../shared/rollout-state.ts';
import type { Guardrail } from '../../../shared/guardrails.ts';
import type { RolloutPlan } from '../../../shared/rollout-plans.ts';
import { utcWords } from '../../../shared/time-words.ts';
import type { IncidentRow } from '../incidents/incident-store.ts';
import { evaluateFlag, type FlagEvaluation } from './evaluate.ts';
import type { GuardrailLiveState } from './guardrail-live-state.ts';
import type { RolloutContext } from './rollout-context.ts';
import { flagId, type StoredState } from './rollout-store.ts';

/** A flag's evaluation with the plan and stage state it was evaluated against. */
export type RolloutEvaluation = FlagEvaluation & { state: StoredState; plan: RolloutPlan | null };

/** Evaluates flags and remembers each flag's last gate evaluation (one per rollout service). */
export class RolloutEvaluator {
  private readonly ctx: RolloutContext;
  private readonly live: GuardrailLiveState;
  private readonly lastGates = new Map<string, GateEvaluation>();
  /** Last successful Prometheus poll per flag id, ms since the epoch (evaluate.ts keeps it). */
  private readonly lastPoll = new Map<string, number>();

  constructor(ctx: RolloutContext, live: GuardrailLiveState) {
    this.ctx = ctx;
    this.live = live;
  }

  /** The flag's last gate evaluation (by any evaluation, kept or not), or null. */
  lastGate(flag: FlagRef): GateEvaluation | null {
    return this.lastGates.get(flagId(flag)) ?? null;
  }

  /** Flags with a plan or guardrails. */
  monitoredFlags(): FlagRef[] {
    const { store } = this.ctx;
    const out = new Map<string, FlagRef>();
    for (const p of store.plans()) out.set(flagId(p.flag), p.flag);
    for (const g of store.guardrails()) out.set(flagId(g.flag), g.flag);
    return [...out.values()];
  }

  /**
   * Evaluates a flag's guardrails (its stored ones when `guardrails` is omitted) and gate (reads
   * only). `openIncidents` (by flag id) saves a query per flag when the monitor evaluates many.
   */
  async evaluate(
    flag: FlagRef,
    guardrails?: readonly Guardrail[],
    withGate: boolean | 'deferred' | 'full' = 'full',
    openIncidents?: ReadonlyMap<string, IncidentRow>,
  ): Promise<RolloutEvaluation> {
    const { d, store } = this.ctx;
    const plan = store.plan(flag);
    // An evaluation is a read: a flag without a stored state is evaluated as its initial state,
    // which is only stored when a decision is recorded.
    const state = store.state(flag) ?? this.ctx.initialState(flag);
    const open = openIncidents ? openIncidents.get(flagId(flag)) : d.ledger.store.openOf(flag);
    // A state evaluated before the evidence window (a restart) does not carry its streak over.
    const since = state.evidenceSince;
    const ev = await evaluateFlag(
      {
        metrics: d.metrics,
        now: d.now,
        queryRange: d.queryRange,
        prometheusSources: d.prometheusSources,
        lastPoll: this.lastPoll,
      },
      {
        flag,
        plan,
        state,
        guardrails: guardrails ?? store.guardrails(flag),
        previous: (g) => {
          const p = this.live.get(g);
          return p && (!since || p.evaluatedAt >= since) ? p : null;
        },
        openIncident: open
          ? `incident #${open.id} (${open.kind}) opened ${utcWords(open.openedAt)} by ${open.openedBy}: ${open.reason}`
          : null,
        withGate,
      },
    );
    if (ev.gate) this.lastGates.set(flagId(flag), ev.gate);
    return { ...ev, state, plan };
  }
}
