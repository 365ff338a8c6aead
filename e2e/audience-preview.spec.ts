/**
 * Exact audience preview in Chromium on the embedded provider's seeded AI flag
 * (`ai-answer-assist`, production, 10 %): propose +15 points, paste 1,000
 * keys, and see exactly the keys whose bucket is in (10, 25] enter — checked
 * against `rcr bucket --scheme local` — and nobody leave. Then a CSV file with
 * a `key` column, and a CSV without one.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { Page } from '@playwright/test';
import { expect, test } from './fixtures.ts';
import type { ServedApp } from './serve-app.ts';

const KEYS = Array.from({ length: 1000 }, (_, i) => `user-${i}`);
/** Keys in the seeded flag's allow/block lists: they never move with the rollout. */
const LISTED = new Set(['qa-team-lead', 'pm-ana', 'enterprise-acme-42']);

/** Keys entering at 10 → 25 %, computed by the CLI (`rcr bucket`), not by the page. */
async function expectedEntering(app: ServedApp, dir: string, keys: string[]): Promise<number> {
  const file = path.join(dir, 'keys.txt');
  fs.writeFileSync(file, keys.join('\n'));
  const r = await app.cli([
    'bucket',
    '--scheme',
    'local',
    '--flag',
    'ai-answer-assist',
    '--keys-file',
    file,
    '--json',
  ]);
  expect(r.code, r.stderr).toBe(0);
  const rows = JSON.parse(r.stdout) as { key: string; bucket: number }[];
  expect(rows).toHaveLength(keys.length);
  return rows.filter((x) => !LISTED.has(x.key) && x.bucket > 10 && x.bucket <= 25).length;
}

async function proposeRollout(page: Page, app: ServedApp, percent: string) {
  await page.goto(app.url);
  await page
    .locator('[role="row"][data-flag-key="ai-answer-assist"][data-environment="production"] [data-col="key"]')
    .click();
  await page.getByRole('button', { name: 'Edit Rollout %' }).click();
  const editor = page.getByRole('form', { name: 'Edit Rollout %' });
  await editor.getByLabel('Rollout %').fill(percent);
  await editor.getByRole('button', { name: 'Preview change' }).click();
  const dialog = page.getByRole('dialog');
  await expect(dialog.getByRole('region', { name: 'What will change' })).toContainText('25');
  const panel = dialog.getByRole('region', { name: 'Audience preview' });
  // Collapsed by default, so the reason and Apply stay in view.
  await expect(panel.getByLabel('Targeting keys')).toBeHidden();
  await panel.getByText('Audience preview', { exact: true }).click();
  return panel;
}

test('rollout +15 points on 1,000 pasted keys: N entering (as rcr bucket says), 0 leaving, monotonic', async ({
  page,
  app,
  workDir,
}) => {
  const expected = await expectedEntering(app, workDir, KEYS);
  expect(expected).toBeGreaterThan(100); // ~15 % of 1,000
  const panel = await proposeRollout(page, app, '25');
  await panel.getByLabel('Targeting keys').fill(KEYS.join('\n'));
  await expect(panel.locator('[data-key-count]')).toHaveText(/1,000 keys read/);
  await panel.getByRole('button', { name: 'Preview audience' }).click();

  const result = panel.getByRole('status');
  await expect(result.locator('[data-total="entering"] [data-count]')).toHaveText(
    expected.toLocaleString('en'),
  );
  await expect(result.locator('[data-total="leaving"] [data-count]')).toHaveText('0');
  await expect(result.locator('[data-monotonic="true"]')).toContainText('Rollout 10% → 25% only adds users');
  await expect(result.getByRole('img', { name: /^Before: / })).toBeVisible();
  await expect(result.getByRole('img', { name: /^After: / })).toBeVisible();
  await expect(result).toHaveAttribute('data-scheme', 'local');
  await page.screenshot({ path: test.info().outputPath('audience-preview.png'), fullPage: true });

  // Nothing was applied: the flag is still at 10 %.
  const show = JSON.parse(
    (await app.cli(['flag', 'show', 'ai-answer-assist', '--env', 'production', '--json', '--offline']))
      .stdout,
  ) as { rolloutPercent: number };
  expect(show.rolloutPercent).toBe(10);
});

test('keys from a CSV file with a key column; a CSV without one is refused with its columns', async ({
  page,
  app,
  workDir,
}) => {
  const keys = KEYS.slice(0, 400);
  const expected = await expectedEntering(app, workDir, keys);
  const panel = await proposeRollout(page, app, '25');
  const csv = ['plan,key', ...keys.map((k, i) => `${i % 2 ? 'pro' : 'free'},${k}`)].join('\n');
  await panel.locator('input[type="file"]').setInputFiles({
    name: 'users.csv',
    mimeType: 'text/csv',
    buffer: Buffer.from(csv),
  });
  await expect(panel.locator('[data-key-count]')).toHaveText(/400 keys read \(CSV\) from users\.csv/);
  await panel.getByRole('button', { name: 'Preview audience' }).click();
  await expect(panel.locator('[data-total="entering"] [data-count]')).toHaveText(String(expected));

  await panel.locator('input[type="file"]').setInputFiles({
    name: 'bad.csv',
    mimeType: 'text/csv',
    buffer: Buffer.from('id,plan\n1,pro\n'),
  });
  await expect(panel.getByRole('alert')).toContainText(
    'the CSV has no "key" column (its columns: "id", "plan")',
  );
  await expect(panel.getByRole('button', { name: 'Preview audience' })).toBeDisabled();
});
