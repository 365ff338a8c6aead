/**
 * The cohort table as a data scientist reads it: a quantile metric row is consistent across
 * columns (control, treatment, difference and lift are all the p95), and a metric's verdict
 * matches the lift interval drawn in the forest plot — both sequential by default, both
 * fixed-horizon after the toggle. The flag serves treatment to 10 %: the new metric's expected
 * split defaults to 0.9 and no sample-ratio alarm is raised.
 */
import fs from 'node:fs';
import path from 'node:path';
import normalQuantile from '@stdlib/stats-base-dists-normal-quantile';
import type { Locator, Page } from '@playwright/test';
import { expect, test } from './fixtures.ts';
import { invokeValue } from './serve-app.ts';

/** Seeded by the embedded provider at 10 % rollout. */
const AI = { provider: 'local', environment: 'production', key: 'ai-answer-assist' };
const CONTROL_UNITS = 18_000;
const TREATMENT_UNITS = 2000;

/** Latencies at evenly spaced quantiles of a lognormal (median 140 ms, σ 0.45) × `scale`: deterministic. */
const latency = (j: number, n: number, scale: number): number =>
  Math.round(scale * 140 * Math.exp(0.45 * normalQuantile((j + 0.5) / n, 0, 1)) * 10) / 10;

/**
 * 20,000 units over the last 50 minutes, every 10th in treatment (90/10, as the flag serves).
 * Treatment latency is ×1.25; errors 2 % in control (360) and 3 % in treatment (60): significant
 * at one fixed-horizon look, not yet under the always-valid sequence. Written into `dir`.
 */
function eventsFile(dir: string): string {
  const now = Date.now();
  const lines = ['timestamp,unit_id,flag_key,variant,metric,value'];
  let c = 0;
  let t = 0;
  for (let i = 0; i < CONTROL_UNITS + TREATMENT_UNITS; i++) {
    const ts = new Date(now - (i % 50) * 60_000).toISOString();
    const treatment = i % 10 === 0;
    const j = treatment ? t++ : c++;
    const variant = treatment ? 'treatment' : 'control';
    const ms = treatment ? latency(j, TREATMENT_UNITS, 1.25) : latency(j, CONTROL_UNITS, 1);
    const error = treatment ? (j % 100 < 3 ? 1 : 0) : j % 50 === 0 ? 1 : 0;
    lines.push(`${ts},u${i},${AI.key},${variant},latency_ms,${ms}`);
    lines.push(`${ts},u${i},${AI.key},${variant},error_rate,${error}`);
  }
  const file = path.join(dir, 'events.csv');
  fs.writeFileSync(file, `${lines.join('\n')}\n`);
  return file;
}

/** `+67 ms`, `−0.24 pp`, `+31.8%`, `1,234 ms` → the signed number. */
function parseNumber(text: string): number {
  const m = /([+−-]?)([\d,]+(?:\.\d+)?)/.exec(text);
  if (!m) throw new Error(`no number in "${text}"`);
  const v = Number(m[2]!.replace(/,/g, ''));
  return m[1] === '−' || m[1] === '-' ? -v : v;
}

/** The `[lo, hi]` of a cell's interval line, e.g. `sequential CI [−11%, +152%]`. */
async function cellInterval(cell: Locator): Promise<{ method: string; lo: number; hi: number }> {
  const text = (await cell.locator('.ci-line').textContent()) ?? '';
  const m = /^(sequential|fixed-horizon) CI \[([^,]+), ([^\]]+)\]$/.exec(text.trim());
  if (!m) throw new Error(`no interval in "${text}"`);
  return { method: m[1]!, lo: parseNumber(m[2]!), hi: parseNumber(m[3]!) };
}

/** Where the forest plot draws a metric's interval relative to its zero line (SVG x). */
async function drawnInterval(page: Page, metric: string) {
  const g = page.locator(`g.forest-interval[data-metric="${metric}"]`);
  const line = g.locator('line').first();
  const x1 = Number(await line.getAttribute('x1'));
  const x2 = Number(await line.getAttribute('x2'));
  const zero = Number(await page.locator('.recharts-reference-line line').first().getAttribute('x1'));
  return {
    method: await g.getAttribute('data-method'),
    left: Math.min(x1, x2),
    right: Math.max(x1, x2),
    zero,
  };
}

