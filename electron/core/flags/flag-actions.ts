/**
 * Changes to flags: set layers, one-click rollback (kill or revert) and restore.
 *
 * One change to a flag at a time, across the processes sharing the data folder: a change holds
 * the flag ({@link FlagActions.withFlag}: an in-process queue, then the SQLite lease
 * `flag:<id>`, renewed while held) and reads the flag fresh inside it. A request that waited for
 * another and finds the flag already as it asked gets that request's result — never a second
 * provider write.
 *
 * Every action: read the flag fresh from the provider (falling back to the
 * cached state when the provider is unreachable, so the attempt is still made
 * and audited), plan the provider requests, journal them as a `pending` audit
 * row together with the decision record (actor, action, reason, inputs) — and, for an
 * operator's direct change, an outbox row marked in flight and claimed by this process —
 * in one transaction, send them, re-read the provider and write the CONFIRMED state
 * through {@link ConfirmedState} (cache, incidents). Nothing is reported as done
 * that the provider did not confirm. Should the process die mid-call, the monitor's process
 * reconciles the journaled row once its claim expires (rollout/outbox.ts).
 */
import type { ActionResult, ChangePreview, RollbackMode } from '../../../shared/flag-actions.ts';
import { changesWords, killSwitchWord } from '../../../shared/layer-words.ts';
import type { DecisionAction, DecisionRecord } from '../../../shared/decisions.ts';
import type {
  ActionKind,
  FlagRef,
  FlagLayers,
  FlagState,
  FleetRow,
  HistoryEntry,
  LayerPatch,
} from '../../../shared/domain.ts';
import { CoreError, toApiError } from '../errors.ts';
import {
  ConflictError,
  FlagNotFoundError,
  ProviderError,
  applyPatch,
  diffLayers,
  type FlagProvider,
} from '../providers/provider.ts';
import type { Db } from '../db/database.ts';
import type { Leases } from '../db/leases.ts';
import type { IncidentStore } from '../incidents/incident-store.ts';
import type { JournalStore } from '../decisions/journal-store.ts';
import type { AuditStore } from './audit-store.ts';
import type { FlagCache } from './flag-cache.ts';
import type { HistoryStore } from './history-store.ts';
import type { SyncService } from './sync-service.ts';
import type { ConfirmedState, DecisionContext } from './confirmed-state.ts';
import {
  confirmsPatch,
  decisionActionOf,
  decisionVerb,
  mayHaveReached,
  OutcomeUnknown,
} from './change-outcome.ts';
import { DIRECT_CLAIM_MS, FlagLock } from './flag-lock.ts';
import { InterruptedChanges } from './interrupted-changes.ts';
import { killPatch, restorePlanOf, revertPatch, type RestorePlan } from './rollback-plans.ts';

/**
 * What {@link FlagActions} needs: the database and stores, the providers, the leases, the sync service,
 * the default actor, a clock (ms since epoch), and callbacks for changes and decisions.
 */
export interface ActionDeps {
  db: Db;
  providers: () => ReadonlyMap<string, FlagProvider>;
  cache: FlagCache;
  history: HistoryStore;
  audit: AuditStore;
  journal: JournalStore;
  incidents: IncidentStore;
  confirmed: ConfirmedState;
  /** The leases of this process (`flag:<id>` while changing a flag). */
  leases: Leases;
  sync: SyncService;
  /** The operator acting when no actor is given (config / `--actor` / `RCR_ACTOR`, else the OS user). */
  actor: string;
  now: () => number;
  /** Builds the fleet row of a flag from the cache (freshness, last change). */
  fleetRow: (ref: FlagRef) => FleetRow;
  /** The rollout context a decision record of the flag carries. */
  context: (ref: FlagRef) => DecisionContext;
  onChanged: (reason: string) => void;
  /** A decision was recorded (pushed to every window as `monitor.decision`). */
  onDecision: (record: DecisionRecord) => void;
}

