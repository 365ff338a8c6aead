/**
 * The flag changes a rollout sends: the patch that applies a stage, and the patch of a rollback
 * (kill, previous stage, or a revert from the flag's history).
 */
import type { ActionKind, FlagRef, LayerPatch } from '../../../shared/domain.ts';
import type { RollbackTarget } from '../../../shared/guardrails.ts';
import type { Stage } from '../../../shared/rollout-plans.ts';
import { stagePlaceholders } from '../../../shared/rollout-templates.ts';
import { CoreError } from '../errors.ts';
import type { RolloutContext } from './rollout-context.ts';

/** A rollback's patch, the kind of action it is, and a note for the rationale. */
export interface RollbackPatch {
  patch: LayerPatch;
  action: ActionKind;
  /** What the patch does, e.g. `kill switch to Killed`. */
  note: string;
}

/** Computes the patches of stages and rollbacks (sends nothing). */
export class StagePatches {
  private readonly ctx: RolloutContext;

  constructor(ctx: RolloutContext) {
    this.ctx = ctx;
  }

  /**
   * The patch that applies `stage` (rollout %, allow-list audience added to the flag's; always
   * Serving). `index` (0-based) only names the stage in the error.
   * @throws CoreError BAD_INPUT when the stage's allow-list holds a template placeholder (`{{…}}`):
   *   no placeholder ever reaches a provider.
   */
  stagePatch(flag: FlagRef, stage: Stage, index?: number): LayerPatch {
    const placeholders = stagePlaceholders(stage);
    if (placeholders.length)
      throw new CoreError(
        'BAD_INPUT',
        `stage ${index === undefined ? '' : `${index + 1} `}"${stage.name}": the allow-list holds the template placeholder ${placeholders
          .map((k) => `"${k}"`)
          .join(', ')}; replace it with real targeting keys in the plan before this stage is applied`,
      );
    const patch: LayerPatch = { enabled: true, rolloutPercent: stage.targetPercent };
    if (stage.audience.type === 'allow-list') {
      const current = this.ctx.d.cachedLayers(flag)?.allowList ?? [];
      patch.allowList = [...new Set([...current, ...stage.audience.keys])];
    }
    return patch;
  }

  /**
   * The patch of a rollback to `target`; `revert` falls back to kill when history has nothing to
   * restore.
   * @throws the flag actions' errors other than BAD_INPUT (e.g. a provider that cannot be read).
   */
  async rollbackPatch(flag: FlagRef, target: RollbackTarget): Promise<RollbackPatch> {
    if (target === 'kill')
      return { patch: { enabled: false }, action: 'kill', note: 'kill switch to Killed' };
    if (target === 'previous-stage') {
      const plan = this.ctx.store.plan(flag);
      const state = this.ctx.store.state(flag);
      const prev = plan && state && state.stageIndex > 0 ? plan.stages[state.stageIndex - 1] : undefined;
      return prev
        ? {
            patch: { rolloutPercent: prev.targetPercent },
            action: 'revert',
            note: `back to stage "${prev.name}" (${prev.targetPercent} %)`,
          }
        : { patch: { rolloutPercent: 0 }, action: 'revert', note: 'back to 0 % (no earlier stage)' };
    }
    try {
      const { patch } = await this.ctx.d.actions.rollbackPatch(flag, 'revert');
      return { patch, action: 'revert', note: `restore ${JSON.stringify(patch)} from history` };
    } catch (error) {
      if (error instanceof CoreError && error.code === 'BAD_INPUT')
        return {
          patch: { enabled: false },
          action: 'kill',
          note: `kill switch to Killed (nothing to revert to: ${error.message})`,
        };
      throw error;
    }
  }
}
