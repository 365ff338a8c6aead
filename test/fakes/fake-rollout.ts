/**
 * Test fake of the staged-rollout channels (`rollout.*`, `guardrails.*`, `monitor.*`, and through
 * ./fake-journal.ts `decisions.*`, `incidents.list`, `outbox.list`), in memory, so the rollout,
 * incident and decision-log stores can be unit-tested and the `?mock` page shows something.
 *
 * Only for renderer unit tests and the development-only `?mock` page (renderer/dev-mock.ts). The
 * rules are the core's own pure functions (electron/core/rollout/): the planner (`planStages`;
 * only each stage's minimum sample is this fake's, see `rollout.plan`), the stage gate
 * (`evaluateGate`), guardrail evaluation (`evaluateGuardrail`, via ./fake-monitor.ts) and the
 * monitor's choice (`decide`). What they are fed is the fake's: stage changes confirm at once,
 * there are no metric events (the gate sees no comparisons or samples), and a guardrail sees the
 * value {@link MockRolloutOptions.guardrailValue} gives. The core's rollout service and monitor
 * (plans, stage and rollback patches, views, acting on a decision) are classes over the database,
 * so that glue stays this fake's.
 */
import type { Channel, ChannelOutput, EventName, EventPayload, Result } from '../../shared/contract.ts';
import type { ChangePreview } from '../../shared/flag-actions.ts';
import type { FlagLayers, FlagRef, LayerPatch } from '../../shared/domain.ts';
import type { MetricDefinition } from '../../shared/metrics.ts';
import {
  RolloutPlanSchema,
  type PlanTemplate,
  type RolloutPlan,
  type Stage,
} from '../../shared/rollout-plans.ts';
import type { DecisionRecord } from '../../shared/decisions.ts';
import type { GateEvaluation, RolloutState, RolloutView } from '../../shared/rollout-state.ts';
import type { Guardrail, GuardrailState } from '../../shared/guardrails.ts';
import { findTemplate, PLAN_TEMPLATES, stagePlaceholders } from '../../shared/rollout-templates.ts';
import type { ParsedInput } from '../../electron/core/handler-types.ts';
import { toApiError } from '../../electron/core/errors.ts';
import { decide, type MonitorDecision } from '../../electron/core/rollout/decide.ts';
import { evaluateGate } from '../../electron/core/rollout/gate.ts';
import { planStages } from '../../electron/core/rollout/planner.ts';
import { clean, createJournal, idOf, type JournalChannel } from './fake-journal.ts';
import { evaluateGuardrails, IDLE_MONITOR, type GuardrailValue } from './fake-monitor.ts';

const iso = (ms: number) => new Date(ms).toISOString();

/** The real plan templates (shared with the core). */
export const MOCK_TEMPLATES: PlanTemplate[] = structuredClone([...PLAN_TEMPLATES]);

/** What the fake rollout handlers read and write outside themselves (the fake API's fleet and metrics). */
export interface MockRolloutOptions {
  /** Clock, ms since epoch. */
  now: () => number;
  /** The operator named in decisions. */
  actor: string;
  /** Sends an event to the fake API's subscribers. */
  emit: <E extends EventName>(event: E, payload: EventPayload<E>) => void;
  /** Whether the flag exists. */
  hasFlag: (ref: FlagRef) => boolean;
  /** Metric definitions of the flag. */
  metrics: (ref: FlagRef) => MetricDefinition[];
  /** Applies a confirmed change to the fake fleet. */
  applyPatch: (ref: FlagRef, patch: LayerPatch) => void;
  /** The before → after of a patch on the fake fleet, or null for an unknown flag. */
  preview: (ref: FlagRef, patch: LayerPatch) => ChangePreview | null;
  /** The flag's layers in the fake fleet, or null. */
  layersOf: (ref: FlagRef) => FlagLayers | null;
  /** The value a guardrail sees when the monitor evaluates it (see ./fake-monitor.ts; default: no data). */
  guardrailValue?: GuardrailValue;
}

type Handler<C extends Channel> = (input: ParsedInput<C>) => Result<ChannelOutput<C>>;

