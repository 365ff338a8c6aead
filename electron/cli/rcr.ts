/**
 * `rcr` — the Rollout Control Room CLI.
 *
 * Exit codes: 0 success; 1 error (provider, not found, bad input — message on
 * stderr); 2 usage error. JSON output (`--json`) is stable and documented in
 * the README.
 */
import { parseArgs } from 'node:util';
import { toApiError } from '../core/errors.ts';
import { resolveDataDir, UsageError, type GlobalOptions } from './cli-context.ts';
import { providersCommand } from './commands/providers.ts';
import { flagShowCommand, flagsListCommand, historyCommand, syncCommand } from './commands/flags.ts';
import { flagSetCommand, restoreCommand, rollbackCommand } from './commands/change.ts';
import { incidentsCommand } from './commands/incidents.ts';
import { serveCommand } from './commands/serve.ts';
import { recommendCommand, sweepCommand } from './commands/simulate.ts';
import { compareCommand } from './commands/compare.ts';
import { monitorCommand } from './commands/monitor.ts';
import { planCommand } from './commands/plan.ts';
import { decisionsCommand } from './commands/decisions.ts';
import { bucketCommand } from './commands/bucket.ts';
import { sourcesCommand } from './commands/sources.ts';

const HELP = `Rollout Control Room CLI

usage: rcr [--data-dir DIR] [--actor NAME] COMMAND [options]

  providers add unleash --name NAME --url URL --token-env VAR [--project P] [--env E]...
  providers add http --name NAME --url URL --token-env VAR [--env E]...   (custom flag service, docs/provider-api.yaml)
  providers add launchdarkly --name NAME [--url URL] --token-env VAR --project P --env E [--env E]...   (docs/providers/launchdarkly.md)
  providers list [--json]
  providers remove NAME
  sources add prometheus --name NAME --url URL [--timeout-ms N] | list [--json] | remove NAME
          | check NAME [--query PROMQL]
                                 (the allow-list of metric data sources; only this command or
                                  config.json sets it, never a browser-mode client)
  flags list [--provider P] [--env E] [--json] [--offline]
  flag show KEY [--provider P] [--env E] [--json] [--offline]
  flag set KEY [--rollout N] [--threshold T] [--model V] [--enabled true|false] --reason TEXT [--yes]
  rollback KEY --reason TEXT [--mode kill|revert] [--provider P] [--env E] [--yes] [--json]
                                 (kill: kill switch to Killed, everyone gets the fallback)
  restore KEY --reason TEXT [--provider P] [--env E] [--yes] [--json]
                                 (undo the last kill: Serving again with every layer as before it)
  incidents [--all] [--json]     (flags killed, rolled back, paused or breached; open ones first)
  history KEY [--provider P] [--env E] [--json] [--offline]
  sync [--provider P] [--json]
  serve [--port N] [--host H (--tls-cert F --tls-key F | --insecure)] [--read-only]
                                 (browser mode; 127.0.0.1 unless --host; --read-only for a wall display)
  sweep --predictions FILE [--model-version V] [--segment S] [--thresholds 0.5,0.7,0.9] [--json]
  recommend --predictions FILE (--min-precision P [--no-lower-bound] | --max-fpr F) [--json]
  compare --summary FILE.jsonl   (A/B statistics per metric line; JSONL in, JSONL out; - = stdin)
  compare --flag KEY [--provider P] [--env E] [--metric NAME] [--window 1h|30m|7d] [--fixed] [--json]
                                 (treatment vs control on the flag's stored metric rollups)
  bucket --scheme launchdarkly|unleash|local [--flag KEY --salt S [--seed N] | --group-id G] [--rollout P]
         (--keys k1,k2 | --keys-file FILE) [--json]   (the provider's exact bucket of each key; offline)
  monitor [--interval 5s] [--once] [--json]   (rollout monitor, headless: guardrails, gates, auto-rollback)
  plan templates | compute KEY --traffic N (--baseline-rate P | --baseline-mean M --sd S) --mde R
       [--template ID] [--alpha A] [--power W] [--save] | save KEY --file PLAN.json | show KEY
       | advance KEY --reason TEXT [--yes] | pause|resume|approve KEY --reason TEXT   [--json]
                                 (staged rollout plans; advance starts or restarts too)
  decisions [--flag KEY] [--since ISO] [--action A] [--format csv|json]
                                 (the decision log: the monitor's and every operator's changes)

--data-dir DIR (env RCR_DATA_DIR) selects the database and config; default: the OS app-data folder.
--actor NAME (env RCR_ACTOR) is the operator recorded for changes; default: config "actor", then the OS user.
RCR_DEADLINE (e.g. 20s, 2m; default 20s) bounds the provider calls of one command.
Reading commands sync with the providers first unless --offline is given.
`;

