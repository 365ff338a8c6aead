/**
 * Staged rollouts in the core: plans, guardrails, the operator's overrides (advance, pause, resume,
 * roll back, approve), the decision log, incidents, and the journaled outbox that carries every
 * flag change and webhook. The monitor (monitor.ts) evaluates flags and hands its decisions to
 * {@link RolloutService.record}, the one place a decision becomes a record + state change + outbox
 * action — in ONE SQLite transaction, before anything is sent.
 *
 * The rollout follows the flag's confirmed kill switch ({@link RolloutService.flagKilled},
 * {@link RolloutService.flagServingAgain}, called by the incident rules in the transaction that
 * writes the confirmed state): a kill by anyone rolls a running rollout back, and a flag serving
 * again starts a fresh evidence window.
 */
import type { ChangePreview, EventName, EventPayload } from '../../../shared/contract.ts';
import type { FlagLayers, FlagRef, LayerPatch, ActionKind } from '../../../shared/domain.ts';
import {
  GuardrailSchema,
  RolloutPlanSchema,
  type DecisionAction,
  type DecisionRecord,
  type GateEvaluation,
  type Guardrail,
  type GuardrailState,
  type Notify,
  type PlannerInputs,
  type RollbackTarget,
  type RolloutPlan,
  type RolloutView,
  type Stage,
} from '../../../shared/rollout.ts';
import type { Incident } from '../../../shared/incidents.ts';
import type { DecisionContext } from '../actions/confirmed-state.ts';
import type { FlagActions } from '../actions/flag-actions.ts';
import type { IncidentCause, IncidentLedger } from '../incidents/incident-ledger.ts';
import type { IncidentRow } from '../incidents/incident-store.ts';
import { listIncidents } from '../incidents/incident-views.ts';
import type { Db } from '../db/database.ts';
import { CoreError } from '../errors.ts';
import type { MetricStore } from '../metrics/metric-store.ts';
import type { QueryRange } from '../metrics/prometheus-ingest.ts';
import type { DataSourceConfig } from '../config.ts';
import type { FlagProvider } from '../providers/provider.ts';
import { evaluateFlag, type FlagEvaluation } from './evaluate.ts';
import type { DecisionFilter, JournalStore } from './journal-store.ts';
import { CLAIM_MS, Outbox, type FlagChangePayload, type WebhookTarget } from './outbox.ts';
import { planStages } from './planner.ts';
import { flagId, RolloutStore, type StoredState } from './rollout-store.ts';
import { findTemplate, PLAN_TEMPLATES, stagePlaceholders } from '../../../shared/rollout-templates.ts';
import { utcWords } from '../../../shared/time-words.ts';

/** Options of the rollout subsystem (config.json `rollouts`, see config.ts). */
export interface RolloutOptions {
  /** Newest decision records kept (older ones are pruned after each monitor run). */
  decisionRetention: number;
  /** Outbox retry base delay and cap, ms. */
  retryBaseMs?: number;
  retryMaxMs?: number;
}

export interface RolloutDeps {
  db: Db;
  metrics: MetricStore;
  actions: FlagActions;
  /** The decision log and outbox (shared with the flag actions). */
  journal: JournalStore;
  /** The incident rules (shared with the confirmed-state writer). */
  ledger: IncidentLedger;
  providers: () => ReadonlyMap<string, FlagProvider>;
  /** The cached layers of a flag, or null when the cache does not know it. */
  cachedLayers: (ref: FlagRef) => FlagLayers | null;
  /** The operator acting when a call names none. */
  actor: string;
  /** This process's owner id: it claims the actions it journals (rollout/outbox.ts). */
  owner: string;
  /** True while this process holds the monitor lease (it then takes over orphaned actions). */
  isLeader: () => boolean;
  now: () => number;
  emit: <E extends EventName>(event: E, payload: EventPayload<E>) => void;
  webhook: () => WebhookTarget | null;
  options: RolloutOptions;
  queryRange?: QueryRange;
  /** The allow-list of Prometheus sources (config.json `dataSources.prometheus`); default none. */
  prometheusSources?: () => readonly DataSourceConfig[];
  random?: () => number;
}

/** What a decision changes, for {@link RolloutService.record}. */
export interface DecisionChange {
  flag: FlagRef;
  actor: string;
  action: DecisionAction;
  rule: string;
  rationale: string;
  severity: Notify['severity'];
  guardrails: readonly GuardrailState[];
  gate: GateEvaluation | null;
  /** The flag change to journal and send, if any. */
  change?: { patch: LayerPatch; action: ActionKind; purpose: string; stageIndex?: number } | null;
  /** The new rollout state (fields to overwrite), if it changes. */
  state?: Partial<
    Pick<StoredState, 'stageIndex' | 'status' | 'stageStartedAt' | 'reason' | 'approvals' | 'evidenceSince'>
  >;
  /** Open an incident of this kind (or join the flag's open one). */
  incident?: 'paused' | 'rolled-back';
  /**
   * Close the flag's open incidents (an operator's restart or resume) — except one holding a kill
   * while the flag is still Killed: that closes when the provider confirms it Serving.
   */
  closeIncidents?: boolean;
  /** Send the webhook / desktop notification. */
  notify?: boolean;
}

const stripRecent = (s: GuardrailState): GuardrailState => ({ ...s, recent: [] });

