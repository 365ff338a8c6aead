/**
 * The rules that turn facts into incidents (shared/incidents.ts), in the caller's transaction:
 *
 * - **A confirmed kill** — the cached, provider-confirmed kill switch goes Serving → Killed, by
 *   whoever: the monitor's rollback, an operator in the app or CLI, someone in the provider's own
 *   UI (seen by sync) — opens an incident on the flag, or joins the open one (which becomes
 *   `killed` and keeps the layers confirmed right before the kill, for Restore).
 * - **Serving again** — the confirmed kill switch goes Killed → Serving — closes the open incident
 *   holding the kill, recording who restored the flag and why. Nothing else closes such an
 *   incident.
 * - **A decision** — the monitor's rollback or pause, a failed rollout action — opens or joins.
 * - **A restart or resume** by an operator closes an open incident that holds no kill (or whose
 *   kill the provider already undid).
 *
 * One open incident per flag: a later fact joins it, and its kind becomes the most severe seen
 * (killed > rolled-back > paused).
 */
import type { FlagLayers, FlagRef } from '../../../shared/domain.ts';
import type { IncidentStore, StoredIncidentKind } from './incident-store.ts';

/** Who caused a fact and why. */
export interface IncidentCause {
  /** The operator's name, `monitor`, or the provider's actor. */
  actor: string;
  /** One sentence. */
  reason: string;
  /** The decision record behind it, when there is one. */
  decisionId: number | null;
}

/** What followed from a confirmed kill-switch change (for the caller's own bookkeeping). */
export type KillSwitchChange = 'killed' | 'serving' | null;

/** Called in the same transaction, after the ledger recorded the change. */
export interface IncidentHooks {
  /** The provider confirmed the flag Killed. */
  onKilled?: (flag: FlagRef, cause: IncidentCause, at: string) => void;
  /** The provider confirmed the flag Serving again after being Killed. */
  onServingAgain?: (flag: FlagRef, cause: IncidentCause, at: string) => void;
}

const SEVERITY: Record<StoredIncidentKind, number> = { paused: 1, 'rolled-back': 2, killed: 3 };
const worse = (a: StoredIncidentKind, b: StoredIncidentKind): StoredIncidentKind =>
  SEVERITY[a] >= SEVERITY[b] ? a : b;

/** Applies the incident rules (see the module docs). */
export class IncidentLedger {
  readonly store: IncidentStore;
  private readonly hooks: IncidentHooks;
  constructor(store: IncidentStore, hooks: IncidentHooks = {}) {
    this.store = store;
    this.hooks = hooks;
  }

  /**
   * A confirmed state of the flag replaced the cached one. `before`: the cached layers it replaces
   * (null on the first read: no change is known); `beforeKill`: fresher layers from right before a
   * kill, when the caller read them (an app action's fresh read), else `before` is used.
   * @returns which kill-switch change it was, if any.
   */
  confirmed(
    flag: FlagRef,
    before: FlagLayers | null,
    after: FlagLayers,
    cause: IncidentCause,
    at: string,
    beforeKill: FlagLayers | null = null,
  ): KillSwitchChange {
    if (!before || before.enabled === after.enabled) return null;
    if (!after.enabled) {
      const layersBeforeKill = beforeKill?.enabled ? beforeKill : before;
      const open = this.store.openOf(flag);
      if (open) this.store.update(open.id, { kind: 'killed', kill: { layersBeforeKill } });
      else
        this.store.insert({
          flag,
          kind: 'killed',
          openedAt: at,
          openedBy: cause.actor,
          reason: cause.reason,
          decisionId: cause.decisionId,
          killed: true,
          layersBeforeKill,
        });
      this.hooks.onKilled?.(flag, cause, at);
      return 'killed';
    }
    for (const i of this.store.allOpenOf(flag))
      if (i.killed) this.store.close(i.id, { at, by: cause.actor, reason: cause.reason });
    this.hooks.onServingAgain?.(flag, cause, at);
    return 'serving';
  }

  /** A decision opens an incident of `kind` on the flag, or joins the open one; returns its id. */
  open(flag: FlagRef, kind: StoredIncidentKind, cause: IncidentCause, at: string): number {
    const open = this.store.openOf(flag);
    if (open) {
      const k = worse(open.kind, kind);
      if (k !== open.kind) this.store.update(open.id, { kind: k });
      return open.id;
    }
    return this.store.insert({
      flag,
      kind,
      openedAt: at,
      openedBy: cause.actor,
      reason: cause.reason,
      decisionId: cause.decisionId,
      killed: false,
      layersBeforeKill: null,
    });
  }

  /**
   * An operator restarted or resumed the rollout: closes the flag's open incidents that hold no
   * kill, or whose kill the provider already undid (`killedNow` false: the confirmed kill switch is
   * Serving). A killed flag's incident stays open until the provider confirms it Serving.
   * @returns how many were closed.
   */
  restarted(flag: FlagRef, cause: IncidentCause, at: string, killedNow: boolean): number {
    let n = 0;
    for (const i of this.store.allOpenOf(flag)) {
      if (i.killed && killedNow) continue;
      this.store.close(i.id, { at, by: cause.actor, reason: cause.reason });
      n++;
    }
    return n;
  }
}
