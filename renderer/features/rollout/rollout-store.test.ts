import { beforeEach, describe, expect, it, vi } from 'vitest';
import { setApi } from '../../api/current.ts';
import { createMockApi, type MockApi } from '../../../test/fakes/fake-api.ts';
import { makeRow } from '../../../test/fakes/fake-fleet.ts';
import { makeMetricDefinition } from '../../../test/fakes/fake-metrics.ts';
import { MOCK_TEMPLATES } from '../../../test/fakes/fake-rollout.ts';
import {
  confirmAction,
  openAction,
  resetActionStore,
  setActionReason,
  useActionStore,
} from './action-store.ts';
import {
  chooseTemplate,
  evaluateNow,
  loadRollout,
  openEditor,
  openGuardrailForm,
  openRollout,
  resetRolloutStore,
  runPlanner,
  savePlan,
  setGuardrailField,
  setStageField,
  startRolloutLive,
  submitGuardrail,
  togglePlanner,
  useRolloutStore,
} from './rollout-store.ts';

const ref = { provider: 'local', environment: 'production', key: 'ai-answer-assist' };
const NOW = Date.parse('2025-03-01T12:00:00.000Z');
let mock: MockApi;
let errorRate: number | null;
const s = () => useRolloutStore.getState();

beforeEach(() => {
  resetRolloutStore();
  resetActionStore();
  errorRate = 0.01;
  mock = createMockApi({
    rows: [makeRow({ key: 'ai-answer-assist' })],
    metrics: [{ definition: makeMetricDefinition(ref, 'error_rate', { direction: 'lower-is-better' }) }],
    now: () => NOW,
    guardrailValue: () => errorRate,
  });
  setApi(mock);
});

