/**
 * Soak: for `BENCH_SOAK_MS` (default 10 minutes) a browser-mode server (`rcr serve`), a headless
 * `rcr monitor` and CLI commands share one data folder while kills, restores, rollbacks through the
 * outbox, metric imports and syncs run against a REAL Unleash behind a fault-injecting proxy
 * (500s, 429s with Retry-After, delays below the provider's 5 s timeout). Printed: actions
 * requested, answers (done / refused / failed), writes that reached Unleash, audit rows succeeded,
 * and the three that must be 0 — duplicate writes (a flag turned off or on twice in a row at
 * Unleash), lost actions (an audit row still pending or an outbox action unfinished once the load
 * stopped and the processes had 90 s to settle) and process crashes (the server or the monitor
 * exiting on its own).
 *
 * Run alone: `node bench/soak.bench.ts` (needs PostgreSQL and unleash-server in .tools/unleash, as
 * the integration tests do, and the renderer build for `rcr serve`: `npm run build:renderer`).
 * Knobs: `BENCH_SOAK_MS`, `BENCH_SOAK_FLAGS` (default 4), `BENCH_SOAK_WORKERS` (default 4).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { invokeApi, serveApp, type ServedApp } from '../e2e/serve-app.ts';
import { openCore, type AppCore } from '../electron/core/app-core.ts';
import { stopClusterIfStartedSince, clusterOnline } from '../test/support/postgres.ts';
import { startFaultProxy, type FaultProxy } from '../test/support/fault-proxy.ts';
import { metricDef } from '../test/support/metric-fixtures.ts';
import {
  createFeatureWithRollout,
  getFeature,
  startUnleash,
  type UnleashHandle,
} from '../test/support/unleash.ts';
import { loadAvg, loadRow, progress, runAsMain, type BenchReport } from './lib/report.ts';

const BENCH = 'soak';
const DURATION_MS = Number(process.env.BENCH_SOAK_MS ?? 10 * 60_000);
const FLAGS = Number(process.env.BENCH_SOAK_FLAGS ?? 4);
const WORKERS = Number(process.env.BENCH_SOAK_WORKERS ?? 4);
const ENV = 'production';
const ROOT = path.resolve(import.meta.dirname, '..');
const TOKEN_ENV = 'RCR_SOAK_UNLEASH_TOKEN';

const keys = Array.from({ length: FLAGS }, (_, i) => `soak-${i + 1}`);
const ref = (key: string) => ({ provider: 'unleash', environment: ENV, key });
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const pick = <T>(xs: readonly T[]): T => xs[Math.floor(Math.random() * xs.length)] as T;

/** Runs the CLI on the folder; resolves with its exit code (never rejects). */
function cli(dataDir: string, env: NodeJS.ProcessEnv, args: string[]): Promise<number> {
  return new Promise((resolve) => {
    const c = spawn(
      process.execPath,
      [
        '--disable-warning=ExperimentalWarning',
        path.join(ROOT, 'electron/cli/rcr.ts'),
        '--data-dir',
        dataDir,
        ...args,
      ],
      { cwd: ROOT, env, stdio: 'ignore' },
    );
    c.once('exit', (code) => resolve(code ?? 1));
  });
}

/** Counts of what the load did. */
interface Tally {
  requested: number;
  done: number;
  refused: number;
  failed: number;
  reads: number;
  imports: number;
  importFailures: number;
}

/** Injects one random fault into the next request of the proxy every ~1.5 s while `running()`. */
async function faults(
  proxy: FaultProxy,
  running: () => boolean,
  injected: Record<string, number>,
): Promise<void> {
  const kinds = [
    () => ({ kind: 'status' as const, status: 500 }),
    () => ({ kind: 'status' as const, status: 503 }),
    () => ({ kind: 'status' as const, status: 429, headers: { 'retry-after': '1' } }),
    () => ({ kind: 'delay' as const, ms: 500 + Math.floor(Math.random() * 2000) }),
  ];
  while (running()) {
    const fault = pick(kinds)();
    const writes = Math.random() < 0.7;
    proxy.inject(fault, { times: 1, match: (m) => (writes ? m !== 'GET' : m === 'GET') });
    const name = `${fault.kind === 'status' ? fault.status : 'delay'} on a ${writes ? 'write' : 'read'}`;
    injected[name] = (injected[name] ?? 0) + 1;
    await sleep(1500);
  }
}

