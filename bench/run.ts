/**
 * Runs every bench, each in its own Node process (so one bench's memory or
 * Unleash server cannot skew the next), and prints one combined table.
 *
 * Usage: `npm run bench` or `node bench/run.ts [--only sync,render,rollback,sweep,slider,metric-import,compare-summary,compare-query,launchdarkly-sync,audience,monitor-eval,rollback-drill,soak] [--out results.json]`.
 * Environment knobs: `BENCH_SKIP_UNLEASH=1` (sync bench without the real
 * Unleash part), `BENCH_UNLEASH_FLAGS`, `BENCH_ROLLBACK_FLEET`, `BENCH_RENDERER_BUILD=1`,
 * `BENCH_SWEEP_ROWS`, `BENCH_SWEEP_RUNS`, `BENCH_PYTHON`, `BENCH_SLIDER_ROWS`, `BENCH_SLIDER_MOVES`,
 * `BENCH_METRIC_ROWS`, `BENCH_METRIC_RUNS`, `BENCH_METRIC_READ`, `BENCH_CS_LINES`, `BENCH_CS_RUNS`,
 * `BENCH_CQ_CALLS`, `BENCH_CQ_DAYS`, `BENCH_LD_FLAGS`, `BENCH_LD_RUNS`, `BENCH_LD_PAGE`,
 * `BENCH_AUDIENCE_KEYS`, `BENCH_AUDIENCE_RUNS`, `BENCH_ME_FLAGS`, `BENCH_ME_RUNS`, `BENCH_DRILLS`,
 * `BENCH_DRILL_AA`, `BENCH_SOAK_MS`, `BENCH_SOAK_FLAGS`, `BENCH_SOAK_WORKERS`.
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { machine, printTable, type BenchReport, type BenchRow } from './lib/report.ts';

const BENCHES: { id: string; file: string }[] = [
  { id: 'sync', file: 'sync-2000.bench.ts' },
  { id: 'render', file: 'fleet-render.bench.ts' },
  { id: 'rollback', file: 'rollback-latency.bench.ts' },
  { id: 'sweep', file: 'sweep-10m.bench.ts' },
  { id: 'slider', file: 'slider.bench.ts' },
  { id: 'metric-import', file: 'metric-import.bench.ts' },
  { id: 'compare-summary', file: 'compare-summary.bench.ts' },
  { id: 'compare-query', file: 'compare-query.bench.ts' },
  { id: 'launchdarkly-sync', file: 'launchdarkly-sync.bench.ts' },
  { id: 'audience', file: 'audience-preview.bench.ts' },
  { id: 'monitor-eval', file: 'monitor-eval.bench.ts' },
  { id: 'rollback-drill', file: 'rollback-drill.bench.ts' },
  { id: 'soak', file: 'soak.bench.ts' },
];
const MARK = 'BENCH_JSON=';

function arg(name: string): string | undefined {
  const i = process.argv.indexOf(name);
  return i >= 0 ? process.argv[i + 1] : undefined;
}

/** Runs one bench file; its progress goes to our stderr, its report comes back as JSON. */
function runBench(file: string): Promise<{ report: BenchReport | null; ms: number; error: string | null }> {
  const started = performance.now();
  return new Promise((resolve) => {
    const child = spawn(
      process.execPath,
      ['--disable-warning=ExperimentalWarning', path.join(import.meta.dirname, file), '--json'],
      { stdio: ['ignore', 'pipe', 'inherit'] },
    );
    let stdout = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.once('exit', (code) => {
      const line = stdout.split('\n').find((l) => l.startsWith(MARK));
      const ms = performance.now() - started;
      if (code !== 0 || !line) resolve({ report: null, ms, error: `exit code ${code}` });
      else resolve({ report: JSON.parse(line.slice(MARK.length)) as BenchReport, ms, error: null });
    });
  });
}

async function main(): Promise<number> {
  const only = arg('--only')?.split(',');
  const selected = BENCHES.filter((b) => !only || only.includes(b.id));
  const info = machine();
  process.stdout.write(
    `Rollout Control Room benches — ${info.date}\n` +
      `Node ${info.node}, ${info.platform}, ${info.nproc} cores (${info.cpuModel}), ${info.memTotal} RAM, load ${info.loadAvg}\n`,
  );
  const rows: BenchRow[] = [];
  const reports: BenchReport[] = [];
  let failed = 0;
  for (const b of selected) {
    process.stderr.write(`\n[bench] running ${b.file}\n`);
    const { report, ms, error } = await runBench(b.file);
    if (report) {
      reports.push(report);
      rows.push(...report.rows, {
        bench: report.bench,
        metric: 'bench wall time',
        value: `${(ms / 1000).toFixed(1)} s`,
      });
    } else {
      failed++;
      rows.push({ bench: b.file, metric: 'FAILED', value: error ?? 'unknown error' });
    }
  }
  process.stdout.write('\n');
  printTable(rows);
  const out = arg('--out');
  if (out) {
    fs.writeFileSync(out, `${JSON.stringify({ machine: info, reports }, null, 2)}\n`);
    process.stdout.write(`\nraw results written to ${out}\n`);
  }
  return failed ? 1 : 0;
}

process.exit(await main());
