/**
 * Issue 14, "one truth for on-call and stage gates", as the users would walk it in browser mode
 * (`rcr serve`, embedded provider, seeded AI flag `ai-answer-assist`, operator `dana` from
 * `RCR_ACTOR`, the background monitor off so every evaluation is the one the test asks for):
 *
 * - on-call: kill from the fleet → the header count and Incident mode show the incident on a fresh
 *   page load → Restore → Serving with the pre-kill layers, incident closed, both in the decision
 *   log under the operator's name;
 * - on-call: a rolled-back plan restarted with the fault gone stays up; with the fault still there
 *   it is rolled back again only after fresh breaches (data after the restart);
 * - PM: a plan from the AI template with no guardrails cannot pass its gate and the checklist says
 *   why; Start shows before → after and refuses the template's placeholder;
 * - the screens say Serving / Killed, the theme toggle names what it does, Edit keeps keyboard
 *   focus, the fleet fits a 1024 px window, and the page loads without CSP errors.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { Page } from '@playwright/test';
import { metricDef } from '../test/support/metric-fixtures.ts';
import { expect, test } from './fixtures.ts';
import { invokeValue, type ServedApp } from './serve-app.ts';
import { uploadImport } from './upload-file.ts';

const AI = { provider: 'local', environment: 'production', key: 'ai-answer-assist' };

test.use({
  appOptions: {
    config: { version: 1, providers: [{ name: 'local', kind: 'local' }], rollouts: { monitor: false } },
    env: { RCR_ACTOR: 'dana' },
  },
});

const fleetRow = (page: Page) =>
  page.locator('[role="row"][data-flag-key="ai-answer-assist"][data-environment="production"]');

/** Confirms the open rollback / restore / rollout dialog with a reason and closes it. */
async function confirmDialog(page: Page, button: string, reason: string, done: RegExp): Promise<void> {
  const dialog = page.getByRole('dialog');
  await dialog.getByLabel('Reason').fill(reason);
  await dialog.getByRole('button', { name: button }).click();
  await expect(dialog.getByRole('status')).toContainText(done);
  await dialog.getByRole('button', { name: 'Close' }).click();
  await expect(dialog).toHaveCount(0);
}

/** Writes (into `dir`) and imports per-unit error events at `at` (ms): control 2 %, treatment `rate`. */
async function importErrors(app: ServedApp, dir: string, at: number, rate: number, n = 400): Promise<void> {
  const lines = ['timestamp,unit_id,flag_key,variant,metric,value'];
  for (let i = 0; i < 2 * n; i++) {
    const treatment = i % 2 === 1;
    const k = Math.floor(i / 2) % 100;
    const error = treatment ? k < rate * 100 : k < 2;
    lines.push(
      `${new Date(at + (i % 50)).toISOString()},u${at}-${i},${AI.key},${treatment ? 'treatment' : 'control'},error_rate,${error ? 1 : 0}`,
    );
  }
  const file = path.join(dir, `errors-${at}-${rate}.csv`);
  fs.writeFileSync(file, `${lines.join('\n')}\n`);
  await uploadImport(app, 'metrics.importEvents', file, { provider: 'local', environment: 'production' });
}

async function defineErrorRate(app: ServedApp): Promise<void> {
  await invokeValue(app, 'metrics.define', metricDef(AI, { name: 'error_rate' }));
}

