/**
 * The custom-HTTP provider end to end, against the reference flag server
 * (examples/reference-flag-server with its seed.json, run in this process): the
 * fleet shows its flags side by side with the embedded provider's; Roll back
 * (kill) from the UI turns the flag off at the service; a change made directly
 * in the service is imported as history and Revert restores the rollout there.
 */
import fs from 'node:fs';
import path from 'node:path';
import { expect, test, type Page } from '@playwright/test';
import { invokeValue, serveApp, type ServedApp } from './serve-app.ts';
import { FlagStore } from '../examples/reference-flag-server/src/store.ts';
import type { FlagSeed } from '../examples/reference-flag-server/src/store.ts';
import { startReferenceServer } from '../examples/reference-flag-server/src/server.ts';
import type { ReferenceServer } from '../examples/reference-flag-server/src/server.ts';

test.describe.configure({ mode: 'serial' });

const TOKEN = 'e2e-inhouse-token';
const PROVIDER = 'inhouse';
const ENV = 'production';
const KILL_FLAG = 'ai-churn-nudges';
const REVERT_FLAG = 'ai-search-rerank';
const SEED = JSON.parse(
  fs.readFileSync(path.resolve(import.meta.dirname, '../examples/reference-flag-server/seed.json'), 'utf8'),
) as { flags: FlagSeed[] };

let flags: ReferenceServer;
let app: ServedApp;

test.beforeAll(async () => {
  flags = await startReferenceServer({ token: TOKEN, store: new FlagStore({ seed: SEED.flags }) });
  app = await serveApp({
    config: {
      version: 1,
      syncIntervalMs: 2000,
      providers: [
        { name: 'local', kind: 'local' },
        { name: PROVIDER, kind: 'http', url: flags.url, tokenEnv: 'RCR_E2E_INHOUSE_TOKEN' },
      ],
    },
    env: { RCR_E2E_INHOUSE_TOKEN: TOKEN },
  });
});

test.afterAll(async () => {
  await app?.stop();
  await flags?.close();
});

const row = (page: Page, key: string, provider = PROVIDER, env = ENV) =>
  page.locator(
    `[role="row"][data-provider="${provider}"][data-environment="${env}"][data-flag-key="${key}"]`,
  );
const ref = (key: string) => ({ provider: PROVIDER, environment: ENV, key });

async function rollBack(page: Page, key: string, mode: 'Kill' | 'Revert', reason: string): Promise<void> {
  await row(page, key).getByRole('button', { name: 'Roll back' }).click();
  const dialog = page.getByRole('dialog');
  await dialog.getByRole('button', { name: mode }).click();
  await expect(dialog.getByRole('region', { name: 'What will change' })).toBeVisible();
  await dialog.getByLabel('Reason').fill(reason);
  await dialog.getByRole('button', { name: 'Confirm rollback' }).click();
}

test('the fleet shows the custom-HTTP flags side by side with the local ones', async ({ page }) => {
  await page.goto(app.url);
  const fleet = page.getByRole('table', { name: 'Fleet' });
  await expect(fleet).toBeVisible();
  const rerank = row(page, REVERT_FLAG);
  await expect(rerank.locator('[data-col="enabled"]')).toHaveText(/Serving/);
  await expect(rerank.locator('[data-col="rolloutPercent"]')).toHaveText('30%');
  await expect(rerank.locator('[data-col="confidenceThreshold"]')).toHaveText('0.70');
  await expect(rerank.locator('[data-col="modelVersion"]')).toHaveText('rerank-v3');
  await expect(row(page, REVERT_FLAG, PROVIDER, 'staging').locator('[data-col="modelVersion"]')).toHaveText(
    'rerank-v4-rc1',
  );
  await expect(row(page, KILL_FLAG).locator('[data-col="rolloutPercent"]')).toHaveText('10%');
  // The embedded provider's seeded flag is in the same table.
  await expect(
    fleet.locator(
      '[role="row"][data-provider="local"][data-environment="production"][data-flag-key="ai-answer-assist"]',
    ),
  ).toBeVisible();
  await expect(fleet.locator(`[role="row"][data-provider="${PROVIDER}"]`)).toHaveCount(4);
});

test('Roll back (kill) of a custom-HTTP flag turns it off at the service, with one audit and one history row', async ({
  page,
}) => {
  await page.goto(app.url);
  await expect(row(page, KILL_FLAG).locator('[data-col="enabled"]')).toHaveText(/Serving/);
  const before = await invokeValue(app, 'flag.get', ref(KILL_FLAG));

  await rollBack(page, KILL_FLAG, 'Kill', 'nudges offer refunds we do not give');
  const dialog = page.getByRole('dialog');
  await expect(dialog.getByRole('status')).toContainText('Rolled back');
  await expect(dialog.getByRole('status').locator('[data-col="enabled"]')).toHaveText(/Killed/);

  // The reference server's own state confirms it.
  expect(flags.store.get(ENV, KILL_FLAG)?.layers.enabled).toBe(false);
  const serverEvents = flags.store.history({ limit: 100 }).events.filter((e) => e.key === KILL_FLAG);
  expect(serverEvents).toHaveLength(1);
  expect(serverEvents[0]).toMatchObject({
    reason: 'nudges offer refunds we do not give',
    changes: [{ layer: 'enabled', before: true, after: false }],
  });

  const after = await invokeValue(app, 'flag.get', ref(KILL_FLAG));
  expect(after.audit).toHaveLength(before.audit.length + 1);
  expect(after.audit[0]).toMatchObject({
    action: 'kill',
    status: 'succeeded',
    reason: 'nudges offer refunds we do not give',
    request: [
      {
        method: 'POST',
        url: `/v1/environments/${ENV}/flags/${KILL_FLAG}/changes`,
        headers: { 'Idempotency-Key': expect.any(String) },
        body: { set: { enabled: false }, expectedVersion: null },
      },
    ],
  });
  expect(JSON.stringify(after.audit[0])).not.toContain(TOKEN);
  await expect
    .poll(async () => (await invokeValue(app, 'flag.get', ref(KILL_FLAG))).history.length, {
      timeout: 20_000,
    })
    .toBe(before.history.length + 1);
  await dialog.getByRole('button', { name: 'Close' }).click();
  await expect(row(page, KILL_FLAG).locator('[data-col="enabled"]')).toHaveText(/Killed/);
});

test('a change made in the service is imported as history, and Revert restores the rollout there', async ({
  page,
}) => {
  flags.store.change(ENV, REVERT_FLAG, {
    set: { rolloutPercent: 80 },
    expectedVersion: null,
    reason: 'ramped from the in-house console',
    actor: 'ops-console',
  });
  await page.goto(app.url);
  await expect(row(page, REVERT_FLAG).locator('[data-col="rolloutPercent"]')).toHaveText('80%', {
    timeout: 20_000,
  });
  await expect
    .poll(async () => (await invokeValue(app, 'flag.get', ref(REVERT_FLAG))).history[0], { timeout: 20_000 })
    .toMatchObject({
      source: 'provider-event',
      actor: 'ops-console',
      changes: [{ layer: 'rolloutPercent', before: 30, after: 80 }],
    });

  await rollBack(page, REVERT_FLAG, 'Revert', 'the jump to 80% was not approved');
  const dialog = page.getByRole('dialog');
  await expect(dialog.getByRole('status')).toContainText('Rolled back');
  await expect(dialog.getByRole('status').locator('[data-col="rolloutPercent"]')).toHaveText('30%');
  expect(flags.store.get(ENV, REVERT_FLAG)?.layers.rolloutPercent).toBe(30);
});
