/**
 * Issue 14, observed 5: gate items pass only on evidence. Without evidence they are `missing`
 * (blocks), `waiting` or `n/a` (neutral, does not block) — never a green pass.
 */
import { describe, expect, it } from 'vitest';
import type { GateItemId } from '../../../shared/rollout-state.ts';
import type { GuardrailState } from '../../../shared/guardrails.ts';
import type { Stage } from '../../../shared/rollout-plans.ts';
import { runningState } from '../../../test/support/rollout-fixtures.ts';
import { INTERNAL_USERS_PLACEHOLDER } from '../../../shared/rollout-templates.ts';
import { evaluateGate, type GateInput } from './gate.ts';

const FLAG = { provider: 'local', environment: 'production', key: 'ai-answer-assist' };
const NOW = Date.parse('2026-11-23T00:00:00Z');
const stage = (over: Partial<Stage> = {}): Stage => ({
  name: '10 %',
  targetPercent: 10,
  audience: { type: 'everyone' },
  minObservationMs: 0,
  minSamplePerCohort: 0,
  gate: { nonInferiorityMargin: 0.02, businessMetrics: [] },
  approvalsRequired: 0,
  autoAdvance: false,
  ...over,
});
const state = runningState(FLAG);
const gate = (over: Partial<GateInput> = {}) =>
  evaluateGate({
    flag: FLAG,
    stage: stage(),
    state,
    guardrails: [],
    comparisons: [],
    samples: [],
    openIncident: null,
    now: NOW,
    ...over,
  });
const status = (g: ReturnType<typeof gate>, id: GateItemId) => g.items.find((i) => i.id === id)?.status;

describe('gate: no vacuous passes', () => {
  it('nothing defined on a plain plan: neutral n/a items, never pass; the gate may pass on the rest', () => {
    const g = gate();
    expect(status(g, 'guardrails')).toBe('n/a');
    expect(status(g, 'non-inferiority')).toBe('n/a');
    expect(status(g, 'no-srm')).toBe('n/a');
    expect(status(g, 'min-sample')).toBe('n/a');
    expect(status(g, 'approvals')).toBe('n/a');
    expect(g.items.filter((i) => i.status === 'pass').map((i) => i.id)).toEqual([
      'min-observation',
      'no-incident',
    ]);
    expect(g.passed).toBe(true);
  });

  it('a plan from a template that requires evidence cannot pass without guardrails and a business metric', () => {
    const g = gate({ requiresEvidence: true, stage: stage({ minSamplePerCohort: 500 }) });
    expect(status(g, 'guardrails')).toBe('missing');
    expect(status(g, 'non-inferiority')).toBe('missing');
    expect(g.items.find((i) => i.id === 'guardrails')?.evidence).toMatch(/needs at least one/);
    expect(g.passed).toBe(false);
  });

  it('a metric with no data in the stage is waiting, never pass', () => {
    const g = gate({
      stage: stage({ minSamplePerCohort: 100 }),
      samples: [{ metric: 'errors', control: 0, treatment: 0 }],
      expectedSplits: 1,
    });
    expect(status(g, 'min-sample')).toBe('waiting');
    expect(status(g, 'no-srm')).toBe('waiting');
    expect(g.passed).toBe(false);
  });

  it('at 100 % the cohort items do not apply', () => {
    const g = gate({ stage: stage({ targetPercent: 100 }) });
    for (const id of ['min-sample', 'non-inferiority', 'no-srm'] as const) expect(status(g, id)).toBe('n/a');
  });

  it('guardrails in range are a pass with their count as evidence; one with no data waits', () => {
    const ok = { status: 'ok', guardrail: { id: 'err' }, srm: null } as unknown as GuardrailState;
    expect(gate({ guardrails: [ok] }).items.find((i) => i.id === 'guardrails')).toMatchObject({
      status: 'pass',
      evidence: '1 guardrail(s) ok',
    });
    const none = { ...ok, status: 'no-data', note: 'no data' } as GuardrailState;
    expect(status(gate({ guardrails: [none] }), 'guardrails')).toBe('waiting');
  });

  it('a placeholder in the next stage is missing: the gate cannot pass into it', () => {
    const next = stage({
      name: 'internal',
      audience: { type: 'allow-list', keys: [INTERNAL_USERS_PLACEHOLDER] },
    });
    const g = gate({ nextStage: next });
    expect(status(g, 'next-stage-ready')).toBe('missing');
    expect(g.passed).toBe(false);
    expect(status(gate({ nextStage: stage({ name: '50 %', targetPercent: 50 }) }), 'next-stage-ready')).toBe(
      'pass',
    );
    expect(status(gate({ nextStage: null }), 'next-stage-ready')).toBe('n/a');
  });
});
