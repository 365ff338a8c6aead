/**
 * Issue 5 acceptance: the fleet shows LaunchDarkly, Unleash, custom-HTTP and
 * local flags side by side, and Roll back (kill) works on each — against a REAL
 * Unleash 8 (PostgreSQL 15), the local LaunchDarkly-API server
 * (test/support/launchdarkly-server.ts) and the reference custom flag server
 * (examples/reference-flag-server), all started here and stopped at the end.
 * Each kill is checked in the provider's own state, not only in the UI.
 */
import fs from 'node:fs';
import path from 'node:path';
import { expect, test, type Page } from '@playwright/test';
import { invokeValue, serveApp, type ServedApp } from './serve-app.ts';
import { startLaunchDarklyServer, type LdServer } from '../test/support/launchdarkly-server.ts';
import {
  createFeatureWithRollout,
  getFeature,
  startUnleash,
  type UnleashHandle,
} from '../test/support/unleash.ts';
import { FlagStore, type FlagSeed } from '../examples/reference-flag-server/src/store.ts';
import { startReferenceServer, type ReferenceServer } from '../examples/reference-flag-server/src/server.ts';

test.describe.configure({ mode: 'serial' });

const ENV = 'production';
const HTTP_TOKEN = 'e2e-all-providers-inhouse-token';
const FLAGS = {
  local: 'ai-answer-assist',
  unleash: 'ai-unleash-summaries',
  ld: 'ld-reply-drafts',
  inhouse: 'ai-churn-nudges',
} as const;
type Provider = keyof typeof FLAGS;
const SEED = JSON.parse(
  fs.readFileSync(path.resolve(import.meta.dirname, '../examples/reference-flag-server/seed.json'), 'utf8'),
) as { flags: FlagSeed[] };

let unleash: UnleashHandle;
let ld: LdServer;
let inhouse: ReferenceServer;
let app: ServedApp;

test.beforeAll(async () => {
  test.setTimeout(300_000);
  unleash = await startUnleash();
  await createFeatureWithRollout(unleash.url, unleash.token, {
    name: FLAGS.unleash,
    rollout: 25,
    variantPayload: { modelVersion: 'v2.4', minConfidence: 0.8 },
  });
  ld = await startLaunchDarklyServer({ environments: [ENV] });
  ld.addFlag({ key: FLAGS.ld, name: FLAGS.ld });
  inhouse = await startReferenceServer({ token: HTTP_TOKEN, store: new FlagStore({ seed: SEED.flags }) });
  app = await serveApp({
    config: {
      version: 1,
      syncIntervalMs: 600_000,
      providers: [
        { name: 'local', kind: 'local' },
        {
          name: 'unleash',
          kind: 'unleash',
          url: unleash.url,
          tokenEnv: 'RCR_E2E_UNLEASH_TOKEN',
          environments: [ENV],
        },
        {
          name: 'ld',
          kind: 'launchdarkly',
          url: ld.url,
          tokenEnv: 'RCR_E2E_LD_TOKEN',
          project: 'default',
          environments: [ENV],
        },
        { name: 'inhouse', kind: 'http', url: inhouse.url, tokenEnv: 'RCR_E2E_INHOUSE_TOKEN' },
      ],
    },
    env: {
      RCR_E2E_UNLEASH_TOKEN: unleash.token,
      RCR_E2E_LD_TOKEN: ld.token,
      RCR_E2E_INHOUSE_TOKEN: HTTP_TOKEN,
    },
  });
});

test.afterAll(async () => {
  await app?.stop();
  await inhouse?.close();
  await ld?.close();
  await unleash?.stop();
});

const row = (page: Page, provider: Provider) =>
  page.locator(
    `[role="row"][data-provider="${provider}"][data-environment="${ENV}"][data-flag-key="${FLAGS[provider]}"]`,
  );

/** Whether the flag is on, read from the provider itself. */
async function onAtProvider(provider: Provider): Promise<boolean | undefined> {
  switch (provider) {
    case 'local':
      return (await invokeValue(app, 'flag.get', { provider, environment: ENV, key: FLAGS.local })).flag
        .layers.enabled;
    case 'unleash':
      return (await getFeature(unleash.url, unleash.token, FLAGS.unleash)).environments.find(
        (e) => e.name === ENV,
      )?.enabled;
    case 'ld':
      return ld.flag(FLAGS.ld)?.environments?.[ENV]?.on;
    case 'inhouse':
      return inhouse.store.get(ENV, FLAGS.inhouse)?.layers.enabled;
  }
}

test('the fleet shows local, Unleash, LaunchDarkly and custom-HTTP flags side by side', async ({ page }) => {
  await page.goto(app.url);
  const fleet = page.getByRole('table', { name: 'Fleet' });
  await expect(fleet).toBeVisible();
  for (const provider of Object.keys(FLAGS) as Provider[]) {
    await expect(row(page, provider)).toBeVisible();
    await expect(row(page, provider).locator('[data-col="enabled"]')).toHaveText(/Serving/);
    expect(await onAtProvider(provider)).toBe(true);
  }
  await expect(row(page, 'unleash').locator('[data-col="rolloutPercent"]')).toHaveText('25%');
  await expect(row(page, 'ld').locator('[data-col="modelVersion"]')).toHaveText('v2.4');
  const kinds = (await invokeValue(app, 'fleet.list', {})).rows.map((r) => r.providerKind);
  expect(new Set(kinds)).toEqual(new Set(['local', 'unleash', 'launchdarkly', 'http']));
});

for (const provider of Object.keys(FLAGS) as Provider[]) {
  test(`Roll back (kill) works on the ${provider} flag and the provider confirms it`, async ({ page }) => {
    await page.goto(app.url);
    await row(page, provider).getByRole('button', { name: 'Roll back' }).click();
    const dialog = page.getByRole('dialog');
    await dialog.getByRole('button', { name: 'Kill' }).click();
    await expect(dialog.getByRole('region', { name: 'What will change' })).toBeVisible();
    await dialog.getByLabel('Reason').fill(`side-by-side drill: ${provider}`);
    await dialog.getByRole('button', { name: 'Confirm rollback' }).click();
    await expect(dialog.getByRole('status')).toContainText('Rolled back', { timeout: 30_000 });
    await expect(dialog.getByRole('status').locator('[data-col="enabled"]')).toHaveText(/Killed/);
    expect(await onAtProvider(provider)).toBe(false);
    const { audit } = await invokeValue(app, 'flag.get', {
      provider,
      environment: ENV,
      key: FLAGS[provider],
    });
    expect(audit[0]).toMatchObject({
      action: 'kill',
      status: 'succeeded',
      reason: `side-by-side drill: ${provider}`,
    });
    await dialog.getByRole('button', { name: 'Close' }).click();
    await expect(row(page, provider).locator('[data-col="enabled"]')).toHaveText(/Killed/);
  });
}

test('Token… on a provider explains where tokens come from in browser mode', async ({ page }) => {
  await page.goto(app.url);
  await page.getByRole('button', { name: 'Token for ld' }).click();
  const dialog = page.getByRole('dialog');
  await expect(dialog.getByRole('heading', { name: 'Token for ld' })).toBeVisible();
  await expect(dialog.getByRole('note')).toContainText('This session cannot store tokens');
  await expect(dialog.locator('input[type="password"]')).toHaveCount(0);
  await dialog.getByRole('button', { name: 'Close' }).click();
  await expect(dialog).toHaveCount(0);
});
