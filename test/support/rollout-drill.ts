/**
 * The incident drill (issue 6): a real Unleash + PostgreSQL, a real Prometheus, and the
 * prom-client fixture service whose traffic is assigned to control / treatment by evaluating the
 * Unleash flag through the official `unleash-client` SDK (installed with unleash-server in
 * `.tools/unleash`). The control room (a real core with the Unleash provider and the monitor at a
 * 5 s interval) runs a plan 10 % → 50 %; after an A/A period the fixture's treatment error rate
 * is raised to 2× control; the monitor must detect the breach and roll back through Unleash.
 *
 * Used by test/integration/rollout-drill.test.ts and bench/rollback-drill.bench.ts. Plain Node,
 * no test-runner APIs.
 */
import fs from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { openCore, type AppCore } from '../../electron/core/app-core.ts';
import type { DecisionRecord, OutboxAction } from '../../shared/decisions.ts';
import type { RolloutPlan } from '../../shared/rollout-plans.ts';
import {
  startFixtureService,
  type FixtureServiceHandle,
  type FixtureVariant,
} from './metrics-fixture-service.ts';
import { startPrometheus, waitForTargetsUp, type PrometheusHandle } from './prometheus.ts';
import {
  createFeatureWithRollout,
  getFeature,
  startUnleash,
  unleashApi,
  UNLEASH_PREFIX,
  type UnleashHandle,
} from './unleash.ts';

/** The part of the unleash-client SDK the fixture uses. */
interface UnleashSdk {
  isEnabled(name: string, context?: { userId?: string }): boolean;
  on(event: string, listener: (...args: unknown[]) => void): unknown;
  destroy(): void;
}
interface UnleashSdkModule {
  Unleash: new (config: Record<string, unknown>) => UnleashSdk;
  InMemStorageProvider: new () => unknown;
}

/** Baseline error rate of both variants; the fault doubles treatment's. */
export const BASE_ERROR_RATE = 0.05;
const PROVIDER = 'unleash';
const ENV = 'production';

/** A running drill environment. */
export interface DrillEnv {
  unleash: UnleashHandle;
  prometheus: PrometheusHandle;
  fixture: FixtureServiceHandle;
  core: AppCore;
  sdk: UnleashSdk;
  /** The flag the fixture's traffic follows (and labels its metrics with). */
  currentFlag: string | null;
  stop(): Promise<void>;
}

