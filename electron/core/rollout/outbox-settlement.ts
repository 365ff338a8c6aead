/**
 * What the rollout does when the outbox settles one of its actions (outbox.ts `onSettled`): a
 * confirmed flag change starts its stage's observation time; a failed one pauses the rollout and
 * opens an incident; a failure, or a confirmed rollback, notifies the operator.
 */
import type { OutboxAction } from '../../../shared/decisions.ts';
import type { FlagChangePayload } from './outbox.ts';
import type { RolloutContext } from './rollout-context.ts';

/**
 * Follows a settled outbox action into the rollout state.
 * @param outcome `confirmed` (the provider shows the change, or the webhook was delivered) or `failed`.
 * @param detail what the outbox saw (e.g. the provider's error), shown to the operator.
 * @throws the database's error (e.g. busy) when the state cannot be written.
 */
export function settleOutboxAction(
  ctx: RolloutContext,
  action: OutboxAction,
  outcome: 'confirmed' | 'failed',
  detail: string,
): void {
  const { id, flag, kind } = action;
  if (kind !== 'flag-change') return;
  const { d, store, journal } = ctx;
  const p = action.payload as unknown as FlagChangePayload;
  const at = ctx.iso();
  const state = store.state(flag);
  if (state && state.pendingActionId === id) {
    if (outcome === 'confirmed')
      store.putState({ ...state, pendingActionId: null, stageStartedAt: at }, at, false);
    else {
      const why = `${p.purpose === 'rollback' ? 'ROLLBACK FAILED — roll back by hand' : `the ${p.purpose} failed`}: ${detail}`;
      d.db.transaction(() => {
        store.putState({ ...state, pendingActionId: null, status: 'paused', reason: why }, at);
        d.ledger.open(
          flag,
          'paused',
          {
            actor: p.actor ?? 'monitor',
            reason: why,
            decisionId: journal.action(id)?.decisionId ?? null,
          },
          at,
        );
      })();
    }
  }
  if (outcome === 'failed')
    d.emit('notify', {
      title: `${flag.key}: ${p.purpose} failed`,
      body: detail,
      severity: 'critical',
      flag,
    });
  else if (p.purpose === 'rollback')
    d.emit('notify', {
      title: `${flag.key}: rollback confirmed`,
      body: detail,
      severity: 'critical',
      flag,
    });
  ctx.changed(flag, `outbox:${outcome}`);
}
