/**
 * Sync of 5,000 LaunchDarkly flags across 3 environments (15,000 flag states)
 * through the real LaunchDarkly provider, against the local LaunchDarkly-API
 * server (test/support/launchdarkly-server.ts) with pagination.
 *
 * The parent starts the server (in its own process, so serving JSON does not
 * share the client's event loop) with N flags (default 5,000, env
 * `BENCH_LD_FLAGS`) in `production`, `staging`, `test`: a third AI flags at
 * 25 %, a third AI flags with allow/block targets, a third boolean flags serving
 * one variation. Each run is a fresh Node process and data folder that times
 * `core.sync.syncProvider()` for:
 *   1. the first sync (empty cache: list every page, 15,000 snapshot inserts, first audit-log read);
 *   2. a repeat sync with nothing changed;
 *   3. a repeat sync after 1 % of the flags (50) changed rollout % in production —
 *      made through the API by the child before the timer starts (semantic patches), so the
 *      sync also reads 50 audit entries (listing pages + one detail request each).
 * Requests are counted at the server: every request arriving between the
 * child's start and end timestamps of a sync belongs to that sync (the child
 * leaves 20 ms, untimed, between steps so the windows cannot overlap).
 *
 * Run alone: `node bench/launchdarkly-sync.bench.ts` (from the repo root, with Node 24).
 * Knobs: `BENCH_LD_FLAGS` (default 5000), `BENCH_LD_RUNS` (default 5), `BENCH_LD_PAGE` (provider page size, default 100).
 */
import { fileURLToPath } from 'node:url';
import { openBenchCore } from './lib/core.ts';
import { childDone, childMode, peakRss, runChild } from './lib/child.ts';
import {
  loadAvg,
  loadRow,
  median,
  mib,
  ms,
  progress,
  runAsMain,
  spread,
  type BenchReport,
  type BenchRow,
} from './lib/report.ts';

const FILE = fileURLToPath(import.meta.url);
const ENVIRONMENTS = ['production', 'staging', 'test'];
const TOKEN_ENV = 'RCR_BENCH_LD_TOKEN';
const BENCH = 'launchdarkly-sync';

/** One timed sync as the child saw it. */
interface SyncTiming {
  ms: number;
  /** Epoch ms around the sync, to attribute server requests to it. */
  startAt: number;
  endAt: number;
  flags: number;
  newHistory: number;
}

interface RunResult {
  first: SyncTiming;
  repeat: SyncTiming;
  changed: SyncTiming;
  changedFlags: number;
  peakRss: number;
}

function check(condition: boolean, message: string): void {
  if (!condition) throw new Error(`sanity check failed: ${message}`);
}

const flagKey = (i: number) => `ld-bench-${String(i).padStart(5, '0')}`;

/** Child: one run (fresh process and data folder). */
async function child(): Promise<RunResult> {
  const url = process.env.RCR_BENCH_LD_URL!;
  const token = process.env[TOKEN_ENV]!;
  const n = Number(process.env.RCR_BENCH_LD_N);
  const run = Number(process.env.RCR_BENCH_RUN ?? 0);
  const pageSize = Number(process.env.BENCH_LD_PAGE ?? 100);
  const { createLaunchDarklyProvider } =
    await import('../electron/core/providers/launchdarkly/launchdarkly-provider.ts');
  const provider = createLaunchDarklyProvider({
    name: 'ld',
    url,
    token,
    project: 'default',
    environments: ENVIRONMENTS,
    pageSize,
  });
  const bc = await openBenchCore({
    providers: [
      {
        name: 'ld',
        kind: 'launchdarkly',
        url,
        tokenEnv: TOKEN_ENV,
        project: 'default',
        environments: ENVIRONMENTS,
      },
    ],
    inject: { ld: provider },
  });
  try {
    const { core } = bc;
    const timed = async (): Promise<SyncTiming> => {
      // A 20 ms gap (not timed) so no request of the previous step shares a millisecond with this one.
      await new Promise((resolve) => setTimeout(resolve, 20));
      const startAt = Date.now();
      const t0 = performance.now();
      const outcome = await core.sync.syncProvider('ld');
      const elapsed = performance.now() - t0;
      const endAt = Date.now();
      await new Promise((resolve) => setTimeout(resolve, 20));
      check(outcome.ok, `sync failed: ${outcome.error}`);
      return { ms: elapsed, startAt, endAt, flags: outcome.flags, newHistory: outcome.newHistory };
    };
    const first = await timed();
    check(
      first.flags === n * ENVIRONMENTS.length,
      `expected ${n * ENVIRONMENTS.length} states, got ${first.flags}`,
    );
    const repeat = await timed();
    check(repeat.newHistory === 0, `a repeat sync without changes added ${repeat.newHistory} history rows`);

    // 1 % of the flags get a new production rollout through the API (not timed).
    const changedFlags = Math.max(1, Math.round(n / 100));
    for (let k = 0; k < changedFlags; k++) {
      const key = flagKey((run * changedFlags + k * 3) % n);
      const current = await provider.getFlag('production', key);
      const target = current.layers.rolloutPercent === 40 ? 45 : 40;
      const plan = await provider.planChange(current, { rolloutPercent: target }, 'bench', 'bench');
      await provider.executePlan(plan, 'bench: 1 % change', 'bench');
    }
    const changed = await timed();
    check(
      changed.newHistory === changedFlags,
      `expected ${changedFlags} new history rows, got ${changed.newHistory}`,
    );
    return { first, repeat, changed, changedFlags, peakRss: peakRss() };
  } finally {
    await bc.dispose();
  }
}