const csvCell = (v: unknown): string => {
  const s = v === null || v === undefined ? '' : typeof v === 'string' ? v : JSON.stringify(v);
  return /[",\n\r]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
};

/** Unchanged guardrail states are written again after this long (ms): a restart shows values at most this old until the next tick. */
const STATE_PERSIST_MS = 300_000;

/** A delay in [0, {@link STATE_PERSIST_MS}) drawn from `key` (FNV-1a), to spread periodic writes. */
function spreadMs(key: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < key.length; i++) h = Math.imul(h ^ key.charCodeAt(i), 0x01000193);
  return (h >>> 0) % STATE_PERSIST_MS;
}

export class RolloutService {
  readonly store: RolloutStore;
  readonly journal: JournalStore;
  readonly outbox: Outbox;
  private readonly d: RolloutDeps;
  /** Live guardrail states (with their sparkline values), by `flagId#guardrailId`. */
  private readonly live = new Map<string, GuardrailState>();
  private readonly persistedAt = new Map<string, number>();
  /** Unchanged states due for their periodic write, by live key: written by {@link flushStates}. */
  private readonly dueStates = new Map<string, GuardrailState>();
  private flushScheduled: NodeJS.Immediate | null = null;
  /** Per guardrail definition (frozen, shared across evaluations): its live key and write phase. */
  private readonly keyOf = new WeakMap<Guardrail, { key: string; phase: number }>();
  private readonly lastGate = new Map<string, GateEvaluation>();
  private readonly lastPoll = new Map<string, number>();

  constructor(deps: RolloutDeps) {
    this.d = deps;
    this.store = new RolloutStore(deps.db);
    this.journal = deps.journal;
    for (const [k, s] of this.store.guardrailStates()) this.live.set(k, s);
    this.outbox = new Outbox({
      journal: this.journal,
      owner: deps.owner,
      isLeader: deps.isLeader,
      providers: deps.providers,
      actions: deps.actions,
      webhook: deps.webhook,
      now: deps.now,
      random: deps.random,
      baseDelayMs: deps.options.retryBaseMs,
      maxDelayMs: deps.options.retryMaxMs,
      onSettled: (a, outcome, detail) => this.settled(a.id, a.flag, a.kind, a.payload, outcome, detail),
    });
  }

  private iso(): string {
    return new Date(this.d.now()).toISOString();
  }

  // --- plans ---------------------------------------------------------------------------------

  templates() {
    return PLAN_TEMPLATES;
  }

  /**
   * Computes (does not save) a plan: the stages given, or the template's (default `ai-six-stage`),
   * sized by the planner from `inputs`.
   * @throws CoreError BAD_INPUT for an unknown template or impossible inputs.
   */
  computePlan(i: {
    flag: FlagRef;
    name?: string;
    templateId?: string;
    stages?: Stage[];
    inputs: PlannerInputs;
  }): RolloutPlan {
    const template = i.templateId
      ? findTemplate(i.templateId)
      : i.stages
        ? undefined
        : findTemplate('ai-six-stage');
    if (i.templateId && !template)
      throw new CoreError(
        'BAD_INPUT',
        `templateId: unknown template "${i.templateId}" (known: ${PLAN_TEMPLATES.map((t) => t.id).join(', ')})`,
      );
    const stages = i.stages ?? template?.stages ?? [];
    const { stages: sized, result } = planStages(stages, i.inputs, this.d.now());
    return RolloutPlanSchema.parse({
      flag: i.flag,
      name: i.name ?? template?.name ?? `Plan for ${i.flag.key}`,
      templateId: template?.id ?? null,
      stages: sized,
      planner: result,
    });
  }

  /**
   * Saves a plan. A new plan starts as `draft` (nothing is sent); replacing the plan of a running
   * rollout keeps its stage when the new plan has it, else the rollout is paused for an operator.
   * @throws CoreError NOT_FOUND when the flag is unknown.
   */
  savePlan(plan: RolloutPlan): RolloutView {
    this.requireFlag(plan.flag);
    const at = this.iso();
    this.d.db.transaction(() => {
      this.store.savePlan(plan, at);
      const s = this.store.state(plan.flag);
      // No state, or only the guardrail-monitoring one (no stage applied yet): the plan is a draft.
      if (!s || (s.stageIndex < 0 && s.status === 'running'))
        this.store.putState(
          {
            flag: plan.flag,
            stageIndex: -1,
            status: 'draft',
            stageStartedAt: null,
            reason: null,
            approvals: [],
            pendingActionId: null,
            updatedAt: at,
          },
          at,
        );
      else if (s.stageIndex >= plan.stages.length)
        this.store.putState(
          { ...s, status: 'paused', reason: `the new plan has no stage ${s.stageIndex + 1}` },
          at,
        );
    })();
    this.changed(plan.flag, 'plan-saved');
    return this.view(plan.flag);
  }

  private requireFlag(flag: FlagRef): FlagLayers {
    const layers = this.d.cachedLayers(flag);
    if (!layers)
      throw new CoreError(
        'NOT_FOUND',
        `flag "${flag.key}" not found in environment "${flag.environment}" of provider "${flag.provider}"`,
      );
    return layers;
  }

  /** The state a flag without a stored one is in: `running`, no stage (guardrails only, or no plan yet). */
  private initialState(flag: FlagRef): StoredState {
    return {
      flag,
      stageIndex: -1,
      status: 'running',
      stageStartedAt: null,
      reason: null,
      approvals: [],
      pendingActionId: null,
      evidenceSince: null,
      updatedAt: this.iso(),
      generation: 0,
    };
  }

