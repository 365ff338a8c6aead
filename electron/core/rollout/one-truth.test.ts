/**
 * Issue 14 "one truth": every view (incidents, decision log, gate, history, audit) derived from the
 * provider-confirmed flag state and the recorded changes. Each test reproduces a defect observed in
 * the landed app (embedded provider, a real core, a controlled clock).
 */
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { contract } from '../../../shared/contract.ts';
import type { Guardrail } from '../../../shared/guardrails.ts';
import type { RolloutPlan } from '../../../shared/rollout-plans.ts';
import type { AppCore, CoreOptions } from '../app-core.ts';
import {
  errorRateGuardrail,
  fail,
  importErrorEvents,
  ok,
  openTestCore,
} from '../../../test/support/core-fixtures.ts';
import { tempDataDir } from '../../../test/support/temp-dir.ts';
import { metricDef } from '../../../test/support/metric-fixtures.ts';
import { threeStagePlan } from '../../../test/support/rollout-fixtures.ts';

const FLAG = { provider: 'local', environment: 'production', key: 'ai-answer-assist' };
const T0 = Date.parse('2026-03-02T09:00:00Z');

let tmp: ReturnType<typeof tempDataDir>;
let core: AppCore;
let clock: number;

const open = (over: Partial<CoreOptions> = {}): Promise<AppCore> =>
  openTestCore(path.join(tmp.dir, 'data'), () => clock, { actor: 'alice', ...over });
/** Error events of FLAG per minute in [from, to): `n` units per cohort at the given error rates. */
const importErrors = (
  c: AppCore,
  from: number,
  to: number,
  n: number,
  rates: { control: number; treatment: number },
): Promise<void> => importErrorEvents(c, tmp.dir, FLAG, { from, to }, n, rates);
const errorGuardrail = (over: Partial<Guardrail> = {}): Guardrail => errorRateGuardrail(FLAG, over);
const plan = (over: Partial<RolloutPlan> = {}): RolloutPlan =>
  threeStagePlan(FLAG, { autoAdvance: false }, { name: 'drill', ...over });
/** The AI template's plan (1 % internal → … → 100 %) of FLAG, sized by the planner (not saved). */
const aiTemplatePlan = (c: AppCore) =>
  ok(
    c.invoke('rollout.plan', {
      flag: FLAG,
      templateId: 'ai-six-stage',
      inputs: {
        trafficPerDay: 100_000,
        metric: { kind: 'proportion', baselineRate: 0.02 },
        minDetectableRelative: 0.2,
      },
    }),
  );
const flag = async (c: AppCore) => ok(c.invoke('flag.get', FLAG));
const openIncidents = async (c: AppCore) =>
  (await ok(c.invoke('incidents.list', {}))).filter((i) => i.closedAt === null && i.id > 0);

/** Starts `plan()` with the error guardrail and lets the monitor kill the flag on a 3× error rate. */
async function monitorKills(c: AppCore): Promise<void> {
  await ok(c.invoke('metrics.define', metricDef(FLAG)));
  await ok(c.invoke('rollout.savePlan', plan()));
  await ok(c.invoke('guardrails.define', errorGuardrail()));
  await ok(c.invoke('rollout.advance', { flag: FLAG, reason: 'start the drill' }));
  await c.rollouts.outbox.idle();
  clock = T0 + 10 * 60_000;
  await importErrors(c, T0, clock, 100, { control: 0.02, treatment: 0.06 });
  await ok(c.invoke('monitor.evaluateNow', {}));
  clock += 5000;
  const r = await ok(c.invoke('monitor.evaluateNow', {}));
  expect(r.decisions.map((d) => d.action)).toEqual(['rollback']);
  await c.rollouts.outbox.idle();
  expect((await flag(c)).flag.layers.enabled).toBe(false);
}

beforeEach(() => {
  tmp = tempDataDir('rcr-one-truth-');
  clock = T0;
});
afterEach(async () => {
  await core?.close();
  tmp.cleanup();
});

