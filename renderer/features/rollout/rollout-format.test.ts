import { describe, expect, it } from 'vitest';
import type { GateEvaluation, RolloutView } from '../../../shared/rollout-state.ts';
import type { Guardrail, GuardrailState } from '../../../shared/guardrails.ts';
import type { Stage } from '../../../shared/rollout-plans.ts';
import { gateBlockers, gateHeadline } from './gate-model.ts';
import { draftToGuardrail, guardrailToDraft, initialGuardrailDraft } from './guardrail-draft.ts';
import { draftToPlan, planToDraft, stageToDraft } from './plan-form.ts';
import { describePlannerInputs, initialPlannerDraft, plannerDraftToInputs } from './planner-draft.ts';
import {
  DAY_MS,
  durationInput,
  formatDuration,
  formatValue,
  HOUR_MS,
  parseDuration,
} from '../../lib/format.ts';
import {
  describeGuardrailKind,
  describeSpan,
  formatStreak,
  sortGuardrailStates,
  sparklinePoints,
} from './rollout-format.ts';
import { availableActions, timelineModel } from './timeline-model.ts';

const flag = { provider: 'local', environment: 'production', key: 'ai-answer-assist' };
const NOW = Date.parse('2025-03-10T12:00:00.000Z');

const stage = (
  name: string,
  targetPercent: number,
  minObservationMs: number,
  over: Partial<Stage> = {},
): Stage => ({
  name,
  targetPercent,
  audience: { type: 'everyone' },
  minObservationMs,
  minSamplePerCohort: 0,
  gate: { nonInferiorityMargin: 0.02, businessMetrics: [] },
  approvalsRequired: 0,
  autoAdvance: false,
  ...over,
});

const stages = [
  stage('10 %', 10, DAY_MS),
  stage('50 %', 50, 2 * DAY_MS, { approvalsRequired: 1 }),
  stage('everyone', 100, DAY_MS),
];

function view(
  over: Partial<RolloutView['state'] & object> | null,
  calendar: RolloutView['calendar'] = [],
): RolloutView {
  return {
    flag,
    plan: { flag, name: 'p', templateId: 'three-stage', stages, planner: null },
    state:
      over === null
        ? null
        : {
            flag,
            stageIndex: -1,
            status: 'draft',
            stageStartedAt: null,
            reason: null,
            approvals: [],
            pendingActionId: null,
            updatedAt: new Date(NOW).toISOString(),
            ...over,
            evidenceSince: over.evidenceSince ?? null,
          },
    gate: null,
    guardrails: [],
    calendar,
  };
}

const gate = (items: GateEvaluation['items']): GateEvaluation => ({
  flag,
  stageIndex: 0,
  passed: items.every((i) => i.status === 'pass'),
  items,
  observationEndsAt: null,
  evaluatedAt: new Date(NOW).toISOString(),
});

describe('durations', () => {
  it('formats durations at the right scale', () => {
    expect(formatDuration(0)).toBe('0 s');
    expect(formatDuration(-5000)).toBe('0 s');
    expect(formatDuration(45_000)).toBe('45 s');
    expect(formatDuration(25 * 60_000)).toBe('25 min');
    expect(formatDuration(5 * HOUR_MS + 20 * 60_000)).toBe('5 h 20 min');
    expect(formatDuration(3 * DAY_MS + 4 * HOUR_MS)).toBe('3 d 4 h');
    expect(formatDuration(7 * DAY_MS)).toBe('7 d');
    expect(formatDuration(null)).toBe('—');
  });

  it('parses typed durations and refuses numbers without a unit', () => {
    expect(parseDuration('3d')).toBe(3 * DAY_MS);
    expect(parseDuration('3 d 12 h')).toBe(3 * DAY_MS + 12 * HOUR_MS);
    expect(parseDuration('90 min')).toBe(90 * 60_000);
    expect(parseDuration('1.5h')).toBe(1.5 * HOUR_MS);
    expect(parseDuration('0')).toBe(0);
    expect(parseDuration('3')).toBeNull();
    expect(parseDuration('-3d')).toBeNull();
    expect(parseDuration('3 weeks')).toBeNull();
    expect(parseDuration('')).toBeNull();
  });

  it('round-trips the editor form of a duration', () => {
    for (const ms of [0, 45_000, 30 * 60_000, HOUR_MS, DAY_MS + 12 * HOUR_MS, 7 * DAY_MS])
      expect(parseDuration(durationInput(ms))).toBe(ms);
    expect(durationInput(DAY_MS + 12 * HOUR_MS)).toBe('1d 12h');
  });
});

