/**
 * Import of metric events into per-minute rollups through the core
 * (`metrics.importEvents`). Targets (issue): ≥ 500k rows/s, peak RSS < 500 MB.
 *
 * The parent writes a seeded CSV `timestamp,unit_id,flag_key,variant,metric,value`
 * (default 10M rows; ISO 8601 `Z` timestamps in ascending order spread over
 * 7 days; one flag, 2 variants 50/50; 5 metrics: `conversion` and `error`
 * binomial 0/1, `latency_ms` log-normal with 3 decimals, `revenue` mostly 0,
 * `session_s` normal) into a temp folder. Then, each in a fresh Node process:
 *   - `import`: `openCore({dataDir, startSync: false})` on an empty data folder,
 *     then `core.invoke('metrics.importEvents', {path, provider: 'local',
 *     environment: 'production'})`; wall time of the call, rows/s, peak RSS
 *     (`process.resourceUsage().maxRSS`), rollup rows written;
 *   - `read` (diagnostic, `BENCH_METRIC_READ=0` skips it): `readMetricEvents`
 *     alone with a no-op sink — the CSV parse + validation share of the import.
 *
 *   - `existing` (issue 15, "analytics never block operations"): two more seeded CSVs of
 *     `BENCH_METRIC_EXISTING_ROWS` rows (default 1,000,000; other seeds, same 7 days, so the
 *     second lands on minutes that already exist) are imported one after the other into one
 *     fresh core. While the second runs: a lock probe — a worker thread with its own SQLite
 *     connection to `rcr.db` — takes the write lock (`BEGIN IMMEDIATE; COMMIT`) every ~2 ms with
 *     `busy_timeout = 0`, retrying every 1 ms while it is busy, and records how long each attempt
 *     waited (the longest wait = the longest stretch the import kept the write lock away from
 *     another connection, ± 1 ms); a second probe does the same with SQLite's own busy handler
 *     (`busy_timeout = 5000`, what another `rcr` process does) and counts `database is locked`;
 *     `perf_hooks.monitorEventLoopDelay` records the event loop's longest stall; and every
 *     ~700 ms `flag.rollback` (kill) / `flag.restore` of the embedded provider's
 *     `ai-answer-assist` is invoked through `core.invoke`, timed from when it was due (a stalled
 *     event loop delays the call itself) to its confirmed answer.
 *
 * Knobs: `BENCH_METRIC_ROWS` (default 10,000,000; `0` skips the 10M part), `BENCH_METRIC_RUNS`
 * (default 1), `BENCH_METRIC_READ` (default 1), `BENCH_METRIC_EXISTING_ROWS` (default 1,000,000;
 * `0` skips), `BENCH_METRIC_KEEP=1` keeps the temp folder.
 * Run alone: `node bench/metric-import.bench.ts` (from the repo root, with Node 24).
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';
import Database from 'better-sqlite3';
import { openCore } from '../electron/core/app-core.ts';
import { readMetricEvents } from '../electron/core/metrics/metric-events-reader.ts';
import { unwrapResult } from './lib/invoke.ts';
import { childDone, childMode, peakRss, runChild } from './lib/child.ts';
import {
  loadAvg,
  loadRow,
  max,
  median,
  mib,
  ms,
  percentile,
  progress,
  runAsMain,
  type BenchReport,
  type BenchRow,
} from './lib/report.ts';
import { gaussian, rng } from './lib/rng.ts';

const BENCH = 'metric-import';
const FILE = fileURLToPath(import.meta.url);
const ROWS = Number(process.env.BENCH_METRIC_ROWS ?? 10_000_000);
const RUNS = Number(process.env.BENCH_METRIC_RUNS ?? 1);
const READ = process.env.BENCH_METRIC_READ !== '0';
const EXISTING_ROWS = Number(process.env.BENCH_METRIC_EXISTING_ROWS ?? 1_000_000);
const SEED = 20261122;
const DAYS = 7;
const START = Date.UTC(2026, 10, 1);
const TARGET_ROWS_PER_S = 500_000;
const TARGET_RSS = 500e6; // "< 500 MB", taken as 10^6-byte MB (476.8 MiB), the stricter reading
const CHILD_TIMEOUT_MS = 1_800_000;

// ---------------------------------------------------------------------------
// Data.

interface Dataset {
  file: string;
  rows: number;
  bytes: number;
  writeMs: number;
}

const METRICS = ['conversion', 'error', 'latency_ms', 'revenue', 'session_s'] as const;

/** Writes `rows` events to `file` in chunks of 50,000 rows (never the whole file in memory). */
function writeCsv(file: string, rows: number, seed: number): Dataset {
  const t0 = performance.now();
  const random = rng(seed);
  const gauss = gaussian(random);
  const span = DAYS * 86_400_000;
  const fd = fs.openSync(file, 'w');
  try {
    fs.writeSync(fd, 'timestamp,unit_id,flag_key,variant,metric,value\n');
    const CHUNK = 50_000;
    for (let i = 0; i < rows;) {
      const n = Math.min(CHUNK, rows - i);
      let text = '';
      for (let j = 0; j < n; j++, i++) {
        const ts = new Date(START + Math.floor((i / rows) * span)).toISOString();
        const treatment = random() < 0.5;
        const metric = METRICS[Math.floor(random() * METRICS.length)]!;
        let value: string;
        switch (metric) {
          case 'conversion':
            value = random() < (treatment ? 0.11 : 0.1) ? '1' : '0';
            break;
          case 'error':
            value = random() < 0.02 ? '1' : '0';
            break;
          case 'latency_ms':
            value = Math.exp(5.3 + 0.5 * gauss() - (treatment ? 0.02 : 0)).toFixed(3);
            break;
          case 'revenue':
            value = random() < 0.05 ? (20 + 30 * random()).toFixed(2) : '0';
            break;
          default:
            value = Math.max(0, 180 + 60 * gauss()).toFixed(1);
        }
        const unit = `u${String(Math.floor(random() * 1_000_000)).padStart(7, '0')}`;
        text += `${ts},${unit},checkout-redesign,${treatment ? 'treatment' : 'control'},${metric},${value}\n`;
      }
      fs.writeSync(fd, text);
    }
  } finally {
    fs.closeSync(fd);
  }
  return { file, rows, bytes: fs.statSync(file).size, writeMs: performance.now() - t0 };
}

