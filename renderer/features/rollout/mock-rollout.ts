/**
 * The staged-rollout side of the mock API (`rollout.*`, `guardrails.*`, `monitor.*`,
 * `decisions.*`, `incidents.list`, `outbox.list`), in memory, so the rollout, incident and
 * decision-log stores can be unit-tested and the `?mock` page shows something.
 *
 * Only for unit tests and the development-only `?mock` page. It follows the contract and the
 * core's rules closely enough for the screens (stage changes confirm at once; a guardrail's value
 * comes from {@link MockRolloutOptions.guardrailValue}); it is not the core's monitor.
 */
import type {
  ChangePreview,
  Channel,
  ChannelOutput,
  EventName,
  EventPayload,
  Result,
} from '../../../shared/contract.ts';
import type { FlagLayers, FlagRef, LayerPatch } from '../../../shared/domain.ts';
import type { Incident } from '../../../shared/incidents.ts';
import type {
  DecisionAction,
  DecisionRecord,
  GateEvaluation,
  Guardrail,
  GuardrailState,
  OutboxAction,
  PlanTemplate,
  RolloutPlan,
  RolloutState,
  RolloutView,
} from '../../../shared/rollout.ts';
import type { ParsedInput } from '../../api/mock-simulator.ts';
import { PLAN_TEMPLATES, stagePlaceholders } from '../../../shared/rollout-templates.ts';

const DAY = 86_400_000;
const iso = (ms: number) => new Date(ms).toISOString();
const idOf = (f: FlagRef) => `${f.provider}/${f.environment}/${f.key}`;
const clean = (f: FlagRef): FlagRef => ({ provider: f.provider, environment: f.environment, key: f.key });

/** The real plan templates (shared with the core). */
export const MOCK_TEMPLATES: PlanTemplate[] = structuredClone([...PLAN_TEMPLATES]);

/** Standard normal quantile (Acklam's rational approximation; plenty for a mock planner). */
function normalQuantile(p: number): number {
  const a = [
    -39.69683028665376, 220.9460984245205, -275.9285104469687, 138.357751867269, -30.66479806614716,
    2.506628277459239,
  ];
  const b = [
    -54.47609879822406, 161.5858368580409, -155.6989798598866, 66.80131188771972, -13.28068155288572,
  ];
  const c = [
    -0.007784894002430293, -0.3223964580411365, -2.400758277161838, -2.549732539343734, 4.374664141464968,
    2.938163982698783,
  ];
  const d = [0.007784695709041462, 0.3224671290700398, 2.445134137142996, 3.754408661907416];
  const [a0, a1, a2, a3, a4, a5] = a as [number, number, number, number, number, number];
  const [b0, b1, b2, b3, b4] = b as [number, number, number, number, number];
  const [c0, c1, c2, c3, c4, c5] = c as [number, number, number, number, number, number];
  const [d0, d1, d2, d3] = d as [number, number, number, number];
  if (p < 0.02425) {
    const q = Math.sqrt(-2 * Math.log(p));
    return (
      (((((c0 * q + c1) * q + c2) * q + c3) * q + c4) * q + c5) /
      ((((d0 * q + d1) * q + d2) * q + d3) * q + 1)
    );
  }
  if (p > 1 - 0.02425) return -normalQuantile(1 - p);
  const q = p - 0.5;
  const r = q * q;
  return (
    ((((((a0 * r + a1) * r + a2) * r + a3) * r + a4) * r + a5) * q) /
    (((((b0 * r + b1) * r + b2) * r + b3) * r + b4) * r + 1)
  );
}

export interface MockRolloutOptions {
  now: () => number;
  actor: string;
  emit: <E extends EventName>(event: E, payload: EventPayload<E>) => void;
  /** Whether the flag exists. */
  hasFlag: (ref: FlagRef) => boolean;
  /** Metric names defined for the flag. */
  metricNames: (ref: FlagRef) => string[];
  /** Applies a confirmed change to the mock fleet. */
  applyPatch: (ref: FlagRef, patch: LayerPatch) => void;
  /** The before → after of a patch on the mock fleet, or null for an unknown flag. */
  preview: (ref: FlagRef, patch: LayerPatch) => ChangePreview | null;
  /** The flag's layers in the mock fleet, or null. */
  layersOf: (ref: FlagRef) => FlagLayers | null;
  /** The value a guardrail sees in an evaluation (default: no data). */
  guardrailValue?: (g: Guardrail) => number | null;
}