/** The channels the fake rollout handlers answer. */
export type RolloutChannel = Extract<
  Channel,
  `rollout.${string}` | `guardrails.${string}` | `monitor.${string}` | JournalChannel
>;

/** The handlers of the rollout channels over an in-memory store. */
export function createRolloutHandlers(o: MockRolloutOptions): { [C in RolloutChannel]: Handler<C> } {
  const plans = new Map<string, RolloutPlan>();
  const states = new Map<string, RolloutState>();
  const guardrails = new Map<string, Guardrail[]>();
  const live = new Map<string, GuardrailState>();
  /** The monitor's last hold signature per flag (a hold is recorded only when it changes). */
  const lastHold = new Map<string, string>();

  const fail = (code: 'BAD_INPUT' | 'NOT_FOUND' | 'CONFLICT', message: string): Result<never> => ({
    ok: false,
    error: { code, message },
  });
  const at = () => iso(o.now());
  const liveStates = (f: FlagRef) =>
    (guardrails.get(idOf(f)) ?? []).flatMap((g) => live.get(`${idOf(f)}#${g.id}`) ?? []);

  function stateOf(f: FlagRef): RolloutState {
    const s = states.get(idOf(f));
    if (s) return s;
    const fresh: RolloutState = {
      flag: clean(f),
      stageIndex: -1,
      status: 'running',
      stageStartedAt: null,
      reason: null,
      approvals: [],
      pendingActionId: null,
      evidenceSince: null,
      updatedAt: at(),
    };
    states.set(idOf(f), fresh);
    return fresh;
  }

  const journal = createJournal({
    now: o.now,
    emit: o.emit,
    applyPatch: o.applyPatch,
    layersOf: o.layersOf,
    rolloutState: (f) => states.get(idOf(f)) ?? null,
    guardrails: liveStates,
    context: (f) => {
      const s = stateOf(f);
      const plan = plans.get(idOf(f)) ?? null;
      const st = plan?.stages[s.stageIndex];
      return {
        stageIndex: s.stageIndex,
        stageName: st?.name ?? null,
        inputs: {
          guardrails: liveStates(f).map((g) => ({ ...g, recent: [] })),
          gate: gateOf(f),
          plan: plan
            ? { name: plan.name, stages: plan.stages.length, targetPercent: st?.targetPercent ?? null }
            : null,
        },
      };
    },
  });

  /** The core's stage gate over what the fake knows (no metric data: no comparisons, no samples). */
  function gateOf(f: FlagRef): GateEvaluation | null {
    const plan = plans.get(idOf(f));
    const s = states.get(idOf(f));
    if (!plan || !s || s.stageIndex < 0 || (s.status !== 'running' && s.status !== 'paused')) return null;
    const stage = plan.stages[s.stageIndex];
    if (!stage) return null;
    return evaluateGate({
      flag: clean(f),
      stage,
      state: s,
      guardrails: liveStates(f),
      comparisons: [],
      samples: [],
      openIncident: journal.openIncidentReason(f),
      requiresEvidence: plan.templateId ? findTemplate(plan.templateId)?.requiresEvidence === true : false,
      nextStage: plan.stages[s.stageIndex + 1] ?? null,
      expectedSplits: o.metrics(f).filter((m) => m.expectedSplit && m.kind !== 'ratio').length,
      now: o.now(),
    });
  }

  function view(f: FlagRef): RolloutView {
    const plan = plans.get(idOf(f)) ?? null;
    const s = states.get(idOf(f)) ?? null;
    const calendar: RolloutView['calendar'] = [];
    if (plan) {
      const from = Math.max(0, s?.stageIndex ?? 0);
      let t = s?.stageStartedAt ? Date.parse(s.stageStartedAt) : o.now();
      plan.stages.slice(from).forEach((st, i) => {
        calendar.push({ stageIndex: from + i, startsAt: iso(t), endsAt: iso(t + st.minObservationMs) });
        t += st.minObservationMs;
      });
    }
    return structuredClone({
      flag: clean(f),
      plan,
      state: s,
      gate: gateOf(f),
      guardrails: liveStates(f),
      calendar,
    });
  }

  const putState = (f: FlagRef, patch: Partial<RolloutState>) => {
    states.set(idOf(f), { ...stateOf(f), ...patch, updatedAt: at() });
  };

  function rollback(
    f: FlagRef,
    reason: string,
    target: 'kill' | 'previous-stage' | 'revert',
    actor: string,
    rule: string,
    rationale = `${actor} rolled back (${target}): ${reason}`,
  ): DecisionRecord {
    const patch: LayerPatch = target === 'kill' ? { enabled: false } : { rolloutPercent: 0 };
    const before = o.layersOf(f);
    const d = journal.record({
      flag: f,
      action: 'rollback',
      rule,
      rationale,
      actor,
      change: { patch, purpose: 'rollback' },
      notify: 'critical',
    });
    putState(f, { status: 'rolled-back', reason });
    journal.openIncident(f, target === 'kill' ? 'killed' : 'rolled-back', d.rationale, d.id, actor, before);
    o.emit('notify', {
      title: `${f.key}: rollback confirmed`,
      body: 'the provider confirmed',
      severity: 'critical',
      flag: clean(f),
    });
    return d;
  }

  /** Applies stage `target` of the plan (start, advance or restart) and records the decision. */
  function applyStage(
    f: FlagRef,
    target: number,
    st: Stage,
    d: { action: 'start' | 'advance'; rule: string; rationale: string; actor: string },
  ): DecisionRecord {
    const record = journal.record({
      ...d,
      flag: f,
      change: { patch: { enabled: true, rolloutPercent: st.targetPercent }, purpose: d.action },
      notify: null,
    });
    putState(f, { stageIndex: target, status: 'running', reason: null, stageStartedAt: at() });
    return record;
  }

  /** The stage an advance applies, refusing template placeholders like the core. */
  function advanceTarget(
    flag: FlagRef,
    toStage: number | undefined,
  ): Result<{ target: number; st: Stage; start: boolean; patch: LayerPatch }> {
    const plan = plans.get(idOf(flag));
    if (!plan) return fail('NOT_FOUND', `flag "${flag.key}" has no rollout plan`);
    const s = stateOf(flag);
    const target = toStage ?? s.stageIndex + 1;
    const st = plan.stages[target];
    if (!st) return fail('BAD_INPUT', `"${flag.key}" is at its last stage; nothing to advance to`);
    const placeholders = stagePlaceholders(st);
    if (placeholders.length)
      return fail(
        'BAD_INPUT',
        `stage ${target + 1} "${st.name}": the allow-list holds the template placeholder ${placeholders.join(', ')}; replace it with real targeting keys`,
      );
    return {
      ok: true,
      value: {
        target,
        st,
        start: s.stageIndex < 0,
        patch: { enabled: true, rolloutPercent: st.targetPercent },
      },
    };
  }

  /** Records an operator's decision that changes no layer. */
  const byOperator = (
    flag: FlagRef,
    action: 'pause' | 'resume' | 'approve',
    rationale: string,
    notify: 'warning' | null = null,
  ) => journal.record({ flag, action, rule: 'operator', rationale, actor: o.actor, change: null, notify });

  /** Carries out the core's monitor decision for one flag, as the core's monitor does. */
  function act(f: FlagRef, d: MonitorDecision): DecisionRecord | null {
    if (d.action === 'hold') {
      if (lastHold.get(idOf(f)) === d.holdSignature) return null;
      lastHold.set(idOf(f), d.holdSignature ?? '');
    } else lastHold.delete(idOf(f));
    const base = { flag: f, action: d.action, rule: d.rule, rationale: d.rationale, actor: 'monitor' };
    switch (d.action) {
      case 'rollback':
        return rollback(f, d.rationale, d.rollbackTarget ?? 'kill', 'monitor', d.rule, d.rationale);
      case 'pause': {
        const r = journal.record({ ...base, change: null, notify: d.severity });
        putState(f, { status: 'paused', reason: d.rationale });
        journal.openIncident(f, 'paused', d.rationale, r.id, 'monitor', null);
        return r;
      }
      case 'advance': {
        const st = plans.get(idOf(f))?.stages[d.toStage ?? -1];
        return st ? applyStage(f, d.toStage!, st, { ...base, action: 'advance' }) : null;
      }
      case 'complete': {
        const r = journal.record({ ...base, change: null, notify: d.severity });
        putState(f, { status: 'completed', reason: null });
        return r;
      }
      default:
        return journal.record({ ...base, change: null, notify: d.action === 'notify' ? d.severity : null });
    }
  }

  return {
    'rollout.templates': () => ({ ok: true, value: structuredClone(MOCK_TEMPLATES) }),
    'rollout.plan': (i) => {
      // as the core's computePlan: the stages given, or the template's (default ai-six-stage)
      const template = i.templateId
        ? findTemplate(i.templateId)
        : i.stages
          ? undefined
          : findTemplate('ai-six-stage');
      if (i.templateId && !template)
        return fail(
          'BAD_INPUT',
          `templateId: unknown template "${i.templateId}" (known: ${PLAN_TEMPLATES.map((t) => t.id).join(', ')})`,
        );
      try {
        const { stages, result } = planStages(i.stages ?? template?.stages ?? [], i.inputs, o.now());
        const plan = RolloutPlanSchema.parse({
          flag: clean(i.flag),
          name: i.name ?? template?.name ?? `Plan for ${i.flag.key}`,
          templateId: template?.id ?? null,
          // Not the core's: every stage asks for the equal-allocation sample (`samplePerCohort`),
          // as this fake always did and rollout-store.test.ts expects; the core sizes each stage
          // for its own cohort split (the smaller cohort's need, 0 at 100 %).
          stages: stages.map((st) => ({ ...st, minSamplePerCohort: result.samplePerCohort })),
          planner: result,
        });
        return { ok: true, value: plan };
      } catch (error) {
        return { ok: false, error: toApiError(error) };
      }
    },
    'rollout.savePlan': (plan) => {
      if (!o.hasFlag(plan.flag)) return fail('NOT_FOUND', `flag "${plan.flag.key}" not found`);
      plans.set(idOf(plan.flag), structuredClone(plan));
      if (!states.get(idOf(plan.flag))) putState(plan.flag, { status: 'draft' });
      o.emit('rollout.changed', { flag: clean(plan.flag), reason: 'plan-saved', at: at() });
      return { ok: true, value: view(plan.flag) };
    },
    'rollout.get': ({ flag }) =>
      o.hasFlag(flag) ? { ok: true, value: view(flag) } : fail('NOT_FOUND', `flag "${flag.key}" not found`),
    'rollout.list': () => {
      const ids = new Map<string, FlagRef>();
      for (const p of plans.values()) ids.set(idOf(p.flag), p.flag);
      for (const gs of guardrails.values()) for (const g of gs) ids.set(idOf(g.flag), g.flag);
      return { ok: true, value: [...ids.values()].map(view) };
    },
    'rollout.previewAdvance': ({ flag, toStage }) => {
      const t = advanceTarget(flag, toStage);
      if (!t.ok) return t;
      const p = o.preview(flag, t.value.patch);
      return p ? { ok: true, value: p } : fail('NOT_FOUND', `flag "${flag.key}" not found`);
    },
    'rollout.advance': ({ flag, reason, toStage }) => {
      const t = advanceTarget(flag, toStage);
      if (!t.ok) return t;
      const { target, st, start } = t.value;
      applyStage(flag, target, st, {
        action: start ? 'start' : 'advance',
        rule: 'operator',
        rationale: `${o.actor} moved the rollout to stage ${target + 1} "${st.name}": ${reason}`,
        actor: o.actor,
      });
      journal.closeIncidents(flag, o.actor, reason);
      return { ok: true, value: view(flag) };
    },
    'rollout.pause': ({ flag, reason }) => {
      const status = stateOf(flag).status;
      if (status !== 'running')
        return fail('BAD_INPUT', `"${flag.key}" is ${status}: only a running rollout can be paused`);
      byOperator(flag, 'pause', `${o.actor} paused the rollout: ${reason}`, 'warning');
      putState(flag, { status: 'paused', reason });
      return { ok: true, value: view(flag) };
    },
    'rollout.resume': ({ flag, reason }) => {
      const s = stateOf(flag);
      if (s.status !== 'paused') return fail('BAD_INPUT', `"${flag.key}" is ${s.status}, not paused`);
      byOperator(flag, 'resume', `${o.actor} resumed the rollout: ${reason}`);
      putState(flag, {
        status: s.stageIndex < 0 && plans.has(idOf(flag)) ? 'draft' : 'running',
        reason: null,
      });
      journal.closeIncidents(flag, o.actor, reason);
      return { ok: true, value: view(flag) };
    },
    'rollout.rollback': ({ flag, reason, target }) => {
      if (!o.hasFlag(flag)) return fail('NOT_FOUND', `flag "${flag.key}" not found`);
      rollback(flag, reason, target, o.actor, 'operator');
      return { ok: true, value: view(flag) };
    },
    'rollout.approve': ({ flag, reason }) => {
      const s = stateOf(flag);
      if (s.stageIndex < 0)
        return fail('BAD_INPUT', `"${flag.key}" has not started; approvals are per stage`);
      if (s.approvals.some((a) => a.stageIndex === s.stageIndex && a.actor === o.actor))
        return fail('CONFLICT', `${o.actor} already approved stage ${s.stageIndex + 1}`);
      byOperator(flag, 'approve', `${o.actor} approved: ${reason}`);
      putState(flag, {
        approvals: [...s.approvals, { stageIndex: s.stageIndex, actor: o.actor, at: at(), reason }],
      });
      return { ok: true, value: view(flag) };
    },
    'guardrails.define': (g) => {
      if (!o.hasFlag(g.flag)) return fail('NOT_FOUND', `flag "${g.flag.key}" not found`);
      if (!o.metrics(g.flag).some((m) => m.name === g.metric))
        return fail('BAD_INPUT', `metric: "${g.metric}" is not defined for flag "${g.flag.key}"`);
      const list = (guardrails.get(idOf(g.flag)) ?? []).filter((x) => x.id !== g.id);
      guardrails.set(idOf(g.flag), [...list, structuredClone(g)]);
      live.delete(`${idOf(g.flag)}#${g.id}`);
      o.emit('rollout.changed', { flag: clean(g.flag), reason: 'guardrail-defined', at: at() });
      return { ok: true, value: g };
    },
    'guardrails.list': ({ flag }) => ({
      ok: true,
      value: [...guardrails.values()].flat().filter((g) => !flag || idOf(g.flag) === idOf(flag)),
    }),
    'guardrails.remove': ({ flag, id }) => {
      const list = guardrails.get(idOf(flag)) ?? [];
      const removed = list.some((g) => g.id === id);
      guardrails.set(
        idOf(flag),
        list.filter((g) => g.id !== id),
      );
      live.delete(`${idOf(flag)}#${id}`);
      return { ok: true, value: { removed } };
    },
    'monitor.evaluateNow': ({ flag }) => {
      const started = o.now();
      const flags = flag
        ? [flag]
        : [...new Map([...guardrails.values()].flat().map((g) => [idOf(g.flag), g.flag])).values()];
      const made: DecisionRecord[] = [];
      let count = 0;
      for (const f of flags) {
        const gs = guardrails.get(idOf(f)) ?? [];
        count += gs.length;
        const verdicts = evaluateGuardrails(f, gs, o.metrics(f), live, o.guardrailValue, o.now());
        const d = decide({
          plan: plans.get(idOf(f)) ?? null,
          state: stateOf(f),
          verdicts,
          gate: gateOf(f),
        });
        const record = d ? act(f, d) : null;
        if (record) made.push(record);
        o.emit('rollout.changed', { flag: clean(f), reason: 'evaluated', at: at() });
      }
      return {
        ok: true,
        value: { at: iso(started), flags: flags.length, guardrails: count, decisions: made, durationMs: 1 },
      };
    },
    'monitor.status': () => ({ ok: true, value: structuredClone(IDLE_MONITOR) }),
    ...journal.handlers,
  };
}
