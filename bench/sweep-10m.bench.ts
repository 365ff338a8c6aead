/**
 * Threshold sweep of 10M predictions, every distinct threshold, side by side
 * with scikit-learn's `precision_recall_curve` on the same file in the same run.
 * Targets (issue): no slower than scikit-learn, peak RSS < 1 GB.
 *
 * The parent writes a seeded 10M-row CSV `confidence,label` into a temp folder
 * (labels ~30 % positive; confidence ~ N(0.35 + 0.35·label, 0.18) clipped to
 * [0, 1] and written with exactly 6 decimals, so up to 1,000,001 distinct
 * thresholds — the run reports how many there are), then, per round (3 rounds,
 * the three contenders interleaved so load changes hit each alike):
 *   - ours, in a fresh Node process: the CLI's file path, `readPredictionColumns`
 *     → `selectSlice` → `buildSweepTable` → `allPoints`; parse time, sweep time
 *     (buildSweepTable + allPoints), total, peak RSS (`process.resourceUsage().maxRSS`);
 *   - the CLI end to end: `node electron/cli/rcr.ts sweep --predictions FILE --json
 *     > /dev/null` under `/usr/bin/time -v` (wall time, max RSS);
 *   - scikit-learn: `bench/sweep_sklearn.py` (pandas `read_csv` timed apart, then
 *     `precision_recall_curve(y, s)`; peak RSS from `resource.getrusage`).
 * Our result is checked against scikit-learn's on this file: the same distinct
 * thresholds, and precision/recall at every threshold (and at 100 evenly picked
 * ones, as asked) within 1e-12.
 *
 * Knobs: `BENCH_SWEEP_ROWS` (default 10,000,000), `BENCH_SWEEP_RUNS` (default 3),
 * `BENCH_PYTHON` (default /usr/bin/python3), `BENCH_SWEEP_KEEP=1` keeps the temp folder.
 * Run alone: `node bench/sweep-10m.bench.ts` (from the repo root, with Node 24).
 */
