/**
 * Changes to flags, including one-click rollback.
 *
 * Every action: read the flag fresh from the provider (falling back to the
 * cached state when the provider is unreachable, so the attempt is still made
 * and audited), plan the provider requests, journal them as a `pending` audit
 * row, send them, re-read the provider and record the CONFIRMED state. Nothing
 * is reported as done that the provider did not confirm.
 */
import type { ActionResult, ChangePreview, RollbackMode } from '../../../shared/contract.ts';
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
import type { AuditStore } from '../store/audit-store.ts';
import type { FlagCache } from '../store/flag-cache.ts';
import { REVERTIBLE_LAYERS, type HistoryStore } from '../store/history-store.ts';
import type { SyncService } from '../sync/sync-service.ts';

export interface ActionDeps {
  providers: () => ReadonlyMap<string, FlagProvider>;
  cache: FlagCache;
  history: HistoryStore;
  audit: AuditStore;
  sync: SyncService;
  actor: string;
  now: () => number;
  /** Builds the fleet row of a flag from the cache (freshness, last change). */
  fleetRow: (ref: FlagRef) => FleetRow;
  onChanged: (reason: string) => void;
}

/** True when the re-read layers hold every value the patch asked for. */
function confirmsPatch(layers: FlagLayers, patch: LayerPatch): boolean {
  return Object.entries(patch).every(
    ([k, v]) => JSON.stringify((layers as Record<string, unknown>)[k]) === JSON.stringify(v),
  );
}

/** Plans, journals, executes and confirms flag changes. */
export class FlagActions {
  private readonly deps: ActionDeps;
  constructor(deps: ActionDeps) {
    this.deps = deps;
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
      description: [...warning, ...plan.description],
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
        throw new CoreError('BAD_INPUT', `flag "${ref.key}" in ${ref.environment} is already off (killed)`);
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
    return this.previewChange(ref, patch, basis);
  }

  /** Rolls a flag back: `kill` turns it off, `revert` restores the last known-good layers. */
  async rollback(ref: FlagRef, mode: RollbackMode, reason: string): Promise<ActionResult> {
    const { patch } = await this.rollbackPatch(ref, mode);
    return this.apply(ref, patch, reason, mode);
  }

  /**
   * Applies a change: journal → send → re-read → record.
   * @throws CoreError (NOT_FOUND, UNSUPPORTED, CONFLICT, PROVIDER_ERROR) — after the
   *   audit row is completed as `failed` when the provider was called.
   */
  async apply(
    ref: FlagRef,
    patch: LayerPatch,
    reason: string,
    action: ActionKind = 'set-layers',
  ): Promise<ActionResult> {
    const { audit, cache, now, actor } = this.deps;
    const provider = this.provider(ref);
    const { state } = await this.current(ref);
    const after = applyPatch(state.layers, patch);
    if (!diffLayers(state.layers, after).length)
      throw new CoreError('BAD_INPUT', `the change leaves "${ref.key}" as it is; nothing to do`);
    const plan = await provider.planChange(state, patch, reason, actor);
    const auditId = audit.begin({
      ref,
      at: new Date(now()).toISOString(),
      actor,
      action,
      reason,
      patch,
      request: plan.requests,
      before: state.layers,
    });
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
      cache.put(confirmed, completedAt);
      audit.end(auditId, {
        status: 'succeeded',
        response,
        error: null,
        confirmed: confirmed.layers,
        completedAt,
      });
    } catch (error) {
      const message = toApiError(error).message;
      audit.end(auditId, {
        status: 'failed',
        response,
        error: message,
        confirmed: null,
        completedAt: new Date(now()).toISOString(),
      });
      this.deps.onChanged('action-failed');
      const code = error instanceof ConflictError ? 'CONFLICT' : toApiError(error).code;
      throw new CoreError(
        code === 'INTERNAL' ? 'PROVIDER_ERROR' : code,
        `${message} (audit #${auditId}: failed)`,
        { cause: error },
      );
    }
    await this.recordHistory(provider, ref, auditId, state, patch);
    this.deps.onChanged('action');
    return { audit: audit.get(auditId), flag: this.deps.fleetRow(ref) };
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