// ---------------------------------------------------------------------------
// Children.

interface ImportResult {
  rows: number;
  importMs: number;
  openMs: number;
  rollupRows: number;
  dbBytes: number;
  rssBefore: number;
  peakRss: number;
}

async function importChild(): Promise<ImportResult> {
  const file = process.env.RCR_BENCH_METRIC_FILE!;
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'rcr-bench-metric-core-'));
  try {
    const t0 = performance.now();
    const core = await openCore({ dataDir, startSync: false });
    const rssBefore = process.memoryUsage().rss;
    const t1 = performance.now();
    const out = unwrapResult(
      await core.invoke('metrics.importEvents', { path: file, provider: 'local', environment: 'production' }),
      'metrics.importEvents',
    );
    const t2 = performance.now();
    const peak = peakRss();
    const { n } = core.db.prepare('SELECT count(*) AS n FROM metric_rollup').get() as { n: number };
    await core.close();
    const dbBytes = fs
      .readdirSync(dataDir)
      .filter((f) => f.startsWith('rcr.db'))
      .reduce((s, f) => s + fs.statSync(path.join(dataDir, f)).size, 0);
    return {
      rows: out.rows,
      importMs: t2 - t1,
      openMs: t1 - t0,
      rollupRows: n,
      dbBytes,
      rssBefore,
      peakRss: peak,
    };
  } finally {
    fs.rmSync(dataDir, { recursive: true, force: true });
  }
}

interface ReadResult {
  rows: number;
  readMs: number;
  peakRss: number;
}

async function readChild(): Promise<ReadResult> {
  const file = process.env.RCR_BENCH_METRIC_FILE!;
  let sink = 0;
  const t0 = performance.now();
  const rows = await readMetricEvents(file, (e) => {
    sink += e.value;
  });
  const readMs = performance.now() - t0;
  if (Number.isNaN(sink)) throw new Error('unexpected NaN');
  return { rows, readMs, peakRss: peakRss() };
}

