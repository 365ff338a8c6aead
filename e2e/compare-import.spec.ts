/**
 * Metric events imported through the comparison view's dialog — in browser mode the file is picked
 * and its bytes uploaded: a broken file is refused with its line and nothing is stored; a good file
 * is rolled up and the metric gets a verdict; a file that is not an event file (a credentials CSV)
 * is refused without its content being shown; and the API refuses a server path outright.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { Page } from '@playwright/test';
import { expect, test } from './fixtures.ts';
import { invokeApi, invokeValue, type ServedApp } from './serve-app.ts';

const AI = { provider: 'local', environment: 'production', key: 'ai-answer-assist' };

test.beforeEach(async ({ app }) => {
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

async function importFile(page: Page, app: ServedApp, file: string): Promise<void> {
  await page.goto(app.url);
  await page
    .locator('[role="row"][data-flag-key="ai-answer-assist"][data-environment="production"] [data-col="key"]')
    .click();
  await page.getByRole('button', { name: 'Compare cohorts' }).click();
  await page.getByRole('button', { name: 'Import metric events' }).first().click();
  const dialog = page.getByRole('dialog');
  // Browser mode offers a file picker, not a path field: the bytes are uploaded.
  await expect(dialog.getByLabel('File path')).toHaveCount(0);
  await dialog.getByLabel('File', { exact: true }).setInputFiles(file);
  await dialog.getByRole('button', { name: /^Import$/ }).click();
}

test('a broken event file is refused with its line number', async ({ page, app, workDir: dir }) => {
  const file = path.join(dir, 'broken.csv');
  fs.writeFileSync(
    file,
    'timestamp,unit_id,flag_key,variant,metric,value\n2026-11-21T10:00:00Z,u1,ai-answer-assist,control,answer_accepted,1\n2026-11-21T10:00:05Z,u2,ai-answer-assist,treatment,answer_accepted,abc\n',
  );
  await importFile(page, app, file);
  await expect(page.getByRole('dialog').getByRole('alert')).toContainText('broken.csv line 3');
  const cmp = await invokeValue(app, 'metrics.compare', { flag: AI, window: { lastMinutes: 60 * 24 * 90 } });
  expect(cmp.rows[0]?.control.n).toBe(0);
});

test('imported events are rolled up and compared; the same file again is refused unless it replaces the earlier import', async ({
  page,
  app,
  workDir: dir,
}) => {
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
  await importFile(page, app, file);
  const dialog = page.getByRole('dialog');
  await expect(dialog.getByRole('status')).toContainText('Imported 4,000 events');
  await dialog.getByRole('button', { name: 'Close' }).click();
  const row = page
    .getByRole('table', { name: 'Metric comparison' })
    .locator('[data-metric="answer_accepted"]');
  await expect(row).toHaveAttribute('data-verdict', 'better');

  // The same file again (a retry, a double click): refused, so no event is counted twice…
  await page.getByRole('button', { name: 'Import metric events' }).first().click();
  await dialog.getByLabel('File', { exact: true }).setInputFiles(file);
  await dialog.getByRole('button', { name: /^Import$/ }).click();
  const alert = dialog.getByRole('alert');
  await expect(alert).toHaveAttribute('data-error-code', 'CONFLICT');
  await expect(alert).toContainText('already imported into local/production (events.csv, 4,000 rows');
  // …unless the user replaces the earlier import with it.
  await alert.getByRole('button', { name: 'Replace the earlier import' }).click();
  await expect(dialog.getByRole('status')).toContainText('Imported 4,000 events');
  const cmp = await invokeValue(app, 'metrics.compare', { flag: AI, window: { lastMinutes: 60 * 24 } });
  expect((cmp.rows[0]?.control.n ?? 0) + (cmp.rows[0]?.treatment.n ?? 0)).toBe(4000);
});

test('a file that is not an event file is refused without showing its content; a path is refused', async ({
  page,
  app,
  workDir: dir,
}) => {
  const creds = path.join(dir, 'creds.csv');
  fs.writeFileSync(creds, 'api_key,secret\nAKIA-EXAMPLE-KEY-123,wJalrXUtnFEMI-secret\n', { mode: 0o600 });
  await importFile(page, app, creds);
  const alert = page.getByRole('dialog').getByRole('alert');
  await expect(alert).toContainText('creds.csv line 1: missing column "timestamp" — expected columns');
  await expect(alert).not.toContainText('AKIA');
  await expect(alert).not.toContainText('api_key');
  // Nothing was left behind in the data folder's upload area.
  expect(fs.readdirSync(path.join(app.dataDir, 'imports'))).toEqual([]);
  // A server path is never taken from a browser-mode client, whatever it names.
  for (const file of [creds, '/etc/passwd', path.join(dir, 'missing.csv')]) {
    const r = await invokeApi(app, 'metrics.importEvents', {
      path: file,
      provider: 'local',
      environment: 'production',
    });
    expect(r.ok).toBe(false);
    if (!r.ok) {
      expect(r.error.code).toBe('FORBIDDEN');
      expect(r.error.message).toMatch(/upload the file/);
      expect(r.error.message).not.toMatch(/AKIA|root:|no file/);
    }
  }
});
