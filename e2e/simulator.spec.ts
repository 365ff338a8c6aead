/**
 * The confidence-threshold simulator on the embedded default's AI flag, which
 * ships with real held-out predictions of two classifiers (v2.3, v2.4): open
 * the simulator, move the slider and see the numbers and curves follow; apply
 * 0.80 and see the provider's threshold layer and the audit log; a broken
 * prediction file is refused with its line and nothing is stored. With a small
 * log the verdicts say "not enough data" / "inconclusive" with the sample
 * needed instead of "roll back"; the page fits 1440 and 1024 px.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { Page } from '@playwright/test';
import { expect, test } from './fixtures.ts';
import { invokeValue, type ServedApp } from './serve-app.ts';

const AI = { provider: 'local', environment: 'production', key: 'ai-answer-assist' };

async function openSimulator(page: Page, app: ServedApp): Promise<void> {
  await page.goto(app.url);
  await page
    .locator('[role="row"][data-flag-key="ai-answer-assist"][data-environment="production"] [data-col="key"]')
    .click();
  await page.getByRole('button', { name: 'Threshold simulator' }).click();
  await expect(page.getByTestId('projection-sentence')).toBeVisible();
}

test('moving the slider updates the projected numbers and the curves; apply 0.80 is confirmed and audited', async ({
  page,
  app,
}) => {
  await openSimulator(page, app);
  const slider = page.getByRole('slider', { name: 'Candidate threshold' });
  await expect(slider).toHaveValue('0.7');
  for (const name of ['Precision, recall, coverage and FPR vs threshold', 'Risk–coverage', 'ROC'])
    await expect(page.getByRole('figure', { name }).locator('svg path').first()).toBeVisible();
  const sentence = page.getByTestId('projection-sentence');
  const before = await sentence.textContent();

  await slider.focus();
  for (let i = 0; i < 10; i++) await page.keyboard.press('ArrowRight');
  await expect(slider).toHaveValue('0.8');
  await expect(page.getByLabel('Candidate threshold value')).toHaveValue('0.80');
  await expect(sentence).toContainText('0.80');
  await expect(sentence).toContainText('0.70');
  expect(await sentence.textContent()).not.toBe(before);
  await expect(page.getByRole('table', { name: 'Side by side' })).toContainText('v2.4');

  await page.getByRole('button', { name: 'Apply threshold 0.80' }).click();
  const dialog = page.getByRole('dialog');
  await dialog.getByLabel('Reason').fill('precision target 0.95 per the simulator');
  await dialog.getByRole('button', { name: 'Apply change' }).click();
  await expect(dialog.getByRole('status')).toBeVisible();

  const detail = await invokeValue(app, 'flag.get', AI);
  expect(detail.flag.layers.confidenceThreshold).toBe(0.8);
  expect(detail.audit[0]).toMatchObject({
    action: 'set-layers',
    status: 'succeeded',
    patch: { confidenceThreshold: 0.8 },
    reason: 'precision target 0.95 per the simulator',
  });
});

test('recommendations per model version and segment, and "roll back the model" when nothing meets the target', async ({
  page,
  app,
}) => {
  await openSimulator(page, app);
  const recs = page.getByRole('table', { name: 'Recommended thresholds' });
  await expect(recs).toContainText('v2.3');
  await expect(recs).toContainText('v2.4');
  // hard-ham has ~50% precision at any threshold: no threshold reaches 0.95.
  await expect(page.getByText(/roll back the model, not the threshold/).first()).toBeVisible();
});

test('a broken prediction file is refused with its line number and nothing is stored', async ({
  page,
  app,
  workDir: dir,
}) => {
  const file = path.join(dir, 'broken.csv');
  fs.writeFileSync(file, 'confidence,label\n0.9,1\n0.4,0\n1.7,1\n');
  const logsBefore = await invokeValue(app, 'predictions.list', {});
  await openSimulator(page, app);
  await page.getByRole('button', { name: 'Import prediction log' }).first().click();
  const dialog = page.getByRole('dialog');
  // Browser mode: the file is picked and uploaded (the server takes no path from a browser).
  await dialog.getByLabel('File', { exact: true }).setInputFiles(file);
  await dialog.getByRole('button', { name: /^Import$/ }).click();
  await expect(dialog.getByRole('alert')).toContainText(
    'broken.csv line 4: confidence 1.7 must be between 0 and 1',
  );
  expect(await invokeValue(app, 'predictions.list', {})).toHaveLength(logsBefore.length);
});

/** Wilson 95% interval (Wilson 1927), written out here to check the app independently. */
function wilson(x: number, n: number): [number, number] {
  const z = 1.959963984540054;
  const p = x / n;
  const z2n = (z * z) / n;
  const centre = (p + z2n / 2) / (1 + z2n);
  const half = (z / (1 + z2n)) * Math.sqrt((p * (1 - p)) / n + z2n / (4 * n));
  return [centre - half, centre + half];
}