interface ProbeStats {
  /** Attempts to take the write lock. */
  attempts: number;
  /** Longest wait of one attempt, ms. */
  maxWaitMs: number;
  p99WaitMs: number;
  /** Attempts that waited more than 50 ms. */
  over50: number;
  /** Attempts that failed with SQLITE_BUSY (`database is locked`) — the busy-handler probe only. */
  busy: number;
}

/**
 * A lock probe: a worker thread with its own connection to `file` that takes the write lock
 * (`BEGIN IMMEDIATE; COMMIT`, no change written — the importer's caches are not invalidated) every
 * ~2 ms until stopped. `spin`: `busy_timeout = 0`, retrying every 1 ms while busy (the wait is the
 * time the lock stayed unavailable, ± 1 ms); otherwise SQLite's busy handler with
 * `busy_timeout = 5000`, as another `rcr` process waits (a failure counts as `busy`).
 */
function startLockProbe(file: string, spin: boolean): { stop: () => Promise<ProbeStats> } {
  const stop = new SharedArrayBuffer(4);
  const code = `
    const { workerData, parentPort } = require('node:worker_threads');
    const Database = require(workerData.module);
    const db = new Database(workerData.file);
    db.pragma('busy_timeout = ' + (workerData.spin ? 0 : 5000));
    const stop = new Int32Array(workerData.stop);
    const waits = [];
    let busy = 0;
    while (Atomics.load(stop, 0) === 0) {
      const t0 = performance.now();
      for (;;) {
        try {
          db.exec('BEGIN IMMEDIATE');
          db.exec('COMMIT');
          waits.push(performance.now() - t0);
          break;
        } catch (e) {
          if (e.code !== 'SQLITE_BUSY') throw e;
          if (!workerData.spin) { busy++; break; }
          Atomics.wait(stop, 0, 0, 1);
        }
      }
      Atomics.wait(stop, 0, 0, 2);
    }
    db.close();
    parentPort.postMessage({ waits, busy });
  `;
  const module = createRequire(import.meta.url).resolve('better-sqlite3');
  const worker = new Worker(code, { eval: true, workerData: { file, spin, stop, module } });
  const done = new Promise<{ waits: number[]; busy: number }>((resolve, reject) => {
    worker.once('message', resolve);
    worker.once('error', reject);
  });
  return {
    stop: async () => {
      Atomics.store(new Int32Array(stop), 0, 1);
      Atomics.notify(new Int32Array(stop), 0);
      const { waits, busy } = await done;
      await worker.terminate();
      return {
        attempts: waits.length + busy,
        maxWaitMs: waits.length ? max(waits) : 0,
        p99WaitMs: waits.length ? percentile(waits, 99) : 0,
        over50: waits.filter((w) => w > 50).length,
        busy,
      };
    },
  };
}

/** Durations (ms) of the write transactions timed by {@link timeWriteTransactions}, while `on`. */
const writeTransactions = { on: false, ms: [] as number[] };

/**
 * Times every outermost better-sqlite3 transaction of this process that wrote something
 * (`total_changes()` grew) — the import's, the kill's, anything's — into {@link writeTransactions}:
 * how long each held the write lock, seen from inside. Patches `Database.prototype.transaction`.
 */
function timeWriteTransactions(): void {
  const proto = Database.prototype as unknown as {
    transaction: (fn: (...a: unknown[]) => unknown) => Record<string, (...a: unknown[]) => unknown>;
  };
  const original = proto.transaction;
  const changes = new WeakMap<object, Database.Statement>();
  const total = (db: Database.Database): number => {
    let st = changes.get(db);
    if (!st) changes.set(db, (st = db.prepare('SELECT total_changes()').pluck()));
    return st.get() as number;
  };
  proto.transaction = function (this: Database.Database, fn) {
    const t = original.call(this, fn);
    const timed =
      (db: Database.Database) =>
      (run: (...a: unknown[]) => unknown) =>
      (...args: unknown[]): unknown => {
        if (!writeTransactions.on || db.inTransaction) return run(...args);
        const before = total(db);
        const t0 = performance.now();
        try {
          return run(...args);
        } finally {
          const ms = performance.now() - t0;
          if (total(db) !== before) writeTransactions.ms.push(ms);
        }
      };
    const out = timed(this)(t as unknown as (...a: unknown[]) => unknown) as unknown as Record<
      string,
      (...a: unknown[]) => unknown
    >;
    for (const k of ['deferred', 'immediate', 'exclusive'] as const)
      out[k] = timed(this)(t[k] as (...a: unknown[]) => unknown);
    return out;
  };
}

