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
 * Knobs: `BENCH_METRIC_ROWS` (default 10,000,000), `BENCH_METRIC_RUNS` (default 1),
 * `BENCH_METRIC_READ` (default 1), `BENCH_METRIC_KEEP=1` keeps the temp folder.
 * Run alone: `node bench/metric-import.bench.ts` (from the repo root, with Node 24).
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { openCore } from '../electron/core/app-core.ts';
import { readMetricEvents } from '../electron/core/metrics/metric-events-reader.ts';
import { unwrapResult } from './lib/invoke.ts';
import { childDone, childMode, peakRss, runChild } from './lib/child.ts';
import {
  loadAvg,
  loadRow,
  median,
  mib,
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

// ---------------------------------------------------------------------------
// Report.

const s = (n: number): string => `${(n / 1000).toFixed(1)} s`;
const rate = (rows: number, msTaken: number): number => rows / (msTaken / 1000);
const k = (r: number): string => `${Math.round(r).toLocaleString('en')} rows/s`;

export async function run(): Promise<BenchReport> {
  const loadAtStart = loadAvg();
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rcr-bench-metric-'));
  const raw: Record<string, unknown> = { rows: ROWS, runs: RUNS, seed: SEED, days: DAYS };
  const row = (r: Omit<BenchRow, 'bench'>): BenchRow => ({ bench: BENCH, ...r });
  try {
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
else runAsMain(import.meta.url, run);
