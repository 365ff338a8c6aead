/**
 * Metric events imported through the comparison view's dialog: a broken file is refused with its
 * line and nothing is stored; a good file is rolled up and the metric gets a verdict.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { expect, test, type Page } from '@playwright/test';
import { invokeValue, serveApp, type ServedApp } from './serve-app.ts';

let app: ServedApp;
let dir: string;
const AI = { provider: 'local', environment: 'production', key: 'ai-answer-assist' };

test.beforeEach(async () => {
  app = await serveApp();
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rcr-events-'));
  await invokeValue(app, 'metrics.define', {
    flag: AI,
    name: 'answer_accepted',
    kind: 'binomial',
    direction: 'higher-is-better',
    unit: '',
    source: { type: 'events' },
    controlVariant: 'control',
    treatmentVariant: 'treatment',
    expectedSplit: null,
    guardrail: false,
  });
});
test.afterEach(async () => {
  await app.stop();
  fs.rmSync(dir, { recursive: true, force: true });
});

async function importFile(page: Page, file: string): Promise<void> {
  await page.goto(app.url);
  await page
    .locator('[role="row"][data-flag-key="ai-answer-assist"][data-environment="production"] [data-col="key"]')
    .click();
  await page.getByRole('button', { name: 'Compare cohorts' }).click();
  await page.getByRole('button', { name: 'Import metric events' }).first().click();
  const dialog = page.getByRole('dialog');
  await dialog.getByLabel('File path').fill(file);
  await dialog.getByRole('button', { name: /^Import$/ }).click();
}

test('a broken event file is refused with its line number', async ({ page }) => {
  const file = path.join(dir, 'broken.csv');
  fs.writeFileSync(
    file,
    'timestamp,unit_id,flag_key,variant,metric,value\n2026-11-21T10:00:00Z,u1,ai-answer-assist,control,answer_accepted,1\n2026-11-21T10:00:05Z,u2,ai-answer-assist,treatment,answer_accepted,abc\n',
  );
  await importFile(page, file);
  await expect(page.getByRole('dialog').getByRole('alert')).toContainText('broken.csv line 3');
  const cmp = await invokeValue(app, 'metrics.compare', { flag: AI, window: { lastMinutes: 60 * 24 * 90 } });
  expect(cmp.rows[0]?.control.n).toBe(0);
});

test('imported events are rolled up and compared', async ({ page }) => {
  const now = Date.now();
  const lines = ['timestamp,unit_id,flag_key,variant,metric,value'];
  for (let i = 0; i < 4000; i++) {
    const variant = i % 2 ? 'treatment' : 'control';
    const accepted = variant === 'treatment' ? (i % 10 < 6 ? 1 : 0) : i % 10 < 4 ? 1 : 0;
    lines.push(
      `${new Date(now - (i % 50) * 60_000).toISOString()},u${i},ai-answer-assist,${variant},answer_accepted,${accepted}`,
    );
  }
  const file = path.join(dir, 'events.csv');
  fs.writeFileSync(file, `${lines.join('\n')}\n`);
  await importFile(page, file);
  const dialog = page.getByRole('dialog');
  await expect(dialog.getByRole('status')).toContainText('Imported 4,000 events');
  await dialog.getByRole('button', { name: 'Close' }).click();
  const row = page
    .getByRole('table', { name: 'Metric comparison' })
    .locator('[data-metric="answer_accepted"]');
  await expect(row).toHaveAttribute('data-verdict', 'better');
});
