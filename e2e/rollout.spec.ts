/**
 * Staged rollouts in the browser (`rcr serve`, local provider, seeded AI flag `ai-answer-assist`):
 * apply a template plan and start it — the timeline shows stage 1 and the gate waiting for the
 * minimum observation; define an error-rate guardrail in the board; import metric events that
 * breach it; "Evaluate now" runs the monitor — the board shows "Breached", the banner announces
 * the confirmed rollback, incident mode lists the flag with its decision record and the confirmed
 * outbox action, the fleet shows the kill switch off; the decision log exports as CSV.
 *
 * The background monitor is off (config `rollouts.monitor: false`) so every evaluation is the one
 * the test asks for.
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
  },
});
test.beforeEach(async ({ app }) => {
  await invokeValue(app, 'metrics.define', metricDef(AI, { name: 'error_rate' }));
});

/**
 * Writes (into `dir`) and imports per-unit error events of the last 20 minutes: control 2 % errors,
 * treatment `treatmentRate`.
 */
async function importErrors(app: ServedApp, dir: string, treatmentRate: number): Promise<void> {
  const now = Date.now();
  const lines = ['timestamp,unit_id,flag_key,variant,metric,value'];
  for (let i = 0; i < 1200; i++) {
    const treatment = i % 2 === 1;
    const k = Math.floor(i / 2) % 100;
    const error = treatment ? k < treatmentRate * 100 : k < 2;
    lines.push(
      `${new Date(now - (i % 20) * 60_000 - 5_000).toISOString()},u${i},${AI.key},${treatment ? 'treatment' : 'control'},error_rate,${error ? 1 : 0}`,
    );
  }
  const file = path.join(dir, `errors-${treatmentRate}.csv`);
  fs.writeFileSync(file, `${lines.join('\n')}\n`);
  const r = await uploadImport(app, 'metrics.importEvents', file, {
    provider: AI.provider,
    environment: AI.environment,
  });
  expect(r.rows).toBe(1200);
}

async function openRollout(page: Page, app: ServedApp): Promise<void> {
  await page.goto(app.url);
  await page
    .locator('[role="row"][data-flag-key="ai-answer-assist"][data-environment="production"] [data-col="key"]')
    .click();
  await page.getByRole('button', { name: 'Staged rollout' }).click();
  await expect(page.getByRole('heading', { name: /Staged rollout · ai-answer-assist/ })).toBeVisible();
}

async function confirm(page: Page, button: string, reason: string): Promise<void> {
  const dialog = page.getByRole('dialog');
  await dialog.getByLabel('Reason').fill(reason);
  await dialog.getByRole('button', { name: button }).click();
  await expect(dialog.getByRole('status')).toContainText('Recorded.');
  await dialog.getByRole('button', { name: 'Close' }).click();
  await expect(dialog).toHaveCount(0);
}