describe('timelineModel', () => {
  it('returns null without a plan', () => {
    expect(timelineModel({ ...view(null), plan: null }, NOW)).toBeNull();
  });

  it('shows a plan whose state sits before stage 1 as a draft, even when stored as running', () => {
    expect(timelineModel(view({ status: 'running' }), NOW)?.status).toBe('draft');
    expect(availableActions(view({ status: 'running' }))).toMatchObject({ start: true, resume: false });
    expect(timelineModel(view({ stageIndex: 0, status: 'running' }), NOW)?.status).toBe('running');
  });

  it('a draft: every stage upcoming, dates from the calendar, nothing elapsed', () => {
    const cal = [
      { stageIndex: 0, startsAt: new Date(NOW).toISOString(), endsAt: new Date(NOW + DAY_MS).toISOString() },
    ];
    const t = timelineModel(view({}, cal), NOW)!;
    expect(t.stages.map((s) => s.phase)).toEqual(['upcoming', 'upcoming', 'upcoming']);
    expect(t.current).toBeNull();
    expect(t.elapsedMs).toBeNull();
    expect(t.stages[0]!.endsAt).toBe(new Date(NOW + DAY_MS).toISOString());
    expect(t.expectedEndAt).toBe(new Date(NOW + DAY_MS).toISOString());
  });

  it('a running stage: time at the stage, time left of the minimum observation, progress', () => {
    const started = NOW - 12 * HOUR_MS;
    const t = timelineModel(
      view({
        stageIndex: 1,
        status: 'running',
        stageStartedAt: new Date(started).toISOString(),
        approvals: [],
      }),
      NOW,
    )!;
    expect(t.stages.map((s) => s.phase)).toEqual(['done', 'current', 'upcoming']);
    expect(t.current?.name).toBe('50 %');
    expect(t.elapsedMs).toBe(12 * HOUR_MS);
    expect(t.remainingMs).toBe(36 * HOUR_MS);
    expect(t.progress).toBeCloseTo(0.25);
    expect(t.current?.endsAt).toBe(new Date(started + 2 * DAY_MS).toISOString());
    expect(t.awaitingProvider).toBe(false);
  });

  it('remaining time never goes below 0; a stage not yet confirmed waits for the provider', () => {
    const long = timelineModel(
      view({ stageIndex: 0, status: 'running', stageStartedAt: new Date(NOW - 3 * DAY_MS).toISOString() }),
      NOW,
    )!;
    expect(long.remainingMs).toBe(0);
    expect(long.progress).toBe(1);
    const pending = timelineModel(view({ stageIndex: 0, status: 'running', pendingActionId: 7 }), NOW)!;
    expect(pending.awaitingProvider).toBe(true);
    expect(pending.remainingMs).toBeNull();
  });

  it('a completed rollout marks every stage done and counts approvals of the current stage', () => {
    const t = timelineModel(
      view({
        stageIndex: 2,
        status: 'completed',
        stageStartedAt: new Date(NOW).toISOString(),
        approvals: [{ stageIndex: 1, actor: 'a', at: new Date(NOW).toISOString(), reason: 'ok' }],
      }),
      NOW,
    )!;
    expect(t.stages.every((s) => s.phase === 'done')).toBe(true);
    expect(t.approvalsGiven).toBe(0);
  });
});

describe('gate', () => {
  it('says what the gate waits for, fails first', () => {
    const g = gate([
      {
        id: 'min-observation',
        label: 'Minimum observation time elapsed',
        status: 'waiting',
        evidence: '1 h of 1 d',
      },
      { id: 'guardrails', label: 'All guardrails within range', status: 'fail', evidence: 'err breached' },
      { id: 'no-srm', label: 'No SRM', status: 'pass', evidence: 'p 0.5' },
    ]);
    expect(gateBlockers(g).map((i) => i.id)).toEqual(['guardrails', 'min-observation']);
    expect(gateHeadline(g)).toBe('Gate failing: all guardrails within range.');
    expect(gateHeadline(gate([g.items[0]!]))).toBe('Gate waiting for: minimum observation time elapsed.');
    expect(gateHeadline(gate([g.items[2]!]))).toMatch(/^Gate passed/);
    expect(gateHeadline(null)).toMatch(/No gate evaluation/);
  });
});