const OPTIONS = {
  'data-dir': { type: 'string' },
  actor: { type: 'string' },
  all: { type: 'boolean', default: false },
  json: { type: 'boolean', default: false },
  offline: { type: 'boolean', default: false },
  provider: { type: 'string' },
  env: { type: 'string', multiple: true },
  name: { type: 'string' },
  url: { type: 'string' },
  'token-env': { type: 'string' },
  project: { type: 'string' },
  reason: { type: 'string' },
  mode: { type: 'string' },
  yes: { type: 'boolean', default: false },
  rollout: { type: 'string' },
  threshold: { type: 'string' },
  model: { type: 'string' },
  enabled: { type: 'string' },
  port: { type: 'string' },
  host: { type: 'string' },
  'tls-cert': { type: 'string' },
  'tls-key': { type: 'string' },
  insecure: { type: 'boolean', default: false },
  'read-only': { type: 'boolean', default: false },
  predictions: { type: 'string' },
  'model-version': { type: 'string' },
  segment: { type: 'string' },
  thresholds: { type: 'string' },
  'min-precision': { type: 'string' },
  'max-fpr': { type: 'string' },
  'no-lower-bound': { type: 'boolean', default: false },
  summary: { type: 'string' },
  flag: { type: 'string' },
  metric: { type: 'string' },
  window: { type: 'string' },
  fixed: { type: 'boolean', default: false },
  scheme: { type: 'string' },
  salt: { type: 'string' },
  seed: { type: 'string' },
  'group-id': { type: 'string' },
  keys: { type: 'string' },
  'keys-file': { type: 'string' },
  interval: { type: 'string' },
  once: { type: 'boolean', default: false },
  format: { type: 'string' },
  since: { type: 'string' },
  action: { type: 'string' },
  traffic: { type: 'string' },
  'baseline-rate': { type: 'string' },
  'baseline-mean': { type: 'string' },
  sd: { type: 'string' },
  mde: { type: 'string' },
  template: { type: 'string' },
  alpha: { type: 'string' },
  power: { type: 'string' },
  file: { type: 'string' },
  save: { type: 'boolean', default: false },
  'timeout-ms': { type: 'string' },
  query: { type: 'string' },
  help: { type: 'boolean', short: 'h', default: false },
} as const;

