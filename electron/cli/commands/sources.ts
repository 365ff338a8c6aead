/**
 * `rcr sources add|list|remove|check`: the data-source allow-list in config.json
 * (`dataSources.prometheus`, docs/prometheus.md). Only the local user changes it — here or by
 * editing the file; no channel of the contract (browser mode, the desktop renderer) can. A running
 * `rcr serve` / `rcr monitor` picks an edit up on its next poll.
 *
 * `check` is the local user's view of a failing source: it queries the source directly and prints
 * the whole error (network code such as `ECONNREFUSED`, Prometheus's own message for bad PromQL),
 * which browser-mode clients never see.
 */
import { dataPaths } from '../../core/data-dir.ts';
import { ConfigSchema, loadConfig, saveConfig, type DataSourceConfig } from '../../core/config.ts';
import { CoreError } from '../../core/errors.ts';
import { PrometheusError, queryRange } from '../../core/metrics/prometheus-client.ts';
import { parseSourceUrl } from '../../core/metrics/source-url.ts';
import { describeZodError } from '../../../shared/zod-errors.ts';
import { printJson, UsageError, type GlobalOptions } from '../cli-context.ts';

/** Arguments of `rcr sources` (strings as parsed from argv). */
export interface SourcesArgs {
  /** `add`, `list`, `remove` or `check`. */
  sub: string | undefined;
  /** `add`: the kind (`prometheus`); `remove` / `check`: the name. */
  arg: string | undefined;
  name?: string;
  url?: string;
  /** `add`: per-request timeout, ms (100–120000). */
  timeoutMs?: string;
  /** `check`: the PromQL to run (default `vector(1)`). */
  query?: string;
}

const USAGE = [
  'usage: rcr sources add prometheus --name NAME --url URL [--timeout-ms N]',
  '       rcr sources list [--json]',
  '       rcr sources remove NAME',
  '       rcr sources check NAME [--query PROMQL]',
].join('\n');

/**
 * Runs a `sources` subcommand.
 * - `add`: appends `{name, url[, timeoutMs]}`; the URL must parse strictly (http/https, no
 *   credentials, fragment or query) and the name be new. Prints `added …` or the entry (`--json`).
 * - `list`: one `name<TAB>kind<TAB>url` line per source, or `[{kind, name, url, timeoutMs?}]`.
 * - `remove`: drops it; metrics naming it then report "not allowed" until it is added again.
 * - `check`: a 5-minute range query (`--query`, default `vector(1)`, step 60 s); prints
 *   `ok: N points` or the full error and exits 1.
 * @returns the exit code.
 * @throws UsageError for missing arguments; CoreError `BAD_INPUT` / `NOT_FOUND` for a bad URL,
 *   a duplicate or an unknown name.
 */
export async function sourcesCommand(g: GlobalOptions, a: SourcesArgs): Promise<number> {
  const file = dataPaths(g.dataDir).config;
  const config = loadConfig(file);
  const list: DataSourceConfig[] = [...(config.dataSources?.prometheus ?? [])];
  const find = (name: string | undefined): DataSourceConfig => {
    if (!name) throw new UsageError(USAGE);
    const entry = list.find((s) => s.name === name);
    if (!entry)
      throw new CoreError('NOT_FOUND', `sources: no data source named "${name}" (rcr sources list)`);
    return entry;
  };

  if (a.sub === 'list') {
    if (g.json) printJson(list.map((s) => ({ kind: 'prometheus', ...s })));
    else for (const s of list) process.stdout.write(`${s.name}\tprometheus\t${s.url}\n`);
    return 0;
  }
  if (a.sub === 'add') {
    if (a.arg !== 'prometheus') throw new UsageError(USAGE);
    if (!a.name || !a.url) throw new UsageError(`sources add: --name and --url are required\n${USAGE}`);
    const url = parseSourceUrl(a.url);
    if (!url.ok) throw new CoreError('BAD_INPUT', `sources add: --url is not acceptable: ${url.reason}`);
    if (list.some((s) => s.name === a.name))
      throw new CoreError('BAD_INPUT', `sources add: a data source named "${a.name}" already exists`);
    const timeoutMs = a.timeoutMs === undefined ? undefined : Number(a.timeoutMs);
    const entry: DataSourceConfig = {
      name: a.name,
      url: url.url,
      ...(timeoutMs === undefined ? {} : { timeoutMs }),
    };
    const next = ConfigSchema.safeParse({ ...config, dataSources: { prometheus: [...list, entry] } });
    if (!next.success) throw new CoreError('BAD_INPUT', `sources add: ${describeZodError(next.error)}`);
    saveConfig(file, next.data);
    if (g.json) printJson({ kind: 'prometheus', ...entry });
    else process.stdout.write(`added data source ${entry.name} (prometheus, ${entry.url})\n`);
    return 0;
  }
  if (a.sub === 'remove') {
    const entry = find(a.arg ?? a.name);
    saveConfig(file, { ...config, dataSources: { prometheus: list.filter((s) => s !== entry) } });
    process.stdout.write(
      `removed data source ${entry.name}; metrics naming it report "not allowed" until it is added again\n`,
    );
    return 0;
  }
  if (a.sub === 'check') {
    const entry = find(a.arg ?? a.name);
    const end = Date.now();
    try {
      const points = await queryRange(entry.url, a.query ?? 'vector(1)', end - 5 * 60_000, end, 60, {
        timeoutMs: entry.timeoutMs,
      });
      process.stdout.write(`ok: ${entry.name} (${entry.url}) answered ${points.length} points\n`);
      return 0;
    } catch (error) {
      const kind = error instanceof PrometheusError ? ` [${error.kind}]` : '';
      process.stderr.write(
        `rcr: ${entry.name} (${entry.url}) failed${kind}: ${error instanceof Error ? error.message : String(error)}\n`,
      );
      return 1;
    }
  }
  throw new UsageError(USAGE);
}