/** How {@link FlagActions.apply} records a change. */
export interface ApplyOptions {
  /** The audit row's action kind (default `set-layers`). */
  kind?: ActionKind;
  /** Who acts (default: the configured operator). */
  actor?: string;
  /**
   * The decision the change carries out: an existing one (`{id}`: the monitor's or a rollout
   * decision, sent through the outbox), or the action of a new decision to record with it (a
   * direct change by an operator).
   */
  decision: { id: number | null } | { action: DecisionAction };
  /** The outbox action carrying this change (its audit row is recorded on it before the call). */
  outboxId?: number;
}

/** Plans, journals, executes and confirms flag changes. */
export class FlagActions {
  private readonly deps: ActionDeps;
  private readonly lock: FlagLock;
  private readonly interrupted: InterruptedChanges;
  constructor(deps: ActionDeps) {
    this.deps = deps;
    this.lock = new FlagLock(deps.leases);
    this.interrupted = new InterruptedChanges(deps);
  }

  /**
   * Runs `fn` holding the flag ({@link FlagLock.hold}): no other change of it, in this process or
   * another, runs meanwhile. `fn` gets whether it had to wait for another change.
   * @throws CoreError CONFLICT when another process held the flag for `FLAG_WAIT_MS`.
   */
  withFlag<T>(ref: FlagRef, fn: (waited: boolean) => Promise<T>): Promise<T> {
    return this.lock.hold(ref, fn);
  }

  /** The operator acting when a call names none. */
  get actor(): string {
    return this.deps.actor;
  }

  private provider(ref: FlagRef): FlagProvider {
    const p = this.deps.providers().get(ref.provider);
    if (!p) throw new CoreError('NOT_FOUND', `provider "${ref.provider}" is not configured`);
    return p;
  }

  /**
   * The flag's current state: fresh from the provider, or the cached copy when the
   * provider is unreachable (`fresh: false`).
   * @throws CoreError NOT_FOUND when neither the provider nor the cache knows the flag.
   */
  private async current(ref: FlagRef): Promise<{ state: FlagState; fresh: boolean }> {
    const provider = this.provider(ref);
    try {
      return { state: await provider.getFlag(ref.environment, ref.key), fresh: true };
    } catch (error) {
      if (error instanceof FlagNotFoundError)
        throw new CoreError(
          'NOT_FOUND',
          `flag "${ref.key}" not found in environment "${ref.environment}" of provider "${ref.provider}"`,
        );
      const cached = error instanceof ProviderError ? this.deps.cache.get(ref) : undefined;
      if (!cached) throw error;
      return { state: cached.state, fresh: false };
    }
  }

  /** What `patch` would change, and the provider requests it takes. Sends nothing. */
  async previewChange(
    ref: FlagRef,
    patch: LayerPatch,
    basis: HistoryEntry | null = null,
    notes: readonly string[] = [],
  ): Promise<ChangePreview> {
    const { state, fresh } = await this.current(ref);
    const after = applyPatch(state.layers, patch);
    const plan = await this.provider(ref).planChange(state, patch, '', this.deps.actor);
    const warning = fresh
      ? []
      : [`provider "${ref.provider}" is unreachable: this preview is from the cached state`];
    return {
      ref,
      before: state.layers,
      after,
      changes: diffLayers(state.layers, after),
      basis,
      description: [...warning, ...notes, ...plan.description],
    };
  }

  /** The patch a rollback makes, and for `revert` the history entry it restores from. */
  async rollbackPatch(
    ref: FlagRef,
    mode: RollbackMode,
  ): Promise<{ patch: LayerPatch; basis: HistoryEntry | null }> {
    if (mode === 'kill') return killPatch(ref, (await this.current(ref)).state);
    return revertPatch(ref, this.deps.history);
  }

