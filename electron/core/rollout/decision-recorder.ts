/**
 * Recording a decision — the one place a decision (the monitor's or an operator's) becomes a
 * decision record + state change + incident + outbox actions (flag change, webhook), in ONE SQLite
 * transaction, before anything is sent; then the events are emitted and the outbox drained.
 */
import type { ActionKind, FlagRef, LayerPatch } from '../../../shared/domain.ts';
import type { DecisionAction, DecisionRecord } from '../../../shared/decisions.ts';
import type { GateEvaluation } from '../../../shared/rollout-state.ts';
import type { GuardrailState } from '../../../shared/guardrails.ts';
import type { Notify } from '../../../shared/monitor.ts';
import type { IncidentCause } from '../incidents/incident-ledger.ts';
import { stripRecent } from './guardrail-live-state.ts';
import { CLAIM_MS, type FlagChangePayload, type Outbox } from './outbox.ts';
import type { RolloutContext } from './rollout-context.ts';
import { flagId, type StoredState } from './rollout-store.ts';

/** What a decision changes, for {@link DecisionRecorder.record}. */
export interface DecisionChange {
  flag: FlagRef;
  actor: string;
  action: DecisionAction;
  rule: string;
  rationale: string;
  severity: Notify['severity'];
  guardrails: readonly GuardrailState[];
  gate: GateEvaluation | null;
  /** The flag change to journal and send, if any (`stageIndex`: the 0-based stage it applies). */
  change?: { patch: LayerPatch; action: ActionKind; purpose: string; stageIndex?: number } | null;
  /** The new rollout state (fields to overwrite), if it changes. */
  state?: Partial<
    Pick<StoredState, 'stageIndex' | 'status' | 'stageStartedAt' | 'reason' | 'approvals' | 'evidenceSince'>
  >;
  /** Open an incident of this kind (or join the flag's open one). */
  incident?: 'paused' | 'rolled-back';
  /**
   * Close the flag's open incidents (an operator's restart or resume) — except one holding a kill
   * while the flag is still Killed: that closes when the provider confirms it Serving.
   */
  closeIncidents?: boolean;
  /** Send the webhook / desktop notification. */
  notify?: boolean;
}

/** Records decisions (one per rollout service). */
export class DecisionRecorder {
  private readonly ctx: RolloutContext;
  private readonly outbox: Outbox;

  constructor(ctx: RolloutContext, outbox: Outbox) {
    this.ctx = ctx;
    this.outbox = outbox;
  }

  /**
   * Records a decision: in one transaction the decision record, the state change, the incident
   * and the outbox actions (flag change, webhook); then notifies and drains the outbox.
   * @returns the decision record (with its outbox action).
   * @throws the database's error (e.g. busy): then nothing of the decision is kept.
   */
  record(c: DecisionChange): DecisionRecord {
    const { d, store, journal } = this.ctx;
    const at = this.ctx.iso();
    const now = d.now();
    const plan = store.plan(c.flag);
    let decisionId = 0;
    d.db.transaction(() => {
      const state = this.ctx.stateOf(c.flag);
      const stageIndex = c.state?.stageIndex ?? state.stageIndex;
      const stage = plan?.stages[state.stageIndex];
      decisionId = journal.addDecision({
        at,
        flag: c.flag,
        stageIndex: state.stageIndex,
        stageName: stage?.name ?? null,
        actor: c.actor,
        action: c.action,
        rule: c.rule,
        rationale: c.rationale,
        inputs: {
          guardrails: c.guardrails.map(stripRecent),
          gate: c.gate,
          plan: plan
            ? { name: plan.name, stages: plan.stages.length, targetPercent: stage?.targetPercent ?? null }
            : null,
        },
      });
      let pendingActionId = state.pendingActionId;
      if (c.change) {
        const payload: FlagChangePayload = {
          patch: c.change.patch,
          reason: `${c.rationale} (decision #${decisionId})`.slice(0, 2000),
          action: c.change.action,
          purpose: c.change.purpose,
          actor: c.actor,
          ...(c.change.stageIndex !== undefined ? { stageIndex: c.change.stageIndex } : {}),
        };
        const a = journal.enqueue({
          flag: c.flag,
          kind: 'flag-change',
          payload: payload as unknown as Record<string, unknown>,
          idempotencyKey: `${flagId(c.flag)}:${c.change.purpose}:${stageIndex}:g${state.generation}`,
          decisionId,
          at: now,
          // This process sends what it decided; should it die, the monitor's process takes over.
          claim: { owner: d.owner, untilMs: now + CLAIM_MS },
        });
        journal.linkDecision(decisionId, a.id);
        if (c.change.purpose === 'rollback')
          journal.supersede(c.flag, a.id, `superseded by the rollback of decision #${decisionId}`);
        pendingActionId = a.id;
      }
      if (c.state || c.change)
        store.putState(
          {
            ...state,
            ...c.state,
            pendingActionId,
            stageStartedAt: c.change ? null : (c.state?.stageStartedAt ?? state.stageStartedAt),
          },
          at,
        );
      const cause: IncidentCause = { actor: c.actor, reason: c.rationale, decisionId };
      if (c.closeIncidents) d.ledger.restarted(c.flag, cause, at, d.cachedLayers(c.flag)?.enabled === false);
      if (c.incident) d.ledger.open(c.flag, c.incident, cause, at);
      if (c.notify && d.webhook())
        journal.enqueue({
          flag: c.flag,
          kind: 'webhook',
          payload: { body: webhookBody(c, decisionId, at) },
          idempotencyKey: `webhook:decision:${decisionId}`,
          decisionId,
          at: now,
          claim: { owner: d.owner, untilMs: now + CLAIM_MS },
        });
    })();
    const record = journal.decision(decisionId) as DecisionRecord;
    d.emit('monitor.decision', record);
    if (c.notify)
      d.emit('notify', {
        title: `${c.flag.key}: ${c.action}`,
        body: c.rationale,
        severity: c.severity,
        flag: c.flag,
      });
    this.ctx.changed(c.flag, `decision:${c.action}`);
    void this.outbox.drain();
    return record;
  }
}

/** The webhook's body for a decision: Slack-style `text` plus the decision as `rcr`. */
function webhookBody(c: DecisionChange, decisionId: number, at: string): unknown {
  const icon =
    c.severity === 'critical'
      ? ':rotating_light:'
      : c.severity === 'warning'
        ? ':warning:'
        : ':information_source:';
  return {
    text: `${icon} *${c.flag.key}* (${c.flag.provider}/${c.flag.environment}): ${c.action} — ${c.rationale}`,
    rcr: {
      decisionId,
      at,
      flag: c.flag,
      action: c.action,
      rule: c.rule,
      rationale: c.rationale,
      severity: c.severity,
    },
  };
}