/**
 * 50 predictions per model version, confidences 0.99 down to 0.75 (all covered at the flag's
 * 0.70): v1 is wrong on its 2 least confident, v2 on its 3 least confident.
 */
function smallLog(): string {
  const rows = ['confidence,label,model_version'];
  for (const [mv, wrong] of [
    ['v1', 2],
    ['v2', 3],
  ] as const)
    for (let i = 0; i < 50; i++)
      rows.push(`${(0.99 - (i * 0.24) / 49).toFixed(4)},${i >= 50 - wrong ? 0 : 1},${mv}`);
  return rows.join('\n');
}

async function importFile(page: Page, file: string): Promise<void> {
  await page.getByRole('button', { name: 'Import prediction log' }).first().click();
  const dialog = page.getByRole('dialog');
  // Browser mode: the file is picked and uploaded (the server takes no path from a browser).
  await dialog.getByLabel('File', { exact: true }).setInputFiles(file);
  await dialog.getByRole('button', { name: /^Import$/ }).click();
  await expect(dialog).toContainText('Imported small.csv');
  await dialog.getByRole('button', { name: 'Close' }).click();
}

test('a small log: "not enough data" with the labelled predictions needed, and an inconclusive A/B with the sample per arm — never "roll back"', async ({
  page,
  app,
  workDir: dir,
}) => {
  const file = path.join(dir, 'small.csv');
  fs.writeFileSync(file, smallLog());
  await openSimulator(page, app);
  await importFile(page, file);
  await expect(page.locator('.log-summary')).toContainText('100 predictions');

  // Target: precision ≥ 0.95 on the 95% Wilson lower bound. Even 100% precision needs
  // ⌈1.96² · 0.95 / 0.05⌉ = 73 covered predictions; v1's top 48 (coverage 96%) are all right, so
  // 73 / 0.96 → 77 labelled in all = 27 more; v2's top 47 (94%): 73 / 0.94 → 78 = 28 more.
  expect(wilson(73, 73)[0]).toBeGreaterThanOrEqual(0.95);
  expect(wilson(72, 72)[0]).toBeLessThan(0.95);
  const recs = page.getByRole('table', { name: 'Recommended thresholds' });
  const v1 = recs.locator('tr[data-model-version="v1"]');
  const v2 = recs.locator('tr[data-model-version="v2"]');
  await expect(v1).toContainText('Not enough data');
  await expect(v1).toContainText('≈ 27 more labelled predictions needed');
  await expect(v2).toContainText('≈ 28 more labelled predictions needed');
  await expect(recs).not.toContainText(/roll back/i);
  await expect(v1).toHaveAttribute('data-status', 'insufficient-data');

  // Model A/B v1 → v2 at 0.70: precision 96% vs 94%, −2 pp; the 95% Newcombe interval of the
  // difference spans 0, so the decision is inconclusive, not "Roll back".
  const result = page.locator('.ab-result');
  await expect(result).toHaveAttribute('data-decision', 'inconclusive');
  await expect(result.locator('.badge')).toHaveText('Inconclusive');
  await expect(result.locator('.ab-verdict')).not.toContainText(/roll back/i);
  const [l1, u1] = wilson(47, 50);
  const [l2, u2] = wilson(48, 50);
  const d = 47 / 50 - 48 / 50;
  const lo = (d - Math.hypot(47 / 50 - l1, u2 - 48 / 50)) * 100; // Newcombe (1998), method 10
  const hi = (d + Math.hypot(u1 - 47 / 50, 48 / 50 - l2)) * 100;
  expect(lo).toBeLessThan(0);
  expect(hi).toBeGreaterThan(0);
  await expect(page.getByTestId('ab-diff-text')).toContainText(
    `−2.0 pp, 95% interval −${Math.abs(lo).toFixed(1)} pp to +${hi.toFixed(1)} pp`,
  );
  // the drawn interval is the one the decision used
  const plot = page.getByTestId('ab-diff-interval');
  expect(Number(await plot.getAttribute('data-lo'))).toBeCloseTo(lo, 6);
  expect(Number(await plot.getAttribute('data-hi'))).toBeCloseTo(hi, 6);
  // Sample to tell "worse than control" (Chow, Shao & Wang 2008, §4.2; 80% power, two-sided 5%):
  // (1.96 + 0.8416)² · (0.94·0.06 + 0.96·0.04) / 0.02² = 1,860.2 → 1,861 covered per arm.
  const perArm = Math.ceil(
    ((1.959963984540054 + 0.8416212335729143) ** 2 * (0.94 * 0.06 + 0.96 * 0.04)) / 0.02 ** 2,
  );
  expect(perArm).toBe(1861);
  await expect(result.locator('.ab-rationale')).toContainText(
    'inconclusive — to tell whether treatment is worse, about 1,861 covered predictions per arm would be needed',
  );
  // all 50 are covered on each side (coverage 100%), so 1,861 covered ≈ 1,861 labelled per model version
  await expect(page.getByTestId('ab-needed')).toContainText('1,861 covered ≈ 1,861 labelled');
});

