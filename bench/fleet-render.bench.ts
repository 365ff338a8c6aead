/**
 * Fleet render of 2,000 rows in the real renderer, in Chromium.
 *
 * Setup (in this process): a control room on a fresh data folder whose only
 * provider is the generated 2,000-flag provider (bench/lib/generated-provider.ts),
 * synced once, served by the real browser-mode server (`startHttpServer`) with a
 * private copy of the built renderer (bench/lib/renderer.ts). Chromium is driven
 * by playwright-core.
 *
 * Per page load (a new browser context each time: empty HTTP cache, no cookies),
 * timed in the page against navigation start (`performance.now()`):
 *   - rows: the Fleet table (`role=table` named "Fleet") has a `[data-flag-key]`
 *     row and the search box exists and is enabled;
 *   - interactive: the first task after the frame that painted those rows
 *     (rAF → setTimeout 0), i.e. the rows are on screen and the main thread is free;
 *   - filter: from the `input` event of typing a search (Playwright `fill`) to
 *     the frame after the table shows the expected 500 matches; and clearing it again;
 *   - scroll: scrolls the fleet's scroll container to the bottom 600 px per frame, records
 *     frame intervals, frames where the row at the viewport top was not rendered,
 *     and that the last row is rendered at the end.
 * The first load (cold browser) is reported separately and not in the medians.
 *
 * Run alone: `node bench/fleet-render.bench.ts` (from the repo root, with Node 24).
 */
import type { Browser } from 'playwright-core';
import { startHttpServer } from '../electron/server/http-server.ts';
import { createGeneratedProvider, generatedFlag } from './lib/generated-provider.ts';
import { openBenchCore } from './lib/core.ts';
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

const FLAGS = 2000;
const LOADS = 7;
const SEARCH_TERM = 'inbox';
const SCROLL_STEP_PX = 600;
const TABLE = '[role="table"][aria-label="Fleet"]';
const ROW = `${TABLE} [data-flag-key]`;
const SEARCH = 'input[type="search"]';

/** Installed before the app's scripts on every navigation; records the load marks in `window.__bench`. */
const INIT_SCRIPT = `(() => {
  const b = { marks: {}, longTasks: [] };
  window.__bench = b;
  try {
    new PerformanceObserver((list) => {
      for (const e of list.getEntries()) b.longTasks.push({ start: e.startTime, duration: e.duration });
    }).observe({ type: 'longtask', buffered: true });
  } catch {}
  const check = () => {
    if (b.marks.rows !== undefined) return;
    const row = document.querySelector(${JSON.stringify(ROW)});
    const input = document.querySelector(${JSON.stringify(SEARCH)});
    if (!row || !input || input.disabled || input.readOnly) return;
    b.marks.rows = performance.now();
    b.marks.rowsInDom = document.querySelectorAll(${JSON.stringify(ROW)}).length;
    mo.disconnect();
    requestAnimationFrame(() => setTimeout(() => { b.marks.interactive = performance.now(); }, 0));
  };
  const mo = new MutationObserver(check);
  mo.observe(document, { childList: true, subtree: true, attributes: true });
})();`;

/** Measures one search: resolves with input→painted ms once the table shows `expected` rows. */
const filterProbe = (expected: number) => `new Promise((resolve, reject) => {
  let tInput = null;
  document.addEventListener('input', (e) => { if (tInput === null) tInput = e.timeStamp; }, { capture: true, once: true });
  const table = () => document.querySelector(${JSON.stringify(TABLE)});
  const timer = setTimeout(() => reject(new Error('filter did not reach ${expected} rows; table shows ' + table()?.getAttribute('data-visible'))), 15000);
  const mo = new MutationObserver(() => {
    if (tInput === null || table()?.getAttribute('data-visible') !== '${expected}') return;
    mo.disconnect();
    requestAnimationFrame(() => setTimeout(() => { clearTimeout(timer); resolve(performance.now() - tInput); }, 0));
  });
  mo.observe(document.body, { childList: true, subtree: true, attributes: true });
  window.__bench.filterReady = true;
})`;

/**
 * Scrolls the fleet's scroll container (the nearest scrollable ancestor of a row,
 * whatever element the renderer makes it) to the bottom, one step per frame.
 */
