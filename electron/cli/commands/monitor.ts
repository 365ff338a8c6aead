/**
 * `rcr monitor [--interval 5s] [--once] [--json]`: the rollout monitor, headless (a server or a CI
 * job). Every interval it evaluates every flag with a plan or guardrails, records decisions and
 * executes their actions through the journaled outbox (docs/rollouts.md) — exactly what the app's
 * core does. Providers are synced in the background. `--once` runs one evaluation, waits for the
 * outbox to settle what it can, and exits. `--json` prints one JSON object per run (JSONL).
 * Stops on SIGINT/SIGTERM; unfinished actions stay journaled and resume on the next start.
 *
 * A tick that fails (e.g. the database is busy: another process holds its write lock) is printed on
 * stderr — `rcr: monitor: tick failed (N in a row): …` — and the next tick runs at the usual
 * interval; with `--once` it is the command's error (exit code 1). A busy-database error that
 * escapes a background task is reported and survived ({@link surviveBusyDatabase}).
 */
import { openCore, type AppCore } from '../../core/app-core.ts';
import { toApiError } from '../../core/errors.ts';
import { MIN_MONITOR_INTERVAL_MS } from '../../core/rollout/monitor.ts';
import type { MonitorRun } from '../../../shared/monitor.ts';
import { surviveBusyDatabase, syncFirst, UsageError, type GlobalOptions } from '../cli-context.ts';

/** Parses `--interval` (`5s`, `30s`, `2m`, `1h`, or ms) into ms (≥ 5 s). */
export function parseInterval(text: string): number {
  const m = /^(\d+(?:\.\d+)?)\s*(ms|s|m|min|h)?$/i.exec(text.trim());
  if (!m) throw new UsageError(`monitor: --interval must look like 5s, 30s or 2m, got "${text}"`);
  const n = Number(m[1]);
  const unit = (m[2] ?? 'ms').toLowerCase();
  const ms =
    n * (unit === 's' ? 1000 : unit === 'm' || unit === 'min' ? 60_000 : unit === 'h' ? 3_600_000 : 1);
  if (!(ms >= MIN_MONITOR_INTERVAL_MS))
    throw new UsageError(`monitor: --interval must be at least 5s, got "${text}"`);
  return Math.round(ms);
}

function printRun(run: MonitorRun, json: boolean, pending: number | null): void {
  if (json) {
    process.stdout.write(`${JSON.stringify({ ...run, pendingActions: pending })}\n`);
    return;
  }
  process.stdout.write(
    `${run.at}  ${run.flags} flag(s), ${run.guardrails} guardrail(s), ${run.durationMs.toFixed(1)} ms, ${run.decisions.length} decision(s), ${pending ?? '?'} action(s) pending\n`,
  );
  for (const d of run.decisions)
    process.stdout.write(
      `  ${d.flag.provider}/${d.flag.environment}/${d.flag.key}  ${d.action.toUpperCase()}  ${d.rationale}\n`,
    );
}

/** Unfinished outbox actions, or null when they cannot be counted now (busy database). */
function pendingActions(core: AppCore): number | null {
  try {
    return core.rollouts.pendingActionCount();
  } catch {
    return null;
  }
}

/**
 * `rcr monitor`: runs until SIGINT/SIGTERM (or one tick with `--once`); returns the exit code.
 * @throws the tick's error with `--once`; UsageError for a bad `--interval`.
 */
export async function monitorCommand(
  g: GlobalOptions,
  a: { interval?: string; once?: boolean },
): Promise<number> {
  const config = { interval: a.interval ? parseInterval(a.interval) : undefined };
  const core = await openCore({
    dataDir: g.dataDir,
    startSync: !a.once && !g.offline,
    startMonitor: false,
    actor: g.actor,
  });
  const intervalMs = config.interval ?? core.config.rollouts?.monitorIntervalMs ?? 30_000;
  let stop = false;
  let wake: (() => void) | null = null;
  const onSignal = (): void => {
    stop = true;
    wake?.();
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  const unguard = surviveBusyDatabase('monitor');
  try {
    await syncFirst(core, g);
    let leading = false;
    for (;;) {
      // One monitor per data folder: evaluate only while this process holds the monitor lease
      // (the desktop app or `rcr serve` may hold it; this one takes over when it stops).
      const leader = core.leadership.acquire();
      if (leader !== leading) {
        leading = leader;
        if (leader) {
          process.stderr.write('rcr: monitor: this process is the monitor of the data folder\n');
          core.actions.closeAbandoned();
          await core.monitor.drainOutbox(); // actions of a crashed process resume first
        } else
          process.stderr.write(
            `rcr: monitor: standby — the monitor of this data folder runs in ${core.leadership.holder() ?? 'another process'}; taking over if it stops\n`,
          );
      }
      if (!leader && a.once) {
        process.stderr.write(
          'rcr: monitor: another process is the monitor of this data folder; nothing evaluated\n',
        );
        break;
      }
      if (!leader) {
        await new Promise<void>((resolve) => {
          wake = resolve;
          setTimeout(resolve, intervalMs);
        });
        wake = null;
        if (stop) break;
        continue;
      }
      try {
        const run = await core.monitor.runOnce();
        await core.rollouts.outboxIdle();
        printRun(run, g.json, pendingActions(core));
      } catch (error) {
        if (a.once) throw error;
        const s = core.monitor.status();
        process.stderr.write(
          `rcr: monitor: tick failed (${s.consecutiveFailures} in a row): ${toApiError(error).message}; next tick in ${Math.round(intervalMs / 1000)} s\n`,
        );
      }
      if (a.once || stop) break;
      void core.monitor.drainOutbox(); // resumes actions whose retry could not be scheduled
      await new Promise<void>((resolve) => {
        wake = resolve;
        setTimeout(resolve, intervalMs);
      });
      wake = null;
      if (stop) break;
    }
    const status = core.monitor.status();
    if (status.lastError) process.stderr.write(`rcr: monitor: ${status.lastError}\n`);
    return 0;
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    await core.close();
    unguard();
  }
}
