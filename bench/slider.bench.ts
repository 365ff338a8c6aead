/**
 * Threshold simulator slider on a 1M-row prediction log, in Chromium.
 * Target: the "Projected change" reflects a slider move in < 50 ms.
 *
 * Setup (in this process): a seeded 1M-row CSV `confidence,label,model_version,segment`
 * (2 model versions v2.3/v2.4, 4 segments; confidences with 6 decimals) in a temp
 * folder; a control room opened on a fresh data folder with the default config
 * (`openCore({dataDir, startSync: false})`: the embedded local provider and its
 * sample log), synced once; the CSV imported through the core,
 * `core.invoke('predictions.import', {path, flag: local/production/ai-answer-assist})`
 * (timed); a few core calls the page makes are timed in-process for context.
 * Then the real browser-mode server (`startHttpServer`) serves it with a private
 * copy of the built renderer, and playwright-core opens
 * `#/flag/local/production/ai-answer-assist/simulator` in `/usr/bin/chromium`.
 *
 * The page opens the newest attached log (ours) on the flag's model version
 * (v2.4, ~500k rows) and fetches every side-by-side slice; the bench waits until
 * no API request has been in flight for 1 s. Then, with the slider
 * (`role=slider` "Candidate threshold") focused, `Home` (to 0.00, not timed),
 * 5 warm-up moves and 60 measured moves of `ArrowRight` (step 0.01, 0.06 → 0.65).
 * Per move, timed in the page from the keydown event's timestamp:
 *   - text: a MutationObserver on the "Projected change" region sees its
 *     "candidate <t>" column header show the new threshold (React committed);
 *   - painted: the first task after the next frame (rAF → setTimeout 0).
 * Long tasks (> 50 ms, PerformanceObserver) during the moves are counted.
 *
 * The browser context uses `bypassCSP: true`: the app's CSP (`script-src 'self'`)
 * refuses Playwright's string-evaluated probes.
 *
 * Knobs: `BENCH_SLIDER_ROWS` (default 1,000,000), `BENCH_SLIDER_MOVES` (default 60),
 * `BENCH_RENDERER_BUILD=1`, `CHROMIUM_PATH`.
 * Run alone: `node bench/slider.bench.ts` (from the repo root, with Node 24).
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Browser } from 'playwright-core';
import { openCore, type AppCore } from '../electron/core/app-core.ts';
import { startHttpServer } from '../electron/server/http-server.ts';
import { CHROMIUM, CHROMIUM_ARGS, rendererCopy } from './lib/renderer.ts';
import {
  loadAvg,
  loadRow,
  max,
  median,
  ms,
  percentile,
  progress,
  runAsMain,
  spread,
  type BenchReport,
  type BenchRow,
} from './lib/report.ts';

const BENCH = 'slider';
const ROWS = Number(process.env.BENCH_SLIDER_ROWS ?? 1_000_000);
const MOVES = Number(process.env.BENCH_SLIDER_MOVES ?? 60);
const WARMUP = 5;
const TARGET_MS = 50;
const SEED = 20261122;
const FLAG = { provider: 'local', environment: 'production', key: 'ai-answer-assist' };
const VERSIONS = ['v2.3', 'v2.4'] as const;
const SEGMENTS = ['enterprise', 'smb', 'free', 'internal'] as const;

/** mulberry32 (seeded). */
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

/** Writes the log in chunks of 50,000 rows; returns its size in bytes. */
function writeLog(file: string, rows: number): number {
  const random = rng(SEED);
  const fd = fs.openSync(file, 'w');
  try {
    fs.writeSync(fd, 'confidence,label,model_version,segment\n');
    const CHUNK = 50_000;
    for (let done = 0; done < rows; done += CHUNK) {
      const lines: string[] = [];
      for (let i = done; i < Math.min(rows, done + CHUNK); i++) {
        const v = random() < 0.5 ? 1 : 0;
        const seg = Math.floor(random() * SEGMENTS.length);
        // v2.4 separates a little better; "free" is noisier.
        const label = random() < 0.7 ? 1 : 0;
        const spreadSd = SEGMENTS[seg] === 'free' ? 0.25 : 0.15;
        const u = 1 - random();
        const g = Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * random());
        const mean = label ? 0.62 + 0.08 * v : 0.42 - 0.04 * v;
        const c = Math.min(1, Math.max(0, mean + spreadSd * g));
        lines.push(`${c.toFixed(6)},${label},${VERSIONS[v]},${SEGMENTS[seg]}\n`);
      }
      fs.writeSync(fd, lines.join(''));
    }
  } finally {
    fs.closeSync(fd);
  }
  return fs.statSync(file).size;
}