import { execFile, spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { readPredictionColumns, selectSlice } from '../electron/core/simulator/prediction-columns.ts';
import { allPoints, buildSweepTable, pointAt } from '../electron/core/simulator/sweep.ts';
import { childDone, childMode, peakRss, runChild } from './lib/child.ts';
import { REPO_ROOT } from './lib/renderer.ts';
import {
  loadAvg,
  loadRow,
  median,
  mib,
  ms,
  progress,
  runAsMain,
  type BenchReport,
  type BenchRow,
} from './lib/report.ts';

const BENCH = 'sweep-10m';
const FILE = fileURLToPath(import.meta.url);
const ROWS = Number(process.env.BENCH_SWEEP_ROWS ?? 10_000_000);
const RUNS = Number(process.env.BENCH_SWEEP_RUNS ?? 3);
const PYTHON = process.env.BENCH_PYTHON ?? '/usr/bin/python3';
const SEED = 20261121;
const TARGET_RSS = 1e9; // "< 1 GB", taken as 10^9 bytes (953.7 MiB), the stricter reading
const TOLERANCE = 1e-12;
const CHILD_TIMEOUT_MS = 600_000;

// ---------------------------------------------------------------------------
// Data: a seeded CSV written in fixed 11-byte rows ("0.123456,1\n").

/** mulberry32: small, fast, seeded; plenty for bench data. */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

interface Dataset {
  file: string;
  rows: number;
  bytes: number;
  positives: number;
  writeMs: number;
}

/** Writes `rows` rows to `file` in 4 MiB chunks (never the whole file in memory). */
function writeCsv(file: string, rows: number, seed: number): Dataset {
  const t0 = performance.now();
  const random = rng(seed);
  const ROW = 11;
  const chunkRows = Math.floor((4 << 20) / ROW);
  const buf = Buffer.allocUnsafe(chunkRows * ROW);
  const fd = fs.openSync(file, 'w');
  let positives = 0;
  let spare: number | null = null;
  // Standard normal by Box–Muller (two values per pair of uniforms).
  const gauss = (): number => {
    if (spare !== null) {
      const s = spare;
      spare = null;
      return s;
    }
    const u = 1 - random();
    const v = random();
    const r = Math.sqrt(-2 * Math.log(u));
    spare = r * Math.sin(2 * Math.PI * v);
    return r * Math.cos(2 * Math.PI * v);
  };
  try {
    fs.writeSync(fd, 'confidence,label\n');
    let written = 0;
    while (written < rows) {
      const n = Math.min(chunkRows, rows - written);
      let p = 0;
      for (let i = 0; i < n; i++) {
        const label = random() < 0.3 ? 1 : 0;
        positives += label;
        const c = Math.min(1, Math.max(0, 0.35 + 0.35 * label + 0.18 * gauss()));
        let k = Math.round(c * 1e6); // 0 … 1,000,000 → "0.000000" … "1.000000"
        buf[p] = k === 1_000_000 ? 49 : 48;
        buf[p + 1] = 46; // '.'
        if (k === 1_000_000) k = 0;
        for (let d = 7; d >= 2; d--) {
          buf[p + d] = 48 + (k % 10);
          k = Math.floor(k / 10);
        }
        buf[p + 8] = 44; // ','
        buf[p + 9] = 48 + label;
        buf[p + 10] = 10; // '\n'
        p += ROW;
      }
      fs.writeSync(fd, buf, 0, p);
      written += n;
    }
  } finally {
    fs.closeSync(fd);
  }
  return { file, rows, bytes: fs.statSync(file).size, positives, writeMs: performance.now() - t0 };
}

// ---------------------------------------------------------------------------
// Ours, in a child: the CLI's file path without printing.

interface OursResult {
  rows: number;
  thresholds: number;
  parseMs: number;
  buildMs: number;
  pointsMs: number;
  rssBefore: number;
  peakRssAfterParse: number;
  peakRss: number;
  check: CheckResult | null;
}

interface CheckResult {
  sklearnThresholds: number;
  sameThresholds: boolean;
  maxPrecisionDiff: number;
  maxRecallDiff: number;
  sample: { count: number; maxPrecisionDiff: number; maxRecallDiff: number };
  ok: boolean;
}

function readF64(file: string): Float64Array {
  const b = fs.readFileSync(file);
  return new Float64Array(b.buffer, b.byteOffset, b.byteLength / 8);
}

/** Compares our table/points with scikit-learn's dumped curve (not timed, after the RSS reading). */
function compare(
  table: ReturnType<typeof buildSweepTable>,
  points: ReturnType<typeof allPoints>,
  dir: string,
): CheckResult {
  const thr = readF64(path.join(dir, 'thresholds.f64'));
  const prec = readF64(path.join(dir, 'precision.f64'));
  const rec = readF64(path.join(dir, 'recall.f64'));
  let same = thr.length === table.thresholds.length;
  let maxP = 0;
  let maxR = 0;
  for (let i = 0; same && i < thr.length; i++) {
    if (thr[i] !== table.thresholds[i]) {
      same = false;
      break;
    }
    const p = points[i]!;
    maxP = Math.max(maxP, Math.abs((p.precision ?? 0) - prec[i]!));
    maxR = Math.max(maxR, Math.abs((p.recall ?? 0) - rec[i]!));
  }
  // The 100 evenly picked thresholds, through `pointAt` (the lookup the UI and --thresholds use).
  let sP = 0;
  let sR = 0;
  const SAMPLE = 100;
  for (let k = 0; k < SAMPLE; k++) {
    const i = Math.round((k * (thr.length - 1)) / (SAMPLE - 1));
    const p = pointAt(table, thr[i]!);
    sP = Math.max(sP, Math.abs((p.precision ?? Number.NaN) - prec[i]!));
    sR = Math.max(sR, Math.abs((p.recall ?? Number.NaN) - rec[i]!));
  }
  const sampleOk = sP <= TOLERANCE && sR <= TOLERANCE;
  return {
    sklearnThresholds: thr.length,
    sameThresholds: same,
    maxPrecisionDiff: maxP,
    maxRecallDiff: maxR,
    sample: { count: SAMPLE, maxPrecisionDiff: sP, maxRecallDiff: sR },
    ok: same && maxP <= TOLERANCE && maxR <= TOLERANCE && sampleOk,
  };
}

async function oursChild(): Promise<OursResult> {
  const file = process.env.RCR_BENCH_SWEEP_FILE!;
  const dump = process.env.RCR_BENCH_SWEEP_DUMP;
  const rssBefore = process.memoryUsage().rss;
  const t0 = performance.now();
  const columns = await readPredictionColumns(file);
  const t1 = performance.now();
  const peakRssAfterParse = peakRss();
  const { confidences, labels } = selectSlice(columns, { modelVersion: null, segment: null });
  const table = buildSweepTable(confidences, labels);
  const t2 = performance.now();
  const points = allPoints(table);
  const t3 = performance.now();
  const peak = peakRss();
  return {
    rows: columns.length,
    thresholds: table.thresholds.length,
    parseMs: t1 - t0,
    buildMs: t2 - t1,
    pointsMs: t3 - t2,
    rssBefore,
    peakRssAfterParse,
    peakRss: peak,
    check: dump && fs.existsSync(path.join(dump, 'thresholds.f64')) ? compare(table, points, dump) : null,
  };
}

// ---------------------------------------------------------------------------
// The CLI end to end, and scikit-learn.

interface CliResult {
  wallMs: number;
  /** /usr/bin/time's "Elapsed (wall clock) time", ms (null without /usr/bin/time). */
  timeWallMs: number | null;
  maxRss: number | null;
  exitCode: number | null;
}

const TIME = '/usr/bin/time';

function parseClock(s: string): number {
  // h:mm:ss or m:ss.ss
  const parts = s.split(':').map(Number);
  return parts.reduce((acc, x) => acc * 60 + x, 0) * 1000;
}

function runCli(file: string): Promise<CliResult> {
  const hasTime = fs.existsSync(TIME);
  const nodeArgs = [
    '--disable-warning=ExperimentalWarning',
    path.join(REPO_ROOT, 'electron', 'cli', 'rcr.ts'),
    'sweep',
    '--predictions',
    file,
    '--json',
  ];
  const [cmd, args] = hasTime ? [TIME, ['-v', process.execPath, ...nodeArgs]] : [process.execPath, nodeArgs];
  const devNull = fs.openSync('/dev/null', 'w');
  const t0 = performance.now();
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { cwd: REPO_ROOT, stdio: ['ignore', devNull, 'pipe'] });
    let stderr = '';
    child.stderr?.on('data', (d: Buffer) => (stderr += d.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), CHILD_TIMEOUT_MS);
    child.once('error', reject);
    child.once('exit', (code) => {
      clearTimeout(timer);
      fs.closeSync(devNull);
      const wallMs = performance.now() - t0;
      const rss = /Maximum resident set size \(kbytes\): (\d+)/.exec(stderr);
      const clock = /Elapsed \(wall clock\) time \(h:mm:ss or m:ss\): ([\d:.]+)/.exec(stderr);
      const status = hasTime ? /Exit status: (\d+)/.exec(stderr) : null;
      const exitCode = status ? Number(status[1]) : code;
      if (exitCode !== 0) {
        reject(new Error(`rcr sweep exited with ${exitCode}\n${stderr.slice(-3000)}`));
        return;
      }
      resolve({
        wallMs,
        timeWallMs: clock ? parseClock(clock[1]!) : null,
        maxRss: rss ? Number(rss[1]) * 1024 : null,
        exitCode,
      });
    });
  });
}