describe('observed 1: a manual kill is an incident and a decision', () => {
  it('kill from the fleet opens an incident with its actor and cause, and is in the decision log', async () => {
    core = await open();
    await ok(core.invoke('flag.rollback', { ref: FLAG, mode: 'kill', reason: 'wrong answers in prod' }));
    const opened = await openIncidents(core);
    expect(opened).toHaveLength(1);
    expect(opened[0]).toMatchObject({ flag: FLAG, kind: 'killed', openedBy: 'alice' });
    expect(opened[0]!.reason).toContain('wrong answers in prod');
    const decisions = await ok(core.invoke('decisions.list', { flag: FLAG }));
    expect(decisions[0]).toMatchObject({ action: 'kill', actor: 'alice', rule: 'operator' });
    expect(decisions[0]!.rationale).toContain('wrong answers in prod');
    expect(
      contract['incidents.list'].output.safeParse(await ok(core.invoke('incidents.list', {}))).error,
    ).toBe(undefined);
  });
});

describe('observed 2: a manual restore closes the incident', () => {
  it('turning a monitor-killed flag back on by hand closes the incident, recording who and why', async () => {
    core = await open();
    await monitorKills(core);
    expect(await openIncidents(core)).toHaveLength(1);
    clock += 60_000;
    await ok(
      core.invoke('flag.applyChange', { ref: FLAG, patch: { enabled: true }, reason: 'fault was upstream' }),
    );
    expect(await openIncidents(core)).toEqual([]);
    const all = await ok(core.invoke('incidents.list', { includeClosed: true }));
    // The guardrail breach that killed it is from before the restore: not an open incident either.
    expect(all.filter((i) => i.state === 'open')).toEqual([]);
    expect(all[0]).toMatchObject({ state: 'closed', closedBy: 'alice', closeReason: 'fault was upstream' });
  });
});

describe('observed 3: a clean undo and a fresh evidence window', () => {
  it('restore is the exact inverse of the kill: every layer as before the kill, incident closed', async () => {
    core = await open();
    const before = (await flag(core)).flag.layers;
    await ok(core.invoke('flag.rollback', { ref: FLAG, mode: 'kill', reason: 'wrong answers' }));
    // A revert while killed changes the rollout but leaves the flag killed.
    await ok(core.invoke('flag.rollback', { ref: FLAG, mode: 'revert', reason: 'smaller audience' }));
    const restored = await ok(core.invoke('flag.restore', { ref: FLAG, reason: 'fixed upstream' }));
    expect(restored.flag.layers).toEqual(before);
    expect(await openIncidents(core)).toEqual([]);
    const actions = (await ok(core.invoke('decisions.list', { flag: FLAG }))).map((d) => d.action);
    expect(actions).toEqual(['restore', 'revert', 'kill']);
    expect((await fail(core.invoke('flag.restore', { ref: FLAG, reason: 'again' }))).message).toMatch(
      /not killed/,
    );
  });

  it('a restart is judged only on data after it: no rollback from pre-restart breaches', async () => {
    core = await open();
    await monitorKills(core);
    clock += 30_000;
    await ok(core.invoke('rollout.advance', { flag: FLAG, reason: 'fault fixed, restart' }));
    await core.rollouts.outbox.idle();
    expect((await flag(core)).flag.layers.enabled).toBe(true);
    // No new data: the old minutes still breach, but they are before the restart.
    for (let i = 0; i < 3; i++) {
      clock += 5000;
      const r = await ok(core.invoke('monitor.evaluateNow', {}));
      expect(r.decisions.map((d) => d.action)).not.toContain('rollback');
    }
    expect((await flag(core)).flag.layers.enabled).toBe(true);
  });

  it('a persisting fault rolls a restart back again, only after fresh breaches', async () => {
    core = await open();
    await monitorKills(core);
    clock += 30_000;
    const restartAt = clock;
    await ok(core.invoke('rollout.advance', { flag: FLAG, reason: 'try again' }));
    await core.rollouts.outbox.idle();
    // The fault is still there after the restart.
    clock = restartAt + 4 * 60_000;
    await importErrors(core, Math.ceil(restartAt / 60_000) * 60_000, clock, 100, {
      control: 0.02,
      treatment: 0.06,
    });
    const first = await ok(core.invoke('monitor.evaluateNow', {}));
    expect(first.decisions.map((d) => d.action)).not.toContain('rollback');
    const [view] = await ok(core.invoke('rollout.list', {}));
    expect(view!.guardrails[0]).toMatchObject({ status: 'breached', consecutive: 1 });
    clock += 5000;
    const second = await ok(core.invoke('monitor.evaluateNow', {}));
    expect(second.decisions.map((d) => d.action)).toEqual(['rollback']);
  });
});

