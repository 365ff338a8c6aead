/**
 * The one writer of provider-confirmed flag state. Every confirmed read that replaces the cached
 * state — an app action's re-read, the outbox's reconciliation, a sync — goes through
 * {@link ConfirmedState.write}, in the caller's transaction, which:
 *
 * 1. writes the flag cache (what every view reads the flag's layers from);
 * 2. applies the incident rules to the change of the kill switch ({@link IncidentLedger}): a kill
 *    opens or joins an incident, Serving again closes it — whoever made the change;
 * 3. for a change made outside this app (seen by sync: someone used the provider's own UI or API),
 *    records a decision (`kill` or `set`, rule `observed:provider`) with the provider's actor, so
 *    the decision log holds every change. App actions record their own decision before sending.
 */
import type { DecisionAction, DecisionRecord } from '../../../shared/decisions.ts';
import type { GateEvaluation } from '../../../shared/rollout-state.ts';
import type { GuardrailState } from '../../../shared/guardrails.ts';
import type { FlagLayers, FlagRef, FlagState } from '../../../shared/domain.ts';
import { changesWords } from '../../../shared/layer-words.ts';
import type { IncidentLedger } from '../incidents/incident-ledger.ts';
import { diffLayers } from '../providers/provider.ts';
import type { JournalStore } from '../decisions/journal-store.ts';
import type { FlagCache } from './flag-cache.ts';

/** The rollout context a decision on a flag records: stage, guardrail states, last gate, plan. */
export interface DecisionContext {
  /** −1 before stage 0 or without a plan. */
  stageIndex: number;
  stageName: string | null;
  guardrails: GuardrailState[];
  gate: GateEvaluation | null;
  plan: DecisionRecord['inputs']['plan'];
}

/** The empty context (no plan, no guardrails). */
export const NO_CONTEXT: DecisionContext = {
  stageIndex: -1,
  stageName: null,
  guardrails: [],
  gate: null,
  plan: null,
};

/** Who made a confirmed change. */
export type ConfirmedCause =
  /** An action of this app (an operator, or the monitor through the outbox): its decision is recorded already. */
  | {
      source: 'app';
      actor: string;
      reason: string;
      decisionId: number | null;
      /** The layers read fresh from the provider right before the action. */
      freshBefore: FlagLayers | null;
    }
  /** A read of the provider (sync): a change since the cached state was made outside this app. */
  | { source: 'provider'; actor: string | null; eventType: string | null };

/**
 * What {@link ConfirmedState} writes to: the flag cache, the incident ledger, the decision journal, and
 * the rollout context of a flag for its decision records.
 */
export interface ConfirmedStateDeps {
  cache: FlagCache;
  ledger: IncidentLedger;
  journal: JournalStore;
  /** The rollout context of a flag for a decision record. */
  context: (ref: FlagRef) => DecisionContext;
}

/** Writes confirmed flag states (see the module docs). */
export class ConfirmedState {
  private readonly d: ConfirmedStateDeps;
  constructor(deps: ConfirmedStateDeps) {
    this.d = deps;
  }

  /**
   * Writes `state` (confirmed by the provider at `syncedAt`) over the cached one, in the caller's
   * transaction. `previous`: the cached layers it replaces when the caller read them already
   * (sync), else they are read here.
   * @returns the id of the decision recorded for a change made outside this app, or null.
   */
  write(
    state: FlagState,
    syncedAt: string,
    cause: ConfirmedCause,
    previous?: FlagLayers | null,
  ): number | null {
    const ref: FlagRef = { provider: state.provider, environment: state.environment, key: state.key };
    const before = previous === undefined ? (this.d.cache.get(ref)?.state.layers ?? null) : previous;
    this.d.cache.put(state, syncedAt);
    if (!before) return null;
    const changes = diffLayers(before, state.layers);
    if (!changes.length) return null;
    let decisionId: number | null = null;
    if (cause.source === 'provider') {
      const actor = cause.actor ?? `unknown (at ${ref.provider})`;
      const action: DecisionAction = before.enabled && !state.layers.enabled ? 'kill' : 'set';
      const ctx = this.d.context(ref);
      const rationale = `${actor} changed ${ref.key} at the provider${cause.eventType ? ` (${cause.eventType})` : ''}, seen by sync: ${changesWords(changes)}`;
      decisionId = this.d.journal.addDecision({
        at: syncedAt,
        flag: ref,
        stageIndex: ctx.stageIndex,
        stageName: ctx.stageName,
        actor,
        action,
        rule: 'observed:provider',
        rationale,
        inputs: {
          guardrails: ctx.guardrails,
          gate: ctx.gate,
          plan: ctx.plan,
          change: {
            before,
            patch: Object.fromEntries(changes.map((c) => [c.layer, c.after])),
          },
        },
      });
      this.d.ledger.confirmed(ref, before, state.layers, { actor, reason: rationale, decisionId }, syncedAt);
    } else
      this.d.ledger.confirmed(
        ref,
        before,
        state.layers,
        { actor: cause.actor, reason: cause.reason, decisionId: cause.decisionId },
        syncedAt,
        cause.freshBefore,
      );
    return decisionId;
  }
}
