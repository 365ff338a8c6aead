/**
 * Issue 5 acceptance for LaunchDarkly, in Chromium against the local
 * LaunchDarkly-API server (test/support/launchdarkly-server.ts, started here):
 * the fleet shows LaunchDarkly flags next to the local ones; Roll back (kill)
 * of a LaunchDarkly flag turns it off there with one audit and one history row;
 * during a 429 storm the rollback dialog shows "waiting for rate limit (Ns)"
 * and the rollback then completes.
 */
import { expect, test, type Page } from '@playwright/test';
import { invokeValue, serveApp, type ServedApp } from './serve-app.ts';
import { startLaunchDarklyServer, type LdServer } from '../test/support/launchdarkly-server.ts';

test.describe.configure({ mode: 'serial' });

let ld: LdServer;
let app: ServedApp;
const KILL_FLAG = 'ld-reply-drafts';
const STORM_FLAG = 'ld-ticket-triage';

test.beforeAll(async () => {
  ld = await startLaunchDarklyServer({ environments: ['production', 'staging'] });
  for (const key of [KILL_FLAG, STORM_FLAG]) ld.addFlag({ key, name: key });
  app = await serveApp({
    config: {
      version: 1,
      // Long interval: the only syncs are the first one and the ones the test asks for,
      // so the 429 storm below hits the rollback's own requests.
      syncIntervalMs: 600_000,
      providers: [
        { name: 'local', kind: 'local' },
        {
          name: 'ld',
          kind: 'launchdarkly',
          url: ld.url,
          tokenEnv: 'RCR_E2E_LD_TOKEN',
          project: 'default',
          environments: ['production', 'staging'],
        },
      ],
    },
    env: { RCR_E2E_LD_TOKEN: ld.token },
  });
});

test.afterAll(async () => {
  await app?.stop();
  await ld?.close();
});

const row = (page: Page, key: string, env = 'production') =>
  page.locator(`[role="row"][data-provider="ld"][data-environment="${env}"][data-flag-key="${key}"]`);
const ref = (key: string) => ({ provider: 'ld', environment: 'production', key });

async function openKill(page: Page, key: string, reason: string): Promise<void> {
  await row(page, key).getByRole('button', { name: 'Roll back' }).click();
  const dialog = page.getByRole('dialog');
  await dialog.getByRole('button', { name: 'Kill' }).click();
  await expect(dialog.getByRole('region', { name: 'What will change' })).toBeVisible();
  await expect(dialog.getByText(/LaunchDarkly dry run \(dryRun=true\): accepted/)).toBeVisible();
  await dialog.getByLabel('Reason').fill(reason);
}

test('the fleet shows LaunchDarkly flags next to local ones; Roll back (kill) turns one off in LaunchDarkly', async ({
  page,
}) => {
  await page.goto(app.url);
  await expect(row(page, KILL_FLAG).locator('[data-col="rolloutPercent"]')).toHaveText('25%');
  await expect(row(page, KILL_FLAG).locator('[data-col="modelVersion"]')).toHaveText('v2.4');
  await expect(row(page, KILL_FLAG, 'staging')).toBeVisible();
  await expect(page.locator('[role="row"][data-provider="local"]').first()).toBeVisible();
  const before = await invokeValue(app, 'flag.get', ref(KILL_FLAG));

  await openKill(page, KILL_FLAG, 'drafts quote wrong refund amounts');
  const dialog = page.getByRole('dialog');
  await dialog.getByRole('button', { name: 'Confirm rollback' }).click();
  await expect(dialog.getByRole('status')).toContainText('Rolled back');
  await expect(dialog.getByRole('status').locator('[data-col="enabled"]')).toHaveText(/Killed/);

  const stored = ld.flag(KILL_FLAG)!;
  expect(stored.environments!.production!.on).toBe(false);
  expect(stored.environments!.staging!.on).toBe(true);
  const sent = ld.stats.patches.filter((p) => !p.dryRun).at(-1)?.body;
  expect(sent).toEqual({
    environmentKey: 'production',
    comment: 'drafts quote wrong refund amounts',
    instructions: [{ kind: 'turnFlagOff' }],
  });
  const after = await invokeValue(app, 'flag.get', ref(KILL_FLAG));
  expect(after.audit).toHaveLength(before.audit.length + 1);
  expect(after.audit[0]).toMatchObject({ action: 'kill', status: 'succeeded' });
  expect(after.history[0]).toMatchObject({
    source: 'app',
    auditId: after.audit[0]?.id,
    changes: [{ layer: 'enabled', before: true, after: false }],
  });
  await dialog.getByRole('button', { name: 'Close' }).click();
  await expect(row(page, KILL_FLAG).locator('[data-col="enabled"]')).toHaveText(/Killed/);
});

test('429 storm during a rollback: the dialog shows "waiting for rate limit (Ns)", then the rollback completes', async ({
  page,
}) => {
  await page.goto(app.url);
  await expect(row(page, STORM_FLAG)).toBeVisible();
  await openKill(page, STORM_FLAG, 'triage model misroutes billing tickets');
  const before = ld.stats.rateLimited;
  ld.rateLimit({ count: 3, retryAfterSec: 2 });
  const dialog = page.getByRole('dialog');
  await dialog.getByRole('button', { name: 'Confirm rollback' }).click();
  await expect(dialog.getByText(/waiting for rate limit \(\d+s\)/)).toBeVisible();
  await expect(dialog.getByRole('status')).toContainText('Rolled back', { timeout: 30_000 });
  expect(ld.stats.rateLimited - before).toBe(3);
  expect(ld.flag(STORM_FLAG)!.environments!.production!.on).toBe(false);
  const detail = await invokeValue(app, 'flag.get', ref(STORM_FLAG));
  expect(detail.audit[0]).toMatchObject({ action: 'kill', status: 'succeeded' });
});