test('on-call: a kill from the fleet is an incident on a fresh page load; Restore undoes it exactly', async ({
  page,
  app,
}) => {
  const consoleErrors: string[] = [];
  page.on('console', (m) => {
    if (m.type() === 'error') consoleErrors.push(m.text());
  });
  const before = (await invokeValue(app, 'flag.get', AI)).flag.layers;
  await page.goto(app.url);
  await expect(page.getByTestId('header-incidents')).toHaveText('none open');
  await expect(fleetRow(page).locator('[data-col="enabled"]')).toContainText('Serving');

  await fleetRow(page).getByRole('button', { name: 'Roll back' }).click();
  await page.getByRole('dialog').getByRole('button', { name: 'Kill' }).click();
  await expect(page.getByRole('dialog').getByRole('table', { name: 'Rollback changes' })).toContainText(
    'Serving→Killed',
  );
  await confirmDialog(page, 'Confirm rollback', 'wrong answers in production', /Rolled back/);

  // A fresh page load: the header counts it, the fleet row marks it, Incident mode shows it.
  await page.goto(app.url);
  await expect(page.getByTestId('header-incidents')).toHaveText('1 open');
  await expect(fleetRow(page)).toHaveAttribute('data-incident', 'killed');
  await expect(fleetRow(page).locator('[data-col="enabled"]')).toContainText('Killed');
  await page.keyboard.press('Shift+I');
  const incident = page.locator('[data-incident-flag="ai-answer-assist"][data-open="true"]');
  await expect(incident).toHaveAttribute('data-incident-kind', 'killed');
  await expect(incident.getByTestId('incident-opened-by')).toHaveText('dana');
  await expect(incident.getByTestId('incident-opened')).toContainText('wrong answers in production');
  await expect(incident.getByTestId('incident-flag-state')).toContainText('Killed');
  await expect(incident.getByTestId('restore-explains')).toContainText(
    'rollout 10 %, threshold 0.7, model v2.4',
  );
  await page.screenshot({ path: 'test-results/one-truth-incident-open.png', fullPage: true });

  // Restore from Incident mode: before → after, a reason, the provider's confirmation.
  await incident.getByRole('button', { name: 'Restore ai-answer-assist' }).click();
  const dialog = page.getByRole('dialog');
  await expect(dialog.getByRole('heading', { name: /Restore ai-answer-assist/ })).toBeVisible();
  await expect(dialog.getByRole('table', { name: 'Rollback changes' })).toContainText('Killed→Serving');
  await expect(dialog).toContainText('Restores the layers confirmed right before the kill');
  await confirmDialog(page, 'Confirm restore', 'upstream fix deployed', /Restored/);

  await expect(page.locator('[data-empty="no-incidents"]')).toBeVisible();
  await expect(page.getByTestId('header-incidents')).toHaveText('none open');
  expect((await invokeValue(app, 'flag.get', AI)).flag.layers).toEqual(before);
  await page.getByLabel('Show closed incidents').check();
  const closed = page.locator('[data-incident-flag="ai-answer-assist"][data-open="false"]');
  await expect(closed.getByTestId('incident-closed-by')).toHaveText('dana');
  await expect(closed.getByTestId('incident-closed')).toContainText('upstream fix deployed');

  // The decision log: both changes, by the operator, with the audit row's status.
  await page.keyboard.press('Shift+D');
  const decisions = page.getByRole('table', { name: 'Decisions' });
  await expect(decisions.locator('tbody tr[data-action="kill"]')).toHaveAttribute('data-actor', 'dana');
  await expect(decisions.locator('tbody tr[data-action="restore"]')).toHaveAttribute('data-actor', 'dana');
  await expect(decisions.locator('tbody tr[data-action="restore"] [data-col="sent"]')).toContainText(
    'succeeded',
  );
  const audit = (await invokeValue(app, 'flag.get', AI)).audit;
  expect(audit.slice(0, 2).map((a) => a.actor)).toEqual(['dana', 'dana']);
  expect(consoleErrors).toEqual([]);
});