  /** The state of a flag, stored first (as {@link initialState}) when it has none — for actions only. */
  private stateOf(flag: FlagRef): StoredState {
    const s = this.store.state(flag);
    if (s) return s;
    const at = this.iso();
    const { generation: _, ...initial } = this.initialState(flag);
    return this.store.putState(initial, at);
  }

  // --- guardrails ----------------------------------------------------------------------------

  /**
   * Creates or replaces a guardrail.
   * @throws CoreError NOT_FOUND for an unknown flag; BAD_INPUT for a metric not defined for the flag
   *   or a kind the metric cannot have (a statistical guardrail on a quantile metric, a quantile
   *   statistic on a non-quantile metric).
   */
  defineGuardrail(input: Guardrail): Guardrail {
    const g = GuardrailSchema.parse(input);
    this.requireFlag(g.flag);
    const def = this.d.metrics.list(g.flag).find((m) => m.name === g.metric);
    if (!def) {
      const known = this.d.metrics.list(g.flag).map((m) => m.name);
      throw new CoreError(
        'BAD_INPUT',
        `metric: "${g.metric}" is not defined for flag "${g.flag.key}" (${known.length ? `defined: ${known.join(', ')}` : 'no metrics defined; use metrics.define first'})`,
      );
    }
    if (g.kind.type === 'statistical' && def.kind === 'quantile')
      throw new CoreError(
        'BAD_INPUT',
        `kind: a statistical guardrail needs a binomial, continuous or ratio metric; "${def.name}" is a quantile metric`,
      );
    if (g.kind.type !== 'statistical' && g.kind.statistic !== 'mean' && def.kind !== 'quantile')
      throw new CoreError(
        'BAD_INPUT',
        `kind.statistic: ${g.kind.statistic} needs a quantile metric; "${def.name}" is ${def.kind}`,
      );
    this.store.defineGuardrail(g);
    this.forgetState(`${flagId(g.flag)}#${g.id}`);
    this.changed(g.flag, 'guardrail-defined');
    return g;
  }

  removeGuardrail(flag: FlagRef, id: string): boolean {
    const removed = this.store.removeGuardrail(flag, id);
    this.forgetState(`${flagId(flag)}#${id}`);
    if (removed) this.changed(flag, 'guardrail-removed');
    return removed;
  }

  /** Drops a guardrail's live state and its pending periodic write (by live key). */
  private forgetState(key: string): void {
    this.live.delete(key);
    this.dueStates.delete(key);
  }

  /** The live state of a guardrail (from the last evaluation), or null. */
  guardrailState(g: Guardrail): GuardrailState | null {
    return this.live.get(this.liveKey(g).key) ?? null;
  }

  /** A guardrail's key in {@link live} (`flagId#id`) and the phase of its periodic write, memoized. */
  private liveKey(g: Guardrail): { key: string; phase: number } {
    let k = this.keyOf.get(g);
    if (!k) {
      const key = `${flagId(g.flag)}#${g.id}`;
      this.keyOf.set(g, (k = { key, phase: spreadMs(key) }));
    }
    return k;
  }

  /**
   * Keeps an evaluation's states. One that changed (status, streak, rule) is written at once. An
   * unchanged one is written again every {@link STATE_PERSIST_MS} — at a point of that period drawn
   * from its key, so the writes of many guardrails spread out — by {@link flushStates}, which runs
   * right after the evaluation (a `setImmediate`), not inside it.
   */
  keepStates(states: readonly GuardrailState[]): void {
    const now = this.d.now();
    const writes: GuardrailState[] = [];
    for (const s of states) {
      const { key: k, phase } = this.liveKey(s.guardrail);
      const prev = this.live.get(k);
      this.live.set(k, s);
      const changed =
        !prev || prev.status !== s.status || prev.consecutive !== s.consecutive || prev.fired !== s.fired;
      const last = this.persistedAt.get(k);
      const slot = (t: number): number => Math.floor((t - phase) / STATE_PERSIST_MS);
      if (changed) {
        writes.push(s);
        this.dueStates.delete(k);
        this.persistedAt.set(k, now);
      } else if (last === undefined || slot(now) > slot(last) || this.dueStates.has(k)) {
        this.dueStates.set(k, s);
        this.persistedAt.set(k, now);
      }
    }
    if (writes.length) this.d.db.transaction(() => writes.forEach((s) => this.store.putGuardrailState(s)))();
    if (this.dueStates.size && !this.flushScheduled)
      this.flushScheduled = setImmediate(() => {
        this.flushScheduled = null;
        if (!this.d.db.open) return;
        try {
          this.flushStates();
        } catch {
          // A busy database: the states stay due (flushStates keeps them) for the next flush.
        }
      });
  }

  /**
   * Writes the unchanged states {@link keepStates} set aside for their periodic write (one
   * transaction); returns how many. Also called on close.
   */
  flushStates(): number {
    if (this.flushScheduled) clearImmediate(this.flushScheduled);
    this.flushScheduled = null;
    const states = [...this.dueStates.values()];
    this.dueStates.clear();
    if (states.length)
      try {
        this.d.db.transaction(() => states.forEach((s) => this.store.putGuardrailState(s)))();
      } catch (error) {
        // Not written (e.g. a busy database): due again, unless a newer state replaced one.
        for (const s of states) {
          const { key } = this.liveKey(s.guardrail);
          if (!this.dueStates.has(key)) this.dueStates.set(key, s);
        }
        throw error;
      }
    return states.length;
  }

