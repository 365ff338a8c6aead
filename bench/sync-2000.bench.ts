/**
 * Sync of 2,000 flags from a provider into the SQLite cache.
 *
 * Part A (synthetic, the control room's own cost): a generated in-memory
 * provider (bench/lib/generated-provider.ts) serving 2,000 flag states and
 * 4,000 history events is injected through `providerFactory`; each run, in a
 * fresh Node process and a fresh data folder, times `core.sync.syncProvider`:
 *   - first sync (empty cache: 2,000 snapshot inserts + 4,000 history rows + status),
 *   - repeat sync with nothing changed,
 *   - repeat sync after 1 % of the flags changed (20 flags, 20 new events),
 * and reports the process's peak RSS. Also times `fleet.list` over the 2,000 rows.
 *
 * Part B (real Unleash): starts unleash-server@8 + PostgreSQL (test/support/unleash.ts),
 * creates N features through its Admin API (default N = 1,000, env
 * `BENCH_UNLEASH_FLAGS`; `BENCH_SKIP_UNLEASH=1` skips it), and times the same three
 * syncs through the real Unleash provider (production environment only). Here the
 * time is dominated by Unleash's HTTP API (one list + one detail request per feature).
 *
 * Run alone: `node bench/sync-2000.bench.ts` (from the repo root, with Node 24).
 */
import { fileURLToPath } from 'node:url';
import { createGeneratedProvider } from './lib/generated-provider.ts';
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
const FLAGS = 2000;
const EVENTS_PER_FLAG = 2;
const SYNTHETIC_RUNS = 7;
const UNLEASH_RUNS = 5;
const UNLEASH_ENV = 'production';
const UNLEASH_TOKEN_ENV = 'RCR_BENCH_UNLEASH_TOKEN';

/** What one child run measured. */
interface RunResult {
  firstMs: number;
  repeatNoChangeMs: number;
  repeat1pctMs: number;
  changed: number;
  firstFlags: number;
  firstHistory: number;
  repeatHistory: number;
  /** Time spent inside the provider during the first sync (synthetic only). */
  providerMs: number | null;
  fleetListMs: number | null;
  rssBeforeSync: number;
  /** Peak RSS of the process up to the end of the three syncs. */
  peakRss: number;
  /** Peak RSS after the `fleet.list` calls as well (synthetic only). */
  peakRssAfterFleetList: number | null;
}

function check(condition: boolean, message: string): void {
  if (!condition) throw new Error(`sanity check failed: ${message}`);
}

async function timedSync(core: Awaited<ReturnType<typeof openBenchCore>>['core'], name: string) {
  const t0 = performance.now();
  const outcome = await core.sync.syncProvider(name);
  const elapsed = performance.now() - t0;
  check(outcome.ok, `sync of ${name} failed: ${outcome.error}`);
  return { ms: elapsed, outcome };
}

/** Child: one synthetic run. */
async function syntheticChild(): Promise<RunResult> {
  const provider = createGeneratedProvider({ name: 'bench', flags: FLAGS, eventsPerFlag: EVENTS_PER_FLAG });
  const bc = await openBenchCore({
    providers: [{ name: 'bench', kind: 'local' }],
    inject: { bench: provider },
  });
  try {
    const { core } = bc;
    const rssBeforeSync = process.memoryUsage().rss;
    provider.resetOwnMs();
    const first = await timedSync(core, 'bench');
    const providerMs = provider.ownMs();
    const snapshots = (
      core.db.prepare("SELECT COUNT(*) AS n FROM flag_snapshot WHERE provider = 'bench'").get() as {
        n: number;
      }
    ).n;
    check(snapshots === FLAGS, `expected ${FLAGS} snapshots, found ${snapshots}`);
    check(
      first.outcome.newHistory === FLAGS * EVENTS_PER_FLAG,
      `history after first sync: ${first.outcome.newHistory}`,
    );

    const noChange = await timedSync(core, 'bench');
    check(noChange.outcome.newHistory === 0, 'a repeat sync without changes added history');

    const changed = provider.mutate(0.01);
    const repeat = await timedSync(core, 'bench');
    check(
      repeat.outcome.newHistory === changed,
      `expected ${changed} new history rows, got ${repeat.outcome.newHistory}`,
    );

    const peakAfterSyncs = peakRss();
    const fleetTimes: number[] = [];
    for (let i = 0; i < 5; i++) {
      const t0 = performance.now();
      const r = await core.invoke('fleet.list', {});
      fleetTimes.push(performance.now() - t0);
      check(r.ok && r.value.rows.filter((x) => x.provider === 'bench').length === FLAGS, 'fleet.list rows');
    }
    return {
      firstMs: first.ms,
      repeatNoChangeMs: noChange.ms,
      repeat1pctMs: repeat.ms,
      changed,
      firstFlags: first.outcome.flags,
      firstHistory: first.outcome.newHistory,
      repeatHistory: repeat.outcome.newHistory,
      providerMs,
      fleetListMs: median(fleetTimes),
      rssBeforeSync,
      peakRss: peakAfterSyncs,
      peakRssAfterFleetList: peakRss(),
    };
  } finally {
    await bc.dispose();
  }
}