export interface DrillEnvOptions {
  /** Total fixture requests per second; default 50. */
  requestsPerSecond?: number;
  /** Monitor interval, ms; default 5000. */
  monitorIntervalMs?: number;
  log?: (line: string) => void;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function until<T>(
  what: string,
  timeoutMs: number,
  probe: () => Promise<T | null | undefined | false>,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await probe();
    if (v) return v;
    if (Date.now() > deadline) throw new Error(`drill: timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(200);
  }
}

const ok = <T>(r: { ok: true; value: T } | { ok: false; error: { message: string } }): T => {
  if (!r.ok) throw new Error(r.error.message);
  return r.value;
};

/** Starts Unleash, the SDK-driven fixture, Prometheus and the control room core. */
export async function startDrillEnvironment(o: DrillEnvOptions = {}): Promise<DrillEnv> {
  const log = o.log ?? (() => undefined);
  const t0 = Date.now();
  const unleash = await startUnleash();
  log(`unleash ready in ${Date.now() - t0} ms at ${unleash.url}`);
  const token = await unleashApi<{ secret: string }>(
    unleash.url,
    unleash.token,
    'POST',
    '/api/admin/api-tokens',
    {
      tokenName: 'rcr-drill-fixture',
      type: 'client',
      environment: ENV,
      projects: ['*'],
    },
  );
  const sdkModule = createRequire(path.join(UNLEASH_PREFIX, 'package.json'))(
    'unleash-client',
  ) as UnleashSdkModule;
  const sdk = new sdkModule.Unleash({
    url: `${unleash.url}/api/`,
    appName: 'rcr-drill-fixture',
    instanceId: `drill-${process.pid}`,
    refreshInterval: 1000,
    disableMetrics: true,
    customHeaders: { Authorization: token.secret },
    storageProvider: new sdkModule.InMemStorageProvider(),
  });
  sdk.on('error', (e) => log(`unleash sdk error: ${String(e)}`));
  await new Promise<void>((resolve) => sdk.on('synchronized', () => resolve()));
  const env = { currentFlag: null as string | null };
  const fixture = await startFixtureService({
    requestsPerSecond: o.requestsPerSecond ?? 50,
    errorRates: { control: BASE_ERROR_RATE, treatment: BASE_ERROR_RATE },
    seed: 'rcr-rollout-drill',
    assign: (unitId): FixtureVariant =>
      env.currentFlag && sdk.isEnabled(env.currentFlag, { userId: unitId }) ? 'treatment' : 'control',
    flagLabel: () => env.currentFlag ?? 'none',
  });
  const prometheus = await startPrometheus({ scrapeTargets: [fixture.target], scrapeIntervalSeconds: 1 });
  await waitForTargetsUp(prometheus.url);
  log(`prometheus ready at ${prometheus.url}, scraping ${fixture.target}`);

  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'rcr-drill-'));
  fs.writeFileSync(
    path.join(dataDir, 'config.json'),
    JSON.stringify({
      version: 1,
      syncIntervalMs: 5000,
      providers: [
        {
          name: PROVIDER,
          kind: 'unleash',
          url: unleash.url,
          tokenEnv: 'RCR_DRILL_UNLEASH_TOKEN',
          environments: [ENV],
        },
      ],
      rollouts: { monitorIntervalMs: o.monitorIntervalMs ?? 5000 },
      // The metrics' Prometheus, allow-listed as the local user would (`rcr sources add`).
      dataSources: { prometheus: [{ name: 'drill-prometheus', url: prometheus.url }] },
    }),
  );
  const core = await openCore({
    dataDir,
    actor: 'drill',
    env: { ...process.env, RCR_DRILL_UNLEASH_TOKEN: unleash.token },
    startSync: true,
    startMonitor: true,
    monitorIntervalMs: o.monitorIntervalMs ?? 5000,
  });
  let stopped: Promise<void> | undefined;
  return Object.assign(env, {
    unleash,
    prometheus,
    fixture,
    core,
    sdk,
    stop() {
      stopped ??= (async () => {
        await core.close().catch(() => undefined);
        sdk.destroy();
        await prometheus.stop();
        await fixture.stop();
        await unleash.stop();
        fs.rmSync(dataDir, { recursive: true, force: true });
      })();
      return stopped;
    },
  });
}

export interface DrillOptions {
  /** Flag key (new for every drill). */
  key: string;
  /** Seconds at 50 % without a fault (the A/A part): the monitor must not roll back. */
  aaSeconds?: number;
  /** Max wait for the confirmed rollback after the fault, ms; default 180 000. */
  faultTimeoutMs?: number;
  log?: (line: string) => void;
}

export interface DrillResult {
  key: string;
  /** ms from fault injection to the provider-confirmed rollback (outbox `confirmedAt`). */
  timeToRollbackMs: number;
  /** ms from fault injection to the rollback decision. */
  timeToDecisionMs: number;
  /** Decisions recorded during the A/A period (must contain no rollback). */
  aaDecisions: DecisionRecord[];
  rollback: DecisionRecord;
  action: OutboxAction;
  /** Unleash's own view of the flag in production after the rollback. */
  unleashEnabled: boolean;
  /** Treatment requests the fixture served in the 3 s after it had seen the rollback (expected 0). */
  treatmentAfterRollback: number;
  /** Treatment requests served during the drill before the rollback (sanity: > 0). */
  treatmentBefore: number;
}

const flagRef = (key: string) => ({ provider: PROVIDER, environment: ENV, key });

/** The drill's plan: 10 % (auto-advance after 20 s and 100 units) → 50 % (held) → 100 %. */
export function drillPlan(key: string): RolloutPlan {
  const stage = (name: string, targetPercent: number, minObservationMs: number, autoAdvance: boolean) => ({
    name,
    targetPercent,
    audience: { type: 'everyone' as const },
    minObservationMs,
    minSamplePerCohort: 100,
    gate: { nonInferiorityMargin: 0.02, businessMetrics: [] },
    approvalsRequired: 0,
    autoAdvance,
  });
  return {
    flag: flagRef(key),
    name: 'incident drill: 10 → 50 → 100',
    templateId: 'three-stage',
    planner: null,
    stages: [
      stage('10 %', 10, 20_000, true),
      stage('50 %', 50, 3_600_000, false),
      stage('everyone', 100, 3_600_000, false),
    ],
  };
}

/**
 * Runs one drill on a new flag `key` (see the module docs).
 * @throws Error naming the step that did not happen in time.
 */
export async function runDrill(env: DrillEnv, o: DrillOptions): Promise<DrillResult> {
  const log = o.log ?? (() => undefined);
  const { core, unleash, fixture } = env;
  const flag = flagRef(o.key);
  env.fixture.setErrorRates({ control: BASE_ERROR_RATE, treatment: BASE_ERROR_RATE });
  await createFeatureWithRollout(unleash.url, unleash.token, {
    name: o.key,
    rollout: 10,
    variantPayload: { modelVersion: 'v2.5', minConfidence: 0.7 },
  });
  env.currentFlag = o.key;
  await core.sync.syncAll();
  const sel = `flag="${o.key}",variant="{{variant}}"`;
  ok(
    await core.invoke('metrics.define', {
      flag,
      name: 'errors',
      kind: 'binomial',
      direction: 'lower-is-better',
      source: {
        type: 'prometheus',
        url: env.prometheus.url,
        query: `sum(increase(ai_requests_total{${sel},outcome="error"}[5s]))`,
        denominator: `sum(increase(ai_requests_total{${sel}}[5s]))`,
        stepSeconds: 5,
      },
      guardrail: true,
    }),
  );
  // Guardrails count "no data" toward a pause: define them once the new flag's metric has data.
  await until(`Prometheus data for ${o.key}`, 60_000, async () => {
    const c = ok(await core.invoke('metrics.compare', { flag, window: { lastMinutes: 2 } }));
    const row = c.rows[0];
    return row && row.control.n > 0 && row.treatment.n > 0;
  });
  ok(
    await core.invoke('guardrails.define', {
      flag,
      id: 'error-rate',
      metric: 'errors',
      // Accumulated since the current stage started (always-valid under the monitor's repeated
      // looks); α 0.01 keeps a false rollback in the A/A part of a CI run below 1 %.
      kind: { type: 'statistical', limit: 0, alpha: 0.01 },
      action: 'rollback',
      rollbackTarget: 'kill',
      consecutiveBreaches: 2,
      // Used only without a live stage (the statistical kind then reads the last 2 minutes).
      windowMinutes: 2,
      minSamplePerCohort: 100,
    }),
  );
  ok(await core.invoke('rollout.savePlan', drillPlan(o.key)));
  ok(await core.invoke('rollout.advance', { flag, reason: 'incident drill: start at 10 %' }));
  log(`${o.key}: started at 10 %`);
  const advancedAt = await until('the monitor to advance 10 % → 50 % (confirmed)', 180_000, async () => {
    const v = ok(await core.invoke('rollout.get', { flag }));
    return v.state?.stageIndex === 1 && v.state.pendingActionId === null && v.state.stageStartedAt;
  });
  const prod = async () =>
    (await getFeature(unleash.url, unleash.token, o.key)).environments.find((e) => e.name === ENV);
  const rolloutAt50 = (await prod())?.strategies.find((s) => s.name === 'flexibleRollout')?.parameters
    .rollout;
  if (rolloutAt50 !== '50')
    throw new Error(`drill: Unleash shows rollout ${rolloutAt50} after the advance, expected 50`);
  log(`${o.key}: monitor advanced to 50 % (confirmed ${advancedAt})`);

  const aaSince = new Date().toISOString();
  await sleep((o.aaSeconds ?? 30) * 1000);
  const aaDecisions = ok(await core.invoke('decisions.list', { flag, since: aaSince }));
  if (aaDecisions.some((d) => d.action === 'rollback' || d.action === 'pause'))
    throw new Error(
      `drill: the monitor acted during the A/A period: ${aaDecisions.map((d) => d.rationale).join(' | ')}`,
    );
  log(`${o.key}: A/A for ${o.aaSeconds ?? 30} s: ${aaDecisions.length} decision(s), no rollback`);

  const treatmentBefore = fixture.counts().treatment.requests;
  const faultAt = fixture.setErrorRates({ treatment: 2 * BASE_ERROR_RATE });
  log(`${o.key}: fault injected: treatment error rate ${2 * BASE_ERROR_RATE} (2× control)`);
  const action = await until('the provider-confirmed rollback', o.faultTimeoutMs ?? 180_000, async () => {
    const a = ok(await core.invoke('outbox.list', { flag, status: 'confirmed' }));
    return a.find(
      (x) => (x.payload as { purpose?: string }).purpose === 'rollback' && x.kind === 'flag-change',
    );
  });
  const timeToRollbackMs = Date.parse(action.confirmedAt as string) - faultAt;
  const [rollback] = ok(await core.invoke('decisions.list', { flag, action: 'rollback', limit: 1 }));
  if (!rollback) throw new Error('drill: no rollback decision recorded');
  const timeToDecisionMs = Date.parse(rollback.at) - faultAt;
  log(
    `${o.key}: rollback confirmed ${timeToRollbackMs} ms after the fault (decision after ${timeToDecisionMs} ms)`,
  );

  const unleashEnabled = (await prod())?.enabled ?? true;
  // The SDK refreshes every second: give it 2 s to see the flag off, then count for 3 s.
  await sleep(2000);
  const t1 = fixture.counts().treatment.requests;
  await sleep(3000);
  const treatmentAfterRollback = fixture.counts().treatment.requests - t1;
  fixture.setErrorRates({ treatment: BASE_ERROR_RATE });
  return {
    key: o.key,
    timeToRollbackMs,
    timeToDecisionMs,
    aaDecisions,
    rollback,
    action,
    unleashEnabled,
    treatmentAfterRollback,
    treatmentBefore,
  };
}

/**
 * `npm run drill` (`node test/support/rollout-drill.ts`): one drill with a 60 s A/A period, the
 * checks of the integration test, progress on stderr; exits 0 only when all of them held, and the
 * last line is `time-to-rollback-seconds: N`.
 */
async function main(): Promise<number> {
  const log = (line: string) => process.stderr.write(`[drill] ${line}\n`);
  const env = await startDrillEnvironment({ requestsPerSecond: 50, monitorIntervalMs: 5000, log });
  try {
    const r = await runDrill(env, { key: `ai-drill-${Date.now().toString(36)}`, aaSeconds: 60, log });
    const problems = [
      r.action.status !== 'confirmed' && `the rollback action is ${r.action.status}`,
      r.unleashEnabled && 'Unleash still shows the flag on',
      r.treatmentAfterRollback !== 0 &&
        `the fixture served ${r.treatmentAfterRollback} treatment requests after the rollback`,
      r.rollback.inputs.guardrails.length === 0 && 'the decision record has no guardrail inputs',
    ].filter(Boolean);
    for (const p of problems) log(`FAILED: ${p}`);
    log(`decision #${r.rollback.id}: ${r.rollback.rationale}`);
    process.stdout.write(`time-to-rollback-seconds: ${(r.timeToRollbackMs / 1000).toFixed(1)}\n`);
    return problems.length ? 1 : 0;
  } finally {
    await env.stop();
  }
}

if (import.meta.main)
  process.exitCode = await main().catch((error: unknown) => {
    process.stderr.write(`[drill] FAILED: ${error instanceof Error ? error.message : String(error)}\n`);
    return 1;
  });