test('a template plan, a breached guardrail, the automatic rollback and the on-call screens', async ({
  page,
  app,
  workDir,
}) => {
  await openRollout(page, app);

  // --- plan from a template, saved as a draft, then started ---
  await expect(page.locator('[data-empty="no-plan"]')).toBeVisible();
  await page.getByRole('button', { name: 'Create a plan' }).click();
  await page.getByLabel('Template').selectOption({ label: '10 → 50 → 100 %' });
  const stagesTable = page.getByRole('table', { name: 'Plan stages' });
  await expect(stagesTable.getByLabel('Stage 2 target %')).toHaveValue('50');
  await expect(stagesTable.getByLabel('Stage 1 minimum observation')).toHaveValue('1d');
  await page.getByRole('button', { name: 'Save plan' }).click();

  const timeline = page.getByRole('region', { name: 'Stage timeline' });
  await expect(timeline.locator('[data-rollout-status="draft"]')).toHaveText('Draft (not started)');
  await expect(timeline.getByRole('list', { name: 'Stages' }).getByRole('listitem')).toHaveCount(3);
  const saved = await invokeValue(app, 'rollout.get', { flag: AI });
  expect(saved.plan?.templateId).toBe('three-stage');
  expect(saved.plan?.stages.map((s) => s.targetPercent)).toEqual([10, 50, 100]);

  await page.getByRole('button', { name: 'Start rollout' }).click();
  await confirm(page, 'Confirm start', 'start the 10 % stage');
  await expect(timeline.locator('[data-rollout-status="running"]')).toBeVisible();
  await expect(timeline.locator('[data-stage="0"]')).toHaveAttribute('data-phase', 'current');
  await expect(page.getByTestId('rollout-where')).toContainText('At stage 1 of 3');

  // The gate waits for the minimum observation time (1 day) once the provider confirmed the stage.
  await expect(page.getByTestId('rollout-time-left')).toContainText('left of the minimum observation');
  await page.getByRole('button', { name: 'Refresh', exact: true }).click();
  const gate = page.getByRole('region', { name: 'Stage gate' });
  await expect(gate.getByTestId('gate-headline')).toContainText('Gate waiting for');
  const observation = gate.locator('[data-gate-item="min-observation"]');
  await expect(observation).toHaveAttribute('data-status', 'waiting');
  await expect(observation).toContainText('of 24 h at this stage');

  // --- a guardrail defined in the board ---
  await page.getByRole('button', { name: 'Add guardrail' }).click();
  const form = page.getByRole('dialog');
  await form.getByLabel('Guardrail id').fill('err-rate');
  await expect(form.getByLabel('Metric')).toHaveValue('error_rate');
  // The statistical kind says which span it reads; this test keeps the default kind.
  const kind = form.getByLabel('Kind');
  const defaultKind = await kind.inputValue();
  await kind.selectOption('statistical');
  await expect(form).toContainText('reads the whole stage so far');
  await kind.selectOption(defaultKind);
  await form.getByLabel('Limit', { exact: true }).fill('0.05');
  await form.getByLabel('Breaches in a row before acting').fill('1');
  await expect(form.getByLabel('Action when it fires')).toHaveValue('rollback');
  await form.getByRole('button', { name: 'Save guardrail' }).click();
  await expect(form).toHaveCount(0);
  const board = page.getByRole('table', { name: 'Guardrails' });
  const row = board.locator('[data-guardrail="err-rate"]');
  await expect(row).toHaveAttribute('data-status', 'no-data');
  await expect(row.locator('[data-col="status"]')).toHaveText('No data');
  // A statistical guardrail (notify only; its sample minimum keeps it waiting for data) reads the
  // live stage so far, the absolute one its last 30 minutes.
  await invokeValue(app, 'guardrails.define', {
    flag: AI,
    id: 'err-seq',
    metric: 'error_rate',
    kind: { type: 'statistical', limit: 0, alpha: 0.01 },
    action: 'notify',
    minSamplePerCohort: 1_000_000,
  });

  // --- metric events that breach it; the monitor evaluates now ---
  await importErrors(app, workDir, 0.2);
  await page.getByRole('button', { name: 'Evaluate now' }).click();
  await expect(page.getByTestId('last-run')).toContainText('decisions: rollback');
  await expect(row).toHaveAttribute('data-status', 'breached');
  await expect(row.locator('[data-col="status"]')).toHaveText('Breached');
  await expect(row.locator('[data-col="value"]')).toContainText('0.2');
  await expect(row.locator('[data-col="limit"]')).toHaveText('0.05');
  await expect(row.locator('th')).toContainText('last 30 min');
  await expect(board.locator('[data-guardrail="err-seq"] th')).toContainText('since the stage started');
  await expect(timeline.locator('[data-rollout-status="rolled-back"]')).toBeVisible();

  // The banner of every window announces the provider-confirmed rollback.
  const banner = page.getByRole('region', { name: 'Notifications' });
  await expect(
    banner.locator('[data-severity="critical"]').filter({ hasText: 'rollback confirmed' }),
  ).toBeVisible();

  // --- incident mode (Shift+I): the flag, the decision record, the confirmed rollback ---
  await page.keyboard.press('Shift+I');
  await expect(page.getByRole('heading', { name: 'Incident mode' })).toBeVisible();
  const incident = page.locator('[data-incident-flag="ai-answer-assist"]');
  // Opened by the monitor's rollback decision, joined by the provider-confirmed kill.
  await expect(incident).toHaveAttribute('data-incident-kind', 'killed');
  await expect(incident.getByTestId('incident-opened-by')).toHaveText('monitor');
  await expect(incident.getByRole('button', { name: 'Restore ai-answer-assist' })).toBeVisible();
  const decision = incident
    .getByRole('list', { name: 'Decisions on ai-answer-assist' })
    .locator('[data-action="rollback"]');
  await expect(decision).toContainText('guardrail:err-rate:consecutive-breaches');
  await expect(decision).toContainText('by monitor');
  await expect(incident.locator('[data-rollback-status]')).toHaveAttribute(
    'data-rollback-status',
    'confirmed',
  );
  await expect(incident.locator('[data-rollback-status]')).toContainText('confirmed by the provider');
  const outboxRow = page
    .getByRole('table', { name: 'Action outbox' })
    .locator('[data-purpose="rollback"][data-flag="ai-answer-assist"]');
  await expect(outboxRow).toHaveAttribute('data-status', 'confirmed');

  // The provider really has the kill switch off (fleet and core).
  const flag = await invokeValue(app, 'flag.get', AI);
  expect(flag.flag.layers.enabled).toBe(false);
  await page.getByRole('link', { name: 'Rollout Control Room' }).click();
  await expect(
    page.locator(
      '[role="row"][data-flag-key="ai-answer-assist"][data-environment="production"] [data-col="enabled"]',
    ),
  ).toHaveText(/Killed/);

  // --- decision log (Shift+D): filter, export CSV ---
  await page.keyboard.press('Shift+D');
  await expect(page.getByRole('heading', { name: 'Decision log' })).toBeVisible();
  const decisions = page.getByRole('table', { name: 'Decisions' });
  await expect(decisions.locator('[data-action="start"]')).toHaveCount(1);
  await page.getByRole('combobox', { name: /^Action/ }).selectOption('rollback');
  await expect(decisions.locator('tbody tr')).toHaveCount(1);
  await expect(decisions.locator('tbody tr').first()).toHaveAttribute('data-action', 'rollback');
  const downloadPromise = page.waitForEvent('download');
  await page.getByRole('button', { name: 'Export CSV' }).click();
  const download = await downloadPromise;
  expect(download.suggestedFilename()).toMatch(/^rcr-decisions-.*\.csv$/);
  const csv = fs
    .readFileSync(await download.path(), 'utf8')
    .trim()
    .split('\n');
  expect(csv[0]).toBe(
    'id,at,provider,environment,flag,stage_index,stage,actor,action,rule,rationale,outbox_id,outbox_status,inputs_json',
  );
  expect(csv).toHaveLength(2);
  expect(csv[1]).toContain(
    ',ai-answer-assist,0,10 %,monitor,rollback,guardrail:err-rate:consecutive-breaches,',
  );
  expect(csv[1]).toContain(',confirmed,');
  await expect(page.getByRole('status').filter({ hasText: 'Saved rcr-decisions-' })).toContainText(
    '1 decision',
  );
});