interface KillSample {
  action: 'kill' | 'restore';
  /** When the call was due, ms from the start of the second import. */
  at: number;
  /** From when the call was due to its answer, ms. */
  ms: number;
  ok: boolean;
}

interface ExistingResult {
  rows: number;
  firstMs: number;
  secondMs: number;
  spin: ProbeStats;
  busyHandler: ProbeStats;
  /** Write transactions of the importing process during the second import: count, longest, p99 (ms). */
  writes: { n: number; maxMs: number; p99Ms: number };
  loopDelayMaxMs: number;
  loopDelayP99Ms: number;
  kills: KillSample[];
  rollupRows: number;
  peakRss: number;
}

async function existingChild(): Promise<ExistingResult> {
  const [first, second] = (process.env.RCR_BENCH_METRIC_FILES ?? '').split(path.delimiter) as [
    string,
    string,
  ];
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'rcr-bench-metric-existing-'));
  timeWriteTransactions();
  try {
    const core = await openCore({ dataDir, startSync: false, actor: 'bench' });
    await core.sync.syncAll();
    const input = (file: string) => ({ path: file, provider: 'local', environment: 'production' });
    const t0 = performance.now();
    const a = unwrapResult(await core.invoke('metrics.importEvents', input(first)), 'first import');
    const t1 = performance.now();
    const dbFile = path.join(dataDir, 'rcr.db');
    const spin = startLockProbe(dbFile, true);
    const busyHandler = startLockProbe(dbFile, false);
    const loop = monitorEventLoopDelay({ resolution: 5 });
    loop.enable();
    const ref = { provider: 'local', environment: 'production', key: 'ai-answer-assist' };
    const kills: KillSample[] = [];
    let importing = true;
    const killer = (async () => {
      let next: 'kill' | 'restore' = 'kill';
      while (importing) {
        // Timed from when the call was due, not from when the timer got to run: a stalled event
        // loop delays the call itself, as it would delay a request arriving over HTTP.
        const at = performance.now() + 700;
        await new Promise((r) => setTimeout(r, 700));
        // A call due during the import is made even when the import ended while it waited.
        const r =
          next === 'kill'
            ? await core.invoke('flag.rollback', {
                ref,
                mode: 'kill',
                reason: 'bench: kill during an import',
              })
            : await core.invoke('flag.restore', { ref, reason: 'bench: restore during an import' });
        kills.push({ action: next, at: at - t1, ms: performance.now() - at, ok: r.ok });
        if (r.ok) next = next === 'kill' ? 'restore' : 'kill';
      }
    })();
    const t2 = performance.now();
    writeTransactions.on = true;
    const b = unwrapResult(await core.invoke('metrics.importEvents', input(second)), 'second import');
    const t3 = performance.now();
    writeTransactions.on = false;
    importing = false;
    await killer;
    loop.disable();
    const stats = { spin: await spin.stop(), busyHandler: await busyHandler.stop() };
    const { n } = core.db.prepare('SELECT count(*) AS n FROM metric_rollup').get() as { n: number };
    await core.close();
    return {
      rows: a.rows + b.rows,
      firstMs: t1 - t0,
      secondMs: t3 - t2,
      ...stats,
      writes: {
        n: writeTransactions.ms.length,
        maxMs: writeTransactions.ms.length ? max(writeTransactions.ms) : 0,
        p99Ms: writeTransactions.ms.length ? percentile(writeTransactions.ms, 99) : 0,
      },
      loopDelayMaxMs: loop.max / 1e6,
      loopDelayP99Ms: loop.percentile(99) / 1e6,
      kills,
      rollupRows: n,
      peakRss: peakRss(),
    };
  } finally {
    fs.rmSync(dataDir, { recursive: true, force: true });
  }
}

// ---------------------------------------------------------------------------
// Report.