  // --- evaluation ----------------------------------------------------------------------------

  /** Flags with a plan or guardrails. */
  monitoredFlags(): FlagRef[] {
    const out = new Map<string, FlagRef>();
    for (const p of this.store.plans()) out.set(flagId(p.flag), p.flag);
    for (const g of this.store.guardrails()) out.set(flagId(g.flag), g.flag);
    return [...out.values()];
  }

  /**
   * Evaluates a flag's guardrails and gate (reads only). `openIncidents` (by flag id) saves a query
   * per flag when the monitor evaluates many.
   */
  async evaluate(
    flag: FlagRef,
    guardrails?: readonly Guardrail[],
    withGate: boolean | 'deferred' | 'full' = 'full',
    openIncidents?: ReadonlyMap<string, IncidentRow>,
  ): Promise<FlagEvaluation & { state: StoredState; plan: RolloutPlan | null }> {
    const plan = this.store.plan(flag);
    // An evaluation is a read: a flag without a stored state is evaluated as its initial state,
    // which is only stored when a decision is recorded.
    const state = this.store.state(flag) ?? this.initialState(flag);
    const open = openIncidents ? openIncidents.get(flagId(flag)) : this.d.ledger.store.openOf(flag);
    // A state evaluated before the evidence window (a restart) does not carry its streak over.
    const since = state.evidenceSince;
    const ev = await evaluateFlag(
      {
        metrics: this.d.metrics,
        now: this.d.now,
        queryRange: this.d.queryRange,
        prometheusSources: this.d.prometheusSources,
        lastPoll: this.lastPoll,
      },
      {
        flag,
        plan,
        state,
        guardrails: guardrails ?? this.store.guardrails(flag),
        previous: (g) => {
          const p = this.guardrailState(g);
          return p && (!since || p.evaluatedAt >= since) ? p : null;
        },
        openIncident: open
          ? `incident #${open.id} (${open.kind}) opened ${utcWords(open.openedAt)} by ${open.openedBy}: ${open.reason}`
          : null,
        withGate,
      },
    );
    if (ev.gate) this.lastGate.set(flagId(flag), ev.gate);
    return { ...ev, state, plan };
  }

  // --- decisions -----------------------------------------------------------------------------

  /**
   * Records a decision: in one transaction the decision record, the state change, the incident
   * and the outbox actions (flag change, webhook); then notifies and drains the outbox.
   * @returns the decision record (with its outbox action).
   */
  record(c: DecisionChange): DecisionRecord {
    const at = this.iso();
    const now = this.d.now();
    const plan = this.store.plan(c.flag);
    let decisionId = 0;
    this.d.db.transaction(() => {
      const state = this.stateOf(c.flag);
      const stageIndex = c.state?.stageIndex ?? state.stageIndex;
      const stage = plan?.stages[state.stageIndex];
      decisionId = this.journal.addDecision({
        at,
        flag: c.flag,
        stageIndex: state.stageIndex,
        stageName: stage?.name ?? null,
        actor: c.actor,
        action: c.action,
        rule: c.rule,
        rationale: c.rationale,
        inputs: {
          guardrails: c.guardrails.map(stripRecent),
          gate: c.gate,
          plan: plan
            ? { name: plan.name, stages: plan.stages.length, targetPercent: stage?.targetPercent ?? null }
            : null,
        },
      });
      let pendingActionId = state.pendingActionId;
      if (c.change) {
        const payload: FlagChangePayload = {
          patch: c.change.patch,
          reason: `${c.rationale} (decision #${decisionId})`.slice(0, 2000),
          action: c.change.action,
          purpose: c.change.purpose,
          actor: c.actor,
          ...(c.change.stageIndex !== undefined ? { stageIndex: c.change.stageIndex } : {}),
        };
        const a = this.journal.enqueue({
          flag: c.flag,
          kind: 'flag-change',
          payload: payload as unknown as Record<string, unknown>,
          idempotencyKey: `${flagId(c.flag)}:${c.change.purpose}:${stageIndex}:g${state.generation}`,
          decisionId,
          at: now,
          // This process sends what it decided; should it die, the monitor's process takes over.
          claim: { owner: this.d.owner, untilMs: now + CLAIM_MS },
        });
        this.journal.linkDecision(decisionId, a.id);
        if (c.change.purpose === 'rollback')
          this.journal.supersede(c.flag, a.id, `superseded by the rollback of decision #${decisionId}`);
        pendingActionId = a.id;
      }
      if (c.state || c.change)
        this.store.putState(
          {
            ...state,
            ...c.state,
            pendingActionId,
            stageStartedAt: c.change ? null : (c.state?.stageStartedAt ?? state.stageStartedAt),
          },
          at,
        );
      const cause: IncidentCause = { actor: c.actor, reason: c.rationale, decisionId };
      if (c.closeIncidents)
        this.d.ledger.restarted(c.flag, cause, at, this.d.cachedLayers(c.flag)?.enabled === false);
      if (c.incident) this.d.ledger.open(c.flag, c.incident, cause, at);
      if (c.notify && this.d.webhook())
        this.journal.enqueue({
          flag: c.flag,
          kind: 'webhook',
          payload: { body: this.webhookBody(c, decisionId, at) },
          idempotencyKey: `webhook:decision:${decisionId}`,
          decisionId,
          at: now,
          claim: { owner: this.d.owner, untilMs: now + CLAIM_MS },
        });
    })();
    const record = this.journal.decision(decisionId) as DecisionRecord;
    this.d.emit('monitor.decision', record);
    if (c.notify)
      this.d.emit('notify', {
        title: `${c.flag.key}: ${c.action}`,
        body: c.rationale,
        severity: c.severity,
        flag: c.flag,
      });
    this.changed(c.flag, `decision:${c.action}`);
    void this.outbox.drain();
    return record;
  }