/** The N generated flags: AI at 25 %, AI with targets, boolean serving `true`. */
function flagSpecs(n: number) {
  return Array.from({ length: n }, (_, i) => {
    const key = flagKey(i);
    if (i % 3 === 0) return { key };
    if (i % 3 === 1)
      return {
        key,
        config: {
          targets: [
            { values: [`user-${i}-a`, `user-${i}-b`], variation: 1 },
            { values: [`user-${i}-x`], variation: 0 },
          ],
        },
      };
    return {
      key,
      kind: 'boolean' as const,
      variations: [{ value: true }, { value: false }],
      config: { offVariation: 1, fallthrough: { variation: 0 } },
    };
  });
}

/** Runs the whole bench (parent). */
export async function run(): Promise<BenchReport> {
  const loadAtStart = loadAvg();
  const n = Number(process.env.BENCH_LD_FLAGS ?? 5000);
  const runs = Number(process.env.BENCH_LD_RUNS ?? 5);
  const pageSize = Number(process.env.BENCH_LD_PAGE ?? 100);
  const { startLaunchDarklyServer } = await import('../test/support/launchdarkly-server.ts');
  const raw: Record<string, unknown> = { flags: n, environments: ENVIRONMENTS, pageSize };
  const setupMs: number[] = [];
  const results: (RunResult & {
    requests: Record<'first' | 'repeat' | 'changed', Record<string, number>>;
  })[] = [];
  for (let i = 0; i < runs; i++) {
    // A fresh server per run: same flags, empty audit log, so every run does the same work.
    const server = await startLaunchDarklyServer({
      environments: ENVIRONMENTS,
      maxPageSize: Math.max(100, pageSize),
    });
    try {
      const c0 = performance.now();
      server.addFlags(flagSpecs(n));
      setupMs.push(performance.now() - c0);
      progress(`${BENCH}: run ${i + 1}/${runs} (${n} flags × ${ENVIRONMENTS.length} environments)`);
      const r = await runChild<RunResult>(
        FILE,
        'sync',
        {
          RCR_BENCH_LD_URL: server.url,
          [TOKEN_ENV]: server.token,
          RCR_BENCH_LD_N: String(n),
          RCR_BENCH_RUN: String(i),
        },
        600_000,
      );
      const count = (t: SyncTiming) => {
        const byRoute: Record<string, number> = { total: 0 };
        for (const e of server.stats.log) {
          if (e.at < t.startAt || e.at > t.endAt) continue;
          byRoute.total = (byRoute.total ?? 0) + 1;
          byRoute[e.route] = (byRoute[e.route] ?? 0) + 1;
        }
        return byRoute;
      };
      results.push({
        ...r,
        requests: { first: count(r.first), repeat: count(r.repeat), changed: count(r.changed) },
      });
    } finally {
      await server.close();
    }
  }
  raw.runs = results;
  raw.setupMs = setupMs;
  {
    const states = n * ENVIRONMENTS.length;
    const row = (
      label: string,
      pick: (r: RunResult) => SyncTiming,
      phase: 'first' | 'repeat' | 'changed',
    ): BenchRow[] => {
      const times = results.map((r) => pick(r).ms);
      const req = results[0]!.requests[phase];
      const list = req['GET flags'] ?? 0;
      return [
        {
          bench: BENCH,
          metric: `${label}: time`,
          value: ms(median(times)),
          note: `median; ${spread(times)}; ${states.toLocaleString('en')} flag states, ${pick(results[0]!).newHistory} new history rows`,
        },
        {
          bench: BENCH,
          metric: `${label}: requests`,
          value: String(req.total ?? 0),
          note: `${list} flag-list pages (limit ${pageSize}, all ${ENVIRONMENTS.length} environments per page), ${req['GET auditlog'] ?? 0} audit-log pages, ${req['GET auditlog/{id}'] ?? 0} audit entries; same in every run: ${results.every((r) => JSON.stringify(r.requests[phase]) === JSON.stringify(req))}`,
        },
      ];
    };
    const rows: BenchRow[] = [
      ...row('first sync (empty cache)', (r) => r.first, 'first'),
      ...row('repeat sync, nothing changed', (r) => r.repeat, 'repeat'),
      ...row(
        `repeat sync, 1% changed (${results[0]!.changedFlags} flags in production)`,
        (r) => r.changed,
        'changed',
      ),
      {
        bench: BENCH,
        metric: 'peak RSS of the syncing process',
        value: mib(Math.max(...results.map((r) => r.peakRss))),
        note: `max over ${runs} runs; the server runs in the parent process`,
      },
      {
        bench: BENCH,
        metric: 'setup (not timed): generating the flags in the local server',
        value: ms(median(setupMs)),
        note: 'median per run',
      },
      loadRow(BENCH, loadAtStart),
    ];
    return { bench: BENCH, rows, raw };
  }
}

if (childMode() === 'sync') childDone(await child());
else runAsMain(import.meta.url, run);