/**
 * Installed before the app's scripts: counts API requests in flight (to know when
 * the page has settled), records long tasks and navigation → first projection.
 */
const INIT_SCRIPT = `(() => {
  const b = { inflight: 0, lastApi: 0, longTasks: [], marks: {} };
  window.__bench = b;
  const fetch0 = window.fetch.bind(window);
  window.fetch = (...args) => {
    const api = String(args[0] && args[0].url ? args[0].url : args[0]).includes('/api/invoke/');
    if (!api) return fetch0(...args);
    b.inflight++;
    b.lastApi = performance.now();
    return fetch0(...args).finally(() => { b.inflight--; b.lastApi = performance.now(); });
  };
  try {
    new PerformanceObserver((list) => {
      for (const e of list.getEntries()) b.longTasks.push({ start: e.startTime, duration: e.duration });
    }).observe({ type: 'longtask', buffered: true });
  } catch {}
  b.region = () => [...document.querySelectorAll('section')].find(
    (s) => s.querySelector('h3') && s.querySelector('h3').textContent === 'Projected change');
  b.candidateHeader = () => {
    const r = b.region();
    const th = r && r.querySelector('thead th:last-child');
    return th ? th.textContent : null;
  };
  const mo = new MutationObserver(() => {
    if (b.marks.projection === undefined && b.candidateHeader()) {
      b.marks.projection = performance.now();
      mo.disconnect();
    }
  });
  mo.observe(document, { childList: true, subtree: true });
  /** Resolves with {text, painted} ms from the next keydown to "candidate <expected>" shown / next frame. */
  b.move = (expected) => new Promise((resolve, reject) => {
    const region = b.region();
    if (!region) return reject(new Error('no "Projected change" region'));
    let tKey = null;
    document.addEventListener('keydown', (e) => { tKey = e.timeStamp; }, { capture: true, once: true });
    const want = 'candidate ' + expected;
    const timer = setTimeout(() => { mo2.disconnect(); reject(new Error('the projection did not show "' + want + '"; it shows "' + b.candidateHeader() + '"')); }, 10000);
    const done = () => {
      const tText = performance.now();
      mo2.disconnect();
      requestAnimationFrame(() => setTimeout(() => {
        clearTimeout(timer);
        resolve({ start: tKey, text: tText - tKey, painted: performance.now() - tKey });
      }, 0));
    };
    const mo2 = new MutationObserver(() => {
      if (tKey !== null && b.candidateHeader() === want) done();
    });
    mo2.observe(region, { childList: true, subtree: true, characterData: true });
    b.moveReady = true;
  });
})();`;

interface Move {
  start: number;
  text: number;
  painted: number;
}

/** Times the core calls the page makes, in-process (context for the page figures). */
async function coreTimings(core: AppCore, logId: number): Promise<Record<string, number>> {
  const t = async (fn: () => Promise<unknown>): Promise<number> => {
    const t0 = performance.now();
    const r = (await fn()) as { ok: boolean; error?: { message: string } };
    if (!r.ok) throw new Error(`core call failed: ${r.error?.message}`);
    return performance.now() - t0;
  };
  // All rows (the page opens the v2.4 slice, so its first sweep stays uncached for the page).
  const slice = { modelVersion: null, segment: null };
  return {
    sweepFirstMs: await t(() => core.invoke('simulator.sweep', { logId, slice, grid: 1001 })),
    sweepCachedMs: await t(() => core.invoke('simulator.sweep', { logId, slice, grid: 1001 })),
    listFlagLogsMs: await t(() => core.invoke('predictions.list', { flag: FLAG })),
    listAllLogsMs: await t(() => core.invoke('predictions.list', {})),
  };
}