  private webhookBody(c: DecisionChange, decisionId: number, at: string): unknown {
    const icon =
      c.severity === 'critical'
        ? ':rotating_light:'
        : c.severity === 'warning'
          ? ':warning:'
          : ':information_source:';
    return {
      text: `${icon} *${c.flag.key}* (${c.flag.provider}/${c.flag.environment}): ${c.action} — ${c.rationale}`,
      rcr: {
        decisionId,
        at,
        flag: c.flag,
        action: c.action,
        rule: c.rule,
        rationale: c.rationale,
        severity: c.severity,
      },
    };
  }

  /** The outbox settled an action: update the rollout state, notify on failure. */
  private settled(
    id: number,
    flag: FlagRef,
    kind: string,
    payload: Record<string, unknown>,
    outcome: 'confirmed' | 'failed',
    detail: string,
  ): void {
    if (kind !== 'flag-change') return;
    const p = payload as unknown as FlagChangePayload;
    const at = this.iso();
    const state = this.store.state(flag);
    if (state && state.pendingActionId === id) {
      if (outcome === 'confirmed')
        this.store.putState({ ...state, pendingActionId: null, stageStartedAt: at }, at, false);
      else {
        const why = `${p.purpose === 'rollback' ? 'ROLLBACK FAILED — roll back by hand' : `the ${p.purpose} failed`}: ${detail}`;
        this.d.db.transaction(() => {
          this.store.putState({ ...state, pendingActionId: null, status: 'paused', reason: why }, at);
          this.d.ledger.open(
            flag,
            'paused',
            {
              actor: p.actor ?? 'monitor',
              reason: why,
              decisionId: this.journal.action(id)?.decisionId ?? null,
            },
            at,
          );
        })();
      }
    }
    if (outcome === 'failed')
      this.d.emit('notify', {
        title: `${flag.key}: ${p.purpose} failed`,
        body: detail,
        severity: 'critical',
        flag,
      });
    else if (p.purpose === 'rollback')
      this.d.emit('notify', {
        title: `${flag.key}: rollback confirmed`,
        body: detail,
        severity: 'critical',
        flag,
      });
    this.changed(flag, `outbox:${outcome}`);
  }

  private changed(flag: FlagRef, reason: string): void {
    this.d.emit('rollout.changed', { flag, reason, at: this.iso() });
  }

  // --- stage changes and rollbacks -----------------------------------------------------------

  /**
   * The patch that applies `stage` (rollout %, allow-list audience added to the flag's; always
   * Serving).
   * @throws CoreError BAD_INPUT when the stage's allow-list holds a template placeholder (`{{…}}`):
   *   no placeholder ever reaches a provider.
   */
  stagePatch(flag: FlagRef, stage: Stage, index?: number): LayerPatch {
    const placeholders = stagePlaceholders(stage);
    if (placeholders.length)
      throw new CoreError(
        'BAD_INPUT',
        `stage ${index === undefined ? '' : `${index + 1} `}"${stage.name}": the allow-list holds the template placeholder ${placeholders
          .map((k) => `"${k}"`)
          .join(', ')}; replace it with real targeting keys in the plan before this stage is applied`,
      );
    const patch: LayerPatch = { enabled: true, rolloutPercent: stage.targetPercent };
    if (stage.audience.type === 'allow-list') {
      const current = this.d.cachedLayers(flag)?.allowList ?? [];
      patch.allowList = [...new Set([...current, ...stage.audience.keys])];
    }
    return patch;
  }

  /** The patch of a rollback to `target`; `revert` falls back to kill when history has nothing to restore. */
  async rollbackPatch(
    flag: FlagRef,
    target: RollbackTarget,
  ): Promise<{ patch: LayerPatch; action: ActionKind; note: string }> {
    if (target === 'kill')
      return { patch: { enabled: false }, action: 'kill', note: 'kill switch to Killed' };
    if (target === 'previous-stage') {
      const plan = this.store.plan(flag);
      const state = this.store.state(flag);
      const prev = plan && state && state.stageIndex > 0 ? plan.stages[state.stageIndex - 1] : undefined;
      return prev
        ? {
            patch: { rolloutPercent: prev.targetPercent },
            action: 'revert',
            note: `back to stage "${prev.name}" (${prev.targetPercent} %)`,
          }
        : { patch: { rolloutPercent: 0 }, action: 'revert', note: 'back to 0 % (no earlier stage)' };
    }
    try {
      const { patch } = await this.d.actions.rollbackPatch(flag, 'revert');
      return { patch, action: 'revert', note: `restore ${JSON.stringify(patch)} from history` };
    } catch (error) {
      if (error instanceof CoreError && error.code === 'BAD_INPUT')
        return {
          patch: { enabled: false },
          action: 'kill',
          note: `kill switch to Killed (nothing to revert to: ${error.message})`,
        };
      throw error;
    }
  }