describe('rollout store', () => {
  it('opens a flag without a plan: empty view, templates and metrics loaded', async () => {
    await openRollout(ref);
    expect(s().status).toBe('ready');
    expect(s().view?.plan).toBeNull();
    expect(s().fresh).toBe(true);
    expect(s().templates.map((t) => t.id)).toEqual(['ai-six-stage', 'three-stage', 'growthbook-ramp']);
    expect(s().metrics.map((m) => m.name)).toEqual(['error_rate']);
    expect(mock.calls.map((c) => c.channel)).toContain('rollout.get');
  });

  it('applies a template, refuses a broken edit, saves a draft plan', async () => {
    await openRollout(ref);
    openEditor();
    chooseTemplate('three-stage');
    expect(s().editor.draft.stages.map((x) => x.targetPercent)).toEqual(['10', '50', '100']);
    setStageField(1, { targetPercent: '5' });
    expect(await savePlan()).toBe(false);
    expect(s().editor.fieldErrors.map((e) => e.path)).toEqual(['stages.1.targetPercent']);
    expect(mock.calls.some((c) => c.channel === 'rollout.savePlan')).toBe(false);
    setStageField(1, { targetPercent: '50' });
    expect(await savePlan()).toBe(true);
    expect(s().editor.open).toBe(false);
    expect(s().view?.state?.status).toBe('draft');
    expect(s().view?.plan?.templateId).toBe('three-stage');
    expect(s().view?.plan?.stages.map((x) => x.targetPercent)).toEqual([10, 50, 100]);
  });

  it('sizes the stages with the planner and keeps the inputs it came from', async () => {
    await openRollout(ref);
    openEditor();
    chooseTemplate('three-stage');
    togglePlanner(true);
    expect(await runPlanner()).toBe(true);
    const planner = s().editor.draft.planner;
    expect(planner?.inputs.minDetectableRelative).toBe(0.2);
    expect(planner?.samplePerCohort).toBeGreaterThan(1000);
    expect(s().editor.draft.stages[0]!.minSample).toBe(String(planner?.samplePerCohort));
    const call = mock.calls.find((c) => c.channel === 'rollout.plan')?.input as {
      templateId: string;
      stages: unknown[];
    };
    expect(call.templateId).toBe('three-stage');
    expect(call.stages).toHaveLength(3);
    expect(await savePlan()).toBe(true);
    expect(s().view?.plan?.planner?.samplePerCohort).toBe(planner?.samplePerCohort);
  });

  it('starts the rollout through a confirmed action with a reason', async () => {
    await openRollout(ref);
    openEditor();
    chooseTemplate('three-stage');
    await savePlan();
    let refreshed = 0;
    openAction('start', ref, {}, () => refreshed++);
    // Like every change, a start shows before → after first; it cannot be confirmed until then.
    setActionReason('ship stage one');
    expect(await confirmAction()).toBe(false);
    await vi.waitFor(() => expect(useActionStore.getState().preview.status).toBe('ready'));
    expect(mock.calls.find((c) => c.channel === 'rollout.previewAdvance')?.input).toEqual({ flag: ref });
    expect(useActionStore.getState().preview.value?.changes).toBeDefined();
    setActionReason('');
    expect(await confirmAction()).toBe(false);
    expect(useActionStore.getState().error?.message).toMatch(/at least 3 characters/);
    setActionReason('ship stage one');
    expect(await confirmAction()).toBe(true);
    expect(useActionStore.getState().phase).toBe('done');
    expect(mock.calls.find((c) => c.channel === 'rollout.advance')?.input).toEqual({
      flag: ref,
      reason: 'ship stage one',
    });
    expect(refreshed).toBe(1);
    await loadRollout(true);
    expect(s().view?.state).toMatchObject({ stageIndex: 0, status: 'running' });
    expect(s().view?.gate?.items.find((i) => i.id === 'min-observation')?.status).toBe('waiting');
  });

  it('defines a guardrail; an evaluation that breaches it rolls the flag back', async () => {
    await openRollout(ref);
    openGuardrailForm();
    setGuardrailField({ id: 'err', limit: '0.05', consecutiveBreaches: '1' });
    expect(await submitGuardrail()).toBe(true);
    expect(s().defined.map((g) => g.id)).toEqual(['err']);
    errorRate = 0.2;
    expect(await evaluateNow()).toBe(true);
    expect(s().lastRun?.decisions.map((d) => d.action)).toEqual(['rollback']);
    expect(s().view?.guardrails[0]?.status).toBe('breached');
    expect(s().view?.state?.status).toBe('rolled-back');
    expect(mock.state.rows[0]!.layers.enabled).toBe(false);
  });

  it('restarts a rolled-back rollout at its own stage, not the next one', async () => {
    await mock.invoke('rollout.savePlan', {
      flag: ref,
      name: 'p',
      templateId: null,
      stages: MOCK_TEMPLATES[1]!.stages,
      planner: null,
    });
    await mock.invoke('rollout.advance', { flag: ref, reason: 'go' });
    await mock.invoke('rollout.rollback', { flag: ref, reason: 'bad', target: 'kill' });
    openAction('restart', ref, { toStage: 0 });
    setActionReason('fixed the model');
    await vi.waitFor(() => expect(useActionStore.getState().preview.status).toBe('ready'));
    expect(useActionStore.getState().preview.value?.changes.find((c) => c.layer === 'enabled')).toMatchObject(
      {
        before: false,
        after: true,
      },
    );
    expect(await confirmAction()).toBe(true);
    expect(mock.calls.at(-1)).toEqual({
      channel: 'rollout.advance',
      input: { flag: ref, reason: 'fixed the model', toStage: 0 },
    });
    expect(useActionStore.getState().result?.state).toMatchObject({ stageIndex: 0, status: 'running' });
  });

  it('shows the server error of a guardrail on an unknown metric', async () => {
    await openRollout(ref);
    openGuardrailForm();
    setGuardrailField({ id: 'lat', metric: 'latency', limit: '200' });
    expect(await submitGuardrail()).toBe(false);
    expect(s().guardrailForm.error?.message).toMatch(/"latency" is not defined/);
  });

  it('falls back to rollout.list when the session refuses rollout.get (read-only)', async () => {
    mock.failNext('rollout.get', { code: 'FORBIDDEN', message: 'read-only session' });
    await openRollout(ref);
    expect(s().status).toBe('ready');
    expect(s().readOnly).toBe(true);
    expect(s().fresh).toBe(false);
    await loadRollout(true);
    expect(mock.calls.filter((c) => c.channel === 'rollout.get')).toHaveLength(1);
  });

  it('re-reads through rollout.list (never rollout.get) on events of its flag', async () => {
    await openRollout(ref);
    const stop = startRolloutLive();
    const before = mock.calls.length;
    mock.emit('rollout.changed', { flag: { ...ref, key: 'other' }, reason: 'x', at: '' });
    mock.emit('rollout.changed', { flag: ref, reason: 'evaluated', at: '' });
    await new Promise((r) => setTimeout(r, 400));
    stop();
    const after = mock.calls.slice(before).map((c) => c.channel);
    expect(after).toContain('rollout.list');
    expect(after).not.toContain('rollout.get');
    expect(after.filter((c) => c === 'rollout.list')).toHaveLength(1);
  });

  it('keeps the last view when a refresh fails', async () => {
    await openRollout(ref);
    mock.failNext('rollout.list', { code: 'INTERNAL', message: 'db locked' });
    await loadRollout(false);
    expect(s().status).toBe('ready');
    expect(s().error?.message).toBe('db locked');
    expect(s().view).not.toBeNull();
  });
});

describe('rollout store: a start that would send a template placeholder', () => {
  it('shows the refusal and cannot be confirmed', async () => {
    await mock.invoke('rollout.savePlan', {
      flag: ref,
      name: 'p',
      templateId: 'ai-six-stage',
      stages: MOCK_TEMPLATES[0]!.stages,
      planner: null,
    });
    openAction('start', ref, {});
    setActionReason('start internal');
    await vi.waitFor(() => expect(useActionStore.getState().preview.status).toBe('error'));
    expect(useActionStore.getState().preview.error?.message).toMatch(/placeholder/);
    expect(await confirmAction()).toBe(false);
    expect(mock.calls.some((c) => c.channel === 'rollout.advance')).toBe(false);
  });
});
