/** `rcr providers add|list|remove`: edits the config file (tokens are never stored, only the variable name). */
import { dataPaths } from '../../core/data-dir.ts';
import { ConfigSchema, loadConfig, saveConfig, type ProviderConfig } from '../../core/config.ts';
import { describeZodError } from '../../../shared/zod-errors.ts';
import { openCliCore, printJson, UsageError, type GlobalOptions } from '../cli-context.ts';
import { CoreError } from '../../core/errors.ts';

/**
 * Options of `rcr providers list|add|remove`: `kind` is the word after the subcommand (the provider's
 * name for `remove`); the other fields are the options of `add`.
 */
export interface ProvidersArgs {
  sub: string | undefined;
  kind: string | undefined;
  name?: string;
  url?: string;
  tokenEnv?: string;
  project?: string;
  env?: string[];
}

/** Runs a `providers` subcommand; returns the exit code. */
export async function providersCommand(g: GlobalOptions, a: ProvidersArgs): Promise<number> {
  const file = dataPaths(g.dataDir).config;
  if (a.sub === 'list') {
    const core = await openCliCore(g);
    try {
      const statuses = core.providerStatuses();
      const rows = core.config.providers.map((p) => ({
        ...p,
        status: statuses.find((s) => s.name === p.name),
      }));
      if (g.json) printJson(rows);
      else
        for (const r of rows)
          process.stdout.write(
            `${r.name}\t${r.kind}\t${'url' in r ? r.url : '(embedded)'}\t${r.status?.healthy ? 'healthy' : (r.status?.lastError ?? 'not synced yet')}\n`,
          );
      return 0;
    } finally {
      await core.close();
    }
  }
  const config = loadConfig(file);
  if (a.sub === 'add') {
    if (a.kind !== 'unleash' && a.kind !== 'local' && a.kind !== 'http' && a.kind !== 'launchdarkly')
      throw new UsageError(
        'usage: rcr providers add unleash --name NAME --url URL --token-env VAR [--project P] [--env E ...]\n' +
          '       rcr providers add http --name NAME --url URL --token-env VAR [--env E ...]\n' +
          '       rcr providers add launchdarkly --name NAME [--url URL] --token-env VAR --project P --env E [--env E ...]',
      );
    if (!a.name) throw new UsageError('providers add: --name is required');
    if (config.providers.some((p) => p.name === a.name))
      throw new CoreError('BAD_INPUT', `providers add: a provider named "${a.name}" already exists`);
    const entry = (
      a.kind === 'local'
        ? { name: a.name, kind: 'local' }
        : a.kind === 'launchdarkly'
          ? {
              name: a.name,
              kind: 'launchdarkly',
              ...(a.url ? { url: a.url } : {}),
              tokenEnv: a.tokenEnv,
              project: a.project,
              environments: a.env ?? [],
            }
          : a.kind === 'http'
            ? {
                name: a.name,
                kind: 'http',
                url: a.url,
                tokenEnv: a.tokenEnv,
                ...(a.env?.length ? { environments: a.env } : {}),
              }
            : {
                name: a.name,
                kind: 'unleash',
                url: a.url,
                tokenEnv: a.tokenEnv,
                project: a.project ?? 'default',
                ...(a.env?.length ? { environments: a.env } : {}),
              }
    ) as ProviderConfig;
    const next = ConfigSchema.safeParse({ ...config, providers: [...config.providers, entry] });
    if (!next.success) throw new CoreError('BAD_INPUT', `providers add: ${describeZodError(next.error)}`);
    saveConfig(file, next.data);
    if (a.kind !== 'local' && a.tokenEnv && !process.env[a.tokenEnv])
      process.stderr.write(`rcr: warning: environment variable ${a.tokenEnv} is not set in this shell\n`);
    if (g.json) printJson(entry);
    else process.stdout.write(`added provider ${a.name} (${a.kind})\n`);
    return 0;
  }
  if (a.sub === 'remove') {
    const name = a.kind ?? a.name;
    if (!name) throw new UsageError('usage: rcr providers remove NAME');
    if (!config.providers.some((p) => p.name === name))
      throw new CoreError('NOT_FOUND', `providers remove: no provider named "${name}"`);
    saveConfig(file, { ...config, providers: config.providers.filter((p) => p.name !== name) });
    process.stdout.write(`removed provider ${name} (its cached flags stay in the database but are hidden)\n`);
    return 0;
  }
  throw new UsageError('usage: rcr providers add|list|remove');
}
