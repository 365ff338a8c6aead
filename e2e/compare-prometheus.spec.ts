/**
 * Cohort comparison against a REAL Prometheus (Debian package, started here)
 * scraping an instrumented fixture service (prom-client) whose treatment error
 * rate is 2× control's: the comparison view marks the error rate "worse" with a
 * confidence interval that excludes 0.
 */
import { expect, test } from '@playwright/test';
import { invokeValue, serveApp, type ServedApp } from './serve-app.ts';
import { startPrometheus, waitForTargetsUp, type PrometheusHandle } from '../test/support/prometheus.ts';
import { startFixtureService } from '../test/support/metrics-fixture-service.ts';

test.describe.configure({ mode: 'serial' });

let prometheus: PrometheusHandle;
let fixture: Awaited<ReturnType<typeof startFixtureService>>;
let app: ServedApp;
const AI = { provider: 'local', environment: 'production', key: 'ai-answer-assist' };

test.beforeAll(async () => {
  test.setTimeout(180_000);
  fixture = await startFixtureService({
    requestsPerSecond: 1000,
    errorRates: { control: 0.02, treatment: 0.04 },
  });
  prometheus = await startPrometheus({ scrapeTargets: [fixture.target], scrapeIntervalSeconds: 1 });
  await waitForTargetsUp(prometheus.url);
  app = await serveApp();
  // The local user allow-lists the Prometheus (the running server picks the edit up).
  const added = await app.cli(['sources', 'add', 'prometheus', '--name', 'fixture', '--url', prometheus.url]);
  expect(added.code, added.stderr).toBe(0);
  await invokeValue(app, 'metrics.define', {
    flag: AI,
    name: 'error_rate',
    kind: 'binomial',
    direction: 'lower-is-better',
    unit: '%',
    source: {
      type: 'prometheus',
      dataSource: 'fixture',
      query: 'sum(increase(ai_requests_total{variant="{{variant}}",outcome="error"}[15s]))',
      denominator: 'sum(increase(ai_requests_total{variant="{{variant}}"}[15s]))',
      stepSeconds: 15,
    },
    controlVariant: 'control',
    treatmentVariant: 'treatment',
    expectedSplit: [0.5, 0.5],
    guardrail: true,
  });
});

test.afterAll(async () => {
  await app?.stop();
  await prometheus?.stop();
  await fixture?.stop();
});

test('treatment with 2× the error rate is shown as worse, with a CI excluding 0', async ({ page }) => {
  test.setTimeout(150_000);
  // Wait until the statistics allow a verdict (Prometheus needs a few 15 s steps of data).
  await expect
    .poll(
      async () =>
        (await invokeValue(app, 'metrics.compare', { flag: AI, window: { lastMinutes: 5 } })).rows[0]
          ?.verdict,
      { timeout: 120_000, intervals: [5_000] },
    )
    .toBe('worse');
  await page.goto(app.url);
  await page
    .locator('[role="row"][data-flag-key="ai-answer-assist"][data-environment="production"] [data-col="key"]')
    .click();
  await page.getByRole('button', { name: 'Compare cohorts' }).click();
  const row = page.getByRole('table', { name: 'Metric comparison' }).locator('[data-metric="error_rate"]');
  await expect(row).toHaveAttribute('data-verdict', 'worse', { timeout: 30_000 });
  await expect(page.getByRole('figure', { name: 'Confidence intervals' })).toBeVisible();

  const result = await invokeValue(app, 'metrics.compare', { flag: AI, window: { lastMinutes: 5 } });
  const errorRate = result.rows.find((r) => r.metric.name === 'error_rate');
  expect(errorRate?.absolute?.ci[0]).toBeGreaterThan(0);
  expect(errorRate?.sequential?.ci[0]).toBeGreaterThan(0);
  expect(errorRate?.relative?.estimate).toBeGreaterThan(0.5);
});

test('Add metric offers only the allow-listed Prometheus sources and stores the source by name', async ({
  page,
}) => {
  await page.goto(app.url);
  await page
    .locator('[role="row"][data-flag-key="ai-answer-assist"][data-environment="production"] [data-col="key"]')
    .click();
  await page.getByRole('button', { name: 'Compare cohorts' }).click();
  await page.getByRole('button', { name: 'Add metric' }).first().click();
  const dialog = page.getByRole('dialog');
  await dialog.getByLabel('Name').fill('requests_total');
  await dialog.getByLabel('Kind').selectOption('continuous');
  await dialog.getByLabel('Source').selectOption('prometheus');
  const source = dialog.getByLabel('Prometheus source');
  await expect(source.locator('option')).toHaveText([`fixture — ${prometheus.url}`]);
  await expect(source).toHaveValue('fixture');
  // No free-form URL: a browser-mode client cannot name another server.
  await expect(dialog.getByLabel('Prometheus URL')).toHaveCount(0);
  await dialog
    .getByLabel('Query template')
    .fill('sum(increase(ai_requests_total{variant="{{variant}}"}[15s]))');
  await dialog.getByRole('button', { name: 'Save metric' }).click();
  await expect(dialog).toHaveCount(0);
  const defs = await invokeValue(app, 'metrics.list', { flag: AI });
  expect(defs.find((d) => d.name === 'requests_total')?.source).toMatchObject({
    type: 'prometheus',
    dataSource: 'fixture',
  });
});