  // --- operator overrides (always possible, always recorded) ---------------------------------

  private requirePlan(flag: FlagRef): RolloutPlan {
    const plan = this.store.plan(flag);
    if (!plan)
      throw new CoreError(
        'NOT_FOUND',
        `flag "${flag.key}" has no rollout plan; save one with rollout.savePlan`,
      );
    return plan;
  }

  private guardrailSnapshot(flag: FlagRef): GuardrailState[] {
    return this.currentStates(flag);
  }

  /**
   * The flag's guardrail states of its current evidence window: a state evaluated before a restart,
   * resume or restore (`evidenceSince`) describes data that no longer counts and is not shown.
   */
  private currentStates(flag: FlagRef): GuardrailState[] {
    const since = this.store.state(flag)?.evidenceSince ?? null;
    return this.store
      .guardrails(flag)
      .flatMap((g) => this.guardrailState(g) ?? [])
      .filter((s) => !since || s.evaluatedAt >= since);
  }

  /** The rollout context a decision on `flag` records (stage, guardrail states, last gate, plan). */
  decisionContext(flag: FlagRef): DecisionContext {
    const plan = this.store.plan(flag);
    const state = this.store.state(flag);
    const stageIndex = state?.stageIndex ?? -1;
    const stage = plan?.stages[stageIndex];
    return {
      stageIndex,
      stageName: stage?.name ?? null,
      guardrails: this.guardrailSnapshot(flag).map(stripRecent),
      gate: this.lastGate.get(flagId(flag)) ?? null,
      plan: plan
        ? { name: plan.name, stages: plan.stages.length, targetPercent: stage?.targetPercent ?? null }
        : null,
    };
  }

  /**
   * The provider confirmed the flag Killed (whoever killed it; called in the transaction writing
   * the confirmed state): a started rollout is rolled back — the monitor will not advance a killed
   * flag — and flag changes still waiting in the outbox are superseded (none may serve it again).
   */
  flagKilled(flag: FlagRef, cause: IncidentCause, at: string): void {
    const state = this.store.state(flag);
    this.journal.supersede(flag, -1, `superseded: ${cause.actor} killed the flag`);
    if (!state || state.status === 'rolled-back' || state.status === 'draft' || state.stageIndex < 0) {
      if (state?.pendingActionId !== null && state?.pendingActionId !== undefined)
        this.store.putState({ ...state, pendingActionId: null }, at, false);
      return;
    }
    this.store.putState(
      {
        ...state,
        status: 'rolled-back',
        pendingActionId: null,
        reason: `killed by ${cause.actor}: ${cause.reason}`,
      },
      at,
    );
    this.changed(flag, 'flag-killed');
  }

  /**
   * The provider confirmed the flag Serving again after a kill (a restore, a restart, or a change
   * made elsewhere): a fresh evidence window starts, so guardrails judge only what happens from
   * now on; a rolled-back rollout becomes paused at its stage — guardrails watch it again, and an
   * operator resumes or restarts it.
   */
  flagServingAgain(flag: FlagRef, cause: IncidentCause, at: string): void {
    const state = this.store.state(flag);
    if (!state) return;
    const restored = state.status === 'rolled-back' && !state.pendingActionId;
    this.store.putState(
      {
        ...state,
        evidenceSince: at,
        ...(restored
          ? {
              status: 'paused' as const,
              reason: `the flag was restored by ${cause.actor} (${cause.reason}); guardrails watch it again — resume or restart the rollout to continue`,
            }
          : {}),
      },
      at,
      restored,
    );
    this.changed(flag, 'flag-serving');
  }

  /**
   * What an operator's advance would do: the stage it applies (`toStage`, else as
   * {@link advance} picks it), whether it starts or restarts the rollout, and the patch.
   * @throws CoreError BAD_INPUT past the last stage or for a placeholder; NOT_FOUND without a plan.
   */
  private advanceTarget(
    flag: FlagRef,
    toStage?: number,
  ): {
    target: number;
    stage: Stage;
    kind: 'start' | 'restart' | 'advance';
    patch: LayerPatch;
    state: StoredState;
  } {
    const plan = this.requirePlan(flag);
    const state = this.stateOf(flag);
    // A rolled-back rollout restarts at the stage it was rolled back from, never past it.
    const target =
      toStage ?? (state.status === 'rolled-back' ? Math.max(0, state.stageIndex) : state.stageIndex + 1);
    const stage = plan.stages[target];
    if (!stage)
      throw new CoreError(
        'BAD_INPUT',
        target >= plan.stages.length && state.stageIndex === plan.stages.length - 1
          ? `"${flag.key}" is at its last stage; nothing to advance to`
          : `toStage: the plan has stages 0–${plan.stages.length - 1}, not ${target}`,
      );
    // A restart applies the current stage again (a rolled-back rollout by default, or `toStage` =
    // the current one); moving on from a paused stage is an advance.
    const kind =
      state.stageIndex < 0 || state.status === 'draft'
        ? 'start'
        : target === state.stageIndex
          ? 'restart'
          : 'advance';
    return { target, stage, kind, patch: this.stagePatch(flag, stage, target), state };
  }

