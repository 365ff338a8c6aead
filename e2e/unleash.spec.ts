/**
 * Acceptance 3–5 against a REAL Unleash 8 server on PostgreSQL 15 (started here,
 * stopped at the end): the fleet shows an Unleash flag at 25%; Roll back (kill)
 * turns it off in Unleash; Revert restores the rollout % after a change made
 * directly in Unleash; a kill made directly in Unleash (its Admin API) opens an
 * incident after the next sync, and Restore from the control room closes it; with
 * Unleash stopped the fleet renders from SQLite with a stale badge and a rollback
 * attempt is audited as failed.
 */
import { expect, test, type Page } from '@playwright/test';
import { invokeValue, serveApp, type ServedApp } from './serve-app.ts';
import {
  createFeatureWithRollout,
  getFeature,
  setEnabled,
  setRollout,
  startUnleash,
  type UnleashHandle,
} from '../test/support/unleash.ts';

test.describe.configure({ mode: 'serial' });

let unleash: UnleashHandle;
let app: ServedApp;
const KILL_FLAG = 'ai-reply-drafts';
const REVERT_FLAG = 'ai-ticket-triage';
const OUTSIDE_FLAG = 'ai-search-summaries';

test.beforeAll(async () => {
  test.setTimeout(300_000);
  unleash = await startUnleash();
  for (const name of [KILL_FLAG, REVERT_FLAG, OUTSIDE_FLAG]) {
    await createFeatureWithRollout(unleash.url, unleash.token, {
      name,
      rollout: 25,
      variantPayload: { modelVersion: 'v2.4', minConfidence: 0.8 },
    });
  }
  app = await serveApp({
    config: {
      version: 1,
      syncIntervalMs: 2000,
      providers: [
        { name: 'local', kind: 'local' },
        {
          name: 'unleash',
          kind: 'unleash',
          url: unleash.url,
          tokenEnv: 'RCR_E2E_UNLEASH_TOKEN',
          environments: ['production'],
        },
      ],
    },
    env: { RCR_E2E_UNLEASH_TOKEN: unleash.token },
  });
});

test.afterAll(async () => {
  await app?.stop();
  await unleash?.stop();
});

const row = (page: Page, key: string) =>
  page.locator(
    `[role="row"][data-provider="unleash"][data-environment="production"][data-flag-key="${key}"]`,
  );
const ref = (key: string) => ({ provider: 'unleash', environment: 'production', key });
const prodEnv = async (name: string) =>
  (await getFeature(unleash.url, unleash.token, name)).environments.find((e) => e.name === 'production');

async function rollBack(page: Page, key: string, mode: 'Kill' | 'Revert', reason: string): Promise<void> {
  await row(page, key).getByRole('button', { name: 'Roll back' }).click();
  const dialog = page.getByRole('dialog');
  await dialog.getByRole('button', { name: mode }).click();
  await expect(dialog.getByRole('region', { name: 'What will change' })).toBeVisible();
  await dialog.getByLabel('Reason').fill(reason);
  await dialog.getByRole('button', { name: 'Confirm rollback' }).click();
}

test('the fleet shows an Unleash flag at 25%; Roll back (kill) turns it off in Unleash with one history and one audit row', async ({
  page,
}) => {
  await page.goto(app.url);
  await expect(row(page, KILL_FLAG).locator('[data-col="rolloutPercent"]')).toHaveText('25%');
  await expect(row(page, KILL_FLAG).locator('[data-col="enabled"]')).toHaveText(/Serving/);
  await expect(row(page, KILL_FLAG).locator('[data-col="modelVersion"]')).toHaveText('v2.4');
  const before = await invokeValue(app, 'flag.get', ref(KILL_FLAG));

  await rollBack(page, KILL_FLAG, 'Kill', 'drafts hallucinate refund amounts');
  const dialog = page.getByRole('dialog');
  await expect(dialog.getByRole('status')).toContainText('Rolled back');
  await expect(dialog.getByRole('status').locator('[data-col="enabled"]')).toHaveText(/Killed/);

  expect((await prodEnv(KILL_FLAG))?.enabled).toBe(false);
  const after = await invokeValue(app, 'flag.get', ref(KILL_FLAG));
  expect(after.audit).toHaveLength(before.audit.length + 1);
  expect(after.history).toHaveLength(before.history.length + 1);
  expect(after.audit[0]).toMatchObject({
    action: 'kill',
    status: 'succeeded',
    reason: 'drafts hallucinate refund amounts',
  });
  expect(after.history[0]).toMatchObject({
    source: 'app',
    auditId: after.audit[0]?.id,
    changes: [{ layer: 'enabled', before: true, after: false }],
  });
  await dialog.getByRole('button', { name: 'Close' }).click();
  await expect(row(page, KILL_FLAG).locator('[data-col="enabled"]')).toHaveText(/Killed/);
});

