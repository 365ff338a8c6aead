/** Shared plumbing of the `rcr` commands: data folder, opening the core, output, errors. */
import path from 'node:path';
import readline from 'node:readline/promises';
import type { Result } from '../../shared/contract.ts';
import type { FlagRef, FleetRow } from '../../shared/domain.ts';
import { openCore, type AppCore } from '../core/app-core.ts';
import { defaultDataDir } from '../core/data-dir.ts';
import { CoreError } from '../core/errors.ts';
import { isBusyError } from '../core/db/database.ts';
import { currentDeadline, enterDeadline, withDeadline } from '../core/providers/provider-http.ts';
import { killSwitchWord } from '../../shared/layer-words.ts';

/** A usage error: wrong or missing arguments (exit code 2). */
export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

/** Global options every command accepts. */
export interface GlobalOptions {
  dataDir: string;
  json: boolean;
  offline: boolean;
  /**
   * The operator recorded as the actor of changes (`--actor NAME`); when absent the core takes
   * `RCR_ACTOR`, then config `actor`, then the OS user.
   */
  actor?: string;
}

/** Resolves `--data-dir` > `RCR_DATA_DIR` > the OS app-data folder. */
export function resolveDataDir(flag: string | undefined): string {
  return flag ? path.resolve(flag) : defaultDataDir();
}

/** Default overall deadline of one command's provider calls, ms (`RCR_DEADLINE`). */
export const DEFAULT_COMMAND_DEADLINE_MS = 20_000;

/**
 * The overall deadline of one command's provider calls, ms: `RCR_DEADLINE` from `env` (`20s`,
 * `90s`, `2m`, `1500ms`, or plain ms; at least 1 ms), else {@link DEFAULT_COMMAND_DEADLINE_MS}.
 * @throws UsageError for a malformed value.
 */
export function commandDeadlineMs(env: NodeJS.ProcessEnv = process.env): number {
  const text = env.RCR_DEADLINE?.trim();
  if (!text) return DEFAULT_COMMAND_DEADLINE_MS;
  const m = /^(\d+(?:\.\d+)?)\s*(ms|s|m|min)?$/i.exec(text);
  const unit = (m?.[2] ?? 'ms').toLowerCase();
  const ms = m ? Number(m[1]) * (unit === 's' ? 1000 : unit === 'm' || unit === 'min' ? 60_000 : 1) : NaN;
  if (!(ms >= 1)) throw new UsageError(`RCR_DEADLINE must look like 20s, 90s or 2m, got "${text}"`);
  return Math.round(ms);
}

/**
 * Opens the core for one command (no background polling) and starts the command's overall
 * deadline for provider calls ({@link commandDeadlineMs}): every provider request the command
 * makes — the sync first, previews, the change, its re-read — must end within it, or fails with
 * an error naming it. Per-request timeouts still apply inside it. For one-shot `rcr` processes:
 * the deadline holds for the rest of the calling async context.
 * @throws UsageError for a malformed `RCR_DEADLINE`.
 */
export function openCliCore(g: GlobalOptions): Promise<AppCore> {
  enterDeadline({ ms: commandDeadlineMs(), label: 'this command', hint: 'set RCR_DEADLINE to change it' });
  return openCore({ dataDir: g.dataDir, startSync: false, actor: g.actor });
}

/**
 * For the long-running commands (`rcr serve`, `rcr monitor`), the last line of "never die": an
 * error that escapes a background task (a timer, an unawaited promise) and is SQLite's busy error
 * ({@link isBusyError}: another process held the database's write lock past `busy_timeout`) is
 * reported on stderr — `rcr <label>: the database was busy in a background task …; continuing` —
 * and the process goes on: the statement did nothing and its task runs again on its next turn.
 * Any other escaped error is reported the same way and ends the process with exit code 1, as
 * Node.js would. Returns a function that removes the handlers.
 */
export function surviveBusyDatabase(label: string): () => void {
  const handle = (error: unknown): void => {
    const message = error instanceof Error ? error.message : String(error);
    if (isBusyError(error)) {
      process.stderr.write(
        `rcr ${label}: the database was busy in a background task (another process holds its write lock); continuing: ${message}\n`,
      );
      return;
    }
    process.stderr.write(
      `rcr ${label}: uncaught error, stopping: ${error instanceof Error ? (error.stack ?? message) : message}\n`,
    );
    process.exit(1);
  };
  process.on('uncaughtException', handle);
  process.on('unhandledRejection', handle);
  return () => {
    process.off('uncaughtException', handle);
    process.off('unhandledRejection', handle);
  };
}