  /**
   * The change an operator's advance (start, restart) would send, before → after with the exact
   * provider requests — like every other change. Sends nothing.
   * @throws CoreError BAD_INPUT past the last stage or for a placeholder; NOT_FOUND without a plan.
   */
  async previewAdvance(flag: FlagRef, toStage?: number): Promise<ChangePreview> {
    const { target, stage, kind, patch } = this.advanceTarget(flag, toStage);
    const verb = kind === 'start' ? 'Starts the rollout at' : kind === 'restart' ? 'Restarts at' : 'Moves to';
    return this.d.actions.previewChange(flag, patch, null, [
      `${verb} stage ${target + 1} "${stage.name}" (${stage.targetPercent} %${stage.audience.type === 'allow-list' ? `, allow-list adds ${stage.audience.keys.join(', ')}` : stage.audience.type === 'segment' ? `, segment ${stage.audience.name}: target it at the provider` : ''}).`,
    ]);
  }

  /**
   * Operator: applies the next stage (or `toStage`). Starts a draft plan, restarts a paused or
   * rolled-back one — a restart starts a fresh evidence window: guardrails read only data after it
   * and earlier breach streaks do not count. The gate is not required (an override), but its last
   * evaluation is recorded.
   * @throws CoreError BAD_INPUT past the last stage or for a template placeholder in the stage's
   *   allow-list; NOT_FOUND without a plan.
   */
  advance(flag: FlagRef, reason: string, toStage?: number, actor = this.d.actor): RolloutView {
    const { target, stage, kind, patch, state } = this.advanceTarget(flag, toStage);
    const verb =
      kind === 'start'
        ? 'started the rollout at'
        : kind === 'restart'
          ? `restarted the ${state.status} rollout at`
          : 'moved the rollout to';
    this.record({
      flag,
      actor,
      action: kind === 'start' ? 'start' : 'advance',
      rule: kind === 'restart' ? 'operator:restart' : 'operator',
      rationale: `${actor} ${verb} stage ${target + 1} "${stage.name}" (${stage.targetPercent} %${stage.audience.type === 'segment' ? `, segment ${stage.audience.name} — target it at the provider` : ''}): ${reason}`,
      severity: 'info',
      guardrails: this.guardrailSnapshot(flag),
      gate: this.lastGate.get(flagId(flag)) ?? null,
      change: { patch, action: 'set-layers', purpose: kind, stageIndex: target },
      state: {
        stageIndex: target,
        status: 'running',
        reason: null,
        ...(kind === 'restart' ? { evidenceSince: this.iso() } : {}),
      },
      closeIncidents: true,
    });
    return this.view(flag);
  }

  /**
   * Operator: pauses a running rollout (the monitor will not advance; guardrails keep being
   * evaluated).
   * @throws CoreError BAD_INPUT unless it is running (a draft has nothing to pause).
   */
  pause(flag: FlagRef, reason: string, actor = this.d.actor): RolloutView {
    const state = this.stateOf(flag);
    if (state.status !== 'running')
      throw new CoreError(
        'BAD_INPUT',
        state.status === 'paused'
          ? `"${flag.key}" is already paused`
          : `"${flag.key}" is ${state.status === 'draft' ? 'a draft (not started)' : state.status}: only a running rollout can be paused`,
      );
    this.record({
      flag,
      actor,
      action: 'pause',
      rule: 'operator',
      rationale: `${actor} paused the rollout: ${reason}`,
      severity: 'warning',
      guardrails: this.guardrailSnapshot(flag),
      gate: this.lastGate.get(flagId(flag)) ?? null,
      state: { status: 'paused', reason },
      notify: true,
    });
    return this.view(flag);
  }

  /** Operator: resumes a paused rollout and closes the flag's open incidents. */
  resume(flag: FlagRef, reason: string, actor = this.d.actor): RolloutView {
    const state = this.stateOf(flag);
    if (state.status !== 'paused')
      throw new CoreError(
        'BAD_INPUT',
        `"${flag.key}" is ${state.status}, not paused${state.status === 'rolled-back' ? '; use advance to restart it' : ''}`,
      );
    this.record({
      flag,
      actor,
      action: 'resume',
      rule: 'operator',
      rationale: `${actor} resumed the rollout: ${reason}`,
      severity: 'info',
      guardrails: this.guardrailSnapshot(flag),
      gate: this.lastGate.get(flagId(flag)) ?? null,
      state: {
        status: state.stageIndex < 0 && this.store.plan(flag) ? 'draft' : 'running',
        reason: null,
        // Judged on data from now on: the breach that paused it does not count again.
        evidenceSince: this.iso(),
      },
      closeIncidents: true,
    });
    return this.view(flag);
  }

  /** Operator (or monitor): rolls back to `target` through the outbox. */
  async rollback(
    flag: FlagRef,
    reason: string,
    target: RollbackTarget,
    actor = this.d.actor,
    extra: Partial<DecisionChange> = {},
  ): Promise<DecisionRecord> {
    this.requireFlag(flag);
    const r = await this.rollbackPatch(flag, target);
    const state = this.stateOf(flag);
    const plan = this.store.plan(flag);
    const toPrevious = target === 'previous-stage' && r.action === 'revert' && plan && state.stageIndex > 0;
    return this.record({
      flag,
      actor,
      action: 'rollback',
      rule: 'operator',
      rationale: `${actor} rolled back (${r.note}): ${reason}`,
      severity: 'critical',
      guardrails: this.guardrailSnapshot(flag),
      gate: this.lastGate.get(flagId(flag)) ?? null,
      change: { patch: r.patch, action: r.action, purpose: 'rollback' },
      state: toPrevious
        ? { stageIndex: state.stageIndex - 1, status: 'paused', reason }
        : { status: 'rolled-back', reason },
      incident: 'rolled-back',
      notify: true,
      ...extra,
    });
  }