interface PyResult {
  python: string;
  numpy: string;
  pandas: string;
  sklearn: string;
  rows: number;
  positives: number;
  thresholds: number;
  parseExact: boolean;
  importMs: number;
  loadMs: number;
  sweepMs: number;
  rssAfterImports: number;
  peakRssAfterLoad: number;
  peakRss: number;
}

function runSklearn(file: string, dump: string | null): Promise<PyResult> {
  const script = path.join(import.meta.dirname, 'sweep_sklearn.py');
  return new Promise((resolve, reject) => {
    execFile(
      PYTHON,
      [script, file, ...(dump ? ['--dump', dump] : [])],
      { timeout: CHILD_TIMEOUT_MS, maxBuffer: 16 * 1024 * 1024 },
      (error, stdout, stderr) => {
        const line = stdout.split('\n').find((l) => l.startsWith('PY_JSON='));
        if (error || !line) {
          reject(
            new Error(`sklearn script failed: ${error?.message ?? 'no result'}\n${stderr.slice(-3000)}`),
          );
          return;
        }
        resolve(JSON.parse(line.slice('PY_JSON='.length)) as PyResult);
      },
    );
  });
}

// ---------------------------------------------------------------------------
// Report.

const s = (n: number): string => (n >= 10_000 ? `${(n / 1000).toFixed(1)} s` : ms(n));
const sSpread = (xs: number[]): string =>
  `min ${s(Math.min(...xs))}, max ${s(Math.max(...xs))}, n=${xs.length}`;
