/**
 * Comparison query over 30 days of per-minute rollups for 20 metrics
 * (`metrics.compare`), and the 30-day series of one metric (`metrics.series`,
 * maxPoints 1000). Target (issue): compare < 100 ms.
 *
 * The parent writes a CSV of one event per minute per variant per metric over
 * 30 days (2 × 20 × 43,200 = 1,728,000 events, seeded) into a temp folder. A
 * fresh Node process then (all through `core.invoke`, `openCore({dataDir,
 * startSync: false, now})` with `now` at the last minute of the data so
 * `{lastMinutes: 43200}` covers exactly the 30 days):
 *   - imports the file once (`metrics.importEvents`; timed, not the subject) —
 *     43,200 rollup rows per metric and variant, 1,728,000 in all;
 *   - defines the 20 metrics (`metrics.define`): 6 binomial, 6 continuous,
 *     4 ratio, 4 quantile, all `events`-sourced, some with `expectedSplit`,
 *     some guardrails;
 *   - `metrics.compare` (defaults: sequential, holm): one warm-up call, then
 *     `BENCH_CQ_CALLS` (default 20) timed calls — median and p95;
 *   - `metrics.series` of one continuous metric over the 30 days, maxPoints
 *     1000: one warm-up, then the same number of timed calls;
 *   - peak RSS of the process (`process.resourceUsage().maxRSS`).
 *
 * Knobs: `BENCH_CQ_CALLS` (default 20), `BENCH_CQ_DAYS` (default 30).
 * Run alone: `node bench/compare-query.bench.ts` (from the repo root, with Node 24).
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { openCore } from '../electron/core/app-core.ts';
import type { MetricDefinition } from '../shared/metrics.ts';
import { childDone, childMode, peakRss, runChild } from './lib/child.ts';
import { unwrapResult } from './lib/invoke.ts';
import {
  loadAvg,
  loadRow,
  median,
  mib,
  ms,
  percentile,
  progress,
  runAsMain,
  spread,
  type BenchReport,
  type BenchRow,
} from './lib/report.ts';
import { gaussian, rng } from './lib/rng.ts';

const BENCH = 'compare-query';
const FILE = fileURLToPath(import.meta.url);
const CALLS = Number(process.env.BENCH_CQ_CALLS ?? 20);
const DAYS = Number(process.env.BENCH_CQ_DAYS ?? 30);
const MINUTES = DAYS * 24 * 60;
const SEED = 20261123;
const START = Date.UTC(2026, 9, 1);
const END = START + MINUTES * 60_000;
const FLAG = { provider: 'local', environment: 'production', key: 'checkout-redesign' };
const TARGET_COMPARE_MS = 100;
const CHILD_TIMEOUT_MS = 1_800_000;

type Kind = MetricDefinition['kind'];
const KINDS: Kind[] = [
  ...Array<Kind>(6).fill('binomial'),
  ...Array<Kind>(6).fill('continuous'),
  ...Array<Kind>(4).fill('ratio'),
  ...Array<Kind>(4).fill('quantile'),
];
const METRICS = KINDS.map((kind, i) => ({ name: `${kind}_${String(i).padStart(2, '0')}`, kind }));
const SERIES_METRIC = METRICS.find((m) => m.kind === 'continuous')!.name;

// ---------------------------------------------------------------------------
// Data: one event per minute per variant per metric.

function writeCsv(file: string): { rows: number; bytes: number; writeMs: number } {
  const t0 = performance.now();
  const random = rng(SEED);
  const gauss = gaussian(random);
  const fd = fs.openSync(file, 'w');
  let rows = 0;
  try {
    fs.writeSync(fd, 'timestamp,unit_id,flag_key,variant,metric,value\n');
    for (let m = 0; m < MINUTES; m++) {
      const ts = START + m * 60_000 + 17_000;
      let text = '';
      for (const variant of ['control', 'treatment']) {
        const lift = variant === 'treatment' ? 1.02 : 1;
        for (const { name, kind } of METRICS) {
          const value =
            kind === 'binomial'
              ? random() < 0.1 * lift
                ? '1'
                : '0'
              : Math.max(0, (kind === 'quantile' ? 250 : 100) * lift + 20 * gauss()).toFixed(3);
          text += `${ts},u${m % 5000},${FLAG.key},${variant},${name},${value}\n`;
          rows++;
        }
      }
      fs.writeSync(fd, text);
    }
  } finally {
    fs.closeSync(fd);
  }
  return { rows, bytes: fs.statSync(file).size, writeMs: performance.now() - t0 };
}

// ---------------------------------------------------------------------------
// The child: import once, define, then time the queries.

interface QueryResult {
  importMs: number;
  importedRows: number;
  rollupRows: number;
  defineMs: number;
  compareWarmMs: number;
  compareMs: number[];
  compareRows: number;
  verdicts: Record<string, number>;
  seriesWarmMs: number;
  seriesMs: number[];
  seriesPoints: number[];
  seriesMinutes: number;
  rssAfterImport: number;
  peakRss: number;
}

async function queryChild(): Promise<QueryResult> {
  const file = process.env.RCR_BENCH_CQ_FILE!;
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'rcr-bench-cq-core-'));
  try {
    const core = await openCore({ dataDir, startSync: false, now: () => END - 1 });
    let t = performance.now();
    const imported = unwrapResult(
      await core.invoke('metrics.importEvents', {
        path: file,
        provider: FLAG.provider,
        environment: FLAG.environment,
      }),
      'metrics.importEvents',
    );
    const importMs = performance.now() - t;
    const rssAfterImport = process.memoryUsage().rss;
    const { n } = core.db.prepare('SELECT count(*) AS n FROM metric_rollup').get() as { n: number };
    t = performance.now();
    for (const [i, { name, kind }] of METRICS.entries())
      unwrapResult(
        await core.invoke('metrics.define', {
          flag: FLAG,
          name,
          kind,
          direction: i % 3 === 0 ? 'lower-is-better' : 'higher-is-better',
          source: { type: 'events' },
          expectedSplit: i % 2 === 0 ? [0.5, 0.5] : null,
          guardrail: i % 5 === 0,
        }),
        'metrics.define',
      );
    const defineMs = performance.now() - t;

    const window = { lastMinutes: MINUTES };
    const compare = async () =>
      unwrapResult(await core.invoke('metrics.compare', { flag: FLAG, window }), 'metrics.compare');
    t = performance.now();
    const first = await compare();
    const compareWarmMs = performance.now() - t;
    const compareMs: number[] = [];
    for (let i = 0; i < CALLS; i++) {
      t = performance.now();
      await compare();
      compareMs.push(performance.now() - t);
    }
    const verdicts: Record<string, number> = {};
    for (const r of first.rows) verdicts[r.verdict] = (verdicts[r.verdict] ?? 0) + 1;

    const series = async () =>
      unwrapResult(
        await core.invoke('metrics.series', { flag: FLAG, metric: SERIES_METRIC, window, maxPoints: 1000 }),
        'metrics.series',
      );
    t = performance.now();
    const s0 = await series();
    const seriesWarmMs = performance.now() - t;
    const seriesMs: number[] = [];
    for (let i = 0; i < CALLS; i++) {
      t = performance.now();
      await series();
      seriesMs.push(performance.now() - t);
    }
    const peak = peakRss();
    await core.close();
    return {
      importMs,
      importedRows: imported.rows,
      rollupRows: n,
      defineMs,
      compareWarmMs,
      compareMs,
      compareRows: first.rows.length,
      verdicts,
      seriesWarmMs,
      seriesMs,
      seriesPoints: s0.map((x) => x.points.length),
      seriesMinutes: MINUTES,
      rssAfterImport,
      peakRss: peak,
    };
  } finally {
    fs.rmSync(dataDir, { recursive: true, force: true });
  }
}

// ---------------------------------------------------------------------------
// Report.

export async function run(): Promise<BenchReport> {
  const loadAtStart = loadAvg();
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rcr-bench-cq-'));
  const row = (r: Omit<BenchRow, 'bench'>): BenchRow => ({ bench: BENCH, ...r });
  try {
    progress(`${BENCH}: writing ${DAYS} days × 20 metrics × 2 variants of per-minute events to ${dir}`);
    const data = writeCsv(path.join(dir, 'events.csv'));
    progress(`${BENCH}: child: import, define, ${CALLS} compare + ${CALLS} series calls (load ${loadAvg()})`);
    const r = await runChild<QueryResult>(
      FILE,
      'query',
      { RCR_BENCH_CQ_FILE: path.join(dir, 'events.csv') },
      CHILD_TIMEOUT_MS,
    );
    if (r.importedRows !== data.rows) throw new Error('imported row count differs from the file');
    if (r.compareRows !== METRICS.length) throw new Error(`compare returned ${r.compareRows} rows`);
    const cMed = median(r.compareMs);
    const cP95 = percentile(r.compareMs, 95);
    const rows: BenchRow[] = [
      row({
        metric: `data: ${DAYS} days of per-minute rollups, 20 metrics × 2 variants`,
        value: `${r.rollupRows.toLocaleString('en')} rollup rows`,
        note: `from ${data.rows.toLocaleString('en')} events (${mib(data.bytes)}, written in ${(data.writeMs / 1000).toFixed(1)} s); import ${(r.importMs / 1000).toFixed(1)} s; 20 × metrics.define ${ms(r.defineMs)}`,
      }),
      row({
        metric: `metrics.compare, lastMinutes ${MINUTES} (20 metrics)`,
        value: `median ${ms(cMed)}, p95 ${ms(cP95)}`,
        target: `< ${TARGET_COMPARE_MS} ms`,
        met: cMed < TARGET_COMPARE_MS && cP95 < TARGET_COMPARE_MS,
        note: `${spread(r.compareMs)}; warm-up ${ms(r.compareWarmMs)}; verdicts ${JSON.stringify(r.verdicts)}`,
      }),
      row({
        metric: `metrics.series, 1 metric, ${DAYS} days, maxPoints 1000`,
        value: `median ${ms(median(r.seriesMs))}, p95 ${ms(percentile(r.seriesMs, 95))}`,
        note: `${spread(r.seriesMs)}; warm-up ${ms(r.seriesWarmMs)}; ${r.seriesMinutes.toLocaleString('en')} minutes → ${r.seriesPoints.join(' + ')} points`,
      }),
      row({
        metric: 'peak RSS (child: import + queries)',
        value: mib(r.peakRss),
        note: `RSS after import ${mib(r.rssAfterImport)}`,
      }),
      loadRow(BENCH, loadAtStart),
    ];
    return { bench: BENCH, rows, raw: { calls: CALLS, days: DAYS, seed: SEED, data, result: r } };
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

if (childMode() === 'query') childDone(await queryChild());
else runAsMain(import.meta.url, run);
