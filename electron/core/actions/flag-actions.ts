/**
 * Changes to flags: set layers, one-click rollback (kill or revert) and restore.
 *
 * Every action: read the flag fresh from the provider (falling back to the
 * cached state when the provider is unreachable, so the attempt is still made
 * and audited), plan the provider requests, journal them as a `pending` audit
 * row together with the decision record (actor, action, reason, inputs) in one
 * transaction, send them, re-read the provider and write the CONFIRMED state
 * through {@link ConfirmedState} (cache, incidents). Nothing is reported as done
 * that the provider did not confirm.
 */
import type { ActionResult, ChangePreview, RollbackMode } from '../../../shared/contract.ts';
import { changesWords, killSwitchWord, layersWords } from '../../../shared/layer-words.ts';
import { utcWords } from '../../../shared/time-words.ts';
import type { DecisionAction, DecisionRecord } from '../../../shared/rollout.ts';
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
import type { IncidentStore } from '../incidents/incident-store.ts';
import type { JournalStore } from '../rollout/journal-store.ts';
import type { AuditStore } from '../store/audit-store.ts';
import type { FlagCache } from '../store/flag-cache.ts';
import { REVERTIBLE_LAYERS, type HistoryStore } from '../store/history-store.ts';
import type { SyncService } from '../sync/sync-service.ts';
import type { ConfirmedState, DecisionContext } from './confirmed-state.ts';

export interface ActionDeps {
  db: Db;
  providers: () => ReadonlyMap<string, FlagProvider>;
  cache: FlagCache;
  history: HistoryStore;
  audit: AuditStore;
  journal: JournalStore;
  incidents: IncidentStore;
  confirmed: ConfirmedState;
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
}

/** A restore: the patch, and where its values come from. */
export interface RestorePlan {
  patch: LayerPatch;
  /** Lines for the preview (what the layers come from). */
  notes: string[];
}

/** True when the re-read layers hold every value the patch asked for. */
function confirmsPatch(layers: FlagLayers, patch: LayerPatch): boolean {
  return Object.entries(patch).every(
    ([k, v]) => JSON.stringify((layers as Record<string, unknown>)[k]) === JSON.stringify(v),
  );
}

/** The decision action of a direct layer change: `kill` when it only turns the kill switch to Killed. */
export function decisionActionOf(patch: LayerPatch): DecisionAction {
  return patch.enabled === false && Object.keys(patch).length === 1 ? 'kill' : 'set';
}

const VERB: Partial<Record<DecisionAction, string>> = {
  kill: 'killed',
  restore: 'restored',
  revert: 'reverted',
  set: 'changed',
};

