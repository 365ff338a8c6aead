/**
 * Acceptance 2 and the one-click rollback on the embedded default provider:
 * `rcr serve` → the fleet shows the seeded AI flag with its four layers; a
 * rollback (kill) from the fleet row is confirmed by re-reading the provider.
 */
import type { Page } from '@playwright/test';
import { expect, test } from './fixtures.ts';
import { invokeValue } from './serve-app.ts';

const aiRow = (page: Page) =>
  page.locator('[role="row"][data-flag-key="ai-answer-assist"][data-environment="production"]');

test('the fleet shows the seeded AI flag with its four layers', async ({ page, app }) => {
  await page.goto(app.url);
  const fleet = page.getByRole('table', { name: 'Fleet' });
  await expect(fleet).toBeVisible();
  const row = aiRow(page);
  await expect(row).toHaveAttribute('data-provider', 'local');
  await expect(row.locator('[data-col="enabled"]')).toHaveText(/Serving/);
  await expect(row.locator('[data-col="rolloutPercent"]')).toHaveText('10%');
  await expect(row.locator('[data-col="confidenceThreshold"]')).toHaveText('0.70');
  await expect(row.locator('[data-col="modelVersion"]')).toHaveText('v2.4');
  await expect(row).toHaveAttribute('data-stale', 'false');
  // The token was removed from the visible URL.
  expect(page.url()).not.toContain('token=');
});

test('search filters the fleet and the keyboard opens a flag page', async ({ page, app }) => {
  await page.goto(app.url);
  await expect(aiRow(page)).toBeVisible();
  await page.keyboard.press('/');
  await page.keyboard.type('checkout');
  await expect(page.locator('[role="row"][data-flag-key]')).toHaveCount(1);
  await expect(page.locator('[role="row"][data-flag-key="new-checkout-flow"]')).toBeVisible();
  await page.locator('[role="row"][data-flag-key="new-checkout-flow"]').focus();
  await page.keyboard.press('Enter');
  await expect(
    page.getByRole('heading', { name: /new-checkout-flow|New checkout flow/ }).first(),
  ).toBeVisible();
});

test('one-click rollback (kill) from the fleet: preview, reason, provider-confirmed state, audit and history', async ({
  page,
  app,
}) => {
  await page.goto(app.url);
  const row = aiRow(page);
  await row.getByRole('button', { name: 'Roll back' }).click();
  const dialog = page.getByRole('dialog');
  await dialog.getByRole('button', { name: 'Kill' }).click();
  const preview = dialog.getByRole('region', { name: 'What will change' });
  await expect(preview).toContainText(/Serving/);
  await expect(preview).toContainText(/Killed/);
  await dialog.getByLabel('Reason').fill('wrong answers reported by support');
  await dialog.getByRole('button', { name: 'Confirm rollback' }).click();
  const result = dialog.getByRole('status');
  await expect(result).toContainText('Rolled back');
  await expect(result.locator('[data-col="enabled"]')).toHaveText(/Killed/);
  await dialog.getByRole('button', { name: 'Close' }).click();
  await expect(row.locator('[data-col="enabled"]')).toHaveText(/Killed/);

  const detail = await invokeValue(app, 'flag.get', {
    provider: 'local',
    environment: 'production',
    key: 'ai-answer-assist',
  });
  expect(detail.audit[0]).toMatchObject({
    action: 'kill',
    status: 'succeeded',
    reason: 'wrong answers reported by support',
  });
  expect(detail.history[0]).toMatchObject({ source: 'app', auditId: detail.audit[0]?.id });
  const cli = await app.cli(['flags', 'list', '--json', '--offline', '--env', 'production']);
  const flags = JSON.parse(cli.stdout) as { key: string; enabled: boolean }[];
  expect(flags.find((f) => f.key === 'ai-answer-assist')?.enabled).toBe(false);
});

test('a threshold outside 0–1 is refused with the field named, and nothing changes', async ({
  page,
  app,
}) => {
  await page.goto(app.url);
  await aiRow(page).locator('[data-col="key"]').click();
  await page.getByRole('button', { name: 'Edit Confidence threshold' }).click();
  const input = page.getByLabel(/Confidence threshold/).and(page.locator('input'));
  await input.fill('1.5');
  await page.getByRole('button', { name: /Preview|Review/ }).click();
  await expect(page.getByRole('alert').first()).toContainText(/between 0 and 1/);
  const detail = await invokeValue(app, 'flag.get', {
    provider: 'local',
    environment: 'production',
    key: 'ai-answer-assist',
  });
  expect(detail.flag.layers.confidenceThreshold).toBe(0.7);
  expect(detail.audit).toHaveLength(0);
});