const SCROLL_PROBE = `(async () => {
  const table = document.querySelector(${JSON.stringify(TABLE)});
  const firstRow = table.querySelector('[data-flag-key]');
  let box = firstRow.parentElement;
  while (box && !(box.scrollHeight > box.clientHeight + 1 && /auto|scroll/.test(getComputedStyle(box).overflowY)))
    box = box.parentElement;
  if (!box) throw new Error('no scroll container found for the fleet rows');
  const target = box.scrollHeight - box.clientHeight;
  const rowHeight = firstRow.getBoundingClientRect().height;
  const frames = [];
  let blank = 0;
  await new Promise((resolve) => {
    let last = 0;
    const tick = (t) => {
      if (last) frames.push(t - last);
      last = t;
      const top = Math.max(0, Math.floor(box.scrollTop / rowHeight) - 1);
      if (!table.querySelector('[data-index="' + top + '"]')) blank++;
      if (box.scrollTop >= target - 1) return resolve();
      box.scrollTop = Math.min(target, box.scrollTop + ${SCROLL_STEP_PX});
      requestAnimationFrame(tick);
    };
    requestAnimationFrame(tick);
  });
  await new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r)));
  const count = Number(table.getAttribute('data-visible'));
  return {
    frames,
    blank,
    bottomRendered: !!table.querySelector('[data-index="' + (count - 1) + '"]'),
    rowsInDom: table.querySelectorAll('[data-flag-key]').length,
    container: box === table ? 'table' : (box.className || box.tagName),
  };
})()`;

interface LoadResult {
  responseEnd: number;
  domContentLoaded: number;
  fleetListEnd: number | null;
  fleetListDuration: number | null;
  rows: number;
  interactive: number;
  rowsInDomAtLoad: number;
  longTaskMs: number;
  longestTask: number;
  filterMs: number;
  clearMs: number;
  scroll: { frames: number[]; blank: number; bottomRendered: boolean; rowsInDom: number; container: string };
}

/** Rows the renderer's search keeps (same rule as `filterRows`: term in key, name or model version). */
function expectedMatches(term: string): number {
  let n = 0;
  for (let i = 0; i < FLAGS; i++) {
    const f = generatedFlag('count', i, FLAGS, Date.now());
    if (`${f.key}\n${f.name}\n${f.layers.modelVersion ?? ''}`.toLowerCase().includes(term.toLowerCase())) n++;
  }
  return n;
}

async function measureLoad(browser: Browser, url: string, expected: number): Promise<LoadResult> {
  // bypassCSP: the app's CSP (script-src 'self') would refuse Playwright's string probes.
  const context = await browser.newContext({ viewport: { width: 1440, height: 900 }, bypassCSP: true });
  try {
    const page = await context.newPage();
    await page.addInitScript({ content: INIT_SCRIPT });
    await page.goto(url, { waitUntil: 'commit' });
    await page.waitForFunction('window.__bench && window.__bench.marks.interactive !== undefined', null, {
      timeout: 30_000,
      polling: 50,
    });
    const load = JSON.parse(
      (await page.evaluate(`JSON.stringify((() => {
        const nav = performance.getEntriesByType('navigation')[0];
        const fl = performance.getEntriesByType('resource').find((e) => e.name.includes('/api/invoke/fleet.list'));
        const b = window.__bench;
        return {
          responseEnd: nav.responseEnd, domContentLoaded: nav.domContentLoadedEventEnd,
          fleetListEnd: fl ? fl.responseEnd : null, fleetListDuration: fl ? fl.duration : null,
          rows: b.marks.rows, interactive: b.marks.interactive, rowsInDomAtLoad: b.marks.rowsInDom,
          longTasks: b.longTasks, total: document.querySelector(${JSON.stringify(TABLE)}).getAttribute('data-total'),
        };
      })())`)) as string,
    ) as Omit<LoadResult, 'filterMs' | 'clearMs' | 'scroll' | 'longTaskMs' | 'longestTask'> & {
      longTasks: { start: number; duration: number }[];
      total: string;
    };
    if (load.total !== String(FLAGS))
      throw new Error(`the fleet shows ${load.total} flags, expected ${FLAGS}`);

    const filtered = page.evaluate(filterProbe(expected)) as Promise<number>;
    await page.waitForFunction('window.__bench.filterReady === true');
    await page.fill(SEARCH, SEARCH_TERM);
    const filterMs = await filtered;
    const cleared = page.evaluate(filterProbe(FLAGS)) as Promise<number>;
    await page.fill(SEARCH, '');
    const clearMs = await cleared;

    const scroll = (await page.evaluate(SCROLL_PROBE)) as LoadResult['scroll'];
    if (scroll.frames.length === 0)
      throw new Error('the scroll probe recorded no frames (nothing to scroll?)');
    const { longTasks, total: _total, ...marks } = load;
    const upToInteractive = longTasks.filter((t) => t.start < load.interactive);
    return {
      ...marks,
      longTaskMs: upToInteractive.reduce((s, t) => s + t.duration, 0),
      longestTask: upToInteractive.length ? max(upToInteractive.map((t) => t.duration)) : 0,
      filterMs,
      clearMs,
      scroll,
    };
  } finally {
    await context.close();
  }
}

