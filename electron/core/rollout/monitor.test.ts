/**
 * The monitor, the outbox and the operator overrides on a real core (embedded provider, SQLite,
 * imported metric events), with a controlled clock.
 */
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { contract, eventContract } from '../../../shared/contract.ts';
import type { Guardrail, GuardrailState } from '../../../shared/guardrails.ts';
import type { RolloutPlan } from '../../../shared/rollout-plans.ts';
import type { AppCore, CoreOptions } from '../app-core.ts';
import { defaultConfig, saveConfig } from '../config.ts';
import { createProvider } from '../providers/registry.ts';
import { ProviderError, type FlagProvider } from '../providers/provider.ts';
import { tempDataDir } from '../../../test/support/temp-dir.ts';
import {
  errorRateGuardrail,
  fail,
  importErrorEvents,
  ok,
  openTestCore,
} from '../../../test/support/core-fixtures.ts';
import { metricDef } from '../../../test/support/metric-fixtures.ts';
import { threeStagePlan } from '../../../test/support/rollout-fixtures.ts';
import { verifyWebhook } from './webhook.ts';

const FLAG = { provider: 'local', environment: 'production', key: 'ai-answer-assist' };
const T0 = Date.parse('2026-03-02T09:00:00Z');

let tmp: ReturnType<typeof tempDataDir>;
let core: AppCore;
let clock: number;

const open = (over: Partial<CoreOptions> = {}): Promise<AppCore> =>
  openTestCore(path.join(tmp.dir, 'data'), () => clock, over);
/** Error events of FLAG per minute in [from, to): `n` units per cohort at the given error rates. */
const importErrors = (
  c: AppCore,
  from: number,
  to: number,
  n: number,
  rates: { control: number; treatment: number },
): Promise<void> => importErrorEvents(c, tmp.dir, FLAG, { from, to }, n, rates);
const errorsMetric = metricDef(FLAG);
const errorGuardrail = (over: Partial<Guardrail> = {}): Guardrail => errorRateGuardrail(FLAG, over);
const plan = (over: Partial<RolloutPlan> = {}): RolloutPlan =>
  threeStagePlan(FLAG, {}, { name: 'drill', ...over });

const layers = async (c: AppCore) => (await ok(c.invoke('flag.get', FLAG))).flag.layers;

beforeEach(() => {
  tmp = tempDataDir('rcr-rollout-');
  clock = T0;
});
afterEach(async () => {
  await core?.close();
  tmp.cleanup();
});