describe('observed 5: no vacuous passes', () => {
  it('without guardrails or metrics nothing is a green pass; an AI-template plan cannot pass its gate', async () => {
    core = await open();
    const computed = await aiTemplatePlan(core);
    const p = structuredClone(computed);
    p.stages[0] = { ...p.stages[0]!, audience: { type: 'allow-list', keys: ['alice@example.com'] } };
    p.stages = p.stages.map((s) => ({ ...s, minObservationMs: 0, minSamplePerCohort: 0 }));
    await ok(core.invoke('rollout.savePlan', p));
    await ok(core.invoke('rollout.advance', { flag: FLAG, reason: 'internal stage' }));
    await core.rollouts.outbox.idle();
    clock += 1000;
    const view = await ok(core.invoke('rollout.get', { flag: FLAG }));
    const item = (id: string) => view.gate!.items.find((x) => x.id === id)!;
    expect(item('guardrails').status).toBe('missing');
    expect(item('non-inferiority').status).toBe('missing');
    expect(item('no-srm').status).not.toBe('pass');
    expect(item('min-sample').status).not.toBe('pass');
    expect(view.gate!.passed).toBe(false);
  });
});

describe('observed 6: starting a plan is a change like any other', () => {
  it('refuses a template placeholder in the allow-list; the preview shows before → after', async () => {
    core = await open();
    const computed = await aiTemplatePlan(core);
    await ok(core.invoke('rollout.savePlan', computed));
    const refused = await fail(core.invoke('rollout.advance', { flag: FLAG, reason: 'start' }));
    expect(refused.message).toMatch(/placeholder/);
    expect((await flag(core)).flag.layers.allowList.some((k) => k.includes('{{'))).toBe(false);
    const p = structuredClone(computed);
    p.stages[0] = { ...p.stages[0]!, audience: { type: 'allow-list', keys: ['alice@example.com'] } };
    await ok(core.invoke('rollout.savePlan', p));
    const preview = await ok(core.invoke('rollout.previewAdvance', { flag: FLAG }));
    expect(preview.changes.find((c) => c.layer === 'rolloutPercent')).toMatchObject({ before: 10, after: 1 });
    expect(preview.changes.find((c) => c.layer === 'allowList')?.after).toContain('alice@example.com');
    expect(preview.description.length).toBeGreaterThan(0);
  });
});

describe('observed 8: monitor actions carry the monitor as actor', () => {
  it('history and audit of a monitor rollback say monitor, not the OS user', async () => {
    core = await open();
    await monitorKills(core);
    const f = await flag(core);
    expect(f.audit[0]).toMatchObject({ action: 'kill', actor: 'monitor', status: 'succeeded' });
    expect(f.history[0]).toMatchObject({ actor: 'monitor' });
  });
});