const featureName = (i: number) => `bench-${String(i).padStart(4, '0')}`;

/** Child: one run against the Unleash started by the parent. */
async function unleashChild(): Promise<RunResult> {
  const { setRollout } = await import('../test/support/unleash.ts');
  const url = process.env.RCR_BENCH_UNLEASH_URL!;
  const token = process.env[UNLEASH_TOKEN_ENV]!;
  const n = Number(process.env.RCR_BENCH_UNLEASH_N);
  const run = Number(process.env.RCR_BENCH_RUN ?? 0);
  const bc = await openBenchCore({
    providers: [
      {
        name: 'unleash',
        kind: 'unleash',
        url,
        tokenEnv: UNLEASH_TOKEN_ENV,
        project: 'default',
        environments: [UNLEASH_ENV],
      },
    ],
  });
  try {
    const { core } = bc;
    const rssBeforeSync = process.memoryUsage().rss;
    const first = await timedSync(core, 'unleash');
    check(first.outcome.flags === n, `expected ${n} flags from Unleash, got ${first.outcome.flags}`);
    const noChange = await timedSync(core, 'unleash');
    // 1 % of the features get a new rollout % directly in Unleash (not timed).
    const changedCount = Math.max(1, Math.round(n / 100));
    const changes: Promise<void>[] = [];
    for (let k = 0; k < changedCount; k++) {
      const i = (run * changedCount + k) % n;
      changes.push(setRollout(url, token, featureName(i), UNLEASH_ENV, 30 + (run % 50)));
    }
    await Promise.all(changes);
    const repeat = await timedSync(core, 'unleash');
    check(
      repeat.outcome.newHistory >= changedCount,
      `expected ≥ ${changedCount} new history rows, got ${repeat.outcome.newHistory}`,
    );
    return {
      firstMs: first.ms,
      repeatNoChangeMs: noChange.ms,
      repeat1pctMs: repeat.ms,
      changed: changedCount,
      firstFlags: first.outcome.flags,
      firstHistory: first.outcome.newHistory,
      repeatHistory: repeat.outcome.newHistory,
      providerMs: null,
      fleetListMs: null,
      rssBeforeSync,
      peakRss: peakRss(),
      peakRssAfterFleetList: null,
    };
  } finally {
    await bc.dispose();
  }
}

/** Creates `n` features (one flexibleRollout strategy each, enabled in production), 8 at a time. */
async function createFeatures(url: string, token: string, n: number): Promise<void> {
  const { createFeatureWithRollout } = await import('../test/support/unleash.ts');
  let next = 0;
  const worker = async () => {
    while (next < n) {
      const i = next++;
      await createFeatureWithRollout(url, token, {
        name: featureName(i),
        rollout: (i * 7) % 101,
        variantPayload: i % 3 === 0 ? { modelVersion: 'v2.4', minConfidence: 0.8 } : undefined,
      });
    }
  };
  await Promise.all(Array.from({ length: 8 }, worker));
}