  /** Preview of a rollback (kill or revert). */
  async previewRollback(ref: FlagRef, mode: RollbackMode): Promise<ChangePreview> {
    const { patch, basis } = await this.rollbackPatch(ref, mode);
    const { state } = await this.current(ref);
    const notes =
      mode === 'revert' && !state.layers.enabled
        ? [
            `The flag stays ${killSwitchWord(false)}: revert does not touch the kill switch; use Restore to serve it again.`,
          ]
        : [];
    return this.previewChange(ref, patch, basis, notes);
  }

  /**
   * Rolls a flag back: `kill` turns the kill switch to Killed, `revert` restores the last
   * known-good layers. Concurrent identical rollbacks of one flag make one provider write; the
   * others get its result.
   */
  async rollback(ref: FlagRef, mode: RollbackMode, reason: string, actor?: string): Promise<ActionResult> {
    const since = new Date(this.deps.now()).toISOString();
    const { patch } = await this.rollbackPatch(ref, mode);
    return this.withFlag(ref, (waited) =>
      this.applyHeld(
        ref,
        patch,
        reason,
        { kind: mode, actor, decision: { action: mode } },
        waited ? since : null,
      ),
    );
  }

  /** The restore of a killed flag: the exact inverse of its last kill (see {@link restorePlanOf}). */
  async restorePlan(ref: FlagRef): Promise<RestorePlan> {
    return restorePlanOf(ref, (await this.current(ref)).state, this.deps.incidents);
  }

  /** Preview of a restore (see {@link restorePlan}). */
  async previewRestore(ref: FlagRef): Promise<ChangePreview> {
    const { patch, notes } = await this.restorePlan(ref);
    return this.previewChange(ref, patch, null, notes);
  }

  /** Restores a killed flag (see {@link restorePlan}); provider-confirmed, recorded as a `restore` decision. */
  async restore(ref: FlagRef, reason: string, actor?: string): Promise<ActionResult> {
    const since = new Date(this.deps.now()).toISOString();
    const { patch } = await this.restorePlan(ref);
    return this.withFlag(ref, (waited) =>
      this.applyHeld(
        ref,
        patch,
        reason,
        { kind: 'set-layers', actor, decision: { action: 'restore' } },
        waited ? since : null,
      ),
    );
  }

  /** A direct layer change by an operator, recorded as a `kill` or `set` decision. */
  change(ref: FlagRef, patch: LayerPatch, reason: string, actor?: string): Promise<ActionResult> {
    const since = new Date(this.deps.now()).toISOString();
    const action = decisionActionOf(patch);
    return this.withFlag(ref, (waited) =>
      this.applyHeld(
        ref,
        patch,
        reason,
        { kind: action === 'kill' ? 'kill' : 'set-layers', actor, decision: { action } },
        waited ? since : null,
      ),
    );
  }

  /** {@link applyHeld} holding the flag ({@link withFlag}). */
  apply(ref: FlagRef, patch: LayerPatch, reason: string, opts: ApplyOptions): Promise<ActionResult> {
    return this.withFlag(ref, () => this.applyHeld(ref, patch, reason, opts, null));
  }