const ratio = (a: number, b: number): string => `${(a / b).toFixed(2)}×`;

function rowsFor(data: Dataset, ours: OursResult[], cli: CliResult[], py: PyResult[]): BenchRow[] {
  const row = (r: Omit<BenchRow, 'bench'>): BenchRow => ({ bench: BENCH, ...r });
  const oParse = ours.map((r) => r.parseMs);
  const oSweep = ours.map((r) => r.buildMs + r.pointsMs);
  const oTotal = ours.map((r) => r.parseMs + r.buildMs + r.pointsMs);
  const pLoad = py.map((r) => r.loadMs);
  const pSweep = py.map((r) => r.sweepMs);
  const pTotal = py.map((r) => r.loadMs + r.sweepMs);
  const oPeak = Math.max(...ours.map((r) => r.peakRss));
  const cliWall = cli.map((r) => r.wallMs);
  const cliRss = cli.map((r) => r.maxRss).filter((x): x is number => x !== null);
  const check = ours.find((r) => r.check)?.check ?? null;
  const out: BenchRow[] = [
    row({
      metric: 'data: seeded CSV confidence,label (6 decimals)',
      value: `${data.rows.toLocaleString('en')} rows, ${mib(data.bytes)}`,
      note: `${ours[0]!.thresholds.toLocaleString('en')} distinct thresholds; ${((100 * data.positives) / data.rows).toFixed(1)} % positive; written in ${s(data.writeMs)}`,
    }),
    row({
      metric: 'ours: parse (readPredictionColumns, Papa Parse)',
      value: s(median(oParse)),
      note: `median; ${sSpread(oParse)}`,
    }),
    row({
      metric: 'ours: sweep (buildSweepTable + allPoints)',
      value: s(median(oSweep)),
      note: `median; build ${ms(median(ours.map((r) => r.buildMs)))} + points ${ms(median(ours.map((r) => r.pointsMs)))}; ${sSpread(oSweep)}`,
    }),
    row({ metric: 'ours: parse + sweep', value: s(median(oTotal)), note: `median; ${sSpread(oTotal)}` }),
    row({
      metric: 'ours: peak RSS (in-process path)',
      value: mib(oPeak),
      target: '< 1 GB (953.7 MiB)',
      met: oPeak < TARGET_RSS,
      note: `max over runs; after parse ${mib(Math.max(...ours.map((r) => r.peakRssAfterParse)))}; at start ${mib(median(ours.map((r) => r.rssBefore)))}`,
    }),
    row({
      metric: 'sklearn: load (pandas.read_csv)',
      value: s(median(pLoad)),
      note: `median; ${sSpread(pLoad)}; imports ${ms(median(py.map((r) => r.importMs)))} not counted`,
    }),
    row({
      metric: 'sklearn: precision_recall_curve',
      value: s(median(pSweep)),
      note: `median; ${sSpread(pSweep)}`,
    }),
    row({ metric: 'sklearn: load + sweep', value: s(median(pTotal)), note: `median; ${sSpread(pTotal)}` }),
    row({
      metric: 'sklearn: peak RSS',
      value: mib(Math.max(...py.map((r) => r.peakRss))),
      note: `max over runs; after load ${mib(Math.max(...py.map((r) => r.peakRssAfterLoad)))}; after imports ${mib(median(py.map((r) => r.rssAfterImports)))}; python ${py[0]!.python}, numpy ${py[0]!.numpy}, pandas ${py[0]!.pandas}, scikit-learn ${py[0]!.sklearn}`,
    }),
    row({
      metric: 'side by side, sweep only: ours / sklearn',
      value: `${s(median(oSweep))} vs ${s(median(pSweep))} (${ratio(median(oSweep), median(pSweep))})`,
      target: 'no slower than sklearn',
      met: median(oSweep) <= median(pSweep),
      note: 'medians',
    }),
    row({
      metric: 'side by side, load + sweep: ours / sklearn',
      value: `${s(median(oTotal))} vs ${s(median(pTotal))} (${ratio(median(oTotal), median(pTotal))})`,
      target: 'no slower than sklearn',
      met: median(oTotal) <= median(pTotal),
      note: 'medians',
    }),
    row({
      metric: 'CLI end to end: rcr sweep --json > /dev/null, wall',
      value: s(median(cliWall)),
      target: 'no slower than sklearn load + sweep',
      met: median(cliWall) <= median(pTotal),
      note: `median; ${sSpread(cliWall)}; includes Node start + module load and printing the JSON; sklearn's load + sweep excludes interpreter start and imports`,
    }),
    row({
      metric: 'CLI end to end: max RSS',
      value: cliRss.length ? mib(Math.max(...cliRss)) : 'not measured (no /usr/bin/time)',
      target: '< 1 GB (953.7 MiB)',
      met: cliRss.length ? Math.max(...cliRss) < TARGET_RSS : null,
      note: cliRss.length ? `max over runs (/usr/bin/time -v); ${cliRss.map((x) => mib(x)).join(', ')}` : '',
    }),
  ];
  out.push(
    row({
      metric: 'check: ours == sklearn on this file',
      value: check ? (check.ok ? 'yes' : 'NO') : 'not checked',
      note: check
        ? `thresholds ${check.sameThresholds ? 'identical' : 'DIFFERENT'} (${check.sklearnThresholds.toLocaleString('en')}); max |Δprecision| ${check.maxPrecisionDiff.toExponential(1)}, |Δrecall| ${check.maxRecallDiff.toExponential(1)} over all; 100 evenly picked via pointAt: ${check.sample.maxPrecisionDiff.toExponential(1)} / ${check.sample.maxRecallDiff.toExponential(1)} (tolerance ${TOLERANCE}); pandas parse exact: ${py[0]!.parseExact}`
        : '',
    }),
  );
  return out;
}

