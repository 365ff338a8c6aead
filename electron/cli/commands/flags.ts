/** Reading commands: `rcr flags list`, `rcr flag show`, `rcr history`, `rcr sync`. */
import {
  age,
  openCliCore,
  printJson,
  refOf,
  resolveFlag,
  show,
  syncFirst,
  unwrap,
  type GlobalOptions,
} from '../cli-context.ts';
import { toFlagJson } from '../flag-json.ts';

/** Narrows a command to one provider and/or environment (`--provider P`, `--env E`). */
export interface Where {
  provider?: string;
  env?: string;
}

/** `rcr flags list [--provider P] [--env E] [--json] [--offline]`. */
export async function flagsListCommand(g: GlobalOptions, w: Where): Promise<number> {
  const core = await openCliCore(g);
  try {
    await syncFirst(core, g, w.provider);
    const rows = core.fleet({ provider: w.provider, environment: w.env });
    if (g.json) printJson(rows.map(toFlagJson));
    else {
      process.stdout.write('PROVIDER\tENV\tKEY\tSWITCH\tROLLOUT\tTHRESHOLD\tMODEL\tSTALE\n');
      for (const r of rows)
        process.stdout.write(
          [
            r.provider,
            r.environment,
            r.key,
            show(r.layers.enabled, 'enabled'),
            show(r.layers.rolloutPercent, 'rolloutPercent'),
            show(r.layers.confidenceThreshold),
            show(r.layers.modelVersion),
            r.stale ? `stale · ${age(r.syncedAt)}` : '',
          ].join('\t') + '\n',
        );
    }
    return 0;
  } finally {
    await core.close();
  }
}

/** `rcr flag show KEY [--provider P] [--env E] [--json]`. */
export async function flagShowCommand(g: GlobalOptions, key: string, w: Where): Promise<number> {
  const core = await openCliCore(g);
  try {
    await syncFirst(core, g, w.provider);
    const row = resolveFlag(core, key, w.provider, w.env);
    const detail = unwrap(await core.invoke('flag.get', refOf(row)));
    if (g.json)
      printJson({ ...toFlagJson(detail.flag), variants: detail.flag.variants, native: detail.flag.native });
    else {
      const l = row.layers;
      process.stdout.write(
        `${row.key} (${row.name}) — ${row.provider}/${row.environment}${row.stale ? `  [stale · ${age(row.syncedAt)}]` : ''}\n` +
          `  kill switch          ${show(l.enabled, 'enabled')}\n` +
          `  rollout              ${show(l.rolloutPercent, 'rolloutPercent')}\n` +
          `  confidence threshold ${show(l.confidenceThreshold)}\n` +
          `  model version        ${show(l.modelVersion)}\n` +
          `  allow list           ${show(l.allowList)}\n` +
          `  block list           ${show(l.blockList)}\n`,
      );
    }
    return 0;
  } finally {
    await core.close();
  }
}

/** `rcr history KEY [--provider P] [--env E] [--json]`. */
export async function historyCommand(g: GlobalOptions, key: string, w: Where): Promise<number> {
  const core = await openCliCore(g);
  try {
    await syncFirst(core, g, w.provider);
    const row = resolveFlag(core, key, w.provider, w.env);
    const { history } = unwrap(await core.invoke('flag.get', refOf(row)));
    if (g.json) printJson(history);
    else
      for (const h of history)
        process.stdout.write(
          `${h.at}  ${h.actor ?? '?'}  [${h.source}] ${h.changes
            .map((c) => `${c.layer}: ${show(c.before, c.layer)} → ${show(c.after, c.layer)}`)
            .join('; ')}\n`,
        );
    return 0;
  } finally {
    await core.close();
  }
}

/** `rcr sync [--provider P]`: exit code 1 when any provider failed. */
export async function syncCommand(g: GlobalOptions, w: Where): Promise<number> {
  const core = await openCliCore(g);
  try {
    const outcomes = w.provider ? [await core.sync.syncProvider(w.provider)] : await core.sync.syncAll();
    if (g.json) printJson(outcomes);
    else
      for (const o of outcomes)
        process.stdout.write(
          o.ok
            ? `${o.provider}: ${o.flags} flags, ${o.newHistory} new history entries (${Math.round(o.ms)} ms)\n`
            : `${o.provider}: FAILED — ${o.error}\n`,
        );
    return outcomes.every((o) => o.ok) ? 0 : 1;
  } finally {
    await core.close();
  }
}