const s = (n: number): string => `${(n / 1000).toFixed(1)} s`;
const rate = (rows: number, msTaken: number): number => rows / (msTaken / 1000);
const k = (r: number): string => `${Math.round(r).toLocaleString('en')} rows/s`;

type Row = (r: Omit<BenchRow, 'bench'>) => BenchRow;

/** The 10M-row import into an empty folder (and the parse-only diagnostic). */
async function tenMillion(dir: string, raw: Record<string, unknown>, row: Row): Promise<BenchRow[]> {
  progress(`${BENCH}: writing ${ROWS.toLocaleString('en')} events to ${dir}`);
  const data = writeCsv(path.join(dir, 'events.csv'), ROWS, SEED);
  raw.data = data;
  const imports: ImportResult[] = [];
  const reads: ReadResult[] = [];
  const loads: string[] = [];
  for (let i = 0; i < RUNS; i++) {
    loads.push(loadAvg());
    progress(`${BENCH}: run ${i + 1}/${RUNS}: metrics.importEvents (load ${loads[i]})`);
    imports.push(
      await runChild<ImportResult>(FILE, 'import', { RCR_BENCH_METRIC_FILE: data.file }, CHILD_TIMEOUT_MS),
    );
    if (READ) {
      progress(`${BENCH}: run ${i + 1}/${RUNS}: readMetricEvents alone (load ${loadAvg()})`);
      reads.push(
        await runChild<ReadResult>(FILE, 'read', { RCR_BENCH_METRIC_FILE: data.file }, CHILD_TIMEOUT_MS),
      );
    }
  }
  raw.imports = imports;
  raw.reads = reads;
  raw.loadAtRunStart = loads;
  if (imports.some((r) => r.rows !== ROWS)) throw new Error('imported row count differs from the file');
  const importMs = median(imports.map((r) => r.importMs));
  const r = rate(ROWS, importMs);
  const peak = Math.max(...imports.map((x) => x.peakRss));
  const rows: BenchRow[] = [
    row({
      metric: 'data: seeded CSV events (7 days, 2 variants, 5 metrics)',
      value: `${ROWS.toLocaleString('en')} rows, ${mib(data.bytes)}`,
      note: `written in ${s(data.writeMs)}; ISO timestamps, ascending`,
    }),
    row({
      metric: 'metrics.importEvents wall time',
      value: s(importMs),
      note: `median of ${imports.length}; ${imports.map((x) => s(x.importMs)).join(', ')}; openCore ${s(median(imports.map((x) => x.openMs)))} not counted`,
    }),
    row({
      metric: 'import throughput',
      value: k(r),
      target: `≥ ${TARGET_ROWS_PER_S.toLocaleString('en')} rows/s`,
      met: r >= TARGET_ROWS_PER_S,
      note: `${ROWS.toLocaleString('en')} rows / median wall time`,
    }),
    row({
      metric: 'import peak RSS (child process)',
      value: mib(peak),
      target: '< 500 MB (476.8 MiB)',
      met: peak < TARGET_RSS,
      note: `max over runs; RSS after openCore ${mib(median(imports.map((x) => x.rssBefore)))}`,
    }),
    row({
      metric: 'rollup rows written / database size',
      value: `${imports[0]!.rollupRows.toLocaleString('en')} rows`,
      note: `${mib(imports[0]!.dbBytes)} on disk (rcr.db*) after close`,
    }),
  ];
  if (reads.length) {
    const readMs = median(reads.map((x) => x.readMs));
    rows.push(
      row({
        metric: 'diagnostic: readMetricEvents alone on one thread (Papa Parse + validation, no-op sink)',
        value: `${s(readMs)} (${k(rate(ROWS, readMs))})`,
        note: `median of ${reads.length}; ${((100 * readMs) / importMs).toFixed(0)} % of the import; peak RSS ${mib(Math.max(...reads.map((x) => x.peakRss)))}`,
      }),
    );
  }
  return rows;
}