/** Writes a metric-event file for `key` (errors per unit) and imports it through an in-process core. */
async function importEvents(core: AppCore, dir: string, key: string, n: number): Promise<boolean> {
  const lines = ['timestamp,unit_id,flag_key,variant,metric,value'];
  const now = Date.now();
  for (let i = 0; i < n; i++)
    lines.push(
      `${new Date(now - Math.floor(Math.random() * 600_000)).toISOString()},u${now}-${i},${key},${i % 2 ? 'treatment' : 'control'},errors,${Math.random() < 0.03 ? 1 : 0}`,
    );
  const file = path.join(dir, `events-${key}-${now}.csv`);
  fs.writeFileSync(file, `${lines.join('\n')}\n`);
  const r = await core.invoke('metrics.importEvents', { path: file, provider: 'unleash', environment: ENV });
  fs.rmSync(file, { force: true });
  return r.ok;
}

async function bench(): Promise<BenchReport> {
  const loadAtStart = loadAvg();
  const pgWasOnline = await clusterOnline().catch(() => null);
  const unleash: UnleashHandle = await startUnleash();
  const procs: { server: ServedApp | null; monitor: ChildProcess | null } = { server: null, monitor: null };
  const crashes: string[] = [];
  let stopping = false;
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'rcr-soak-'));
  const scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'rcr-soak-files-'));
  let proxy: FaultProxy | null = null;
  let core: AppCore | null = null;
  try {
    for (const name of keys)
      await createFeatureWithRollout(unleash.url, unleash.token, { name, rollout: 25 });
    proxy = await startFaultProxy(unleash.url);
    fs.writeFileSync(
      path.join(dataDir, 'config.json'),
      JSON.stringify({
        version: 1,
        syncIntervalMs: 5000,
        providers: [
          { name: 'unleash', kind: 'unleash', url: proxy.url, tokenEnv: TOKEN_ENV, environments: [ENV] },
        ],
        rollouts: { monitorIntervalMs: 5000 },
      }),
      { mode: 0o600 },
    );
    const env = { ...process.env, [TOKEN_ENV]: unleash.token, RCR_ACTOR: 'soak' };
    procs.server = await serveApp({ dataDir, env });
    procs.monitor = spawn(
      process.execPath,
      [
        '--disable-warning=ExperimentalWarning',
        path.join(ROOT, 'electron/cli/rcr.ts'),
        '--data-dir',
        dataDir,
        'monitor',
        '--interval',
        '5s',
      ],
      { cwd: ROOT, env, stdio: 'ignore' },
    );
    procs.monitor.once('exit', (code, signal) => {
      if (!stopping) crashes.push(`rcr monitor exited (${code ?? signal})`);
    });
    // The server is watched by polling (serveApp owns its child).
    core = await openCore({ dataDir, env, startSync: false, startMonitor: false, actor: 'soak-importer' });
    for (const key of keys) await core.invoke('metrics.define', metricDef(ref(key)));

    const tally: Tally = {
      requested: 0,
      done: 0,
      refused: 0,
      failed: 0,
      reads: 0,
      imports: 0,
      importFailures: 0,
    };
    const injected: Record<string, number> = {};
    const started = Date.now();
    const running = () => Date.now() - started < DURATION_MS && crashes.length === 0;
    const server = procs.server;
    const faulting = faults(proxy, running, injected);
    const count = (ok: boolean, code?: string) => {
      if (ok) tally.done++;
      else if (code === 'BAD_INPUT' || code === 'CONFLICT') tally.refused++;
      else tally.failed++;
    };
    const ops: (() => Promise<void>)[] = [
      async () => {
        tally.requested++;
        const r = await invokeApi(server, 'flag.rollback', {
          ref: ref(pick(keys)),
          mode: 'kill',
          reason: 'soak kill',
        });
        count(r.ok, r.ok ? undefined : r.error.code);
      },
      async () => {
        tally.requested++;
        const r = await invokeApi(server, 'flag.restore', { ref: ref(pick(keys)), reason: 'soak restore' });
        count(r.ok, r.ok ? undefined : r.error.code);
      },
      async () => {
        tally.requested++;
        const r = await invokeApi(server, 'rollout.rollback', {
          flag: ref(pick(keys)),
          reason: 'soak rollback',
          target: 'kill',
        });
        count(r.ok, r.ok ? undefined : r.error.code);
      },
      async () => {
        tally.requested++;
        const code = await cli(dataDir, env, [
          'rollback',
          pick(keys),
          '--env',
          ENV,
          '--mode',
          'kill',
          '--reason',
          'soak cli kill',
          '--yes',
        ]);
        if (code === 0) tally.done++;
        else tally.refused++; // exit 1: refused or failed — the audit rows tell which
      },
      async () => {
        tally.requested++;
        const code = await cli(dataDir, env, [
          'restore',
          pick(keys),
          '--env',
          ENV,
          '--reason',
          'soak cli restore',
          '--yes',
        ]);
        if (code === 0) tally.done++;
        else tally.refused++;
      },
      async () => {
        tally.reads++;
        await cli(dataDir, env, ['flags', 'list', '--json', ...(Math.random() < 0.5 ? ['--offline'] : [])]);
      },
      async () => {
        tally.reads++;
        await invokeApi(server, 'sync.now', {});
      },
      async () => {
        tally.imports++;
        if (!(await importEvents(core!, scratch, pick(keys), 20_000))) tally.importFailures++;
      },
    ];
    const worker = async () => {
      while (running()) {
        try {
          await pick(ops)();
        } catch (error) {
          tally.failed++;
          progress(`op threw: ${error instanceof Error ? error.message : String(error)}`);
        }
        await sleep(200 + Math.random() * 800);
      }
    };
    const watchdog = (async () => {
      while (running()) {
        const r = await invokeApi(server, 'session.info', {}).catch(() => null);
        if (!r?.ok) crashes.push('rcr serve stopped answering');
        await sleep(5000);
        progress(
          `${Math.round((Date.now() - started) / 1000)} s: ${tally.requested} actions, ${tally.done} done, ${tally.refused} refused, ${tally.failed} failed, ${tally.imports} imports`,
        );
      }
    })();
    await Promise.all([...Array.from({ length: WORKERS }, worker), faulting, watchdog]);
    const loadMs = Date.now() - started;

    // Settle: no load, no faults; the processes finish or reconcile what is in flight.
    progress('load stopped; settling (up to 90 s)');
    const db = new Database(path.join(dataDir, 'rcr.db'), { readonly: true, fileMustExist: true });
    const unfinished = () =>
      (
        db.prepare(`SELECT COUNT(*) AS n FROM outbox WHERE status IN ('pending','sent')`).get() as {
          n: number;
        }
      ).n + (db.prepare(`SELECT COUNT(*) AS n FROM audit WHERE status = 'pending'`).get() as { n: number }).n;
    const settleEnd = Date.now() + 90_000;
    while (unfinished() > 0 && Date.now() < settleEnd) await sleep(1000);
    await proxy.settled();
    const lost = unfinished();
    const succeeded = (
      db.prepare(`SELECT COUNT(*) AS n FROM audit WHERE status = 'succeeded'`).get() as { n: number }
    ).n;
    const failedAudit = (
      db.prepare(`SELECT COUNT(*) AS n FROM audit WHERE status = 'failed'`).get() as { n: number }
    ).n;
    db.close();

    // Writes that reached Unleash, and duplicates: the same kill-switch write twice in a row.
    const writes = proxy.log.filter(
      (r) => r.method !== 'GET' && r.upstreamStatus !== null && r.upstreamStatus < 300,
    );
    let duplicates = 0;
    const duplicateFlags: string[] = [];
    for (const key of keys) {
      const seq = writes
        .filter((w) => w.url.includes(`/features/${key}/environments/${ENV}/`))
        .sort((a, b) => a.at - b.at)
        .map((w) => (w.url.endsWith('/off') ? 'off' : w.url.endsWith('/on') ? 'on' : 'other'))
        .filter((x) => x !== 'other');
      for (let i = 1; i < seq.length; i++)
        if (seq[i] === seq[i - 1]) {
          duplicates++;
          duplicateFlags.push(key);
        }
    }
    // The control room's view agrees with Unleash once everything settled.
    await invokeApi(server, 'sync.now', {});
    const disagree: string[] = [];
    for (const key of keys) {
      const inUnleash = (await getFeature(unleash.url, unleash.token, key)).environments.find(
        (e) => e.name === ENV,
      )?.enabled;
      const shown = await invokeApi(server, 'flag.get', ref(key));
      if (!shown.ok || shown.value.flag.layers.enabled !== inUnleash) disagree.push(key);
    }
    const minutes = (loadMs / 60_000).toFixed(1);
    return {
      bench: BENCH,
      rows: [
        {
          bench: BENCH,
          metric: 'load duration',
          value: `${minutes} min`,
          note: `${WORKERS} workers, ${FLAGS} flags`,
        },
        {
          bench: BENCH,
          metric: 'actions requested (kill / restore / rollback via server and CLI)',
          value: String(tally.requested),
          note: `${tally.done} done, ${tally.refused} refused or failed at the CLI, ${tally.failed} failed; ${tally.reads} reads; ${tally.imports} imports (${tally.importFailures} failed)`,
        },
        {
          bench: BENCH,
          metric: 'writes that reached Unleash',
          value: String(writes.length),
          note: `audit rows: ${succeeded} succeeded, ${failedAudit} failed; faults injected: ${Object.entries(
            injected,
          )
            .map(([k, v]) => `${v}× ${k}`)
            .join(', ')}`,
        },
        {
          bench: BENCH,
          metric: 'duplicate writes (same kill-switch write twice in a row)',
          value: String(duplicates),
          target: '0',
          met: duplicates === 0,
          note: duplicateFlags.join(', '),
        },
        {
          bench: BENCH,
          metric: 'lost actions (pending audit rows + unfinished outbox actions after 90 s)',
          value: String(lost),
          target: '0',
          met: lost === 0,
        },
        {
          bench: BENCH,
          metric: 'process crashes',
          value: String(crashes.length),
          target: '0',
          met: crashes.length === 0,
          note: crashes.join('; '),
        },
        {
          bench: BENCH,
          metric: 'flags whose shown kill switch disagrees with Unleash after settling',
          value: String(disagree.length),
          target: '0',
          met: disagree.length === 0,
          note: disagree.join(', '),
        },
        loadRow(BENCH, loadAtStart),
      ],
      raw: { tally, injected, writes: writes.length, duplicates, lost, crashes, disagree },
    };
  } finally {
    stopping = true;
    await core?.close().catch(() => undefined);
    procs.monitor?.kill('SIGTERM');
    await procs.server?.stop().catch(() => undefined);
    await proxy?.settled().catch(() => undefined);
    await proxy?.close().catch(() => undefined);
    await unleash.stop();
    fs.rmSync(dataDir, { recursive: true, force: true });
    fs.rmSync(scratch, { recursive: true, force: true });
    if (await stopClusterIfStartedSince(pgWasOnline))
      progress('stopped the PostgreSQL cluster this bench started');
  }
}

runAsMain(import.meta.url, bench);