  /**
   * Applies a change; the caller holds the flag ({@link withFlag}). Journal (audit row `pending`
   * + the decision + for a direct change its in-flight outbox row, one transaction) → send →
   * re-read → write the confirmed state (cache, incidents) and complete the audit row and outbox
   * row. `dedupeSince` (ISO): the request waited for another change of the flag; if the flag
   * already is as asked and a change with exactly this patch succeeded since then, its result is
   * returned and nothing is sent.
   * @throws CoreError (NOT_FOUND, UNSUPPORTED, CONFLICT, PROVIDER_ERROR) — after the
   *   audit row is completed as `failed` when the provider was called; BAD_INPUT when the change
   *   leaves the flag as it is.
   */
  async applyHeld(
    ref: FlagRef,
    patch: LayerPatch,
    reason: string,
    opts: ApplyOptions,
    dedupeSince: string | null,
  ): Promise<ActionResult> {
    const { audit, now, db, journal } = this.deps;
    const actor = opts.actor ?? this.deps.actor;
    const kind = opts.kind ?? 'set-layers';
    const provider = this.provider(ref);
    const { state } = await this.current(ref);
    const after = applyPatch(state.layers, patch);
    const changes = diffLayers(state.layers, after);
    if (!changes.length) {
      const prior = dedupeSince ? audit.lastSucceededWith(ref, patch, dedupeSince) : null;
      if (prior) return { audit: prior, flag: this.deps.fleetRow(ref) };
      throw new CoreError('BAD_INPUT', `the change leaves "${ref.key}" as it is; nothing to do`);
    }
    const plan = await provider.planChange(state, patch, reason, actor);
    const at = new Date(now()).toISOString();
    const { auditId, decisionId, outboxId } = db.transaction(() => {
      const auditId = audit.begin({
        ref,
        at,
        actor,
        action: kind,
        reason,
        patch,
        request: plan.requests,
        before: state.layers,
      });
      if ('id' in opts.decision) {
        if (opts.outboxId !== undefined) journal.setActionAudit(opts.outboxId, auditId);
        return { auditId, decisionId: opts.decision.id, outboxId: null };
      }
      const ctx = this.deps.context(ref);
      const id = journal.addDecision({
        at,
        flag: ref,
        stageIndex: ctx.stageIndex,
        stageName: ctx.stageName,
        actor,
        action: opts.decision.action,
        rule: 'operator',
        rationale: `${actor} ${decisionVerb(opts.decision.action)} ${ref.key} (${changesWords(changes)}): ${reason}`,
        inputs: {
          guardrails: ctx.guardrails,
          gate: ctx.gate,
          plan: ctx.plan,
          change: { before: state.layers, patch },
        },
      });
      journal.linkAudit(id, auditId);
      // The direct change is journaled like the outbox's actions, in flight and claimed by this
      // process: should it die mid-call, the monitor's process reconciles it (re-read; confirm or
      // send once more) when the claim expires.
      const row = journal.enqueue({
        flag: ref,
        kind: 'flag-change',
        payload: { patch, reason, action: kind, purpose: 'direct', actor, auditId },
        idempotencyKey: `direct:audit:${auditId}`,
        decisionId: id,
        at: now(),
        claim: { owner: this.deps.leases.owner, untilMs: now() + DIRECT_CLAIM_MS },
        inFlight: true,
      });
      journal.linkDecision(id, row.id);
      journal.setActionAudit(row.id, auditId);
      return { auditId, decisionId: id, outboxId: row.id };
    })();
    // A decision recorded here (not one carried out for the outbox) is pushed to every window.
    const recorded = 'id' in opts.decision ? null : decisionId;
    if (recorded !== null) this.emitDecision(recorded);
    let response: unknown = null;
    let accepted = false;
    /** The error of a write whose answer was lost (re-read to see whether it was applied). */
    let lost: unknown = null;
    let confirmed: FlagState;
    try {
      try {
        response = (await provider.executePlan(plan, reason, actor)).responses;
        accepted = true;
        confirmed = await provider.getFlag(ref.environment, ref.key);
      } catch (error) {
        // The write was accepted but the re-read failed, or the write got no answer: whether the
        // change is there is unknown — read once more before calling it failed.
        if (!accepted && !mayHaveReached(error)) throw error;
        lost = accepted ? null : error;
        const again = await provider.getFlag(ref.environment, ref.key).catch(() => null);
        if (again) confirmed = again;
        else if (outboxId !== null) throw new OutcomeUnknown(error);
        else throw error;
      }
      if (!confirmsPatch(confirmed.layers, patch)) {
        throw new ProviderError(
          lost === null
            ? `the provider accepted the change but re-reading "${ref.key}" shows ${JSON.stringify(confirmed.layers)}`
            : `${toApiError(lost).message}; re-reading "${ref.key}" shows it was not applied: ${JSON.stringify(confirmed.layers)}`,
        );
      }
      const completedAt = new Date(now()).toISOString();
      db.transaction(() => {
        this.deps.confirmed.write(confirmed, completedAt, {
          source: 'app',
          actor,
          reason,
          decisionId,
          freshBefore: state.layers,
        });
        audit.end(auditId, {
          status: 'succeeded',
          response,
          error: null,
          confirmed: confirmed.layers,
          completedAt,
        });
        if (outboxId !== null) journal.markConfirmed(outboxId, completedAt, auditId);
      })();
    } catch (error) {
      if (error instanceof OutcomeUnknown && outboxId !== null) {
        // Neither confirmed nor refused: the audit row stays pending and the journal row in
        // flight, its claim given up, so the monitor's process reconciles it now (re-read →
        // confirmed, or sent once more) — as after a crash mid-call.
        const message = toApiError(error.cause).message;
        journal.releaseInFlight(outboxId, message);
        this.deps.onChanged('action-failed');
        throw new CoreError(
          'PROVIDER_ERROR',
          `${message}; whether the change reached the provider is unknown — it is reconciled by re-reading "${ref.key}" (audit #${auditId}: pending)`,
          { cause: error.cause },
        );
      }
      const message = toApiError(error).message;
      db.transaction(() => {
        audit.end(auditId, {
          status: 'failed',
          response,
          error: message,
          confirmed: null,
          completedAt: new Date(now()).toISOString(),
        });
        if (outboxId !== null) journal.markFailed(outboxId, message, auditId);
      })();
      if (recorded !== null) this.emitDecision(recorded);
      this.deps.onChanged('action-failed');
      const code = error instanceof ConflictError ? 'CONFLICT' : toApiError(error).code;
      throw new CoreError(
        code === 'INTERNAL' ? 'PROVIDER_ERROR' : code,
        `${message} (audit #${auditId}: failed)`,
        { cause: error },
      );
    }
    await this.recordHistory(provider, ref, auditId, state, patch);
    if (recorded !== null) this.emitDecision(recorded);
    this.deps.onChanged('action');
    return { audit: audit.get(auditId), flag: this.deps.fleetRow(ref) };
  }