/** Two 1M-row imports over the same minutes, kills and lock probes during the second. */
async function intoExisting(dir: string, raw: Record<string, unknown>, row: Row): Promise<BenchRow[]> {
  progress(`${BENCH}: writing 2 × ${EXISTING_ROWS.toLocaleString('en')} events over the same ${DAYS} days`);
  const a = writeCsv(path.join(dir, 'existing-a.csv'), EXISTING_ROWS, SEED + 1);
  const b = writeCsv(path.join(dir, 'existing-b.csv'), EXISTING_ROWS, SEED + 2);
  const load = loadAvg();
  progress(`${BENCH}: import into existing minutes, kills and lock probes (load ${load})`);
  const r = await runChild<ExistingResult>(
    FILE,
    'existing',
    { RCR_BENCH_METRIC_FILES: [a.file, b.file].join(path.delimiter) },
    CHILD_TIMEOUT_MS,
  );
  raw.existing = { load, loadAfter: loadAvg(), files: [a, b], result: r };
  const kills = r.kills.map((x) => x.ms);
  const failed = r.kills.filter((x) => !x.ok).length;
  const n = EXISTING_ROWS.toLocaleString('en');
  return [
    row({
      metric: `into existing minutes: second ${n}-row import wall time`,
      value: s(r.secondMs),
      note: `${k(rate(EXISTING_ROWS, r.secondMs))}; first import (empty folder) ${s(r.firstMs)} (${k(rate(EXISTING_ROWS, r.firstMs))}); ${r.rollupRows.toLocaleString('en')} rollup rows; peak RSS ${mib(r.peakRss)}; load ${load}`,
    }),
    row({
      metric: 'into existing minutes: longest write transaction of the importing process',
      value: ms(r.writes.maxMs),
      target: '≤ ~50 ms',
      met: r.writes.maxMs <= 60,
      note: `${r.writes.n} write transactions (import, kills, restores), p99 ${ms(r.writes.p99Ms)}`,
    }),
    row({
      metric: 'into existing minutes: longest write-lock wait of another connection (1 ms spin probe)',
      value: ms(r.spin.maxWaitMs),
      target: '≤ ~50 ms',
      met: r.spin.maxWaitMs <= 60,
      note: `${r.spin.attempts} attempts, p99 ${ms(r.spin.p99WaitMs)}, ${r.spin.over50} over 50 ms`,
    }),
    row({
      metric: 'into existing minutes: another connection with busy_timeout 5000 (as another rcr process)',
      value: `${r.busyHandler.busy} × database is locked`,
      target: '0',
      met: r.busyHandler.busy === 0,
      note: `${r.busyHandler.attempts} attempts, longest wait ${ms(r.busyHandler.maxWaitMs)}, p99 ${ms(r.busyHandler.p99WaitMs)}`,
    }),
    row({
      metric: 'into existing minutes: kill / restore through core.invoke during the import',
      value: kills.length ? `max ${ms(max(kills))}` : 'no call landed during the import',
      target: '< 1000 ms',
      met: kills.length > 0 && max(kills) < 1000 && failed === 0,
      note: kills.length
        ? `${kills.length} calls (${failed} failed), median ${ms(median(kills))}; event loop stall max ${ms(r.loopDelayMaxMs)}, p99 ${ms(r.loopDelayP99Ms)}`
        : '',
    }),
  ];
}

export async function run(): Promise<BenchReport> {
  const loadAtStart = loadAvg();
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rcr-bench-metric-'));
  const raw: Record<string, unknown> = {
    rows: ROWS,
    runs: RUNS,
    seed: SEED,
    days: DAYS,
    existingRows: EXISTING_ROWS,
  };
  const row: Row = (r) => ({ bench: BENCH, ...r });
  try {
    const rows: BenchRow[] = [];
    if (ROWS > 0) rows.push(...(await tenMillion(dir, raw, row)));
    if (EXISTING_ROWS > 0) rows.push(...(await intoExisting(dir, raw, row)));
    rows.push(loadRow(BENCH, loadAtStart));
    return { bench: BENCH, rows, raw };
  } finally {
    if (process.env.BENCH_METRIC_KEEP === '1') progress(`${BENCH}: kept ${dir}`);
    else fs.rmSync(dir, { recursive: true, force: true });
  }
}

const mode = childMode();
if (mode === 'import') childDone(await importChild());
else if (mode === 'read') childDone(await readChild());
else if (mode === 'existing') childDone(await existingChild());
else runAsMain(import.meta.url, run);