test('a quantile metric row is consistent across columns and the verdict matches the drawn interval', async ({
  page,
  app,
  workDir,
}) => {
  await page.goto(app.url);
  await page
    .locator('[role="row"][data-flag-key="ai-answer-assist"][data-environment="production"] [data-col="key"]')
    .click();
  await page.getByRole('button', { name: 'Compare cohorts' }).click();

  // Add metric: the expected split defaults to the flag's actual 90/10, and says so.
  await page.getByRole('button', { name: 'Add metric' }).first().click();
  const define = page.getByRole('dialog');
  const share = define.getByLabel('Expected control share');
  await expect(share).toHaveValue('0.9');
  await expect(define).toContainText(
    "From the flag's current split (variant weights): 90 % control, 10 % treatment",
  );
  await define.getByLabel('Name').fill('error_rate');
  await define.getByLabel('Direction').selectOption('lower-is-better');
  await define.getByRole('button', { name: 'Save metric' }).click();
  await expect(define).toBeHidden();
  await invokeValue(app, 'metrics.define', {
    flag: AI,
    name: 'latency_ms',
    kind: 'quantile',
    direction: 'lower-is-better',
    unit: 'ms',
    source: { type: 'events' },
    controlVariant: 'control',
    treatmentVariant: 'treatment',
    expectedSplit: [0.9, 0.1],
    guardrail: true,
  });

  await page.getByRole('button', { name: 'Import metric events' }).first().click();
  const importer = page.getByRole('dialog');
  await importer.getByLabel('File', { exact: true }).setInputFiles(eventsFile(workDir));
  await importer.getByRole('button', { name: /^Import$/ }).click();
  await expect(importer.getByRole('status')).toContainText('Imported 40,000 events');
  await importer.getByRole('button', { name: 'Close' }).click();

  const table = page.getByRole('table', { name: 'Metric comparison' });
  const latencyRow = table.locator('[data-metric="latency_ms"]');
  const errorRow = table.locator('[data-metric="error_rate"]');
  await expect(latencyRow).toHaveAttribute('data-verdict', 'worse');
  // 18,000 / 2,000 is exactly the flag's split: no sample-ratio alarm
  await expect(page.locator('.srm-banner')).toHaveCount(0);

  // --- the latency row: p95 in every column, and the columns add up ---
  const api = await invokeValue(app, 'metrics.compare', { flag: AI, window: { lastMinutes: 60 } });
  const apiLatency = api.rows.find((r) => r.metric.name === 'latency_ms')!;
  const cell = (row: Locator, col: string) => row.locator(`[data-col="${col}"]`);
  for (const col of ['control', 'treatment', 'difference', 'lift'])
    await expect(cell(latencyRow, col)).toContainText(/^p95 /);
  const control = parseNumber((await cell(latencyRow, 'control').textContent())!.slice(4));
  const treatment = parseNumber((await cell(latencyRow, 'treatment').textContent())!.slice(4));
  const difference = parseNumber((await cell(latencyRow, 'difference').textContent())!.slice(4));
  const lift = parseNumber((await cell(latencyRow, 'lift').textContent())!.slice(4)) / 100;
  expect(control).toBeCloseTo(apiLatency.control.quantiles!.p95, 0);
  expect(treatment).toBeCloseTo(apiLatency.treatment.quantiles!.p95, 0);
  // not the means (≈ 155 vs 194 ms), which the table used to show next to a p95 difference
  expect(Math.abs(control - apiLatency.control.mean!)).toBeGreaterThan(50);
  expect(difference).toBeCloseTo(treatment - control, 0);
  expect(lift).toBeCloseTo(difference / control, 2);
  expect(await cellInterval(cell(latencyRow, 'difference'))).toMatchObject({ method: 'fixed-horizon' });
  await expect(latencyRow).toHaveAttribute('data-method', 'fixed-horizon');
  await expect(cell(latencyRow, 'verdict')).toContainText(
    'fixed-horizon only: no sequential test for quantiles',
  );

  // --- error_rate, sequential (the default): inconclusive, and the drawn lift interval crosses 0 ---
  await expect(errorRow).toHaveAttribute('data-method', 'sequential');
  await expect(errorRow).toHaveAttribute('data-verdict', 'inconclusive');
  const seqLift = await cellInterval(cell(errorRow, 'lift'));
  expect(seqLift.method).toBe('sequential');
  expect(seqLift.lo).toBeLessThan(0);
  expect(seqLift.hi).toBeGreaterThan(0);
  const seqDrawn = await drawnInterval(page, 'error_rate');
  expect(seqDrawn.method).toBe('sequential');
  expect(seqDrawn.left).toBeLessThan(seqDrawn.zero);
  expect(seqDrawn.right).toBeGreaterThan(seqDrawn.zero);

  // --- toggle fixed-horizon: verdict, table interval and drawn interval switch together ---
  await page.getByText('Fixed horizon', { exact: true }).click();
  await expect(errorRow).toHaveAttribute('data-method', 'fixed-horizon');
  await expect(errorRow).toHaveAttribute('data-verdict', 'worse');
  const fixedLift = await cellInterval(cell(errorRow, 'lift'));
  expect(fixedLift.method).toBe('fixed-horizon');
  expect(fixedLift.lo).toBeGreaterThan(0);
  await expect(page.locator('g.forest-interval[data-metric="error_rate"]')).toHaveAttribute(
    'data-method',
    'fixed-horizon',
  );
  const fixedDrawn = await drawnInterval(page, 'error_rate');
  expect(fixedDrawn.left).toBeGreaterThan(fixedDrawn.zero);
  // the quantile row does not change method, and no longer needs to say so
  await expect(latencyRow).toHaveAttribute('data-method', 'fixed-horizon');
  await expect(cell(latencyRow, 'verdict')).not.toContainText('no sequential test');
});