function rowsFor(label: string, runs: RunResult[], target: { first?: string; repeat?: string }): BenchRow[] {
  const bench = 'sync-2000';
  const pick = (f: (r: RunResult) => number) => runs.map(f);
  const rows: BenchRow[] = [
    {
      bench,
      metric: `${label}: first sync (${runs[0]!.firstFlags} flags, ${runs[0]!.firstHistory} history rows)`,
      value: ms(median(pick((r) => r.firstMs))),
      target: target.first,
      note: `median; ${spread(pick((r) => r.firstMs))}`,
    },
    {
      bench,
      metric: `${label}: repeat sync, nothing changed`,
      value: ms(median(pick((r) => r.repeatNoChangeMs))),
      note: `median; ${spread(pick((r) => r.repeatNoChangeMs))}`,
    },
    {
      bench,
      metric: `${label}: repeat sync, 1% changed (${runs[0]!.changed} flags)`,
      value: ms(median(pick((r) => r.repeat1pctMs))),
      target: target.repeat,
      note: `median; ${spread(pick((r) => r.repeat1pctMs))}`,
    },
    {
      bench,
      metric: `${label}: peak RSS of the process during the three syncs`,
      value: mib(Math.max(...pick((r) => r.peakRss))),
      note: `max over runs; RSS before first sync ${mib(median(pick((r) => r.rssBeforeSync)))} (median)`,
    },
  ];
  const providerMs = runs.map((r) => r.providerMs).filter((x): x is number => x !== null);
  if (providerMs.length)
    rows.push({
      bench,
      metric: `${label}: of which inside the provider (first sync)`,
      value: ms(median(providerMs)),
      note: 'median; generated provider, returns prebuilt objects',
    });
  const fleet = runs.map((r) => r.fleetListMs).filter((x): x is number => x !== null);
  if (fleet.length)
    rows.push({
      bench,
      metric: `${label}: core fleet.list of ${FLAGS} rows (after sync)`,
      value: ms(median(fleet)),
      note: `median of per-run medians (5 calls each); n=${fleet.length}`,
    });
  const peakFleet = runs.map((r) => r.peakRssAfterFleetList).filter((x): x is number => x !== null);
  if (peakFleet.length)
    rows.push({
      bench,
      metric: `${label}: peak RSS after 5 × fleet.list as well`,
      value: mib(Math.max(...peakFleet)),
      note: 'max over runs',
    });
  return rows;
}

/** Runs the whole bench (parent). */
export async function run(): Promise<BenchReport> {
  const loadAtStart = loadAvg();
  const raw: Record<string, unknown> = {};
  const synthetic: RunResult[] = [];
  for (let i = 0; i < SYNTHETIC_RUNS; i++) {
    progress(`sync-2000: synthetic run ${i + 1}/${SYNTHETIC_RUNS}`);
    synthetic.push(await runChild<RunResult>(FILE, 'synthetic'));
  }
  raw.synthetic = synthetic;
  const rows = rowsFor('generated provider', synthetic, {});

  if (process.env.BENCH_SKIP_UNLEASH === '1') {
    rows.push({ bench: 'sync-2000', metric: 'real Unleash', value: 'skipped (BENCH_SKIP_UNLEASH=1)' });
    rows.push(loadRow('sync-2000', loadAtStart));
    return { bench: 'sync-2000', rows, raw };
  }
  const n = Number(process.env.BENCH_UNLEASH_FLAGS ?? 1000);
  const { startUnleash } = await import('../test/support/unleash.ts');
  progress('sync-2000: starting Unleash');
  const t0 = performance.now();
  const unleash = await startUnleash();
  raw.unleashStartMs = performance.now() - t0;
  try {
    progress(`sync-2000: creating ${n} Unleash features`);
    const c0 = performance.now();
    await createFeatures(unleash.url, unleash.token, n);
    const createMs = performance.now() - c0;
    raw.unleashCreateMs = createMs;
    const runs: RunResult[] = [];
    for (let i = 0; i < UNLEASH_RUNS; i++) {
      progress(`sync-2000: Unleash run ${i + 1}/${UNLEASH_RUNS}`);
      runs.push(
        await runChild<RunResult>(FILE, 'unleash', {
          RCR_BENCH_UNLEASH_URL: unleash.url,
          [UNLEASH_TOKEN_ENV]: unleash.token,
          RCR_BENCH_UNLEASH_N: String(n),
          RCR_BENCH_RUN: String(i),
        }),
      );
    }
    raw.unleash = runs;
    rows.push(...rowsFor(`real Unleash, N=${n}`, runs, {}));
    rows.push({
      bench: 'sync-2000',
      metric: `real Unleash: setup (not part of sync)`,
      value: ms(createMs),
      note: `creating ${n} features via Admin API, 8 in parallel; server start ${ms(raw.unleashStartMs as number)}`,
    });
  } finally {
    await unleash.stop();
  }
  rows.push(loadRow('sync-2000', loadAtStart));
  return { bench: 'sync-2000', rows, raw };
}

const mode = childMode();
if (mode === 'synthetic') childDone(await syntheticChild());
else if (mode === 'unleash') childDone(await unleashChild());
else runAsMain(import.meta.url, run);