describe('incidents from facts seen by sync', () => {
  /** Changes the embedded provider's flag as another tool would (its own event log, actor `bob`). */
  function changeAtProvider(c: AppCore, enabled: boolean): void {
    const row = c.db
      .prepare(`SELECT layers_json FROM local_flag WHERE environment = ? AND flag_key = ?`)
      .get(FLAG.environment, FLAG.key) as { layers_json: string };
    const layers = { ...(JSON.parse(row.layers_json) as Record<string, unknown>), enabled };
    c.db
      .prepare(
        `UPDATE local_flag SET layers_json = ?, version = version + 1, updated_at = ? WHERE environment = ? AND flag_key = ?`,
      )
      .run(JSON.stringify(layers), new Date(clock).toISOString(), FLAG.environment, FLAG.key);
    c.db
      .prepare(
        'INSERT INTO local_event (at, actor, environment, flag_key, type, changes_json) VALUES (?, ?, ?, ?, ?, ?)',
      )
      .run(
        new Date(clock).toISOString(),
        'bob',
        FLAG.environment,
        FLAG.key,
        enabled ? 'flag-enabled' : 'flag-disabled',
        JSON.stringify([{ layer: 'enabled', before: !enabled, after: enabled }]),
      );
  }

  it('a kill made at the provider opens an incident after the next sync; serving again closes it', async () => {
    core = await open();
    expect(await openIncidents(core)).toEqual([]);
    clock += 60_000;
    changeAtProvider(core, false);
    await core.sync.syncAll();
    const opened = await openIncidents(core);
    expect(opened).toHaveLength(1);
    expect(opened[0]).toMatchObject({ kind: 'killed', openedBy: 'bob', killed: true });
    expect(opened[0]!.layersBeforeKill).toMatchObject({ enabled: true, rolloutPercent: 10 });
    const [d] = await ok(core.invoke('decisions.list', { flag: FLAG }));
    expect(d).toMatchObject({ action: 'kill', actor: 'bob', rule: 'observed:provider' });
    // A second sync sees no new change: no second incident or decision.
    await core.sync.syncAll();
    expect(await openIncidents(core)).toHaveLength(1);
    expect(await ok(core.invoke('decisions.list', { flag: FLAG }))).toHaveLength(1);
    clock += 60_000;
    changeAtProvider(core, true);
    await core.sync.syncAll();
    expect(await openIncidents(core)).toEqual([]);
    const [closed] = await ok(core.invoke('incidents.list', { includeClosed: true }));
    expect(closed).toMatchObject({ state: 'closed', closedBy: 'bob' });
  });

  it('a resume does not close the incident of a flag that is still Killed', async () => {
    core = await open();
    await ok(core.invoke('metrics.define', metricDef(FLAG)));
    await ok(core.invoke('rollout.savePlan', plan()));
    await ok(core.invoke('rollout.advance', { flag: FLAG, reason: 'start' }));
    await core.rollouts.outbox.idle();
    await ok(core.invoke('rollout.pause', { flag: FLAG, reason: 'hold on' }));
    await ok(core.invoke('flag.rollback', { ref: FLAG, mode: 'kill', reason: 'bad answers' }));
    // The kill rolled the paused rollout back: resuming is refused, the incident stays open.
    const view = await ok(core.invoke('rollout.list', {}));
    expect(view[0]!.state).toMatchObject({ status: 'rolled-back' });
    expect((await fail(core.invoke('rollout.resume', { flag: FLAG, reason: 'go on' }))).message).toMatch(
      /rolled-back, not paused/,
    );
    expect(await openIncidents(core)).toHaveLength(1);
    // Restoring makes the rollout paused (guardrails watch it again) and closes the incident.
    await ok(core.invoke('flag.restore', { ref: FLAG, reason: 'false alarm' }));
    expect(await openIncidents(core)).toEqual([]);
    const after = await ok(core.invoke('rollout.list', {}));
    expect(after[0]!.state).toMatchObject({ status: 'paused', evidenceSince: new Date(clock).toISOString() });
    expect(after[0]!.state!.reason).toMatch(/restored by alice/);
  });

  it('an operator action records the operator from RCR_ACTOR when no actor is configured', async () => {
    core = await open({ actor: undefined, env: { RCR_ACTOR: 'carol' } });
    await ok(core.invoke('flag.rollback', { ref: FLAG, mode: 'kill', reason: 'drill' }));
    const f = await flag(core);
    expect(f.audit[0]!.actor).toBe('carol');
    expect(f.history[0]!.actor).toBe('carol');
    expect((await ok(core.invoke('decisions.list', { flag: FLAG })))[0]!.actor).toBe('carol');
  });
});

describe('views are reads', () => {
  it('rollout.get shows a fresh evaluation but keeps nothing: breach streaks move only with the monitor', async () => {
    core = await open();
    await ok(core.invoke('metrics.define', metricDef(FLAG)));
    await ok(core.invoke('rollout.savePlan', plan()));
    await ok(core.invoke('guardrails.define', errorGuardrail({ consecutiveBreaches: 5 })));
    await ok(core.invoke('rollout.advance', { flag: FLAG, reason: 'start' }));
    await core.rollouts.outbox.idle();
    clock = T0 + 10 * 60_000;
    await importErrors(core, T0, clock, 100, { control: 0.02, treatment: 0.06 });
    await ok(core.invoke('monitor.evaluateNow', {}));
    for (let i = 0; i < 3; i++) {
      const fresh = await ok(core.invoke('rollout.get', { flag: FLAG }));
      expect(fresh.guardrails[0]).toMatchObject({ status: 'breached', consecutive: 2 });
    }
    const [kept] = await ok(core.invoke('rollout.list', {}));
    expect(kept!.guardrails[0]).toMatchObject({ status: 'breached', consecutive: 1 });
  });
});