export async function run(): Promise<BenchReport> {
  const loadAtStart = loadAvg();
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'rcr-bench-slider-'));
  const dataDir = path.join(tmp, 'data');
  const file = path.join(tmp, 'predictions-1m.csv');
  const renderer = await rendererCopy('Candidate threshold');
  let core: AppCore | null = null;
  let server: Awaited<ReturnType<typeof startHttpServer>> | null = null;
  let browser: Browser | null = null;
  const raw: Record<string, unknown> = { rows: ROWS, moves: MOVES, seed: SEED, renderer: renderer.source };
  try {
    progress(`${BENCH}: writing ${ROWS.toLocaleString('en')} rows`);
    const bytes = writeLog(file, ROWS);
    const o0 = performance.now();
    core = await openCore({ dataDir, startSync: false });
    const openMs = performance.now() - o0;
    for (const s of await core.sync.syncAll()) if (!s.ok) throw new Error(`sync failed: ${s.error}`);
    progress(`${BENCH}: importing through predictions.import`);
    const i0 = performance.now();
    const imported = await core.invoke('predictions.import', { path: file, flag: FLAG });
    const importMs = performance.now() - i0;
    if (!imported.ok) throw new Error(`import failed: ${imported.error.message}`);
    if (imported.value.rows !== ROWS) throw new Error(`imported ${imported.value.rows} rows, not ${ROWS}`);
    const logId = imported.value.id;
    const calls = await coreTimings(core, logId);
    raw.core = { openMs, importMs, bytes, ...calls };

    server = await startHttpServer({ api: core, staticDir: renderer.dir, port: 0 });
    const { chromium } = await import('playwright-core');
    browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS, headless: true });
    // bypassCSP: the app's CSP (script-src 'self') would refuse Playwright's string probes.
    const context = await browser.newContext({ viewport: { width: 1440, height: 900 }, bypassCSP: true });
    const page = await context.newPage();
    await page.addInitScript({ content: INIT_SCRIPT });
    const hash = `#/flag/${FLAG.provider}/${FLAG.environment}/${FLAG.key}/simulator`;
    progress(`${BENCH}: opening the simulator`);
    await page.goto(`${server.url}${hash}`, { waitUntil: 'commit' });
    const slider = page.getByRole('slider', { name: 'Candidate threshold' });
    await page.getByRole('region', { name: 'Projected change' }).waitFor({ timeout: 60_000 });
    // The page opened our log (the newest attached one)?
    const summary = await page.locator('.log-summary').textContent({ timeout: 60_000 });
    if (!summary?.includes(ROWS.toLocaleString('en-US')))
      throw new Error(`the simulator did not open the ${ROWS}-row log: "${summary}"`);
    // Settle: no API request in flight for 1 s (side-by-side slices, recommendations, A/B).
    await page.waitForFunction(
      'window.__bench.inflight === 0 && performance.now() - window.__bench.lastApi > 1000',
      null,
      { timeout: 120_000, polling: 100 },
    );
    const settled = JSON.parse(
      (await page.evaluate(
        `JSON.stringify({ projection: window.__bench.marks.projection, settled: window.__bench.lastApi, nav: performance.getEntriesByType('navigation')[0].domContentLoadedEventEnd })`,
      )) as string,
    ) as { projection: number; settled: number; nav: number };
    raw.page = settled;

    await slider.focus();
    const press = async (key: string, expected: string): Promise<Move> => {
      await page.evaluate('window.__bench.moveReady = false');
      const probe = page.evaluate(`window.__bench.move(${JSON.stringify(expected)})`) as Promise<Move>;
      await page.waitForFunction('window.__bench.moveReady === true', null, { polling: 'raf' });
      await page.keyboard.press(key);
      return probe;
    };
    await press('Home', '0.00');
    const moves: Move[] = [];
    for (let k = 1; k <= WARMUP + MOVES; k++) {
      if (k === WARMUP + 1 || (k - WARMUP) % 20 === 1)
        progress(`${BENCH}: move ${Math.max(0, k - WARMUP)}/${MOVES}`);
      const m = await press('ArrowRight', (k / 100).toFixed(2));
      if (k > WARMUP) moves.push(m);
    }
    if ((await slider.inputValue()) !== String((WARMUP + MOVES) / 100))
      throw new Error(`slider ends at ${await slider.inputValue()}`);
    const longTasks = JSON.parse(
      (await page.evaluate('JSON.stringify(window.__bench.longTasks)')) as string,
    ) as { start: number; duration: number }[];
    const firstMove = moves[0]!.start;
    const duringMoves = longTasks.filter((t) => t.start >= firstMove);
    raw.moves = moves;
    raw.longTasksDuringMoves = duringMoves;
    await context.close();

    const text = moves.map((m) => m.text);
    const painted = moves.map((m) => m.painted);
    const p95t = percentile(text, 95);
    const p95p = percentile(painted, 95);
    const c = raw.core as Record<string, number>;
    const row = (r: Omit<BenchRow, 'bench'>): BenchRow => ({ bench: BENCH, ...r });
    const rows: BenchRow[] = [
      row({
        metric: 'data: seeded CSV confidence,label,model_version,segment',
        value: `${ROWS.toLocaleString('en')} rows, ${(bytes / 1048576).toFixed(1)} MiB`,
        note: `${VERSIONS.length} model versions × ${SEGMENTS.length} segments; 6-decimal confidences`,
      }),
      row({
        metric: 'core: predictions.import of the file (in-process)',
        value: ms(c.importMs!),
        note: `${Math.round(ROWS / (c.importMs! / 1000)).toLocaleString('en')} rows/s; openCore (incl. sample log import) ${ms(c.openMs!)}`,
      }),
      row({
        metric: `core: simulator.sweep of all ${ROWS.toLocaleString('en')} rows, grid 1001: first / cached`,
        value: `${ms(c.sweepFirstMs!)} / ${ms(c.sweepCachedMs!)}`,
        note: `predictions.list {flag} ${ms(c.listFlagLogsMs!)}, {} ${ms(c.listAllLogsMs!)} (in-process)`,
      }),
      row({
        metric: 'page: navigation → "Projected change" shown / all API calls settled',
        value: `${ms(settled.projection)} / ${ms(settled.settled)}`,
        note: `DOMContentLoaded ${ms(settled.nav)}; one page load; includes the first (uncached) sweeps of the v2.4 and side-by-side slices`,
      }),
      row({
        metric: `slider move (ArrowRight) → "Projected change" text updated, median / p95`,
        value: `${ms(median(text))} / ${ms(p95t)}`,
        target: `< ${TARGET_MS} ms per move (judged on p95)`,
        met: p95t < TARGET_MS,
        note: `${spread(text)}; from the keydown event's timestamp`,
      }),
      row({
        metric: 'slider move → next frame painted, median / p95',
        value: `${ms(median(painted))} / ${ms(p95p)}`,
        target: `< ${TARGET_MS} ms`,
        met: p95p < TARGET_MS,
        note: `${spread(painted)}; rAF → setTimeout 0 after the text update`,
      }),
      row({
        metric: `long tasks during the ${MOVES} moves: count / longest`,
        value: `${duringMoves.length} / ${duringMoves.length ? ms(max(duringMoves.map((t) => t.duration))) : '—'}`,
        note: 'PerformanceObserver longtask (> 50 ms)',
      }),
      row({ metric: 'renderer', value: renderer.source }),
      loadRow(BENCH, loadAtStart),
    ];
    return { bench: BENCH, rows, raw };
  } finally {
    await browser?.close();
    await server?.close();
    await core?.close();
    renderer.dispose();
    fs.rmSync(tmp, { recursive: true, force: true });
  }
}

runAsMain(import.meta.url, run);