describe('monitor: guardrail breach → automatic rollback', () => {
  it('rolls back through the outbox after 2 breaches, records why, opens an incident, signs the webhook', async () => {
    const received: { headers: http.IncomingHttpHeaders; body: string }[] = [];
    const server = http.createServer((req, res) => {
      let body = '';
      req.on('data', (d: Buffer) => (body += d.toString()));
      req.on('end', () => {
        received.push({ headers: req.headers, body });
        res.writeHead(200).end('ok');
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`;
    fs.mkdirSync(path.join(tmp.dir, 'data'), { recursive: true });
    fs.writeFileSync(
      path.join(tmp.dir, 'data', 'config.json'),
      JSON.stringify({
        version: 1,
        providers: [{ name: 'local', kind: 'local' }],
        rollouts: { webhook: { url, secretEnv: 'RCR_HOOK_SECRET' } },
      }),
    );
    core = await open({ env: { RCR_HOOK_SECRET: 's3cret' } });
    const notes: string[] = [];
    core.on('notify', (n) => notes.push(`${n.severity}:${n.title}`));
    // Every pushed event matches its contract schema (Electron IPC and the WebSocket validate them).
    const badEvents: string[] = [];
    for (const name of ['monitor.decision', 'rollout.changed', 'notify'] as const)
      core.on(name, (payload) => {
        const r = eventContract[name].safeParse(payload);
        if (!r.success) badEvents.push(`${name}: ${r.error.message}`);
      });
    await ok(core.invoke('metrics.define', errorsMetric));
    await ok(core.invoke('rollout.savePlan', plan()));
    await ok(core.invoke('guardrails.define', errorGuardrail()));
    const started = await ok(core.invoke('rollout.advance', { flag: FLAG, reason: 'start the drill' }));
    expect(started.state).toMatchObject({ stageIndex: 0, status: 'running' });
    await core.rollouts.outbox.idle();
    expect((await layers(core)).rolloutPercent).toBe(10);

    // Treatment errors at 3× control for the last 10 minutes.
    clock = T0 + 10 * 60_000;
    await importErrors(core, T0, clock, 100, { control: 0.02, treatment: 0.06 });
    const first = await ok(core.invoke('monitor.evaluateNow', {}));
    // 1 breach of 2: the gate holds (guardrail breached), nothing is rolled back yet.
    expect(first.decisions.map((d) => d.action)).toEqual(['hold']);
    expect(first.decisions[0]!.inputs.gate!.items.find((x) => x.id === 'guardrails')?.status).toBe('fail');
    clock += 5000;
    const second = await ok(core.invoke('monitor.evaluateNow', {}));
    expect(second.decisions.map((d) => d.action)).toEqual(['rollback']);
    await core.rollouts.outbox.idle();

    const l = await layers(core);
    expect(l.enabled).toBe(false);
    const [d] = await ok(core.invoke('decisions.list', { flag: FLAG, action: 'rollback' }));
    expect(d).toMatchObject({
      actor: 'monitor',
      rule: 'guardrail:error-rate:consecutive-breaches',
      outbox: { status: 'confirmed' },
    });
    expect(d!.rationale).toMatch(
      /^Rolled back \(kill\) because guardrail "error-rate" on errors fired: treatment rate of errors is 0.06 vs control 0.02 \(3×\)/,
    );
    // The window is the last 10 minute buckets including the current, empty one: 9 minutes of data.
    const g = d!.inputs.guardrails[0]!;
    expect(g).toMatchObject({
      status: 'breached',
      consecutive: 2,
      value: 3,
      limit: 1.5,
      control: { n: 900 },
      treatment: { n: 900 },
    });
    expect(g.guardrail.kind).toEqual({
      type: 'relative-to-control',
      statistic: 'mean',
      factor: 1.5,
      breachWhen: 'above',
    });
    expect(d!.inputs.plan).toEqual({ name: 'drill', stages: 3, targetPercent: 10 });
    // The provider call went through the audited action path, as the monitor (not the operator).
    const audit = (await ok(core.invoke('flag.get', FLAG))).audit;
    expect(audit[0]).toMatchObject({ action: 'kill', status: 'succeeded', actor: 'monitor' });
    expect(audit[0]!.reason).toMatch(/decision #\d+/);
    const view = await ok(core.invoke('rollout.get', { flag: FLAG }));
    expect(view.state).toMatchObject({ status: 'rolled-back', pendingActionId: null });
    const incidents = await ok(core.invoke('incidents.list', {}));
    expect(incidents).toHaveLength(1);
    // Opened by the rollback decision, joined by the confirmed kill.
    expect(incidents[0]).toMatchObject({
      kind: 'killed',
      state: 'open',
      killed: true,
      openedBy: 'monitor',
      flag: FLAG,
      decisionId: d!.id,
    });
    expect(incidents[0]!.decisions.some((x) => x.id === d!.id)).toBe(true);
    // A rolled-back rollout takes no further automatic action.
    clock += 5000;
    expect((await ok(core.invoke('monitor.evaluateNow', {}))).decisions).toEqual([]);
    expect(notes).toContain('critical:ai-answer-assist: rollback');
    expect(notes).toContain('critical:ai-answer-assist: rollback confirmed');

    // Webhook: delivered once, signed, Slack-compatible.
    await core.rollouts.outbox.idle();
    for (let i = 0; i < 50 && !received.length; i++) await new Promise((r) => setTimeout(r, 20));
    server.close();
    expect(received).toHaveLength(1);
    const h = received[0]!;
    const body = JSON.parse(h.body) as { text: string; rcr: { decisionId: number; action: string } };
    expect(body.text).toMatch(/ai-answer-assist.*rollback/);
    expect(body.rcr).toMatchObject({ decisionId: d!.id, action: 'rollback' });
    expect(h.headers['x-rcr-signature']).toMatch(/^sha256=[0-9a-f]{64}$/);
    expect(
      verifyWebhook(
        's3cret',
        Number(h.headers['x-rcr-timestamp']),
        h.body,
        String(h.headers['x-rcr-signature']),
        Number(h.headers['x-rcr-timestamp']),
      ),
    ).toBe(true);
    expect(
      verifyWebhook(
        'wrong',
        Number(h.headers['x-rcr-timestamp']),
        h.body,
        String(h.headers['x-rcr-signature']),
        Number(h.headers['x-rcr-timestamp']),
      ),
    ).toBe(false);
    expect(h.headers['x-rcr-idempotency-key']).toBe(`webhook:decision:${d!.id}`);

    // Export for audit.
    const csv = await ok(core.invoke('decisions.export', { flag: FLAG, format: 'csv' }));
    expect(csv.content.split('\n')[0]).toBe(
      'id,at,provider,environment,flag,stage_index,stage,actor,action,rule,rationale,outbox_id,outbox_status,inputs_json',
    );
    expect(csv.rows).toBe(3); // start, hold, rollback
    expect(csv.content).toMatch(/,monitor,rollback,guardrail:error-rate:consecutive-breaches,/);
    const json = await ok(core.invoke('decisions.export', { format: 'json' }));
    expect((JSON.parse(json.content) as unknown[]).length).toBe(3);
    // Outputs match the contract the renderer is built on.
    expect(contract['rollout.get'].output.safeParse(view).success).toBe(true);
    expect(contract['incidents.list'].output.safeParse(incidents).success).toBe(true);
    const all = await ok(core.invoke('decisions.list', {}));
    expect(contract['decisions.list'].output.safeParse(all).error).toBeUndefined();
    const outbox = await ok(core.invoke('outbox.list', {}));
    expect(contract['outbox.list'].output.safeParse(outbox).error).toBeUndefined();
    expect(
      contract['monitor.status'].output.safeParse(await ok(core.invoke('monitor.status', {}))).success,
    ).toBe(true);
    expect(badEvents).toEqual([]);
  });
});

describe('monitor: gate and auto-advance', () => {
  it('holds while the gate waits, then advances when observation time and sample are reached', async () => {
    core = await open();
    await ok(core.invoke('metrics.define', errorsMetric));
    await ok(
      core.invoke('metrics.define', {
        ...errorsMetric,
        name: 'resolved',
        direction: 'higher-is-better',
        guardrail: false,
      }),
    );
    await ok(core.invoke('rollout.savePlan', plan()));
    await ok(core.invoke('guardrails.define', errorGuardrail()));
    await ok(core.invoke('rollout.advance', { flag: FLAG, reason: 'start' }));
    await core.rollouts.outbox.idle();

    clock = T0 + 2 * 60_000;
    await importErrors(core, T0, clock, 100, { control: 0.02, treatment: 0.02 });
    const r1 = await ok(core.invoke('monitor.evaluateNow', {}));
    expect(r1.decisions.map((d) => d.action)).toEqual(['hold']);
    const gate = r1.decisions[0]!.inputs.gate!;
    const item = (id: string) => gate.items.find((x) => x.id === id)!;
    expect(item('min-observation').status).toBe('waiting');
    expect(item('min-sample')).toMatchObject({ status: 'waiting' });
    expect(item('min-sample').evidence).toMatch(/need 500/);
    expect(item('guardrails').status).toBe('pass');
    expect(item('non-inferiority').status).toBe('waiting'); // "resolved" has no data
    expect(gate.passed).toBe(false);
    // The same waiting items: no second hold record.
    clock += 5000;
    expect((await ok(core.invoke('monitor.evaluateNow', {}))).decisions).toEqual([]);

    // 6 minutes at the stage, 600 units per cohort on both metrics.
    const at6 = T0 + 6 * 60_000;
    await importErrors(core, T0 + 2 * 60_000, at6, 100, { control: 0.02, treatment: 0.02 });
    const lines = ['timestamp,unit_id,flag_key,variant,metric,value'];
    for (let i = 0; i < 40_000; i++)
      lines.push(
        `${T0 + (i % 300) * 1000},r${i},${FLAG.key},${i % 2 ? 'treatment' : 'control'},resolved,${i % 5 ? 1 : 0}`,
      );
    fs.writeFileSync(path.join(tmp.dir, 'resolved.csv'), `${lines.join('\n')}\n`);
    await ok(
      core.invoke('metrics.importEvents', {
        path: path.join(tmp.dir, 'resolved.csv'),
        provider: 'local',
        environment: 'production',
      }),
    );
    clock = at6 + 1000;
    const r2 = await ok(core.invoke('monitor.evaluateNow', {}));
    expect(r2.decisions.map((d) => d.action)).toEqual(['advance']);
    expect(r2.decisions[0]!.inputs.gate!.passed).toBe(true);
    await core.rollouts.outbox.idle();
    expect((await layers(core)).rolloutPercent).toBe(50);
    const view = await ok(core.invoke('rollout.get', { flag: FLAG }));
    expect(view.state).toMatchObject({
      stageIndex: 1,
      status: 'running',
      stageStartedAt: new Date(clock).toISOString(),
    });
    expect(view.calendar[0]).toEqual({
      stageIndex: 1,
      startsAt: new Date(clock).toISOString(),
      endsAt: new Date(clock + 5 * 60_000).toISOString(),
    });
  });

  it('requires approvals, and an operator can always pause, resume and roll back', async () => {
    core = await open();
    await ok(core.invoke('metrics.define', errorsMetric));
    const p = plan();
    p.stages[0] = { ...p.stages[0]!, approvalsRequired: 1, minSamplePerCohort: 0, minObservationMs: 0 };
    await ok(core.invoke('rollout.savePlan', p));
    await ok(core.invoke('rollout.advance', { flag: FLAG, reason: 'start' }));
    await core.rollouts.outbox.idle();
    clock += 1000;
    const r = await ok(core.invoke('monitor.evaluateNow', {}));
    expect(r.decisions[0]!.inputs.gate!.items.find((x) => x.id === 'approvals')).toMatchObject({
      status: 'waiting',
      evidence: '0 of 1',
    });
    await ok(core.invoke('rollout.approve', { flag: FLAG, reason: 'looks good' }));
    expect((await fail(core.invoke('rollout.approve', { flag: FLAG, reason: 'again' }))).code).toBe(
      'CONFLICT',
    );
    // Operator pause: the monitor will not advance a paused rollout.
    await ok(core.invoke('rollout.pause', { flag: FLAG, reason: 'wait for support' }));
    clock += 1000;
    expect((await ok(core.invoke('monitor.evaluateNow', {}))).decisions).toEqual([]);
    expect((await fail(core.invoke('rollout.pause', { flag: FLAG, reason: 'again' }))).message).toMatch(
      /already paused/,
    );
    await ok(core.invoke('rollout.resume', { flag: FLAG, reason: 'support is ready' }));
    clock += 1000;
    expect((await ok(core.invoke('monitor.evaluateNow', {}))).decisions.map((d) => d.action)).toEqual([
      'advance',
    ]);
    await core.rollouts.outbox.idle();
    // Operator rollback to the previous stage: 10 %, paused.
    await ok(
      core.invoke('rollout.rollback', { flag: FLAG, reason: 'complaints from EU', target: 'previous-stage' }),
    );
    await core.rollouts.outbox.idle();
    expect((await layers(core)).rolloutPercent).toBe(10);
    const v = await ok(core.invoke('rollout.get', { flag: FLAG }));
    expect(v.state).toMatchObject({ stageIndex: 0, status: 'paused' });
    const actions = (await ok(core.invoke('decisions.list', { flag: FLAG }))).map(
      (d) => `${d.actor}:${d.action}`,
    );
    expect(actions).toEqual([
      'tester:rollback',
      'monitor:advance',
      'tester:resume',
      'tester:pause',
      'tester:approve',
      'monitor:hold',
      'tester:start',
    ]);
  });
});

describe('monitor: no data pauses', () => {
  it('a failing Prometheus source shows no data and pauses the stage; it never advances', async () => {
    // The source is allow-listed by the local user (config.json dataSources, docs/prometheus.md).
    saveConfig(path.join(tmp.dir, 'data', 'config.json'), {
      ...defaultConfig(),
      dataSources: { prometheus: [{ name: 'prom', url: 'http://127.0.0.1:9090' }] },
    });
    core = await open({
      prometheusQueryRange: async () => {
        throw new Error('connect ECONNREFUSED 127.0.0.1:9090');
      },
    });
    await ok(
      core.invoke('metrics.define', {
        ...errorsMetric,
        source: {
          type: 'prometheus',
          url: 'http://127.0.0.1:9090',
          query: 'e{v="{{variant}}"}',
          denominator: 'r{v="{{variant}}"}',
          stepSeconds: 15,
        },
      }),
    );
    const p = plan();
    p.stages[0] = { ...p.stages[0]!, minSamplePerCohort: 0, minObservationMs: 0 };
    await ok(core.invoke('rollout.savePlan', p));
    await ok(core.invoke('guardrails.define', errorGuardrail()));
    await ok(core.invoke('rollout.advance', { flag: FLAG, reason: 'start' }));
    await core.rollouts.outbox.idle();
    // Views evaluate but do not count: reading the flag never advances the no-data streak.
    for (let i = 0; i < 3; i++) {
      const v = await ok(core.invoke('rollout.get', { flag: FLAG }));
      expect(v.guardrails[0]).toMatchObject({ status: 'no-data', consecutive: 1 });
    }
    clock += 1000;
    const r1 = await ok(core.invoke('monitor.evaluateNow', {}));
    expect(r1.decisions.map((d) => d.action)).toEqual(['hold']);
    expect(r1.decisions[0]!.inputs.guardrails[0]).toMatchObject({ status: 'no-data' });
    expect(r1.decisions[0]!.inputs.guardrails[0]!.note).toMatch(
      /prometheus source of "errors" failed: "prom" could not be reached/,
    );
    clock += 5000;
    const r2 = await ok(core.invoke('monitor.evaluateNow', {}));
    expect(r2.decisions.map((d) => [d.action, d.rule])).toEqual([['pause', 'guardrail:error-rate:no-data']]);
    expect((await ok(core.invoke('rollout.get', { flag: FLAG }))).state?.status).toBe('paused');
    expect((await layers(core)).enabled).toBe(true); // paused, not rolled back
    clock += 5000;
    expect((await ok(core.invoke('monitor.evaluateNow', {}))).decisions).toEqual([]);
    expect((await ok(core.invoke('incidents.list', {})))[0]).toMatchObject({ kind: 'paused' });
  });
});

describe('guardrail and plan input errors', () => {
  it('rejects a guardrail on an unknown metric and a plan for an unknown flag', async () => {
    core = await open();
    const e1 = await fail(core.invoke('guardrails.define', errorGuardrail({ metric: 'nope' })));
    expect(e1).toMatchObject({ code: 'BAD_INPUT' });
    expect(e1.message).toMatch(
      /"nope" is not defined for flag "ai-answer-assist" \(no metrics defined; use metrics.define first\)/,
    );
    const e2 = await fail(core.invoke('rollout.savePlan', plan({ flag: { ...FLAG, key: 'ghost' } })));
    expect(e2.code).toBe('NOT_FOUND');
    const e3 = await fail(core.invoke('rollout.advance', { flag: FLAG, reason: 'go now' }));
    expect(e3.message).toMatch(/has no rollout plan/);
    const e4 = await fail(
      core.invoke('rollout.plan', {
        flag: FLAG,
        templateId: 'nope',
        inputs: {
          trafficPerDay: 1000,
          metric: { kind: 'proportion', baselineRate: 0.02 },
          minDetectableRelative: 0.2,
        },
      }),
    );
    expect(e4.message).toMatch(/unknown template "nope"/);
    const planned = await ok(
      core.invoke('rollout.plan', {
        flag: FLAG,
        inputs: {
          trafficPerDay: 100_000,
          metric: { kind: 'proportion', baselineRate: 0.02 },
          minDetectableRelative: 0.2,
        },
      }),
    );
    expect(planned.templateId).toBe('ai-six-stage');
    expect(planned.planner?.samplePerCohort).toBe(16595);
  });
});

/** A provider wrapper whose executePlan fails with `failures` (in order) before delegating. */
function flaky(failures: ProviderError[], calls: { execute: number }): CoreOptions['providerFactory'] {
  return (cfg, db, env, now) => {
    const inner = createProvider(cfg, db, env, now);
    const p: FlagProvider = {
      ...inner,
      name: inner.name,
      kind: inner.kind,
      url: inner.url,
      capabilities: () => inner.capabilities(),
      executePlan: async (plan, reason, actor) => {
        calls.execute++;
        const f = failures.shift();
        if (f) throw f;
        return inner.executePlan(plan, reason, actor);
      },
    };
    return p;
  };
}

describe('outbox', () => {
  it('retries 503 and 429 with backoff until the provider confirms; no duplicate change', async () => {
    const calls = { execute: 0 };
    core = await open({
      providerFactory: flaky([new ProviderError('HTTP 503', 503), new ProviderError('HTTP 429', 429)], calls),
    });
    await ok(core.invoke('rollout.rollback', { flag: FLAG, reason: 'incident drill', target: 'kill' }));
    await core.rollouts.outbox.idle();
    let [a] = await ok(core.invoke('outbox.list', { flag: FLAG }));
    expect(a).toMatchObject({ status: 'pending', attempts: 1 });
    expect(a!.lastError).toMatch(/503/);
    const wait1 = Date.parse(a!.nextAttemptAt!) - clock;
    expect(wait1).toBeGreaterThanOrEqual(500);
    expect(wait1).toBeLessThanOrEqual(1000);
    clock += wait1;
    await core.rollouts.outbox.drain();
    [a] = await ok(core.invoke('outbox.list', { flag: FLAG }));
    expect(a).toMatchObject({ status: 'pending', attempts: 2 });
    const wait2 = Date.parse(a!.nextAttemptAt!) - clock;
    expect(wait2).toBeGreaterThanOrEqual(1000);
    expect(wait2).toBeLessThanOrEqual(2000);
    clock += wait2;
    await core.rollouts.outbox.drain();
    [a] = await ok(core.invoke('outbox.list', { flag: FLAG }));
    expect(a).toMatchObject({ status: 'confirmed', attempts: 3 });
    expect(calls.execute).toBe(3);
    expect((await layers(core)).enabled).toBe(false);
    const n = (
      core.db
        .prepare(`SELECT COUNT(*) AS n FROM local_event WHERE type = 'kill' OR changes_json LIKE '%enabled%'`)
        .get() as { n: number }
    ).n;
    expect(n).toBe(1);
  });

  it('a rollback supersedes a stage change waiting for a retry (it must not re-enable the flag)', async () => {
    const calls = { execute: 0 };
    core = await open({ providerFactory: flaky([new ProviderError('HTTP 503', 503)], calls) });
    await ok(core.invoke('metrics.define', errorsMetric));
    await ok(core.invoke('rollout.savePlan', plan()));
    await ok(core.invoke('rollout.advance', { flag: FLAG, reason: 'go to 50 %', toStage: 1 }));
    await core.rollouts.outbox.idle();
    expect((await ok(core.invoke('outbox.list', { flag: FLAG })))[0]).toMatchObject({ status: 'pending' });
    await ok(core.invoke('rollout.rollback', { flag: FLAG, reason: 'incident', target: 'kill' }));
    await core.rollouts.outbox.idle();
    clock += 60_000;
    await core.rollouts.outbox.drain();
    const [rb, adv] = await ok(core.invoke('outbox.list', { flag: FLAG }));
    expect(rb).toMatchObject({ status: 'confirmed' });
    expect(adv).toMatchObject({ status: 'failed' });
    expect(adv!.lastError).toMatch(/superseded by the rollback of decision #\d+/);
    expect(await layers(core)).toMatchObject({ enabled: false, rolloutPercent: 10 });
  });

  it('a non-retryable failure fails at once and pauses the rollout', async () => {
    const calls = { execute: 0 };
    core = await open({ providerFactory: flaky([new ProviderError('HTTP 403 forbidden', 403)], calls) });
    await ok(core.invoke('metrics.define', errorsMetric));
    await ok(core.invoke('rollout.savePlan', plan()));
    // Stage 2 (50 %): the flag is at 10 %, so the provider is called (and refuses).
    await ok(core.invoke('rollout.advance', { flag: FLAG, reason: 'start', toStage: 1 }));
    await core.rollouts.outbox.idle();
    const [a] = await ok(core.invoke('outbox.list', { flag: FLAG }));
    expect(a).toMatchObject({ status: 'failed', attempts: 1 });
    expect(calls.execute).toBe(1);
    const v = await ok(core.invoke('rollout.get', { flag: FLAG }));
    expect(v.state?.status).toBe('paused');
    expect(v.state?.reason).toMatch(/the start failed: .*403/);
  });

  it('resumes a pending action after a restart (crash with a retry scheduled)', async () => {
    const calls = { execute: 0 };
    core = await open({
      providerFactory: flaky([new ProviderError('Unleash did not answer within 5000 ms', null)], calls),
    });
    await ok(core.invoke('rollout.rollback', { flag: FLAG, reason: 'incident', target: 'kill' }));
    await core.rollouts.outbox.idle();
    expect((await ok(core.invoke('outbox.list', {})))[0]).toMatchObject({ status: 'pending', attempts: 1 });
    await core.close();
    // Restart on the same data folder: the monitor's process (it holds the monitor lease) takes
    // over the action the closed process released.
    core = await open();
    expect(core.leadership.acquire()).toBe(true);
    clock += 60_000;
    await core.rollouts.outbox.drain();
    expect((await ok(core.invoke('outbox.list', {})))[0]).toMatchObject({ status: 'confirmed', attempts: 2 });
    expect((await layers(core)).enabled).toBe(false);
  });

  it('reconciles an action interrupted after the provider call: confirmed without a second call', async () => {
    core = await open();
    await ok(core.invoke('rollout.rollback', { flag: FLAG, reason: 'incident', target: 'kill' }));
    await core.rollouts.outbox.idle();
    // Simulate a crash after the call went out and before it was marked confirmed.
    core.db.prepare(`UPDATE outbox SET status = 'sent', confirmed_at = NULL`).run();
    await core.close();
    const calls = { execute: 0 };
    core = await open({ providerFactory: flaky([], calls) });
    expect(core.leadership.acquire()).toBe(true);
    await core.rollouts.outbox.drain();
    const [a] = await ok(core.invoke('outbox.list', {}));
    expect(a).toMatchObject({ status: 'confirmed', attempts: 2 });
    expect(calls.execute).toBe(0);
    const audits = (await ok(core.invoke('flag.get', FLAG))).audit.filter((x) => x.action === 'kill');
    expect(audits).toHaveLength(1);
  });
});

describe('guardrail state persistence', () => {
  it('writes an unchanged state every 5 minutes, spread over them, after the evaluation (not inside it)', async () => {
    core = await open();
    const put = core.rollouts.store.putGuardrailState.bind(core.rollouts.store);
    let written = 0;
    core.rollouts.store.putGuardrailState = (s) => {
      written++;
      put(s);
    };
    const states: GuardrailState[] = Array.from({ length: 600 }, (_, i) => ({
      guardrail: errorGuardrail({ id: `g-${i}` }),
      status: 'ok',
      value: 0.01,
      limit: 0.05,
      valueLabel: 'treatment rate',
      control: { n: 100, value: 0.01 },
      treatment: { n: 100, value: 0.01 },
      interval: null,
      srm: null,
      consecutive: 0,
      fired: null,
      note: '',
      span: { kind: 'window', minutes: 10 },
      recent: [],
      evaluatedAt: new Date(clock).toISOString(),
    }));
    core.rollouts.keepStates(states);
    expect(written).toBe(600); // first sight: every state is written
    const perTick: number[] = [];
    for (let t = 1; t <= 120; t++) {
      clock += 5_000;
      written = 0;
      core.rollouts.keepStates(states);
      expect(written).toBe(0); // inside the evaluation: nothing unchanged is written
      core.rollouts.flushStates();
      perTick.push(written);
    }
    // Over 10 minutes each unchanged state is written twice (once per 5 minutes), never all at once.
    const total = perTick.reduce((a, b) => a + b, 0);
    expect(total).toBeGreaterThanOrEqual(2 * 600 - 5);
    expect(total).toBeLessThanOrEqual(2 * 600);
    expect(Math.max(...perTick)).toBeLessThan(600 / 10);
    // The periodic write runs by itself right after the evaluation (setImmediate).
    clock += 60_000;
    written = 0;
    core.rollouts.keepStates(states);
    expect(written).toBe(0);
    await new Promise((resolve) => setImmediate(resolve));
    expect(written).toBeGreaterThan(0);
    // A removed guardrail's pending write is dropped.
    clock += 60_000;
    core.rollouts.keepStates(states);
    for (const st of states) core.rollouts.removeGuardrail(st.guardrail.flag, st.guardrail.id);
    expect(core.rollouts.flushStates()).toBe(0);
    // A change is written at once.
    written = 0;
    core.rollouts.keepStates([{ ...states[0]!, status: 'breached', consecutive: 1 }]);
    expect(written).toBe(1);
  });
});