test('Revert restores the previous rollout % after a change made directly in Unleash', async ({ page }) => {
  await setRollout(unleash.url, unleash.token, REVERT_FLAG, 'production', 60);
  await page.goto(app.url);
  await expect(row(page, REVERT_FLAG).locator('[data-col="rolloutPercent"]')).toHaveText('60%', {
    timeout: 20_000,
  });
  const { history } = await invokeValue(app, 'flag.get', ref(REVERT_FLAG));
  expect(history[0]).toMatchObject({
    source: 'provider-event',
    changes: [{ layer: 'rolloutPercent', before: 25, after: 60 }],
  });

  await rollBack(page, REVERT_FLAG, 'Revert', 'the jump to 60% was not approved');
  const dialog = page.getByRole('dialog');
  await expect(dialog.getByRole('status')).toContainText('Rolled back');
  await expect(dialog.getByRole('status').locator('[data-col="rolloutPercent"]')).toHaveText('25%');
  const strategy = (await prodEnv(REVERT_FLAG))?.strategies.find((s) => s.name === 'flexibleRollout');
  expect(strategy?.parameters.rollout).toBe('25');
});

test('on-call: a kill made directly in Unleash opens an incident after the next sync; Restore closes it', async ({
  page,
}) => {
  await page.goto(app.url);
  await expect(row(page, OUTSIDE_FLAG).locator('[data-col="enabled"]')).toHaveText(/Serving/);
  // Someone kills it in Unleash itself (its Admin API), not through the control room.
  await setEnabled(unleash.url, unleash.token, OUTSIDE_FLAG, 'production', false);
  await expect(row(page, OUTSIDE_FLAG)).toHaveAttribute('data-incident', 'killed', { timeout: 20_000 });
  await expect(row(page, OUTSIDE_FLAG).locator('[data-col="enabled"]')).toHaveText(/Killed/);

  // A fresh page load: the header counts it, Incident mode shows who and what.
  await page.goto(app.url);
  await expect(page.getByTestId('header-incidents')).toContainText('open');
  await page.keyboard.press('Shift+I');
  const incident = page.locator(`[data-incident-flag="${OUTSIDE_FLAG}"][data-open="true"]`);
  await expect(incident).toHaveAttribute('data-incident-kind', 'killed');
  await expect(incident.getByTestId('incident-opened')).toContainText('seen by sync');
  const [observed] = await invokeValue(app, 'decisions.list', { flag: ref(OUTSIDE_FLAG) });
  expect(observed).toMatchObject({ action: 'kill', rule: 'observed:provider' });
  const incidents = await invokeValue(app, 'incidents.list', {});
  const opened = incidents.find((i) => i.flag.key === OUTSIDE_FLAG);
  expect(opened).toMatchObject({ state: 'open', killed: true, openedBy: observed!.actor });
  expect(opened?.layersBeforeKill).toMatchObject({ enabled: true, rolloutPercent: 25 });

  // Restore from Incident mode: Unleash serves it again at 25 %, the incident closes.
  await incident.getByRole('button', { name: `Restore ${OUTSIDE_FLAG}` }).click();
  const dialog = page.getByRole('dialog');
  await expect(dialog.getByRole('table', { name: 'Rollback changes' })).toContainText('Killed→Serving');
  await dialog.getByLabel('Reason').fill('nobody knew why it was killed; metrics are fine');
  await dialog.getByRole('button', { name: 'Confirm restore' }).click();
  await expect(dialog.getByRole('status')).toContainText('Restored');
  await dialog.getByRole('button', { name: 'Close' }).click();
  expect((await prodEnv(OUTSIDE_FLAG))?.enabled).toBe(true);
  await expect(page.locator(`[data-incident-flag="${OUTSIDE_FLAG}"][data-open="true"]`)).toHaveCount(0);
  const after = await invokeValue(app, 'incidents.list', { includeClosed: true });
  expect(after.find((i) => i.flag.key === OUTSIDE_FLAG)).toMatchObject({
    state: 'closed',
    closeReason: 'nobody knew why it was killed; metrics are fine',
  });
});

test('Unleash stopped: the fleet renders from SQLite marked stale, and a rollback attempt is audited as failed', async ({
  page,
}) => {
  await page.goto(app.url);
  await expect(row(page, REVERT_FLAG)).toBeVisible();
  await unleash.kill();
  await page.getByRole('button', { name: 'Sync now' }).first().click();
  await expect(row(page, REVERT_FLAG)).toHaveAttribute('data-stale', 'true', { timeout: 20_000 });
  await expect(row(page, REVERT_FLAG).locator('[data-col="stale"]')).toContainText(/stale/i);
  await expect(row(page, REVERT_FLAG).locator('[data-col="rolloutPercent"]')).toHaveText('25%');
  await expect(page.locator('[data-provider="unleash"][data-health="unreachable"]')).toBeVisible();

  await rollBack(page, REVERT_FLAG, 'Kill', 'outage drill');
  const dialog = page.getByRole('dialog');
  await expect(dialog.getByRole('alert')).toContainText('Rollback failed');
  // A refused connection certainly sent nothing: recorded as failed, not left pending.
  await expect(dialog.locator('[data-audit-status="failed"]')).toContainText('recorded as failed');
  const detail = await invokeValue(app, 'flag.get', ref(REVERT_FLAG));
  expect(detail.audit[0]).toMatchObject({ action: 'kill', status: 'failed', reason: 'outage drill' });
  expect(detail.audit[0]?.error).toBeTruthy();
  expect(detail.flag.layers.enabled).toBe(true);
});
