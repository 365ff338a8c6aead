/**
 * Completing changes that a process interrupted (a crash mid-call): a state the provider already
 * shows, an audit row left `pending`, and the pending rows nobody will complete.
 */
import type { FlagLayers, FlagState } from '../../../shared/domain.ts';
import type { Db } from '../db/database.ts';
import type { AuditStore } from './audit-store.ts';
import type { ConfirmedState } from './confirmed-state.ts';
import { DIRECT_CLAIM_MS, FLAG_LEASE_MS } from './flag-lock.ts';

/** What {@link InterruptedChanges} writes through. */
export interface InterruptedChangesDeps {
  db: Db;
  audit: AuditStore;
  confirmed: ConfirmedState;
  /** Clock, ms since epoch. */
  now: () => number;
  /** Announces a fleet change (`fleet.changed`) with a reason. */
  onChanged: (reason: string) => void;
}

/** Completes interrupted changes (see the module docs). */
export class InterruptedChanges {
  private readonly deps: InterruptedChangesDeps;

  constructor(deps: InterruptedChangesDeps) {
    this.deps = deps;
  }

  /**
   * Writes a state read from the provider that already shows an action's change (the outbox's
   * reconciliation after a crash): cache and incidents, attributed to the action.
   */
  observeConfirmed(
    state: FlagState,
    cause: { actor: string; reason: string; decisionId: number | null },
  ): void {
    const at = new Date(this.deps.now()).toISOString();
    this.deps.db.transaction(() =>
      this.deps.confirmed.write(state, at, { source: 'app', ...cause, freshBefore: null }),
    )();
    this.deps.onChanged('reconciled');
  }

  /**
   * Completes an audit row that an interrupted attempt (a crash mid-call) left `pending`:
   * `succeeded` with the layers the provider confirmed, or `failed` with `note` when it did not
   * show the change. A row that is not pending is left as it is.
   */
  closeInterrupted(auditId: number, confirmed: FlagLayers | null, note: string): void {
    const { audit, now } = this.deps;
    let entry;
    try {
      entry = audit.get(auditId);
    } catch {
      return;
    }
    if (entry.status !== 'pending') return;
    audit.end(auditId, {
      status: confirmed ? 'succeeded' : 'failed',
      response: null,
      error: confirmed ? null : note,
      confirmed,
      completedAt: new Date(now()).toISOString(),
    });
    this.deps.onChanged('reconciled');
  }

  /**
   * Completes the audit rows that processes which died mid-call left `pending` and that no
   * journaled action will complete (the monitor's process runs it when it takes the lease): each
   * becomes `failed` with a note — whether the change reached the provider is unknown, and the
   * flag's confirmed state shows in the fleet after the next sync.
   * @returns how many were completed.
   */
  closeAbandoned(): number {
    const before = new Date(this.deps.now() - DIRECT_CLAIM_MS - FLAG_LEASE_MS).toISOString();
    const rows = this.deps.audit.abandonedBefore(before);
    for (const r of rows)
      this.closeInterrupted(
        r.id,
        null,
        'interrupted: the process stopped mid-call before the provider confirmed; whether the change was applied shows in the flag’s state after the next sync',
      );
    return rows.length;
  }
}