test('on-call: a restarted plan is judged only on data after the restart', async ({ page, app, workDir }) => {
  test.setTimeout(180_000);
  await defineErrorRate(app);
  const three = (await invokeValue(app, 'rollout.templates', {})).find((t) => t.id === 'three-stage')!;
  await invokeValue(app, 'rollout.savePlan', {
    flag: AI,
    name: 'ramp',
    templateId: 'three-stage',
    stages: three.stages,
    planner: null,
  });
  await invokeValue(app, 'guardrails.define', {
    flag: AI,
    id: 'err-rate',
    metric: 'error_rate',
    kind: { type: 'relative-to-control', factor: 1.5 },
    action: 'rollback',
    consecutiveBreaches: 2,
    windowMinutes: 10,
    minSamplePerCohort: 100,
  });
  await invokeValue(app, 'rollout.advance', { flag: AI, reason: 'start the ramp' });
  await importErrors(app, workDir, Date.now() - 3 * 60_000, 0.2);
  await page.goto(`${app.url}#/flag/local/production/ai-answer-assist/rollout`);
  const evaluate = async (expected: RegExp) => {
    await page.getByRole('button', { name: 'Evaluate now' }).click();
    await expect(page.getByTestId('last-run')).toContainText(expected);
  };
  await evaluate(/decisions: hold|no decision/);
  await evaluate(/decisions: rollback/);
  const timeline = page.getByRole('region', { name: 'Stage timeline' });
  await expect(timeline.locator('[data-rollout-status="rolled-back"]')).toBeVisible();

  // The fault is fixed: restart at this stage. The old minutes still breach, but they are before it.
  await page.getByRole('button', { name: 'Restart at this stage…' }).click();
  const dialog = page.getByRole('dialog');
  await expect(dialog.getByRole('table', { name: 'Stage changes' })).toContainText('Killed→Serving');
  await dialog.getByLabel('Reason').fill('bad model config reverted');
  await dialog.getByRole('button', { name: 'Confirm restart' }).click();
  await expect(dialog.getByRole('status')).toContainText('Recorded.');
  await dialog.getByRole('button', { name: 'Close' }).click();
  const restartAt = Date.now();
  for (let i = 0; i < 3; i++) await evaluate(/no decision|decisions: hold/);
  await expect(timeline.locator('[data-rollout-status="running"]')).toBeVisible();
  const board = page.getByRole('table', { name: 'Guardrails' });
  await expect(board.locator('[data-guardrail="err-rate"] th')).toContainText('since the restart');
  expect((await invokeValue(app, 'flag.get', AI)).flag.layers.enabled).toBe(true);

  // The fault is back: data from the first full minute after the restart breaches — one breach
  // is not enough (2 in a row), the second rolls it back again.
  const firstMinute = Math.ceil(restartAt / 60_000) * 60_000;
  await page.waitForTimeout(Math.max(0, firstMinute + 1_000 - Date.now()));
  await importErrors(app, workDir, Date.now() - 500, 0.2);
  await evaluate(/no decision|decisions: hold/);
  await expect(board.locator('[data-guardrail="err-rate"]')).toHaveAttribute('data-status', 'breached');
  await evaluate(/decisions: rollback/);
  await expect(timeline.locator('[data-rollout-status="rolled-back"]')).toBeVisible();
  expect((await invokeValue(app, 'flag.get', AI)).flag.layers.enabled).toBe(false);
});

