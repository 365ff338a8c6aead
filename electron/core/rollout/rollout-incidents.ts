/**
 * The incidents as the rollout sees them: the open incident rows the monitor's gates read, and
 * `incidents.list` joined with each flag's rollout state, guardrails and decisions
 * (incidents/incident-views.ts).
 */
import type { Incident } from '../../../shared/incidents.ts';
import type { IncidentRow } from '../incidents/incident-store.ts';
import { listIncidents } from '../incidents/incident-views.ts';
import type { GuardrailLiveState } from './guardrail-live-state.ts';
import type { RolloutContext } from './rollout-context.ts';
import { publicState } from './rollout-views.ts';

/** Reads the incidents of rollouts. */
export class RolloutIncidents {
  private readonly ctx: RolloutContext;
  private readonly live: GuardrailLiveState;

  constructor(ctx: RolloutContext, live: GuardrailLiveState) {
    this.ctx = ctx;
    this.live = live;
  }

  /** Every open incident row (no joined views), newest first: what the monitor's gates read. */
  openRows(): IncidentRow[] {
    return this.ctx.d.ledger.store.list(false);
  }

  /** `incidents.list`: open incidents, and closed ones too when `includeClosed`. */
  list(includeClosed: boolean): Incident[] {
    const { d, store, journal } = this.ctx;
    return listIncidents(
      {
        incidents: d.ledger.store,
        journal,
        rollout: (flag) => {
          const state = store.state(flag);
          return state ? publicState(state) : null;
        },
        layers: d.cachedLayers,
        guardrails: (flag) => this.live.current(flag),
        liveStates: () => this.live.values(),
      },
      includeClosed,
    );
  }
}
