/** Shared plumbing of the `rcr` commands: data folder, opening the core, output, errors. */
import path from 'node:path';
import readline from 'node:readline/promises';
import type { Result } from '../../shared/contract.ts';
import type { FlagRef, FleetRow } from '../../shared/domain.ts';
import { openCore, type AppCore } from '../core/app-core.ts';
import { defaultDataDir } from '../core/data-dir.ts';
import { CoreError } from '../core/errors.ts';
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

/** Opens the core for one command (no background polling). */
export function openCliCore(g: GlobalOptions): Promise<AppCore> {
  return openCore({ dataDir: g.dataDir, startSync: false, actor: g.actor });
}

/** Unwraps a contract result; a failure becomes a thrown CoreError. */
export function unwrap<T>(result: Result<T>): T {
  if (!result.ok) throw new CoreError(result.error.code, result.error.message);
  return result.value;
}

/**
 * Syncs before a reading command unless `--offline`; a provider that fails is
 * reported on stderr and its cached flags are marked stale.
 */
export async function syncFirst(core: AppCore, g: GlobalOptions, provider?: string): Promise<void> {
  if (g.offline) return;
  const outcomes = provider ? [await core.sync.syncProvider(provider)] : await core.sync.syncAll();
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