export async function run(): Promise<BenchReport> {
  const bench = 'fleet-render';
  const loadAtStart = loadAvg();
  const renderer = await rendererCopy();
  const provider = createGeneratedProvider({ name: 'bench', flags: FLAGS });
  const bc = await openBenchCore({
    providers: [{ name: 'bench', kind: 'local' }],
    inject: { bench: provider },
  });
  let browser: Browser | null = null;
  let server: Awaited<ReturnType<typeof startHttpServer>> | null = null;
  try {
    const synced = await bc.core.sync.syncProvider('bench');
    if (!synced.ok || synced.flags !== FLAGS) throw new Error(`setup sync failed: ${synced.error}`);
    server = await startHttpServer({ api: bc.core, staticDir: renderer.dir, port: 0 });
    const { chromium } = await import('playwright-core');
    browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS, headless: true });
    const expected = expectedMatches(SEARCH_TERM);
    const loads: LoadResult[] = [];
    for (let i = 0; i <= LOADS; i++) {
      progress(
        `fleet-render: page load ${i + 1}/${LOADS + 1}${i === 0 ? ' (cold browser, not in medians)' : ''}`,
      );
      loads.push(await measureLoad(browser, server.url, expected));
    }
    const [cold, ...warm] = loads as [LoadResult, ...LoadResult[]];
    const col = (f: (l: LoadResult) => number) => warm.map(f);
    const frames = warm.flatMap((l) => l.scroll.frames);
    const interactive = col((l) => l.interactive);
    const rows: BenchRow[] = [
      {
        bench,
        metric: `navigation → fleet interactive (${FLAGS} rows)`,
        value: ms(median(interactive)),
        target: '< 1000 ms',
        met: median(interactive) < 1000,
        note: `median; ${spread(interactive)}; cold-browser first load ${ms(cold.interactive)}`,
      },
      {
        bench,
        metric: 'navigation → first rows in the DOM',
        value: ms(median(col((l) => l.rows))),
        note: `median; rows in DOM at that moment: ${median(col((l) => l.rowsInDomAtLoad))} (virtualized)`,
      },
      {
        bench,
        metric: 'navigation → HTML response end / DOMContentLoaded',
        value: `${ms(median(col((l) => l.responseEnd)))} / ${ms(median(col((l) => l.domContentLoaded)))}`,
        note: 'medians',
      },
      {
        bench,
        metric: `fleet.list over HTTP (${FLAGS} rows): duration / response end`,
        value: `${ms(median(col((l) => l.fleetListDuration ?? Number.NaN)))} / ${ms(median(col((l) => l.fleetListEnd ?? Number.NaN)))}`,
        note: 'medians, from resource timing',
      },
      {
        bench,
        metric: 'long tasks before interactive: total / longest',
        value: `${ms(median(col((l) => l.longTaskMs)))} / ${ms(median(col((l) => l.longestTask)))}`,
        note: 'medians',
      },
      {
        bench,
        metric: `search "${SEARCH_TERM}" → ${expected} rows painted`,
        value: ms(median(col((l) => l.filterMs))),
        note: `median; ${spread(col((l) => l.filterMs))}`,
      },
      {
        bench,
        metric: `clear search → ${FLAGS} rows painted`,
        value: ms(median(col((l) => l.clearMs))),
        note: `median; ${spread(col((l) => l.clearMs))}`,
      },
      {
        bench,
        metric: `scroll to bottom (${SCROLL_STEP_PX} px/frame): frame interval median / p95 / max`,
        value: `${ms(median(frames))} / ${ms(percentile(frames, 95))} / ${ms(max(frames))}`,
        note: `${frames.length} frames over ${warm.length} loads; frames > 50 ms: ${frames.filter((f) => f > 50).length}`,
      },
      {
        bench,
        metric: 'scroll: blank frames / last row rendered / rows in DOM at bottom',
        value: `${col((l) => l.scroll.blank).reduce((a, b) => a + b, 0)} / ${warm.every((l) => l.scroll.bottomRendered) ? 'yes' : 'NO'} / ${median(col((l) => l.scroll.rowsInDom))}`,
        note: `blank = row at the viewport top missing when the frame started; scroll container: ${warm[0]?.scroll.container}`,
      },
      {
        bench,
        metric: 'renderer',
        value: renderer.source,
      },
      loadRow(bench, loadAtStart),
    ];
    return { bench, rows, raw: { loads, expected } };
  } finally {
    await browser?.close();
    await server?.close();
    await bc.dispose();
    renderer.dispose();
  }
}

runAsMain(import.meta.url, run);