test('PM: an AI-template plan without guardrails cannot pass its gate; Start previews and refuses placeholders', async ({
  page,
  app,
}) => {
  await page.goto(`${app.url}#/flag/local/production/ai-answer-assist/rollout`);
  await page.getByRole('button', { name: 'Create a plan' }).click();
  await page
    .getByLabel('Template')
    .selectOption({ label: '1 % internal → 5 % power users → 10 → 25 → 50 → 100 %' });
  const template = page.locator('.hint').filter({ hasText: 'Based on' });
  await expect(template).not.toContainText('seeds/');
  await expect(page.locator('[data-placeholder-stage="0"]')).toBeVisible();
  await page.getByRole('button', { name: 'Save plan' }).click();

  // Start: the preview refuses the placeholder; nothing can be confirmed, nothing is sent.
  await page.getByRole('button', { name: 'Start rollout' }).click();
  const dialog = page.getByRole('dialog');
  await expect(dialog.getByRole('alert')).toContainText('placeholder');
  await expect(dialog.getByRole('button', { name: 'Confirm start' })).toBeDisabled();
  await dialog.getByRole('button', { name: 'Cancel' }).click();
  expect((await invokeValue(app, 'flag.get', AI)).flag.layers.allowList.some((k) => k.includes('{{'))).toBe(
    false,
  );

  // Replace the placeholder; Start now shows before → after (10 % → 1 %, the allow-list addition).
  await page.getByRole('button', { name: 'Edit plan' }).click();
  await page.getByLabel('Stage 1 allow-list keys').fill('dana@example.com, lee@example.com');
  await expect(page.locator('[data-placeholder-stage="0"]')).toHaveCount(0);
  await page.getByRole('button', { name: 'Save plan' }).click();
  await page.getByRole('button', { name: 'Start rollout' }).click();
  const changes = dialog.getByRole('table', { name: 'Stage changes' });
  await expect(changes.locator('[data-layer="rolloutPercent"]')).toContainText('10%→1%');
  await expect(changes.locator('[data-layer="allowList"]')).toContainText('dana@example.com');
  await expect(dialog.getByRole('list', { name: 'Provider actions' })).toContainText(
    'Starts the rollout at stage 1',
  );
  await page.screenshot({ path: 'test-results/one-truth-start-preview.png', fullPage: true });
  await confirmDialog(page, 'Confirm start', 'internal users first', /Recorded/);

  // The gate: no guardrails and no business metric are missing (not green), and it says why.
  await page.getByRole('button', { name: 'Refresh', exact: true }).click();
  const gate = page.getByRole('region', { name: 'Stage gate' });
  await expect(gate.getByTestId('gate-headline')).toContainText('Gate cannot pass — missing');
  await expect(gate.locator('[data-gate-item="guardrails"]')).toHaveAttribute('data-status', 'missing');
  await expect(gate.locator('[data-gate-item="guardrails"]')).toContainText('needs at least one');
  await expect(gate.locator('[data-gate-item="non-inferiority"]')).toHaveAttribute('data-status', 'missing');
  await expect(gate.locator('[data-gate-item="no-srm"]')).not.toHaveAttribute('data-status', 'pass');
  await expect(gate.locator('[data-gate-item="approvals"]')).toHaveAttribute('data-status', 'n/a');
  await expect(gate.locator('[data-status="pass"]')).not.toHaveCount(7);
  await page.screenshot({ path: 'test-results/one-truth-gate.png', fullPage: true });
  // A running plan can be paused; the decision log names the start a start.
  await expect(page.getByRole('button', { name: 'Pause' })).toBeVisible();
  const log = await invokeValue(app, 'decisions.list', { flag: AI });
  expect(log.map((d) => [d.action, d.actor])).toContainEqual(['start', 'dana']);
});

test('the screens say Serving / Killed, keep keyboard focus, and fit a 1024 px window', async ({
  page,
  app,
}) => {
  await page.setViewportSize({ width: 1024, height: 768 });
  await page.goto(app.url);
  // The theme toggle names what it does, and changes with the theme.
  await page.getByRole('button', { name: 'Switch to light theme' }).click();
  await expect(page.getByRole('button', { name: 'Switch to dark theme' })).toBeVisible();
  // The fleet fits: the pinned actions column does not cover the Freshness column.
  await expect(fleetRow(page)).toBeVisible();
  const fits = await page.locator('.fleet-table').evaluate((el) => el.scrollWidth <= el.clientWidth);
  expect(fits).toBe(true);
  const fresh = await fleetRow(page).locator('[data-col="stale"]').boundingBox();
  const actions = await fleetRow(page).locator('[data-col="actions"]').boundingBox();
  expect(fresh!.x + fresh!.width).toBeLessThanOrEqual(actions!.x + 1);
  await page.screenshot({ path: 'test-results/one-truth-fleet-1024.png' });

  // Edit from the keyboard: focus moves into the editor, never to <body>.
  await fleetRow(page).locator('[data-col="key"]').click();
  const edit = page.getByRole('button', { name: 'Edit Kill switch' });
  await edit.focus();
  await page.keyboard.press('Enter');
  await expect(page.getByRole('radio', { name: 'Serving' })).toBeFocused();
  await expect(page.getByRole('radio', { name: 'Killed' })).toBeVisible();
});