type Handler<C extends Channel> = (input: ParsedInput<C>) => Result<ChannelOutput<C>>;
export type RolloutChannel = Extract<
  Channel,
  | `rollout.${string}`
  | `guardrails.${string}`
  | `monitor.${string}`
  | `decisions.${string}`
  | 'incidents.list'
  | 'outbox.list'
>;

/** The handlers of the rollout channels over an in-memory store. */
export function createRolloutHandlers(o: MockRolloutOptions): { [C in RolloutChannel]: Handler<C> } {
  const plans = new Map<string, RolloutPlan>();
  const states = new Map<string, RolloutState>();
  const guardrails = new Map<string, Guardrail[]>();
  const live = new Map<string, GuardrailState>();
  const decisions: DecisionRecord[] = [];
  const outbox: OutboxAction[] = [];
  const incidents: Omit<Incident, 'rollout' | 'guardrails' | 'decisions' | 'layers' | 'state'>[] = [];
  let nextId = 1;

  const fail = (code: 'BAD_INPUT' | 'NOT_FOUND' | 'CONFLICT', message: string): Result<never> => ({
    ok: false,
    error: { code, message },
  });
  const at = () => iso(o.now());
  const liveStates = (f: FlagRef) =>
    (guardrails.get(idOf(f)) ?? []).flatMap((g) => live.get(`${idOf(f)}#${g.id}`) ?? []);

  function stateOf(f: FlagRef, create = true): RolloutState | null {
    const s = states.get(idOf(f));
    if (s || !create) return s ?? null;
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

  function gateOf(f: FlagRef): GateEvaluation | null {
    const plan = plans.get(idOf(f));
    const s = states.get(idOf(f));
    if (!plan || !s || s.stageIndex < 0) return null;
    const st = plan.stages[s.stageIndex];
    if (!st) return null;
    const started = s.stageStartedAt ? Date.parse(s.stageStartedAt) : null;
    const elapsed = started === null ? 0 : o.now() - started;
    const endsAt = started === null ? null : iso(started + st.minObservationMs);
    const breached = liveStates(f).filter((g) => g.status === 'breached');
    const items: GateEvaluation['items'] = [
      {
        id: 'min-observation',
        label: 'Minimum observation time elapsed',
        status: elapsed >= st.minObservationMs ? 'pass' : 'waiting',
        evidence: `${Math.round(elapsed / 60_000)} min of ${Math.round(st.minObservationMs / 60_000)} min at this stage`,
      },
      {
        id: 'guardrails',
        label: 'All guardrails within range',
        status: breached.length ? 'fail' : 'pass',
        evidence: breached.length ? breached.map((g) => g.note).join('; ') : 'no guardrail breached',
      },
    ];
    return {
      flag: clean(f),
      stageIndex: s.stageIndex,
      passed: items.every((i) => i.status === 'pass'),
      items,
      observationEndsAt: endsAt,
      evaluatedAt: at(),
    };
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

  function record(
    f: FlagRef,
    action: DecisionAction,
    rule: string,
    rationale: string,
    actor: string,
    change: { patch: LayerPatch; purpose: string } | null,
    notify: EventPayload<'notify'>['severity'] | null,
  ): DecisionRecord {
    const s = stateOf(f)!;
    const plan = plans.get(idOf(f)) ?? null;
    const st = plan?.stages[s.stageIndex];
    const d: DecisionRecord = {
      id: nextId++,
      at: at(),
      flag: clean(f),
      stageIndex: s.stageIndex,
      stageName: st?.name ?? null,
      actor,
      action,
      rule,
      rationale,
      inputs: {
        guardrails: liveStates(f).map((g) => ({ ...g, recent: [] })),
        gate: gateOf(f),
        plan: plan
          ? { name: plan.name, stages: plan.stages.length, targetPercent: st?.targetPercent ?? null }
          : null,
      },
      outbox: null,
      audit: null,
    };
    if (change) {
      const a: OutboxAction = {
        id: nextId++,
        createdAt: d.at,
        flag: clean(f),
        kind: 'flag-change',
        payload: { patch: change.patch, reason: rationale, purpose: change.purpose },
        idempotencyKey: `${idOf(f)}:${change.purpose}:${d.id}`,
        status: 'confirmed',
        attempts: 1,
        nextAttemptAt: null,
        lastError: null,
        decisionId: d.id,
        auditId: null,
        confirmedAt: d.at,
        claimedBy: null,
      };
      o.applyPatch(f, change.patch);
      outbox.unshift(a);
      d.outbox = { id: a.id, status: 'confirmed' };
    }
    decisions.unshift(d);
    o.emit('monitor.decision', structuredClone(d));
    if (notify)
      o.emit('notify', { title: `${f.key}: ${action}`, body: rationale, severity: notify, flag: clean(f) });
    o.emit('rollout.changed', { flag: clean(f), reason: `decision:${action}`, at: d.at });
    return d;
  }

  const putState = (f: FlagRef, patch: Partial<RolloutState>) => {
    const s = stateOf(f)!;
    states.set(idOf(f), { ...s, ...patch, updatedAt: at() });
  };
  const closeIncidents = (f: FlagRef, by: string, reason: string) => {
    for (const i of incidents)
      if (idOf(i.flag) === idOf(f) && !i.closedAt && !(i.killed && o.layersOf(f)?.enabled === false)) {
        i.closedAt = at();
        i.closedBy = by;
        i.closeReason = reason;
      }
  };
  const openIncident = (
    f: FlagRef,
    kind: 'killed' | 'rolled-back' | 'paused',
    reason: string,
    decisionId: number,
    by: string,
  ) =>
    incidents.unshift({
      id: nextId++,
      flag: clean(f),
      kind,
      openedAt: at(),
      openedBy: by,
      reason,
      decisionId,
      killed: kind === 'killed',
      layersBeforeKill: kind === 'killed' ? o.layersOf(f) : null,
      closedAt: null,
      closedBy: null,
      closeReason: null,
    });

  function rollback(
    f: FlagRef,
    reason: string,
    target: 'kill' | 'previous-stage' | 'revert',
    actor: string,
    rule: string,
  ) {
    const patch: LayerPatch = target === 'kill' ? { enabled: false } : { rolloutPercent: 0 };
    const before = o.layersOf(f);
    const d = record(
      f,
      'rollback',
      rule,
      `${actor} rolled back (${target}): ${reason}`,
      actor,
      { patch, purpose: 'rollback' },
      'critical',
    );
    putState(f, { status: 'rolled-back', reason });
    openIncident(f, target === 'kill' ? 'killed' : 'rolled-back', d.rationale, d.id, actor);
    if (before && incidents[0]) incidents[0].layersBeforeKill = target === 'kill' ? before : null;
    o.emit('notify', {
      title: `${f.key}: rollback confirmed`,
      body: 'the provider confirmed',
      severity: 'critical',
      flag: clean(f),
    });
    return d;
  }

  /** The stage an advance applies, refusing template placeholders like the core. */
  function advanceTarget(
    flag: FlagRef,
    toStage: number | undefined,
  ): Result<{ target: number; st: RolloutPlan['stages'][number]; start: boolean; patch: LayerPatch }> {
    const plan = plans.get(idOf(flag));
    if (!plan) return fail('NOT_FOUND', `flag "${flag.key}" has no rollout plan`);
    const s = stateOf(flag)!;
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

  const decisionFilter = (f: { flag?: FlagRef; since?: string; action?: DecisionAction }) =>
    decisions.filter(
      (d) =>
        (!f.flag || idOf(d.flag) === idOf(f.flag)) &&
        (!f.since || d.at >= f.since) &&
        (!f.action || d.action === f.action),
    );

  return {
    'rollout.templates': () => ({ ok: true, value: structuredClone(MOCK_TEMPLATES) }),
    'rollout.plan': (i) => {
      const template = i.templateId ? MOCK_TEMPLATES.find((t) => t.id === i.templateId) : undefined;
      if (i.templateId && !template)
        return fail('BAD_INPUT', `templateId: unknown template "${i.templateId}"`);
      const stages = i.stages ?? template?.stages ?? MOCK_TEMPLATES[0]!.stages;
      const { inputs } = i;
      const z = normalQuantile(1 - inputs.alpha) + normalQuantile(inputs.power);
      const [p, effect, variance] =
        inputs.metric.kind === 'proportion'
          ? [inputs.metric.baselineRate, inputs.metric.baselineRate * inputs.minDetectableRelative, 0]
          : [0, Math.abs(inputs.metric.baselineMean) * inputs.minDetectableRelative, inputs.metric.sd ** 2];
      const varSum =
        inputs.metric.kind === 'proportion' ? p * (1 - p) + (p + effect) * (1 - p - effect) : 2 * variance;
      const samplePerCohort = Math.ceil((z * z * varSum) / (effect * effect));
      let t = inputs.startAt ? Date.parse(inputs.startAt) : o.now();
      const planned = stages.map((s, stageIndex) => {
        const treatmentPerDay = (inputs.trafficPerDay * s.targetPercent) / 100;
        const controlPerDay = inputs.trafficPerDay * (1 - s.targetPercent / 100) * inputs.controlShare;
        const daysForSample =
          samplePerCohort / Math.max(1e-9, Math.min(treatmentPerDay, controlPerDay || treatmentPerDay));
        const raw = Math.round(daysForSample * DAY);
        const durationMs = Math.min(inputs.maxObservationMs, Math.max(inputs.minObservationMs, raw));
        const startsAt = iso(t);
        t += durationMs;
        return {
          stageIndex,
          treatmentPerDay,
          controlPerDay,
          daysForSample,
          durationMs,
          sampleShortfall: raw > inputs.maxObservationMs,
          startsAt,
          endsAt: iso(t),
        };
      });
      const start = planned[0] ? Date.parse(planned[0].startsAt) : o.now();
      return {
        ok: true,
        value: {
          flag: clean(i.flag),
          name: i.name ?? template?.name ?? `Plan for ${i.flag.key}`,
          templateId: template?.id ?? null,
          stages: stages.map((s, k) => ({
            ...s,
            minObservationMs: planned[k]!.durationMs,
            minSamplePerCohort: samplePerCohort,
          })),
          planner: {
            inputs,
            samplePerCohort,
            effect,
            method: 'mock: two-sample z approximation',
            stages: planned,
            endsAt: iso(t),
            totalDurationMs: t - start,
          },
        },
      };
    },
    'rollout.savePlan': (plan) => {
      if (!o.hasFlag(plan.flag)) return fail('NOT_FOUND', `flag "${plan.flag.key}" not found`);
      plans.set(idOf(plan.flag), structuredClone(plan));
      if (!states.get(idOf(plan.flag))) {
        stateOf(plan.flag);
        putState(plan.flag, { status: 'draft' });
      }
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
      const { target, st, start, patch } = t.value;
      record(
        flag,
        start ? 'start' : 'advance',
        'operator',
        `${o.actor} moved the rollout to stage ${target + 1} "${st.name}": ${reason}`,
        o.actor,
        { patch, purpose: start ? 'start' : 'advance' },
        null,
      );
      putState(flag, { stageIndex: target, status: 'running', reason: null, stageStartedAt: at() });
      closeIncidents(flag, o.actor, reason);
      return { ok: true, value: view(flag) };
    },
    'rollout.pause': ({ flag, reason }) => {
      const status = stateOf(flag)!.status;
      if (status !== 'running')
        return fail('BAD_INPUT', `"${flag.key}" is ${status}: only a running rollout can be paused`);
      record(flag, 'pause', 'operator', `${o.actor} paused the rollout: ${reason}`, o.actor, null, 'warning');
      putState(flag, { status: 'paused', reason });
      return { ok: true, value: view(flag) };
    },
    'rollout.resume': ({ flag, reason }) => {
      const s = stateOf(flag)!;
      if (s.status !== 'paused') return fail('BAD_INPUT', `"${flag.key}" is ${s.status}, not paused`);
      record(flag, 'resume', 'operator', `${o.actor} resumed the rollout: ${reason}`, o.actor, null, null);
      putState(flag, {
        status: s.stageIndex < 0 && plans.has(idOf(flag)) ? 'draft' : 'running',
        reason: null,
      });
      closeIncidents(flag, o.actor, reason);
      return { ok: true, value: view(flag) };
    },
    'rollout.rollback': ({ flag, reason, target }) => {
      if (!o.hasFlag(flag)) return fail('NOT_FOUND', `flag "${flag.key}" not found`);
      rollback(flag, reason, target, o.actor, 'operator');
      return { ok: true, value: view(flag) };
    },
    'rollout.approve': ({ flag, reason }) => {
      const s = stateOf(flag)!;
      if (s.stageIndex < 0)
        return fail('BAD_INPUT', `"${flag.key}" has not started; approvals are per stage`);
      if (s.approvals.some((a) => a.stageIndex === s.stageIndex && a.actor === o.actor))
        return fail('CONFLICT', `${o.actor} already approved stage ${s.stageIndex + 1}`);
      record(flag, 'approve', 'operator', `${o.actor} approved: ${reason}`, o.actor, null, null);
      putState(flag, {
        approvals: [...s.approvals, { stageIndex: s.stageIndex, actor: o.actor, at: at(), reason }],
      });
      return { ok: true, value: view(flag) };
    },
    'guardrails.define': (g) => {
      if (!o.hasFlag(g.flag)) return fail('NOT_FOUND', `flag "${g.flag.key}" not found`);
      if (!o.metricNames(g.flag).includes(g.metric))
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
        for (const g of guardrails.get(idOf(f)) ?? []) {
          count += 1;
          const key = `${idOf(f)}#${g.id}`;
          const prev = live.get(key);
          const value = o.guardrailValue?.(g) ?? null;
          const limit = g.kind.type === 'absolute' ? g.kind.limit : null;
          const breached =
            value !== null &&
            g.kind.type === 'absolute' &&
            (g.kind.breachWhen === 'above' ? value > g.kind.limit : value < g.kind.limit);
          const status = value === null ? 'no-data' : breached ? 'breached' : 'ok';
          const consecutive = breached ? (prev?.consecutive ?? 0) + 1 : 0;
          const fires = breached && consecutive >= g.consecutiveBreaches;
          live.set(key, {
            guardrail: g,
            status,
            value,
            limit,
            valueLabel: 'treatment rate',
            control: { n: 1000, value: null },
            treatment: { n: 1000, value },
            interval: null,
            srm: null,
            consecutive,
            fired: fires ? 'consecutive-breaches' : null,
            note: `treatment rate is ${value ?? 'unknown'}`,
            span: { kind: 'window', minutes: g.windowMinutes },
            recent: [...(prev?.recent ?? []), { at: at(), value, status }].slice(-60),
            evaluatedAt: at(),
          } as GuardrailState);
          if (fires && g.action === 'rollback' && stateOf(f)!.status !== 'rolled-back')
            made.push(
              rollback(
                f,
                `guardrail "${g.id}" breached`,
                g.rollbackTarget,
                'monitor',
                `guardrail:${g.id}:consecutive-breaches`,
              ),
            );
        }
        o.emit('rollout.changed', { flag: clean(f), reason: 'evaluated', at: at() });
      }
      return {
        ok: true,
        value: { at: iso(started), flags: flags.length, guardrails: count, decisions: made, durationMs: 1 },
      };
    },
    'monitor.status': () => ({
      ok: true,
      value: {
        running: false,
        intervalMs: 30_000,
        lastRunAt: null,
        lastDurationMs: null,
        lastError: null,
        lastSuccessAt: null,
        lastFailureAt: null,
        consecutiveFailures: 0,
        leader: false,
        monitorProcess: null,
        pendingActions: 0,
      },
    }),
    'decisions.list': (f) => ({ ok: true, value: structuredClone(decisionFilter(f).slice(0, f.limit)) }),
    'decisions.export': (f) => {
      const rows = [...decisionFilter(f)].reverse();
      const filename = `rcr-decisions-${f.flag ? `${f.flag.key}-` : ''}mock.${f.format}`;
      const content =
        f.format === 'json'
          ? `${JSON.stringify(rows, null, 2)}\n`
          : `${['id,at,flag,action,rule,rationale', ...rows.map((r) => [r.id, r.at, r.flag.key, r.action, r.rule, JSON.stringify(r.rationale)].join(','))].join('\n')}\n`;
      return { ok: true, value: { format: f.format, filename, content, rows: rows.length } };
    },
    'incidents.list': ({ includeClosed }) => ({
      ok: true,
      value: incidents
        .filter((i) => includeClosed || !i.closedAt)
        .map((i) => ({
          ...structuredClone(i),
          state: i.closedAt ? ('closed' as const) : ('open' as const),
          layers: o.layersOf(i.flag),
          rollout: structuredClone(states.get(idOf(i.flag)) ?? null),
          guardrails: liveStates(i.flag),
          decisions: structuredClone(
            decisions.filter(
              (d) => idOf(d.flag) === idOf(i.flag) && (d.at >= i.openedAt || d.id === i.decisionId),
            ),
          ),
        })),
    }),
    'outbox.list': ({ flag, status }) => ({
      ok: true,
      value: structuredClone(
        outbox.filter((a) => (!flag || idOf(a.flag) === idOf(flag)) && (!status || a.status === status)),
      ),
    }),
  };
}