test('bad A/B input gets a plain message next to the field, not a schema message', async ({ page, app }) => {
  await openSimulator(page, app);
  await expect(page.locator('.ab-result')).toBeVisible();
  const control = page.getByRole('group', { name: 'Control' }).getByLabel('Threshold');
  await control.fill('1.5');
  await page.getByRole('button', { name: 'Compare' }).click();
  await expect(control).toHaveAttribute('aria-invalid', 'true');
  await expect(control).toHaveAccessibleDescription('Control threshold must be between 0 and 1');
  await expect(page.getByText('Control threshold must be between 0 and 1')).toBeVisible();
  await expect(page.getByText(/Too big|expected number/)).toHaveCount(0);
  await control.fill('0.8');
  await expect(page.getByText('Control threshold must be between 0 and 1')).toHaveCount(0);
});

for (const width of [1440, 1024])
  test(`at ${width} px the Use buttons and verdicts are on screen and the page does not scroll sideways`, async ({
    page,
    app,
  }) => {
    await page.setViewportSize({ width, height: 900 });
    await openSimulator(page, app);
    const recs = page.getByRole('table', { name: 'Recommended thresholds' });
    await expect(recs.getByRole('button', { name: /^Use / }).first()).toBeVisible();
    await expect(page.locator('.ab-result')).toBeVisible();
    const widths = (el: { scrollWidth: number; clientWidth: number }) => ({
      scroll: el.scrollWidth,
      client: el.clientWidth,
    });
    // document.documentElement.scrollWidth ≤ innerWidth (= the viewport width here) …
    expect((await page.locator('html').evaluate(widths)).scroll).toBeLessThanOrEqual(width);
    // … and the page body, which scrolls inside .app-main, does not scroll sideways either
    const main = await page.locator('.app-main').evaluate(widths);
    expect(main.scroll).toBeLessThanOrEqual(main.client);
    for (const button of await recs.getByRole('button', { name: /^Use / }).all()) {
      const box = (await button.boundingBox())!;
      expect(box.x).toBeGreaterThanOrEqual(0);
      expect(box.x + box.width).toBeLessThanOrEqual(width);
    }
    // verdict cells wrap instead of being cut: nothing overflows its cell or the viewport
    const cells = await recs.locator('td.rec-verdict').evaluateAll((tds) =>
      tds.map((td) => ({
        scroll: td.scrollWidth,
        client: td.clientWidth,
        right: td.getBoundingClientRect().right,
      })),
    );
    expect(cells.length).toBeGreaterThan(0);
    for (const c of cells) {
      expect(c.scroll).toBeLessThanOrEqual(c.client);
      expect(c.right).toBeLessThanOrEqual(width);
    }
  });
