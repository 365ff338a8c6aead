/**
 * `rcr compare --summary FILE.jsonl` end to end on 100,000 summary lines.
 * Target (issue): < 2 s.
 *
 * The parent writes a seeded JSONL file (docs/statistics.md format): half
 * binomial, half continuous; ~30 % `sequential: true`; ~30 % with an
 * `expectedSplit`; ~1/3 `lower-is-better`; ~1/4 with an explicit `alpha`.
 * Then runs `node electron/cli/rcr.ts compare --summary FILE` `BENCH_CS_RUNS`
 * times (default 3) under `/usr/bin/time -v` when present (wall time, max RSS),
 * stdout into a file whose line count is checked against the input.
 *
 * Knobs: `BENCH_CS_LINES` (default 100,000), `BENCH_CS_RUNS` (default 3).
 * Run alone: `node bench/compare-summary.bench.ts` (from the repo root, with Node 24).
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
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
import { gaussian, rng } from './lib/rng.ts';

const BENCH = 'compare-summary';
const LINES = Number(process.env.BENCH_CS_LINES ?? 100_000);
const RUNS = Number(process.env.BENCH_CS_RUNS ?? 3);
const SEED = 20261124;
const TARGET_MS = 2000;
const TIME = '/usr/bin/time';
const CHILD_TIMEOUT_MS = 300_000;

function writeJsonl(file: string): { lines: number; bytes: number; counts: Record<string, number> } {
  const random = rng(SEED);
  const gauss = gaussian(random);
  const counts = { binomial: 0, continuous: 0, sequential: 0, expectedSplit: 0 };
  const out: string[] = [];
  for (let i = 0; i < LINES; i++) {
    const binomial = random() < 0.5;
    const line: Record<string, unknown> = { id: `m${i}`, kind: binomial ? 'binomial' : 'continuous' };
    const nc = 500 + Math.floor(random() * 50_000);
    const nt = Math.max(2, Math.round(nc * (0.8 + 0.4 * random())));
    if (binomial) {
      const p = 0.01 + 0.3 * random();
      const lift = 1 + 0.1 * gauss();
      line.control = { n: nc, successes: Math.round(nc * p) };
      line.treatment = { n: nt, successes: Math.min(nt, Math.max(0, Math.round(nt * p * lift))) };
      counts.binomial++;
    } else {
      const mean = 50 + 1000 * random();
      const sd = mean * (0.1 + random());
      line.control = { n: nc, mean: Number(mean.toFixed(3)), sd: Number(sd.toFixed(3)) };
      line.treatment = {
        n: nt,
        mean: Number((mean * (1 + 0.05 * gauss())).toFixed(3)),
        sd: Number((sd * (0.9 + 0.2 * random())).toFixed(3)),
      };
      counts.continuous++;
    }
    if (random() < 0.25) line.alpha = 0.01;
    if (random() < 0.3) {
      line.expectedSplit = [0.5, 0.5];
      counts.expectedSplit++;
    }
    if (random() < 0.3) {
      line.sequential = true;
      counts.sequential++;
    }
    if (random() < 1 / 3) line.direction = 'lower-is-better';
    out.push(JSON.stringify(line));
  }
  fs.writeFileSync(file, `${out.join('\n')}\n`);
  return { lines: LINES, bytes: fs.statSync(file).size, counts };
}

interface CliResult {
  wallMs: number;
  timeWallMs: number | null;
  maxRss: number | null;
  outLines: number;
  load: string;
}

const parseClock = (s: string): number =>
  s
    .split(':')
    .map(Number)
    .reduce((acc, x) => acc * 60 + x, 0) * 1000;

function runCli(input: string, output: string): Promise<CliResult> {
  const hasTime = fs.existsSync(TIME);
  const nodeArgs = [
    '--disable-warning=ExperimentalWarning',
    path.join(REPO_ROOT, 'electron', 'cli', 'rcr.ts'),
    'compare',
    '--summary',
    input,
  ];
  const [cmd, args] = hasTime ? [TIME, ['-v', process.execPath, ...nodeArgs]] : [process.execPath, nodeArgs];
  const load = loadAvg();
  const outFd = fs.openSync(output, 'w');
  const t0 = performance.now();
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { cwd: REPO_ROOT, stdio: ['ignore', outFd, 'pipe'] });
    let stderr = '';
    child.stderr?.on('data', (d: Buffer) => (stderr += d.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), CHILD_TIMEOUT_MS);
    child.once('error', reject);
    child.once('exit', (code) => {
      const wallMs = performance.now() - t0;
      clearTimeout(timer);
      fs.closeSync(outFd);
      const rss = /Maximum resident set size \(kbytes\): (\d+)/.exec(stderr);
      const clock = /Elapsed \(wall clock\) time \(h:mm:ss or m:ss\): ([\d:.]+)/.exec(stderr);
      const status = hasTime ? /Exit status: (\d+)/.exec(stderr) : null;
      const exitCode = status ? Number(status[1]) : code;
      if (exitCode !== 0) {
        reject(new Error(`rcr compare exited with ${exitCode}\n${stderr.slice(-3000)}`));
        return;
      }
      const text = fs.readFileSync(output, 'utf8');
      resolve({
        wallMs,
        timeWallMs: clock ? parseClock(clock[1]!) : null,
        maxRss: rss ? Number(rss[1]) * 1024 : null,
        outLines: text.length ? text.trimEnd().split('\n').length : 0,
        load,
      });
    });
  });
}

export async function run(): Promise<BenchReport> {
  const loadAtStart = loadAvg();
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rcr-bench-cs-'));
  const row = (r: Omit<BenchRow, 'bench'>): BenchRow => ({ bench: BENCH, ...r });
  try {
    const input = path.join(dir, 'summary.jsonl');
    progress(`${BENCH}: writing ${LINES.toLocaleString('en')} summary lines to ${dir}`);
    const data = writeJsonl(input);
    const runs: CliResult[] = [];
    for (let i = 0; i < RUNS; i++) {
      progress(`${BENCH}: run ${i + 1}/${RUNS}: rcr compare --summary (load ${loadAvg()})`);
      runs.push(await runCli(input, path.join(dir, 'out.jsonl')));
    }
    if (runs.some((r) => r.outLines !== LINES)) throw new Error('output line count differs from the input');
    const wall = runs.map((r) => r.wallMs);
    const rss = runs.map((r) => r.maxRss).filter((x): x is number => x !== null);
    const rows: BenchRow[] = [
      row({
        metric: 'data: summary JSONL lines',
        value: `${LINES.toLocaleString('en')} lines, ${mib(data.bytes)}`,
        note: `${data.counts.binomial} binomial, ${data.counts.continuous} continuous, ${data.counts.sequential} sequential, ${data.counts.expectedSplit} with expectedSplit`,
      }),
      row({
        metric: 'rcr compare --summary, wall (Node start included)',
        value: ms(median(wall)),
        target: `< ${TARGET_MS} ms`,
        met: median(wall) < TARGET_MS,
        note: `median of ${runs.length}: ${wall.map((x) => ms(x)).join(', ')}; stdout to a file; load per run ${runs.map((r) => r.load.split(' / ')[0]).join(', ')}`,
      }),
      row({
        metric: 'rcr compare --summary, max RSS',
        value: rss.length ? mib(Math.max(...rss)) : 'not measured (no /usr/bin/time)',
        note: rss.length ? `/usr/bin/time -v; ${rss.map((x) => mib(x)).join(', ')}` : '',
      }),
      loadRow(BENCH, loadAtStart),
    ];
    return { bench: BENCH, rows, raw: { lines: LINES, runs: RUNS, seed: SEED, data, results: runs } };
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

runAsMain(import.meta.url, run);