test('incident mode: pause and resume from the big buttons, each confirmed with a reason', async ({
  page,
  app,
}) => {
  await invokeValue(app, 'rollout.savePlan', {
    flag: AI,
    name: 'ramp',
    templateId: 'three-stage',
    stages: (await invokeValue(app, 'rollout.templates', {})).find((t) => t.id === 'three-stage')!.stages,
    planner: null,
  });
  await invokeValue(app, 'rollout.advance', { flag: AI, reason: 'start the ramp' });
  await page.goto(app.url);
  await page.getByRole('link', { name: 'Incident mode' }).click();
  await expect(page.getByRole('heading', { name: 'Incident mode' })).toBeVisible();
  // No incident; the outbox shows the confirmed start, logged as a start (not an advance).
  await expect(page.locator('[data-empty="no-incidents"]')).toBeVisible();
  await expect(
    page.getByRole('table', { name: 'Action outbox' }).locator('[data-purpose="start"]'),
  ).toHaveAttribute('data-status', 'confirmed');

  // A monitor pause (no data for the guardrail) opens an incident with its decision.
  await invokeValue(app, 'guardrails.define', {
    flag: AI,
    id: 'err-rate',
    metric: 'error_rate',
    kind: { type: 'absolute', statistic: 'mean', limit: 0.05, breachWhen: 'above' },
    action: 'rollback',
    consecutiveBreaches: 1,
  });
  await invokeValue(app, 'monitor.evaluateNow', { flag: AI });
  const incident = page.locator('[data-incident-flag="ai-answer-assist"]');
  await expect(incident).toHaveAttribute('data-incident-kind', 'paused');
  await expect(incident.locator('[data-action="pause"]').first()).toContainText('has no data');

  await incident.getByRole('button', { name: 'Resume ai-answer-assist' }).click();
  const dialog = page.getByRole('dialog');
  await dialog.getByRole('button', { name: 'Confirm resume' }).click();
  await expect(dialog.getByRole('alert')).toContainText('at least 3 characters');
  await confirm(page, 'Confirm resume', 'metrics pipeline fixed');
  await expect(page.locator('[data-empty="no-incidents"]')).toBeVisible();
  const log = await invokeValue(app, 'decisions.list', { flag: AI, action: 'resume' });
  expect(log[0]?.rationale).toContain('metrics pipeline fixed');

  // An operator's own pause is not an incident.
  await invokeValue(app, 'rollout.pause', { flag: AI, reason: 'support tickets rising' });
  await page.getByRole('button', { name: 'Refresh' }).click();
  await expect(page.locator('[data-empty="no-incidents"]')).toBeVisible();
  await expect(page.getByTestId('header-incidents')).toHaveText('none open');
});
