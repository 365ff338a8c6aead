/**
 * `rcr monitor [--interval 5s] [--once] [--json]`: the rollout monitor, headless (a server or a CI
 * job). Every interval it evaluates every flag with a plan or guardrails, records decisions and
 * executes their actions through the journaled outbox (docs/rollouts.md) — exactly what the app's
 * core does. Providers are synced in the background. `--once` runs one evaluation, waits for the
 * outbox to settle what it can, and exits. `--json` prints one JSON object per run (JSONL).
 * Stops on SIGINT/SIGTERM; unfinished actions stay journaled and resume on the next start.
 */
import { openCore } from '../../core/app-core.ts';
import { MIN_MONITOR_INTERVAL_MS } from '../../core/rollout/monitor.ts';
import type { MonitorRun } from '../../../shared/rollout.ts';
import { syncFirst, UsageError, type GlobalOptions } from '../cli-context.ts';

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

function printRun(run: MonitorRun, json: boolean, pending: number): void {
  if (json) {
    process.stdout.write(`${JSON.stringify({ ...run, pendingActions: pending })}\n`);
    return;
  }
  process.stdout.write(
    `${run.at}  ${run.flags} flag(s), ${run.guardrails} guardrail(s), ${run.durationMs.toFixed(1)} ms, ${run.decisions.length} decision(s), ${pending} action(s) pending\n`,
  );
  for (const d of run.decisions)
    process.stdout.write(
      `  ${d.flag.provider}/${d.flag.environment}/${d.flag.key}  ${d.action.toUpperCase()}  ${d.rationale}\n`,
    );
}

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
  try {
    await syncFirst(core, g);
    await core.rollouts.outbox.drain(); // actions journaled before a crash resume first
    for (;;) {
      const run = await core.monitor.runOnce();
      await core.rollouts.outbox.idle();
      printRun(run, g.json, core.rollouts.journal.countUnfinished());
      if (a.once || stop) break;
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
  }
}