export async function run(): Promise<BenchReport> {
  const loadAtStart = loadAvg();
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rcr-bench-sweep-'));
  const raw: Record<string, unknown> = { rows: ROWS, runs: RUNS, seed: SEED };
  try {
    progress(`${BENCH}: writing ${ROWS.toLocaleString('en')} rows to ${dir}`);
    const data = writeCsv(path.join(dir, 'predictions.csv'), ROWS, SEED);
    raw.data = data;
    const dump = path.join(dir, 'sklearn-curve');
    const ours: OursResult[] = [];
    const cli: CliResult[] = [];
    const py: PyResult[] = [];
    const loads: string[] = [];
    for (let i = 0; i < RUNS; i++) {
      loads.push(loadAvg());
      progress(`${BENCH}: round ${i + 1}/${RUNS}: scikit-learn (load ${loads[i]})`);
      py.push(await runSklearn(data.file, i === 0 ? dump : null));
      progress(`${BENCH}: round ${i + 1}/${RUNS}: ours (readPredictionColumns + sweep)`);
      ours.push(
        await runChild<OursResult>(
          FILE,
          'ours',
          { RCR_BENCH_SWEEP_FILE: data.file, RCR_BENCH_SWEEP_DUMP: i === 0 ? dump : '' },
          CHILD_TIMEOUT_MS,
        ),
      );
      progress(`${BENCH}: round ${i + 1}/${RUNS}: CLI rcr sweep --json`);
      cli.push(await runCli(data.file));
    }
    raw.ours = ours;
    raw.cli = cli;
    raw.sklearn = py;
    raw.loadAtRoundStart = loads;
    const check = ours[0]!.check;
    if (!check?.ok) throw new Error(`ours differs from scikit-learn: ${JSON.stringify(check)}`);
    if (ours.some((r) => r.rows !== ROWS) || py.some((r) => r.rows !== ROWS))
      throw new Error('row counts differ from the generated file');
    const rows = rowsFor(data, ours, cli, py);
    rows.push(loadRow(BENCH, loadAtStart));
    return { bench: BENCH, rows, raw };
  } finally {
    if (process.env.BENCH_SWEEP_KEEP === '1') progress(`${BENCH}: kept ${dir}`);
    else fs.rmSync(dir, { recursive: true, force: true });
  }
}

if (childMode() === 'ours') childDone(await oursChild());
else runAsMain(import.meta.url, run);
