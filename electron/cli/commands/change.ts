/** Changing commands: `rcr rollback`, `rcr restore` and `rcr flag set`. Each previews, asks (or needs --yes), then acts. */
import type { ActionResult, ChangePreview } from '../../../shared/flag-actions.ts';
import type { LayerPatch } from '../../../shared/domain.ts';
import {
  confirm,
  openCliCore,
  printJson,
  refOf,
  resolveFlag,
  show,
  syncFirst,
  unwrap,
  UsageError,
  type GlobalOptions,
} from '../cli-context.ts';
import { toFlagJson } from '../flag-json.ts';
import type { Where } from './flags.ts';

/** Prints a change's before → after per layer and what the provider will be asked to do, to stderr. */
export function printPreview(p: ChangePreview): void {
  process.stderr.write(`About to change ${p.ref.key} in ${p.ref.provider}/${p.ref.environment}:\n`);
  for (const c of p.changes)
    process.stderr.write(`  ${c.layer}: ${show(c.before, c.layer)} → ${show(c.after, c.layer)}\n`);
  if (p.basis)
    process.stderr.write(
      `  (restoring the values from before history entry #${p.basis.id}, ${p.basis.at})\n`,
    );
  for (const d of p.description) process.stderr.write(`  · ${d}\n`);
}

/** Prints the preview, then asks on a terminal; without one, `--yes` is required. */
export async function confirmOrRefuse(yes: boolean, preview: ChangePreview): Promise<void> {
  printPreview(preview);
  if (yes) return;
  if (!process.stdin.isTTY) throw new UsageError('not a terminal: pass --yes to confirm the change');
  if (!(await confirm('Proceed?'))) throw new UsageError('cancelled');
}

/** `rcr rollback KEY --reason TEXT [--mode kill|revert] [--provider P] [--env E] [--yes]`. */
export async function rollbackCommand(
  g: GlobalOptions,
  key: string,
  w: Where & { mode?: string; reason?: string; yes: boolean },
): Promise<number> {
  const mode = w.mode ?? 'kill';
  if (mode !== 'kill' && mode !== 'revert')
    throw new UsageError(`--mode must be kill or revert, not "${mode}"`);
  if (!w.reason) throw new UsageError('rollback: --reason TEXT is required (it goes into the audit log)');
  const core = await openCliCore(g);
  try {
    await syncFirst(core, g, w.provider);
    const ref = refOf(resolveFlag(core, key, w.provider, w.env));
    await confirmOrRefuse(w.yes, unwrap(await core.invoke('flag.previewRollback', { ref, mode })));
    const result = unwrap(await core.invoke('flag.rollback', { ref, mode, reason: w.reason }));
    if (g.json) printJson({ audit: result.audit, flag: toFlagJson(result.flag) });
    else process.stdout.write(`rolled back (${mode}); ${confirmedWords(result)}\n`);
    return 0;
  } finally {
    await core.close();
  }
}

/** `provider confirms: kill switch Serving, rollout 10%, … (audit #N)`. */
function confirmedWords(result: ActionResult): string {
  const l = result.flag.layers;
  return `provider confirms: kill switch ${show(l.enabled, 'enabled')}, rollout ${show(
    l.rolloutPercent,
    'rolloutPercent',
  )}, threshold ${show(l.confidenceThreshold)}, model ${show(l.modelVersion)} (audit #${result.audit.id})`;
}

/**
 * `rcr restore KEY --reason TEXT [--provider P] [--env E] [--yes] [--json]`: the inverse of the
 * flag's last kill — Serving again with every layer as before the kill; refused when the flag is
 * not Killed.
 */
export async function restoreCommand(
  g: GlobalOptions,
  key: string,
  w: Where & { reason?: string; yes: boolean },
): Promise<number> {
  if (!w.reason) throw new UsageError('restore: --reason TEXT is required (it goes into the audit log)');
  const core = await openCliCore(g);
  try {
    await syncFirst(core, g, w.provider);
    const ref = refOf(resolveFlag(core, key, w.provider, w.env));
    await confirmOrRefuse(w.yes, unwrap(await core.invoke('flag.previewRestore', { ref })));
    const result = unwrap(await core.invoke('flag.restore', { ref, reason: w.reason }));
    if (g.json) printJson({ audit: result.audit, flag: toFlagJson(result.flag) });
    else process.stdout.write(`restored; ${confirmedWords(result)}\n`);
    return 0;
  } finally {
    await core.close();
  }
}

/** Parses `--rollout/--threshold/--model/--enabled` into a patch; numbers are validated by the contract. */
export function patchFromArgs(a: {
  rollout?: string;
  threshold?: string;
  model?: string;
  enabled?: string;
}): LayerPatch {
  const patch: Record<string, unknown> = {};
  const num = (name: string, v: string): number => {
    const n = Number(v);
    if (v.trim() === '' || Number.isNaN(n)) throw new UsageError(`--${name} must be a number, not "${v}"`);
    return n;
  };
  if (a.rollout !== undefined) patch.rolloutPercent = num('rollout', a.rollout);
  if (a.threshold !== undefined) patch.confidenceThreshold = num('threshold', a.threshold);
  if (a.model !== undefined) patch.modelVersion = a.model;
  if (a.enabled !== undefined) {
    if (a.enabled !== 'true' && a.enabled !== 'false')
      throw new UsageError('--enabled must be true or false');
    patch.enabled = a.enabled === 'true';
  }
  if (!Object.keys(patch).length)
    throw new UsageError('flag set: give at least one of --rollout, --threshold, --model, --enabled');
  return patch as LayerPatch;
}

/** `rcr flag set KEY [--rollout N] [--threshold T] [--model V] [--enabled true|false] --reason TEXT [--yes]`. */
export async function flagSetCommand(
  g: GlobalOptions,
  key: string,
  w: Where & {
    reason?: string;
    yes: boolean;
    rollout?: string;
    threshold?: string;
    model?: string;
    enabled?: string;
  },
): Promise<number> {
  const patch = patchFromArgs(w);
  if (!w.reason) throw new UsageError('flag set: --reason TEXT is required (it goes into the audit log)');
  const core = await openCliCore(g);
  try {
    await syncFirst(core, g, w.provider);
    const ref = refOf(resolveFlag(core, key, w.provider, w.env));
    await confirmOrRefuse(w.yes, unwrap(await core.invoke('flag.previewChange', { ref, patch })));
    const result = unwrap(await core.invoke('flag.applyChange', { ref, patch, reason: w.reason }));
    if (g.json) printJson({ audit: result.audit, flag: toFlagJson(result.flag) });
    else process.stdout.write(`changed; provider confirms the new state (audit #${result.audit.id})\n`);
    return 0;
  } finally {
    await core.close();
  }
}
