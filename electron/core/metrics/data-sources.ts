/**
 * The data-source allow-list: which base URLs the core may query for metrics (Prometheus today,
 * any later SQL source tomorrow), and what a failing source may tell a client.
 *
 * The list lives in config.json (`dataSources.prometheus: [{name, url, timeoutMs?}]`) and is set
 * only by the local user (`rcr sources add|remove`, or by editing the file); no contract channel
 * writes it. A metric definition names a source (`dataSource`), or gives a URL that must equal an
 * allow-listed base exactly (canonical forms, {@link parseSourceUrl}). Definitions stored before
 * the allow-list existed keep working when their URL is listed; otherwise their metric reports
 * "not allowed" with the command that fixes it. Errors returned to clients are built from a fixed
 * vocabulary ({@link publicSourceMessage}): a status and a short phrase, never the target's body,
 * and one phrase for every network failure (refused, timeout, DNS).
 */
import fs from 'node:fs';
import type { DataSourceInfo, MetricSource } from '../../../shared/metrics.ts';
import { ConfigSchema, type Config, type DataSourceConfig } from '../config.ts';
import { PrometheusError } from './prometheus-client.ts';
import { parseSourceUrl } from './source-url.ts';

/** A Prometheus metric source as stored in a definition. */
export type PrometheusSourceRef = Extract<MetricSource, { type: 'prometheus' }>;

/** Reads the current allow-list of Prometheus sources (re-read when config.json changes). */
export type DataSources = () => readonly DataSourceConfig[];

/** An allow-listed source resolved for a query: its name, canonical base URL and timeout (ms). */
export interface ResolvedSource {
  name: string;
  url: string;
  timeoutMs: number | undefined;
}

/** The command that adds a source, as quoted in messages. */
export const ADD_SOURCE_COMMAND = 'rcr sources add prometheus --name NAME --url URL';

const WHERE = 'config.json dataSources.prometheus';

/**
 * Finds the allow-listed source a metric's `source` names.
 *
 * `dataSource` is looked up by name; a `url` must parse strictly and equal the canonical URL of
 * an allow-listed source; with both, they must agree.
 * @returns `{ok: true, source}`, or `{ok: false, message}` saying why it is not allowed and how the
 *   local user allows it (the message quotes only the definition's own name or canonical URL).
 */
export function resolvePrometheusSource(
  src: Pick<PrometheusSourceRef, 'dataSource' | 'url'>,
  allowed: readonly DataSourceConfig[],
): { ok: true; source: ResolvedSource } | { ok: false; message: string } {
  const entries = allowed.flatMap((a) => {
    const parsed = parseSourceUrl(a.url);
    return parsed.ok ? [{ name: a.name, url: parsed.url, timeoutMs: a.timeoutMs }] : [];
  });
  let byUrl: ResolvedSource | undefined;
  if (src.url !== undefined) {
    const parsed = parseSourceUrl(src.url);
    if (!parsed.ok)
      return {
        ok: false,
        message:
          `the Prometheus URL is not acceptable (${parsed.reason}); name an allow-listed data source ` +
          `instead (sources.list), or ask the local user to add one: ${ADD_SOURCE_COMMAND}`,
      };
    byUrl = entries.find((e) => e.url === parsed.url);
    if (!byUrl)
      return {
        ok: false,
        message:
          `the Prometheus URL ${parsed.url} is not in the allow-list (${WHERE}); on the machine ` +
          `running the control room the local user adds it with: rcr sources add prometheus --name NAME --url ${parsed.url}`,
      };
  }
  if (src.dataSource !== undefined) {
    const byName = entries.find((e) => e.name === src.dataSource);
    if (!byName)
      return {
        ok: false,
        message:
          `data source "${src.dataSource}" is not in the allow-list (${WHERE}); on the machine running ` +
          `the control room the local user adds it with: rcr sources add prometheus --name ${src.dataSource} --url URL`,
      };
    if (byUrl && byUrl.name !== byName.name)
      return { ok: false, message: `url is not the URL of data source "${src.dataSource}"` };
    return { ok: true, source: byName };
  }
  if (byUrl) return { ok: true, source: byUrl };
  return { ok: false, message: 'name an allow-listed data source (dataSource)' };
}

/** Prometheus `errorType` values (API docs) that may be repeated to a client. */
const KNOWN_ERROR_TYPES = new Set([
  'bad_data',
  'timeout',
  'canceled',
  'execution',
  'internal',
  'unavailable',
  'not_found',
  'not_acceptable',
]);

/**
 * The message a client gets for a failed query of source `name`: a fixed phrase with at most the
 * HTTP status and a known Prometheus `errorType`. Refused, timed out, unresolvable and any other
 * network failure all read `"NAME" could not be reached`. Anything that is not a
 * {@link PrometheusError} (e.g. an injected client's own error) is treated as a network failure.
 * @returns a clause such as `"prod" answered HTTP 503`, to follow "the prometheus source failed: ".
 */
export function publicSourceMessage(error: unknown, name: string): string {
  const who = `"${name}"`;
  if (!(error instanceof PrometheusError)) return `${who} could not be reached`;
  const status = error.status ?? 0;
  switch (error.kind) {
    case 'network':
    case 'timeout':
      return `${who} could not be reached`;
    case 'redirect':
    case 'http':
      return `${who} answered HTTP ${status}`;
    case 'api': {
      const type = error.errorType && KNOWN_ERROR_TYPES.has(error.errorType) ? `, ${error.errorType}` : '';
      return `${who} refused the query (HTTP ${status}${type}); see Prometheus's message with: rcr sources check ${name} --query PROMQL`;
    }
    case 'payload':
      return `${who} answered HTTP ${status} with something that is not a Prometheus range-query result`;
    case 'too-large':
      return `${who} answered more data than a query may return`;
    case 'input':
      return `${who}: ${error.message}`;
  }
}

/** The allow-list as `sources.list` answers it. */
export function sourceInfos(sources: readonly DataSourceConfig[]): DataSourceInfo[] {
  return sources.map((s) => ({ kind: 'prometheus', name: s.name, url: s.url }));
}

/**
 * A reader of the allow-list that follows edits of config.json (by `rcr sources add` in another
 * process, or by hand) without a restart: the file is re-read when its size or mtime changes. A
 * file that no longer parses keeps the last good list (the next `rcr` command reports the error).
 * @param initial the config the core was opened with.
 */
export function watchDataSources(configFile: string, initial: Config): DataSources {
  let list: readonly DataSourceConfig[] = initial.dataSources?.prometheus ?? [];
  let stamp = statStamp(configFile);
  return () => {
    const now = statStamp(configFile);
    if (now !== stamp) {
      stamp = now;
      try {
        const parsed = ConfigSchema.safeParse(JSON.parse(fs.readFileSync(configFile, 'utf8')));
        if (parsed.success) list = parsed.data.dataSources?.prometheus ?? [];
      } catch {
        // keep the last good list
      }
    }
    return list;
  };
}

function statStamp(file: string): string {
  try {
    const s = fs.statSync(file);
    return `${s.size}:${s.mtimeMs}`;
  } catch {
    return 'missing';
  }
}
