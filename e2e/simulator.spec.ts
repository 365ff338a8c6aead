/**
 * The confidence-threshold simulator on the embedded default's AI flag, which
 * ships with real held-out predictions of two classifiers (v2.3, v2.4): open
 * the simulator, move the slider and see the numbers and curves follow; apply
 * 0.80 and see the provider's threshold layer and the audit log; a broken
 * prediction file is refused with its line and nothing is stored.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { expect, test, type Page } from '@playwright/test';
import { invokeValue, serveApp, type ServedApp } from './serve-app.ts';

let app: ServedApp;
test.beforeEach(async () => {
  app = await serveApp();
});
test.afterEach(async () => {
  await app.stop();
});

const AI = { provider: 'local', environment: 'production', key: 'ai-answer-assist' };

async function openSimulator(page: Page): Promise<void> {
  await page.goto(app.url);
  await page
    .locator('[role="row"][data-flag-key="ai-answer-assist"][data-environment="production"] [data-col="key"]')
    .click();
  await page.getByRole('button', { name: 'Threshold simulator' }).click();
  await expect(page.getByTestId('projection-sentence')).toBeVisible();
}

test('moving the slider updates the projected numbers and the curves; apply 0.80 is confirmed and audited', async ({
  page,
}) => {
  await openSimulator(page);
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
}) => {
  await openSimulator(page);
  const recs = page.getByRole('table', { name: 'Recommended thresholds' });
  await expect(recs).toContainText('v2.3');
  await expect(recs).toContainText('v2.4');
  // hard-ham has ~50% precision at any threshold: no threshold reaches 0.95.
  await expect(page.getByText(/roll back the model, not the threshold/).first()).toBeVisible();
});

test('a broken prediction file is refused with its line number and nothing is stored', async ({ page }) => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rcr-preds-'));
  const file = path.join(dir, 'broken.csv');
  fs.writeFileSync(file, 'confidence,label\n0.9,1\n0.4,0\n1.7,1\n');
  const logsBefore = await invokeValue(app, 'predictions.list', {});
  await openSimulator(page);
  await page.getByRole('button', { name: 'Import prediction log' }).first().click();
  const dialog = page.getByRole('dialog');
  await dialog.getByLabel('File path').fill(file);
  await dialog.getByRole('button', { name: /^Import$/ }).click();
  await expect(dialog.getByRole('alert')).toContainText(
    'broken.csv line 4: confidence 1.7 must be between 0 and 1',
  );
  expect(await invokeValue(app, 'predictions.list', {})).toHaveLength(logsBefore.length);
  fs.rmSync(dir, { recursive: true, force: true });
});
