/**
 * The rollout follows the flag's confirmed kill switch: called by the incident rules in the
 * transaction that writes the confirmed state, a kill by anyone rolls a running rollout back, and a
 * flag serving again starts a fresh evidence window.
 */
import type { FlagRef } from '../../../shared/domain.ts';
import type { IncidentCause } from '../incidents/incident-ledger.ts';
import type { RolloutContext } from './rollout-context.ts';

/** Follows confirmed kills and restores into the rollout state. */
export class KillSwitchFollower {
  private readonly ctx: RolloutContext;

  constructor(ctx: RolloutContext) {
    this.ctx = ctx;
  }

  /**
   * The provider confirmed the flag Killed (whoever killed it; called in the transaction writing
   * the confirmed state; `at` ISO 8601): a started rollout is rolled back — the monitor will not
   * advance a killed flag — and flag changes still waiting in the outbox are superseded (none may
   * serve it again).
   */
  flagKilled(flag: FlagRef, cause: IncidentCause, at: string): void {
    const { store, journal } = this.ctx;
    const state = store.state(flag);
    journal.supersede(flag, -1, `superseded: ${cause.actor} killed the flag`);
    if (!state || state.status === 'rolled-back' || state.status === 'draft' || state.stageIndex < 0) {
      if (state?.pendingActionId !== null && state?.pendingActionId !== undefined)
        store.putState({ ...state, pendingActionId: null }, at, false);
      return;
    }
    store.putState(
      {
        ...state,
        status: 'rolled-back',
        pendingActionId: null,
        reason: `killed by ${cause.actor}: ${cause.reason}`,
      },
      at,
    );
    this.ctx.changed(flag, 'flag-killed');
  }

  /**
   * The provider confirmed the flag Serving again after a kill (a restore, a restart, or a change
   * made elsewhere; `at` ISO 8601): a fresh evidence window starts, so guardrails judge only what
   * happens from now on; a rolled-back rollout becomes paused at its stage — guardrails watch it
   * again, and an operator resumes or restarts it.
   */
  flagServingAgain(flag: FlagRef, cause: IncidentCause, at: string): void {
    const { store } = this.ctx;
    const state = store.state(flag);
    if (!state) return;
    const restored = state.status === 'rolled-back' && !state.pendingActionId;
    store.putState(
      {
        ...state,
        evidenceSince: at,
        ...(restored
          ? {
              status: 'paused' as const,
              reason: `the flag was restored by ${cause.actor} (${cause.reason}); guardrails watch it again — resume or restart the rollout to continue`,
            }
          : {}),
      },
      at,
      restored,
    );
    this.ctx.changed(flag, 'flag-serving');
  }
}
