/**
 * `rcr decisions [--flag KEY [--provider P] [--env E]] [--since ISO] [--action A] [--format csv|json]`:
 * the monitor's decision log (`decisions.list` / `decisions.export`). With `--format` the export
 * document is printed as is (oldest first, for audit); without it, one line per decision, newest first.
 */
import type { FlagRef } from '../../../shared/domain.ts';
import { DecisionActionSchema, type DecisionAction } from '../../../shared/decisions.ts';
import {
  openCliCore,
  printJson,
  refOf,
  resolveFlag,
  unwrap,
  UsageError,
  type GlobalOptions,
} from '../cli-context.ts';

/** Options of `rcr decisions` (see the module docs); `since` is an ISO time, `format` `csv` or `json`. */
export interface DecisionsArgs {
  flag?: string;
  provider?: string;
  env?: string;
  since?: string;
  action?: string;
  format?: string;
}

/**
 * Runs `rcr decisions`; returns the exit code.
 * @throws UsageError for a bad `--format`, `--action` or `--since`; the error of {@link resolveFlag}
 * for `--flag` unless both `--provider` and `--env` are given; CoreError when the core refuses a call.
 */
export async function decisionsCommand(g: GlobalOptions, a: DecisionsArgs): Promise<number> {
  if (a.format && a.format !== 'csv' && a.format !== 'json')
    throw new UsageError(`decisions: --format must be csv or json, got "${a.format}"`);
  if (a.action && !DecisionActionSchema.safeParse(a.action).success)
    throw new UsageError(`decisions: --action must be one of ${DecisionActionSchema.options.join(', ')}`);
  if (a.since && Number.isNaN(Date.parse(a.since)))
    throw new UsageError(`decisions: --since must be an ISO time, got "${a.since}"`);
  const since = a.since ? new Date(a.since).toISOString() : undefined;
  const core = await openCliCore(g);
  try {
    let flag: FlagRef | undefined;
    if (a.flag) {
      try {
        flag = refOf(resolveFlag(core, a.flag, a.provider, a.env));
      } catch (error) {
        if (!(a.provider && a.env)) throw error;
        flag = { provider: a.provider, environment: a.env, key: a.flag };
      }
    }
    const action = a.action as DecisionAction | undefined;
    if (a.format === 'csv' || a.format === 'json') {
      const out = unwrap(await core.invoke('decisions.export', { flag, since, action, format: a.format }));
      process.stdout.write(out.content);
      return 0;
    }
    const rows = unwrap(await core.invoke('decisions.list', { flag, since, action, limit: 500 }));
    if (g.json) {
      printJson(rows);
      return 0;
    }
    if (!rows.length) process.stdout.write('no decisions recorded\n');
    for (const d of rows)
      process.stdout.write(
        `#${d.id} ${d.at}  ${d.flag.provider}/${d.flag.environment}/${d.flag.key}  ${d.actor}  ${d.action.toUpperCase()}${d.outbox ? ` [action #${d.outbox.id} ${d.outbox.status}]` : ''}\n    ${d.rationale}\n`,
      );
    return 0;
  } finally {
    await core.close();
  }
}