/** Unwraps a contract result; a failure becomes a thrown CoreError. */
export function unwrap<T>(result: Result<T>): T {
  if (!result.ok) throw new CoreError(result.error.code, result.error.message);
  return result.value;
}

/**
 * Syncs before a reading command unless `--offline`; a provider that fails is
 * reported on stderr and its cached flags are marked stale. Under a command deadline
 * ({@link openCliCore}) the sync gets at most half of the time left, so a changing command keeps
 * time for its change.
 */
export async function syncFirst(core: AppCore, g: GlobalOptions, provider?: string): Promise<void> {
  if (g.offline) return;
  const sync = async () => (provider ? [await core.sync.syncProvider(provider)] : await core.sync.syncAll());
  const deadline = currentDeadline();
  const outcomes = deadline
    ? await withDeadline(
        {
          ms: Math.max(0, (deadline.at - Date.now()) / 2),
          label: 'the sync before this command',
          hint: `half of the command's ${Number((deadline.ms / 1000).toFixed(1))} s deadline; set RCR_DEADLINE to change it`,
        },
        sync,
      )
    : await sync();
  for (const o of outcomes) {
    if (!o.ok)
      process.stderr.write(`rcr: provider "${o.provider}" unreachable, showing cached state: ${o.error}\n`);
  }
}

/**
 * Finds the one flag a KEY names, narrowed by `--provider` / `--env`.
 * @throws CoreError NOT_FOUND when none matches; UsageError when several do.
 */
export function resolveFlag(core: AppCore, key: string, provider?: string, environment?: string): FleetRow {
  const matches = core.fleet({ provider, environment }).filter((r) => r.key === key);
  if (!matches.length) {
    const where = [provider && `provider "${provider}"`, environment && `environment "${environment}"`]
      .filter(Boolean)
      .join(', ');
    throw new CoreError('NOT_FOUND', `unknown flag key "${key}"${where ? ` in ${where}` : ''}`);
  }
  if (matches.length > 1) {
    throw new UsageError(
      `flag "${key}" exists in several places; pass --provider and/or --env: ${matches
        .map((m) => `${m.provider}/${m.environment}`)
        .join(', ')}`,
    );
  }
  return matches[0] as FleetRow;
}

/** The ref of a fleet row. */
export const refOf = (r: FlagRef): FlagRef => ({
  provider: r.provider,
  environment: r.environment,
  key: r.key,
});

/** Prints JSON (stable, 2-space) to stdout. */
export function printJson(value: unknown): void {
  process.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
}

/**
 * Prints a JSON array one element per line, in chunks, waiting for stdout to drain —
 * for large outputs (a sweep can have a million points) that must not be built as one string.
 */
export async function printJsonArray(items: readonly unknown[]): Promise<void> {
  const write = (text: string): Promise<void> =>
    new Promise((resolve) =>
      process.stdout.write(text) ? resolve() : process.stdout.once('drain', resolve),
    );
  await write('[');
  for (let i = 0; i < items.length; i += 10_000) {
    const chunk = items.slice(i, i + 10_000).map((x) => JSON.stringify(x));
    await write(`${i === 0 ? '\n' : ',\n'}${chunk.join(',\n')}`);
  }
  await write(items.length ? '\n]\n' : ']\n');
}

/** Asks a yes/no question on the terminal; false when stdin is not a TTY. */
export async function confirm(question: string): Promise<boolean> {
  if (!process.stdin.isTTY) return false;
  const rl = readline.createInterface({ input: process.stdin, output: process.stderr });
  try {
    return /^y(es)?$/i.test((await rl.question(`${question} [y/N] `)).trim());
  } finally {
    rl.close();
  }
}

/** Shows a value like the UI does: null as an em dash, rollout as `25%`. */
export function show(value: unknown, layer?: string): string {
  if (value === null || value === undefined) return '—';
  if (layer === 'rolloutPercent' && typeof value === 'number') return `${value}%`;
  if (layer === 'enabled' && typeof value === 'boolean') return killSwitchWord(value);
  if (Array.isArray(value)) return value.length ? value.join(',') : '[]';
  return String(value);
}

/** Age of an ISO time in words ("3 min"). */
export function age(iso: string, now = Date.now()): string {
  const s = Math.max(0, Math.round((now - Date.parse(iso)) / 1000));
  if (s < 60) return `${s} s`;
  if (s < 3600) return `${Math.round(s / 60)} min`;
  if (s < 86_400) return `${Math.round(s / 3600)} h`;
  return `${Math.round(s / 86_400)} d`;
}
