/**
 * Time from fault injection to the provider-confirmed rollback in the incident drill, median over
 * `BENCH_DRILLS` (default 10) drills. Target (issue 6): < 60 s with the monitor at a 5 s interval,
 * at 50 req/s.
 *
 * One environment for all drills (test/support/rollout-drill.ts): a real Unleash + PostgreSQL, a
 * real Prometheus scraping the prom-client fixture service every second, the fixture assigning each
 * request to control / treatment through the official `unleash-client` SDK (refresh 1 s) at
 * 50 req/s with a 5 % error rate, and a control-room core with the Unleash provider and the monitor
 * every 5 s. Each drill uses a new flag (its metrics carry a `flag` label, so drills do not see
 * each other's data): start at 10 %, the monitor advances to 50 % when the gate passes (20 s, 100
 * units per cohort), `BENCH_DRILL_AA` seconds (default 15) without a fault (no rollback allowed),
 * then treatment's error rate goes to 10 % (2× control). The guardrail: statistical (one-sided
 * 99 % always-valid interval of Δ error rate above 0, accumulated since the 50 % stage started),
 * 2 breaches in a row, action roll back (kill). Measured: fault → outbox `confirmedAt` (Unleash confirmed the flag off by
 * re-reading it), and fault → the rollback decision.
 *
 * Run alone: `node bench/rollback-drill.bench.ts` (needs PostgreSQL, unleash-server in
 * .tools/unleash and the Debian prometheus package, as the integration tests do).
 */
import { clusterOnline, stopClusterIfStartedSince } from '../test/support/postgres.ts';
import { runDrill, startDrillEnvironment } from '../test/support/rollout-drill.ts';
import { loadAvg, loadRow, median, progress, runAsMain, type BenchReport } from './lib/report.ts';

const BENCH = 'rollback-drill';
const DRILLS = Number(process.env.BENCH_DRILLS ?? 10);
const AA_SECONDS = Number(process.env.BENCH_DRILL_AA ?? 15);
const TARGET_S = 60;

const s = (ms: number): string => `${(ms / 1000).toFixed(1)} s`;

async function bench(): Promise<BenchReport> {
  const loadAtStart = loadAvg();
  const pgWasOnline = await clusterOnline().catch(() => null);
  const env = await startDrillEnvironment({ requestsPerSecond: 50, monitorIntervalMs: 5000, log: progress });
  try {
    const toRollback: number[] = [];
    const toDecision: number[] = [];
    const failures: string[] = [];
    for (let i = 0; i < DRILLS; i++) {
      try {
        const r = await runDrill(env, { key: `drill-${i + 1}`, aaSeconds: AA_SECONDS, log: progress });
        if (r.unleashEnabled) throw new Error(`${r.key}: Unleash still shows the flag on`);
        if (r.treatmentAfterRollback !== 0)
          throw new Error(`${r.key}: ${r.treatmentAfterRollback} treatment requests after the rollback`);
        toRollback.push(r.timeToRollbackMs);
        toDecision.push(r.timeToDecisionMs);
      } catch (error) {
        failures.push(error instanceof Error ? error.message : String(error));
        progress(`drill ${i + 1} failed: ${failures.at(-1)}`);
      }
    }
    const med = median(toRollback);
    return {
      bench: BENCH,
      rows: [
        {
          bench: BENCH,
          metric: 'fault injection → provider-confirmed rollback (median)',
          value: toRollback.length ? s(med) : 'n/a',
          target: `< ${TARGET_S} s`,
          met: toRollback.length > 0 && med < TARGET_S * 1000,
          note: `${toRollback.length} drills ok, ${failures.length} failed; min ${s(Math.min(...toRollback))}, max ${s(Math.max(...toRollback))}; 50 req/s, monitor every 5 s`,
        },
        {
          bench: BENCH,
          metric: 'fault injection → rollback decision (median)',
          value: toDecision.length ? s(median(toDecision)) : 'n/a',
          note: 'the rest is the outbox: journal, Unleash call, re-read',
        },
        loadRow(BENCH, loadAtStart),
      ],
      raw: { toRollbackMs: toRollback, toDecisionMs: toDecision, failures, aaSeconds: AA_SECONDS },
    };
  } finally {
    await env.stop();
    if (await stopClusterIfStartedSince(pgWasOnline))
      progress('stopped the PostgreSQL cluster this bench started');
  }
}

runAsMain(import.meta.url, bench);