/** Plans, journals, executes and confirms flag changes. */
export class FlagActions {
  private readonly deps: ActionDeps;
  constructor(deps: ActionDeps) {
    this.deps = deps;
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
    if (mode === 'kill') {
      const { state } = await this.current(ref);
      if (!state.layers.enabled)
        throw new CoreError(
          'BAD_INPUT',
          `flag "${ref.key}" in ${ref.environment} is already Killed; use restore to serve it again`,
        );
      return { patch: { enabled: false }, basis: null };
    }
    const basis = this.deps.history.lastRevertible(ref);
    if (!basis)
      throw new CoreError(
        'BAD_INPUT',
        `no earlier rollout %, threshold or model version of "${ref.key}" in history to revert to; use kill instead`,
      );
    const patch: Record<string, unknown> = {};
    for (const c of basis.changes) {
      if (REVERTIBLE_LAYERS.has(c.layer) && c.before !== null && c.before !== undefined)
        patch[c.layer] = c.before;
    }
    if (!Object.keys(patch).length)
      throw new CoreError(
        'BAD_INPUT',
        `the last change of "${ref.key}" has no earlier value to restore; use kill`,
      );
    return { patch: patch as LayerPatch, basis };
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

  /** Rolls a flag back: `kill` turns the kill switch to Killed, `revert` restores the last known-good layers. */
  async rollback(ref: FlagRef, mode: RollbackMode, reason: string, actor?: string): Promise<ActionResult> {
    const { patch } = await this.rollbackPatch(ref, mode);
    return this.apply(ref, patch, reason, { kind: mode, actor, decision: { action: mode } });
  }

  /**
   * The exact inverse of the flag's last kill: Serving again, with every layer as the provider
   * confirmed it immediately before the kill (kept on the open incident that holds the kill). When
   * no kill was recorded (the flag was already Killed when the control room first read it), only
   * the kill switch is turned back to Serving, and the notes say so.
   * @throws CoreError BAD_INPUT when the flag is not Killed.
   */
  async restorePlan(ref: FlagRef): Promise<RestorePlan> {
    const { state } = await this.current(ref);
    if (state.layers.enabled)
      throw new CoreError(
        'BAD_INPUT',
        `flag "${ref.key}" in ${ref.environment} is not killed (kill switch ${killSwitchWord(true)}): nothing to restore`,
      );
    const open = this.deps.incidents.openOf(ref);
    const pre = open?.killed ? open.layersBeforeKill : null;
    const patch: Record<string, unknown> = { enabled: true };
    if (!pre)
      return {
        patch: { enabled: true },
        notes: [
          `No kill of "${ref.key}" was recorded by the control room (it was already ${killSwitchWord(false)} when first read): only the kill switch is turned back to ${killSwitchWord(true)}.`,
        ],
      };
    const current = state.layers as Record<string, unknown>;
    for (const [layer, value] of Object.entries(pre)) {
      if (layer === 'enabled' || value === null) continue;
      if (JSON.stringify(current[layer]) !== JSON.stringify(value)) patch[layer] = value;
    }
    return {
      patch: patch as LayerPatch,
      notes: [
        `Restores the layers confirmed right before the kill of incident #${open!.id} (opened ${utcWords(open!.openedAt)} by ${open!.openedBy}): ${layersWords(pre)}.`,
      ],
    };
  }

  /** Preview of a restore (see {@link restorePlan}). */
  async previewRestore(ref: FlagRef): Promise<ChangePreview> {
    const { patch, notes } = await this.restorePlan(ref);
    return this.previewChange(ref, patch, null, notes);
  }

  /** Restores a killed flag (see {@link restorePlan}); provider-confirmed, recorded as a `restore` decision. */
  async restore(ref: FlagRef, reason: string, actor?: string): Promise<ActionResult> {
    const { patch } = await this.restorePlan(ref);
    return this.apply(ref, patch, reason, { kind: 'set-layers', actor, decision: { action: 'restore' } });
  }

  /** A direct layer change by an operator, recorded as a `kill` or `set` decision. */
  change(ref: FlagRef, patch: LayerPatch, reason: string, actor?: string): Promise<ActionResult> {
    const action = decisionActionOf(patch);
    return this.apply(ref, patch, reason, {
      kind: action === 'kill' ? 'kill' : 'set-layers',
      actor,
      decision: { action },
    });
  }

  /**
   * Applies a change: journal (audit row `pending` + the decision, one transaction) → send →
   * re-read → write the confirmed state (cache, incidents) and complete the audit row.
   * @throws CoreError (NOT_FOUND, UNSUPPORTED, CONFLICT, PROVIDER_ERROR) — after the
   *   audit row is completed as `failed` when the provider was called; BAD_INPUT when the change
   *   leaves the flag as it is.
   */
  async apply(ref: FlagRef, patch: LayerPatch, reason: string, opts: ApplyOptions): Promise<ActionResult> {
    const { audit, now, db, journal } = this.deps;
    const actor = opts.actor ?? this.deps.actor;
    const kind = opts.kind ?? 'set-layers';
    const provider = this.provider(ref);
    const { state } = await this.current(ref);
    const after = applyPatch(state.layers, patch);
    const changes = diffLayers(state.layers, after);
    if (!changes.length)
      throw new CoreError('BAD_INPUT', `the change leaves "${ref.key}" as it is; nothing to do`);
    const plan = await provider.planChange(state, patch, reason, actor);
    const at = new Date(now()).toISOString();
    const { auditId, decisionId } = db.transaction(() => {
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
      if ('id' in opts.decision) return { auditId, decisionId: opts.decision.id };
      const ctx = this.deps.context(ref);
      const id = journal.addDecision({
        at,
        flag: ref,
        stageIndex: ctx.stageIndex,
        stageName: ctx.stageName,
        actor,
        action: opts.decision.action,
        rule: 'operator',
        rationale: `${actor} ${VERB[opts.decision.action] ?? opts.decision.action} ${ref.key} (${changesWords(changes)}): ${reason}`,
        inputs: {
          guardrails: ctx.guardrails,
          gate: ctx.gate,
          plan: ctx.plan,
          change: { before: state.layers, patch },
        },
      });
      journal.linkAudit(id, auditId);
      return { auditId, decisionId: id };
    })();
    // A decision recorded here (not one carried out for the outbox) is pushed to every window.
    const recorded = 'id' in opts.decision ? null : decisionId;
    if (recorded !== null) this.emitDecision(recorded);
    let response: unknown = null;
    try {
      response = (await provider.executePlan(plan, reason, actor)).responses;
      const confirmed = await provider.getFlag(ref.environment, ref.key);
      if (!confirmsPatch(confirmed.layers, patch)) {
        throw new ProviderError(
          `the provider accepted the change but re-reading "${ref.key}" shows ${JSON.stringify(confirmed.layers)}`,
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
      })();
    } catch (error) {
      const message = toApiError(error).message;
      audit.end(auditId, {
        status: 'failed',
        response,
        error: message,
        confirmed: null,
        completedAt: new Date(now()).toISOString(),
      });
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