  /** Operator: approves advancing from the current stage. */
  approve(flag: FlagRef, reason: string, actor = this.d.actor): RolloutView {
    const plan = this.requirePlan(flag);
    const state = this.stateOf(flag);
    if (state.stageIndex < 0)
      throw new CoreError('BAD_INPUT', `"${flag.key}" has not started; approvals are per stage`);
    if (state.approvals.some((a) => a.stageIndex === state.stageIndex && a.actor === actor))
      throw new CoreError(
        'CONFLICT',
        `${actor} already approved stage ${state.stageIndex + 1} of "${flag.key}"`,
      );
    const at = this.iso();
    this.record({
      flag,
      actor,
      action: 'approve',
      rule: 'operator',
      rationale: `${actor} approved advancing from stage "${plan.stages[state.stageIndex]?.name}": ${reason}`,
      severity: 'info',
      guardrails: this.guardrailSnapshot(flag),
      gate: this.lastGate.get(flagId(flag)) ?? null,
      state: { approvals: [...state.approvals, { stageIndex: state.stageIndex, actor, at, reason }] },
    });
    return this.view(flag);
  }

  // --- views ---------------------------------------------------------------------------------

  /** Plan, state, the last gate evaluation and guardrail states (see {@link freshView} to evaluate first). */
  view(flag: FlagRef): RolloutView {
    const plan = this.store.plan(flag);
    const state = this.store.state(flag);
    const guardrails = this.currentStates(flag);
    return {
      flag,
      plan,
      state: state ? this.publicState(state) : null,
      gate: this.lastGate.get(flagId(flag)) ?? null,
      guardrails,
      calendar: this.calendar(plan, state),
    };
  }

  /** Evaluates the flag now (reads only; nothing is decided or kept) and returns its view. */
  async freshView(flag: FlagRef): Promise<RolloutView> {
    this.requireFlag(flag);
    const gs = this.store.guardrails(flag);
    const ev = await this.evaluate(flag, gs);
    // A view is a read: its evaluation is shown but not kept, so it never advances a breach or
    // no-data streak (only the monitor's evaluations count).
    return { ...this.view(flag), gate: ev.gate, guardrails: ev.verdicts.map((v) => v.state) };
  }

  private publicState(s: StoredState) {
    const { generation: _, ...rest } = s;
    return rest;
  }

  private calendar(plan: RolloutPlan | null, state: StoredState | null): RolloutView['calendar'] {
    if (!plan) return [];
    const from = Math.max(0, state?.stageIndex ?? 0);
    let at = state?.stageStartedAt ? Date.parse(state.stageStartedAt) : this.d.now();
    return plan.stages.slice(from).map((s, i) => {
      const startsAt = new Date(at).toISOString();
      at += s.minObservationMs;
      return { stageIndex: from + i, startsAt, endsAt: new Date(at).toISOString() };
    });
  }

  // --- decision log and incidents ------------------------------------------------------------

  decisions(f: DecisionFilter): DecisionRecord[] {
    return this.journal.decisions(f);
  }

  /** The decision log as JSON or CSV (oldest first). */
  exportDecisions(f: DecisionFilter & { format: 'json' | 'csv' }): {
    format: 'json' | 'csv';
    filename: string;
    content: string;
    rows: number;
  } {
    const rows = this.journal.decisions({ ...f, ascending: true, limit: f.limit ?? 1_000_000 });
    const stamp = this.iso().replace(/[:.]/g, '-');
    const filename = `rcr-decisions-${f.flag ? `${f.flag.key}-` : ''}${stamp}.${f.format}`;
    if (f.format === 'json')
      return { format: 'json', filename, content: `${JSON.stringify(rows, null, 2)}\n`, rows: rows.length };
    const header = [
      'id',
      'at',
      'provider',
      'environment',
      'flag',
      'stage_index',
      'stage',
      'actor',
      'action',
      'rule',
      'rationale',
      'outbox_id',
      'outbox_status',
      'inputs_json',
    ];
    const lines = rows.map((r) =>
      [
        r.id,
        r.at,
        r.flag.provider,
        r.flag.environment,
        r.flag.key,
        r.stageIndex,
        r.stageName,
        r.actor,
        r.action,
        r.rule,
        r.rationale,
        r.outbox?.id,
        r.outbox?.status,
        JSON.stringify(r.inputs),
      ]
        .map(csvCell)
        .join(','),
    );
    return {
      format: 'csv',
      filename,
      content: `${[header.join(','), ...lines].join('\n')}\n`,
      rows: rows.length,
    };
  }

  /** Every open incident row (no joined views), newest first: what the monitor's gates read. */
  openIncidentRows(): IncidentRow[] {
    return this.d.ledger.store.list(false);
  }

  /** `incidents.list` (see incidents/incident-views.ts). */
  incidents(includeClosed: boolean): Incident[] {
    return listIncidents(
      {
        incidents: this.d.ledger.store,
        journal: this.journal,
        rollout: (flag) => {
          const state = this.store.state(flag);
          return state ? this.publicState(state) : null;
        },
        layers: this.d.cachedLayers,
        guardrails: (flag) => this.currentStates(flag),
        liveStates: () => this.live.values(),
      },
      includeClosed,
    );
  }
}