  /** See {@link InterruptedChanges.observeConfirmed}. */
  observeConfirmed(
    state: FlagState,
    cause: { actor: string; reason: string; decisionId: number | null },
  ): void {
    this.interrupted.observeConfirmed(state, cause);
  }

  /** See {@link InterruptedChanges.closeInterrupted}. */
  closeInterrupted(auditId: number, confirmed: FlagLayers | null, note: string): void {
    this.interrupted.closeInterrupted(auditId, confirmed, note);
  }

  /** See {@link InterruptedChanges.closeAbandoned}; returns how many audit rows were completed. */
  closeAbandoned(): number {
    return this.interrupted.closeAbandoned();
  }

  private emitDecision(id: number): void {
    const record = this.deps.journal.decision(id);
    if (record) this.deps.onDecision(record);
  }

  /** Pulls the provider's new events (not a full sync) so the change lands in history linked to its audit row. */
  private async recordHistory(
    provider: FlagProvider,
    ref: FlagRef,
    auditId: number,
    before: FlagState,
    patch: LayerPatch,
  ): Promise<void> {
    if (provider.capabilities().history) {
      await this.deps.sync.syncHistory(provider.name);
      return;
    }
    const entry = this.deps.audit.get(auditId);
    this.deps.history.add({
      ...ref,
      at: entry.completedAt ?? entry.at,
      actor: entry.actor,
      source: 'app',
      providerEventId: null,
      eventType: entry.action,
      changes: diffLayers(before.layers, applyPatch(before.layers, patch)),
      auditId,
    });
  }
}