/** Runs the CLI with `argv` (without node and script); returns the exit code. */
export async function main(argv: string[]): Promise<number> {
  const { values: v, positionals: pos } = parseArgs({
    args: argv,
    options: OPTIONS,
    allowPositionals: true,
    strict: true,
  });
  if (v.help || !pos.length) {
    process.stdout.write(HELP);
    return pos.length || v.help ? 0 : 2;
  }
  const g: GlobalOptions = {
    dataDir: resolveDataDir(v['data-dir']),
    json: v.json,
    offline: v.offline,
    actor: v.actor,
  };
  const env = v.env?.[0];
  const where = { provider: v.provider, env };
  const need = (what: string, value: string | undefined): string => {
    if (!value) throw new UsageError(`${what} is required\n\n${HELP}`);
    return value;
  };
  const [cmd, a1, a2] = pos;
  switch (cmd) {
    case 'providers':
      return providersCommand(g, {
        sub: a1,
        kind: a2,
        name: v.name,
        url: v.url,
        tokenEnv: v['token-env'],
        project: v.project,
        env: v.env,
      });
    case 'sources':
      return sourcesCommand(g, {
        sub: a1,
        arg: a2,
        name: v.name,
        url: v.url,
        timeoutMs: v['timeout-ms'],
        query: v.query,
      });
    case 'flags':
      if (a1 !== 'list') throw new UsageError('usage: rcr flags list [--provider P] [--env E] [--json]');
      return flagsListCommand(g, where);
    case 'flag':
      if (a1 === 'show') return flagShowCommand(g, need('KEY', a2), where);
      if (a1 === 'set')
        return flagSetCommand(g, need('KEY', a2), {
          ...where,
          reason: v.reason,
          yes: v.yes,
          rollout: v.rollout,
          threshold: v.threshold,
          model: v.model,
          enabled: v.enabled,
        });
      throw new UsageError('usage: rcr flag show|set KEY ...');
    case 'rollback':
      return rollbackCommand(g, need('KEY', a1), { ...where, mode: v.mode, reason: v.reason, yes: v.yes });
    case 'restore':
      return restoreCommand(g, need('KEY', a1), { ...where, reason: v.reason, yes: v.yes });
    case 'incidents':
      return incidentsCommand(g, { all: v.all });
    case 'history':
      return historyCommand(g, need('KEY', a1), where);
    case 'sync':
      return syncCommand(g, where);
    case 'serve':
      return serveCommand(g, {
        port: v.port,
        host: v.host,
        tlsCert: v['tls-cert'],
        tlsKey: v['tls-key'],
        insecure: v.insecure,
        readOnly: v['read-only'],
      });
    case 'sweep':
      return sweepCommand(g, {
        predictions: v.predictions,
        modelVersion: v['model-version'],
        segment: v.segment,
        thresholds: v.thresholds,
      });
    case 'recommend':
      return recommendCommand(g, {
        predictions: v.predictions,
        minPrecision: v['min-precision'],
        maxFpr: v['max-fpr'],
        noLowerBound: v['no-lower-bound'],
      });
    case 'compare':
      return compareCommand(g, {
        summary: v.summary,
        flag: v.flag,
        ...where,
        metric: v.metric,
        window: v.window,
        fixed: v.fixed,
      });
    case 'bucket':
      return bucketCommand(g, {
        scheme: v.scheme,
        flag: v.flag,
        salt: v.salt,
        seed: v.seed,
        groupId: v['group-id'],
        rollout: v.rollout,
        keys: v.keys,
        keysFile: v['keys-file'],
      });
    case 'monitor':
      return monitorCommand(g, { interval: v.interval, once: v.once });
    case 'plan':
      return planCommand(g, {
        sub: a1,
        key: a2,
        ...where,
        traffic: v.traffic,
        baselineRate: v['baseline-rate'],
        baselineMean: v['baseline-mean'],
        sd: v.sd,
        mde: v.mde,
        template: v.template,
        alpha: v.alpha,
        power: v.power,
        file: v.file,
        save: v.save,
        reason: v.reason,
        yes: v.yes,
      });
    case 'decisions':
      return decisionsCommand(g, {
        flag: v.flag,
        ...where,
        since: v.since,
        action: v.action,
        format: v.format,
      });
    default:
      throw new UsageError(`unknown command "${cmd}"\n\n${HELP}`);
  }
}

/** Runs `main` and exits with its code; errors go to stderr, never as stack traces. */
export async function run(argv: string[]): Promise<void> {
  try {
    process.exitCode = await main(argv);
  } catch (error) {
    if (error instanceof UsageError || (error as { code?: string }).code?.startsWith('ERR_PARSE_ARGS')) {
      process.stderr.write(`rcr: ${(error as Error).message}\n`);
      process.exitCode = 2;
      return;
    }
    const e = toApiError(error);
    process.stderr.write(`rcr: ${e.message}\n`);
    process.exitCode = 1;
  }
}

if (import.meta.main) await run(process.argv.slice(2));