describe('availableActions', () => {
  it('offers start on a draft, advance/pause/approve while running, resume when paused', () => {
    expect(availableActions(view({}))).toMatchObject({ start: true, advance: false, resume: false });
    const running = availableActions(view({ stageIndex: 1, status: 'running' }));
    expect(running).toMatchObject({
      start: false,
      advance: true,
      pause: true,
      approve: true,
      rollback: true,
    });
    expect(availableActions(view({ stageIndex: 2, status: 'running' })).advance).toBe(false);
    expect(availableActions(view({ stageIndex: 0, status: 'paused' }))).toMatchObject({
      resume: true,
      pause: false,
    });
    expect(availableActions(view({ stageIndex: 0, status: 'rolled-back' }))).toMatchObject({
      rollback: false,
      advance: false,
      restart: true,
    });
    expect(availableActions(null).rollback).toBe(false);
  });
});

describe('plan editor', () => {
  it('round-trips a plan through the editor form', () => {
    const plan = { flag, name: 'Ramp', templateId: 'x', stages: [...stages], planner: null };
    plan.stages[0] = stage('internal', 1, 3 * DAY_MS, {
      audience: { type: 'allow-list', keys: ['a', 'b'] },
      minSamplePerCohort: 500,
      gate: { nonInferiorityMargin: 0.03, businessMetrics: ['accepted'] },
      autoAdvance: true,
    });
    plan.stages[1] = stage('power', 5, DAY_MS, { audience: { type: 'segment', name: 'power-users' } });
    const back = draftToPlan(flag, planToDraft(plan));
    expect(back).toEqual({ ok: true, plan });
  });

  it('refuses non-increasing percentages, a stage above 100 % and a negative duration, naming the stage', () => {
    const d = planToDraft({ name: 'p', stages });
    d.stages[1] = { ...stageToDraft(stages[1]!), targetPercent: '5' };
    d.stages[2] = { ...stageToDraft(stages[2]!), targetPercent: '120', minObservation: '-1d' };
    const r = draftToPlan(flag, d);
    expect(r.ok).toBe(false);
    if (r.ok) return;
    const messages = r.errors.map((e) => e.message);
    expect(messages).toContain("stage 2: 5 % must be above stage 1's 10 % (percentages must increase)");
    expect(messages).toContain('stage 3: target % must be above 0 and at most 100');
    expect(messages).toContain('stage 3: minimum observation must be a duration like 3d, 12h or 30m');
    expect(r.errors.map((e) => e.path)).toContain('stages.1.targetPercent');
  });

  it('needs a name, a key for an allow-list and at least one stage', () => {
    const d = planToDraft({
      name: ' ',
      stages: [stage('a', 10, 0, { audience: { type: 'allow-list', keys: ['x'] } })],
    });
    d.stages[0]!.audienceKeys = ' , ';
    const r = draftToPlan(flag, d);
    expect(r.ok ? [] : r.errors.map((e) => e.path)).toEqual(['name', 'stages.0.audience']);
    const empty = draftToPlan(flag, { name: 'x', templateId: null, stages: [], planner: null });
    expect(empty.ok ? [] : empty.errors.map((e) => e.message)).toEqual(['a plan needs at least one stage']);
  });

  it('turns the planner form into the planner inputs, with clear errors', () => {
    const r = plannerDraftToInputs(initialPlannerDraft());
    expect(r).toEqual({
      ok: true,
      inputs: {
        trafficPerDay: 20000,
        metric: { kind: 'proportion', baselineRate: 0.02 },
        minDetectableRelative: 0.2,
        alpha: 0.05,
        power: 0.8,
        minObservationMs: 3 * DAY_MS,
        maxObservationMs: 7 * DAY_MS,
        controlShare: 1,
      },
    });
    expect(plannerDraftToInputs({ ...initialPlannerDraft(), trafficPerDay: '0' })).toEqual({
      ok: false,
      message: 'traffic per day must be a number above 0',
    });
    expect(plannerDraftToInputs({ ...initialPlannerDraft(), maxObservationDays: '1' })).toMatchObject({
      ok: false,
    });
    expect(
      plannerDraftToInputs({ ...initialPlannerDraft(), metricKind: 'mean', baselineMean: '180', sd: '0' }),
    ).toEqual({
      ok: false,
      message: 'standard deviation must be above 0',
    });
    if (r.ok) expect(describePlannerInputs(r.inputs)).toContain('smallest regression to catch 20 % relative');
  });
});

describe('guardrails', () => {
  const g = (kind: Guardrail['kind']): Guardrail => ({
    flag,
    id: 'err',
    metric: 'error_rate',
    kind,
    action: 'rollback',
    rollbackTarget: 'kill',
    consecutiveBreaches: 2,
    windowMinutes: 30,
    minSamplePerCohort: 100,
  });

  it('describes each kind in a few words', () => {
    expect(
      describeGuardrailKind(g({ type: 'absolute', statistic: 'mean', limit: 0.05, breachWhen: 'above' })),
    ).toBe('mean above 0.05');
    expect(
      describeGuardrailKind(
        g({ type: 'relative-to-control', statistic: 'p95', factor: 2, breachWhen: 'above' }),
      ),
    ).toBe('p95 above 2× control');
    expect(
      describeGuardrailKind(
        g({
          type: 'drift',
          statistic: 'mean',
          baseline: 0.8,
          warn: 0.1,
          critical: 0.2,
          rollback: 0.3,
          side: 'below',
        }),
      ),
    ).toBe('mean drift from 0.8 (below only): warn 10 %, critical 20 %, roll back 30 %');
  });

  it('builds a guardrail from the form and back', () => {
    const draft = {
      ...initialGuardrailDraft('error_rate'),
      id: 'err',
      limit: '0.05',
      consecutiveBreaches: '1',
    };
    const r = draftToGuardrail(flag, draft);
    expect(r).toEqual({
      ok: true,
      value: {
        ...g({ type: 'absolute', statistic: 'mean', limit: 0.05, breachWhen: 'above' }),
        consecutiveBreaches: 1,
      },
    });
    if (r.ok) expect(draftToGuardrail(flag, guardrailToDraft(r.value))).toEqual(r);
    const drift = g({
      type: 'drift',
      statistic: 'mean',
      baseline: 0.8,
      warn: 0.1,
      critical: 0.2,
      rollback: 0.3,
      side: 'both',
    });
    expect(draftToGuardrail(flag, guardrailToDraft(drift))).toEqual({ ok: true, value: drift });
  });

  it('refuses bad forms with a message naming the field', () => {
    const base = { ...initialGuardrailDraft('error_rate'), id: 'err', limit: '0.05' };
    expect(draftToGuardrail(flag, { ...base, id: 'bad id' })).toMatchObject({ ok: false });
    expect(draftToGuardrail(flag, { ...base, limit: 'x' })).toEqual({
      ok: false,
      message: 'limit must be a number',
    });
    expect(
      draftToGuardrail(flag, {
        ...base,
        kindType: 'drift',
        baseline: '0.8',
        warnPercent: '30',
        criticalPercent: '20',
      }),
    ).toEqual({ ok: false, message: 'drift tiers must increase: 0 < warn < critical < roll back' });
    expect(draftToGuardrail(flag, { ...base, consecutiveBreaches: '0' })).toMatchObject({ ok: false });
  });

  it('names the span a guardrail was read over', () => {
    const statistical = g({ type: 'statistical', limit: 0, alpha: 0.05 });
    expect(describeSpan({ guardrail: statistical, span: null })).toBe(
      `last ${statistical.windowMinutes} min`,
    );
    expect(describeSpan({ guardrail: statistical, span: { kind: 'window', minutes: 5 } })).toBe('last 5 min');
    expect(
      describeSpan({ guardrail: statistical, span: { kind: 'stage', since: '2026-03-01T09:00:00.000Z' } }),
    ).toMatch(/^since the stage started .*2026/);
  });

  it('sorts the board worst first and prepares the sparkline', () => {
    const st = (id: string, status: GuardrailState['status'], consecutive = 0): GuardrailState => ({
      guardrail: { ...g({ type: 'absolute', statistic: 'mean', limit: 0.05, breachWhen: 'above' }), id },
      status,
      value: 0.1,
      limit: 0.05,
      valueLabel: 'treatment rate',
      control: { n: 1, value: 0 },
      treatment: { n: 1, value: 0.1 },
      interval: null,
      srm: null,
      consecutive,
      fired: null,
      note: '',
      span: null,
      recent: [
        { at: 'a', value: 0.01, status: 'ok' },
        { at: 'b', value: null, status: 'no-data' },
        { at: 'c', value: Number.NaN, status: 'ok' },
      ],
      evaluatedAt: 'c',
    });
    expect(
      sortGuardrailStates([st('a', 'ok'), st('b', 'no-data'), st('c', 'breached'), st('d', 'warn')]).map(
        (s) => s.guardrail.id,
      ),
    ).toEqual(['c', 'd', 'b', 'a']);
    expect(sparklinePoints(st('a', 'ok')).map((p) => p.value)).toEqual([0.01, null, null]);
    expect(formatStreak(st('a', 'breached', 1))).toBe('1 of 2');
    expect(formatStreak(st('a', 'ok'))).toBe('—');
    expect(formatValue(0.123456)).toBe('0.123');
    expect(formatValue(1234.56)).toBe('1234.6');
  });
});
