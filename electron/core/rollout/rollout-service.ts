/**
 * Staged rollouts in the core: one facade over the parts that do the work — plans
 * (plan-service.ts), guardrail definitions (guardrail-definitions.ts) and their live states
 * (guardrail-live-state.ts), evaluation (rollout-evaluator.ts), the operator's overrides (advance,
 * pause, resume, roll back, approve; operator-overrides.ts), the decision log
 * (decision-recorder.ts, decision-export.ts), views (rollout-views.ts), incidents
 * (rollout-incidents.ts), and the journaled outbox that carries every flag change and webhook
 * (outbox.ts, outbox-settlement.ts). The monitor (monitor.ts) evaluates flags and hands its
 * decisions to {@link RolloutService.record}, the one place a decision becomes a record + state
 * change + outbox action — in ONE SQLite transaction, before anything is sent.
 *
 * The rollout follows the flag's confirmed kill switch ({@link RolloutService.flagKilled},
 * {@link RolloutService.flagServingAgain}, called by the incident rules in the transaction that
 * writes the confirmed state; kill-switch-follower.ts): a kill by anyone rolls a running rollout
 * back, and a flag serving again starts a fresh evidence window.
 */
import type { ChangePreview } from '../../../shared/flag-actions.ts';
import type { FlagRef, LayerPatch } from '../../../shared/domain.ts';
import type { Incident } from '../../../shared/incidents.ts';
import type { DecisionRecord, OutboxAction, OutboxStatus } from '../../../shared/decisions.ts';
import type { Guardrail, GuardrailState, RollbackTarget } from '../../../shared/guardrails.ts';
import type { RolloutPlan, Stage } from '../../../shared/rollout-plans.ts';
import type { RolloutView } from '../../../shared/rollout-state.ts';
import type { PLAN_TEMPLATES } from '../../../shared/rollout-templates.ts';
import type { DecisionContext } from '../flags/confirmed-state.ts';
import type { IncidentCause } from '../incidents/incident-ledger.ts';
import type { IncidentRow } from '../incidents/incident-store.ts';
import { exportDecisions, type DecisionExport } from './decision-export.ts';
import { DecisionRecorder, type DecisionChange } from './decision-recorder.ts';
import { GuardrailDefinitions } from './guardrail-definitions.ts';
import { GuardrailLiveState } from './guardrail-live-state.ts';
import type { DecisionFilter, JournalStore } from '../decisions/journal-store.ts';
import { KillSwitchFollower } from './kill-switch-follower.ts';
import { OperatorOverrides } from './operator-overrides.ts';
import { Outbox } from './outbox.ts';
import { settleOutboxAction } from './outbox-settlement.ts';
import { PlanService, type PlanRequest } from './plan-service.ts';
import { RolloutContext, type RolloutDeps } from './rollout-context.ts';
import { RolloutEvaluator, type RolloutEvaluation } from './rollout-evaluator.ts';
import { RolloutIncidents } from './rollout-incidents.ts';
import type { RolloutStore } from './rollout-store.ts';
import { RolloutViews } from './rollout-views.ts';
import { StagePatches, type RollbackPatch } from './stage-patches.ts';

/** The staged rollouts of the core (one per core; see the file's comment for its parts). */
export class RolloutService {
  /** Plans, stage states, guardrails and their last evaluations — for tests; callers use the methods. */
  readonly store: RolloutStore;
  /** The decision log and outbox actions — for tests; callers use the methods. */
  readonly journal: JournalStore;
  /** The action outbox — for tests; callers use {@link drainOutbox}, {@link outboxIdle}, {@link stopOutbox}. */
  readonly outbox: Outbox;
  private readonly ctx: RolloutContext;
  private readonly live: GuardrailLiveState;
  private readonly evaluator: RolloutEvaluator;
  private readonly views: RolloutViews;
  private readonly plans: PlanService;
  private readonly guardrailDefs: GuardrailDefinitions;
  private readonly patches: StagePatches;
  private readonly recorder: DecisionRecorder;
  private readonly overrides: OperatorOverrides;
  private readonly killSwitch: KillSwitchFollower;
  private readonly incidentReads: RolloutIncidents;

  /** Loads the guardrails' stored states; sends nothing until the outbox is drained. */
  constructor(deps: RolloutDeps) {
    const ctx = new RolloutContext(deps);
    this.ctx = ctx;
    this.store = ctx.store;
    this.journal = ctx.journal;
    this.live = new GuardrailLiveState(deps.db, ctx.store, deps.now);
    this.outbox = new Outbox({
      journal: ctx.journal,
      owner: deps.owner,
      isLeader: deps.isLeader,
      providers: deps.providers,
      actions: deps.actions,
      webhook: deps.webhook,
      now: deps.now,
      random: deps.random,
      baseDelayMs: deps.options.retryBaseMs,
      maxDelayMs: deps.options.retryMaxMs,
      onSettled: (a, outcome, detail) => settleOutboxAction(ctx, a, outcome, detail),
    });
    this.evaluator = new RolloutEvaluator(ctx, this.live);
    this.views = new RolloutViews(ctx, this.live, this.evaluator);
    this.plans = new PlanService(ctx, this.views);
    this.guardrailDefs = new GuardrailDefinitions(ctx, this.live);
    this.patches = new StagePatches(ctx);
    this.recorder = new DecisionRecorder(ctx, this.outbox);
    this.overrides = new OperatorOverrides(ctx, {
      recorder: this.recorder,
      patches: this.patches,
      views: this.views,
      live: this.live,
      evaluator: this.evaluator,
    });
    this.killSwitch = new KillSwitchFollower(ctx);
    this.incidentReads = new RolloutIncidents(ctx, this.live);
  }

  // --- plans ---------------------------------------------------------------------------------

  /** The built-in plan templates. */
  templates(): typeof PLAN_TEMPLATES {
    return this.plans.templates();
  }

  /**
   * Computes (does not save) a plan (see {@link PlanService.computePlan}).
   * @throws CoreError BAD_INPUT for an unknown template or impossible inputs.
   */
  computePlan(i: PlanRequest): RolloutPlan {
    return this.plans.computePlan(i);
  }

  /**
   * Saves a plan (see {@link PlanService.savePlan}).
   * @throws CoreError NOT_FOUND when the flag is unknown.
   */
  savePlan(plan: RolloutPlan): RolloutView {
    return this.plans.savePlan(plan);
  }

  /** The flag's saved plan, or null. */
  plan(flag: FlagRef): RolloutPlan | null {
    return this.store.plan(flag);
  }

  // --- guardrails ----------------------------------------------------------------------------

  /** Guardrails of a flag (of every flag when omitted), by flag and id. */
  guardrails(flag?: FlagRef): Guardrail[] {
    return this.guardrailDefs.list(flag);
  }

  /**
   * Creates or replaces a guardrail.
   * @throws CoreError NOT_FOUND for an unknown flag; BAD_INPUT for a metric not defined for the flag
   *   or a kind the metric cannot have.
   */
  defineGuardrail(input: Guardrail): Guardrail {
    return this.guardrailDefs.define(input);
  }

  /** Removes a guardrail and its last evaluation; false when the flag had no such guardrail. */
  removeGuardrail(flag: FlagRef, id: string): boolean {
    return this.guardrailDefs.remove(flag, id);
  }

  /** The live state of a guardrail (from the last evaluation), or null. */
  guardrailState(g: Guardrail): GuardrailState | null {
    return this.live.get(g);
  }

  /**
   * Keeps an evaluation's states: a changed one is written at once, an unchanged one every 5
   * minutes right after the evaluation (see {@link GuardrailLiveState.keep}).
   */
  keepStates(states: readonly GuardrailState[]): void {
    this.live.keep(states);
  }

  /**
   * Writes the unchanged states {@link keepStates} set aside (one transaction); returns how many.
   * @throws the database's error (e.g. busy): the states stay due for the next flush.
   */
  flushStates(): number {
    return this.live.flush();
  }

  // --- evaluation ----------------------------------------------------------------------------

  /** Flags with a plan or guardrails. */
  monitoredFlags(): FlagRef[] {
    return this.evaluator.monitoredFlags();
  }

  /**
   * Reads every flag's stage state in one query and keeps it as the snapshot the per-flag reads
   * use until a state is written (the monitor calls it before evaluating every flag).
   */
  snapshotStates(): void {
    this.store.states();
  }

  /**
   * Evaluates a flag's guardrails and gate (reads only). `openIncidents` (by flag id) saves a query
   * per flag when the monitor evaluates many.
   */
  evaluate(
    flag: FlagRef,
    guardrails?: readonly Guardrail[],
    withGate: boolean | 'deferred' | 'full' = 'full',
    openIncidents?: ReadonlyMap<string, IncidentRow>,
  ): Promise<RolloutEvaluation> {
    return this.evaluator.evaluate(flag, guardrails, withGate, openIncidents);
  }

  // --- decisions -----------------------------------------------------------------------------

  /**
   * Records a decision: in one transaction the decision record, the state change, the incident
   * and the outbox actions (flag change, webhook); then notifies and drains the outbox.
   * @returns the decision record (with its outbox action).
   */
  record(c: DecisionChange): DecisionRecord {
    return this.recorder.record(c);
  }

  /**
   * The patch that applies `stage` (`index` 0-based, for the error only).
   * @throws CoreError BAD_INPUT when the stage's allow-list holds a template placeholder.
   */
  stagePatch(flag: FlagRef, stage: Stage, index?: number): LayerPatch {
    return this.patches.stagePatch(flag, stage, index);
  }

  /** The patch of a rollback to `target`; `revert` falls back to kill when history has nothing to restore. */
  rollbackPatch(flag: FlagRef, target: RollbackTarget): Promise<RollbackPatch> {
    return this.patches.rollbackPatch(flag, target);
  }

  /** The rollout context a decision on `flag` records (stage, guardrail states, last gate, plan). */
  decisionContext(flag: FlagRef): DecisionContext {
    return this.views.decisionContext(flag);
  }

  /** The provider confirmed the flag Killed (`at` ISO 8601): see {@link KillSwitchFollower.flagKilled}. */
  flagKilled(flag: FlagRef, cause: IncidentCause, at: string): void {
    this.killSwitch.flagKilled(flag, cause, at);
  }

  /** The provider confirmed the flag Serving again (`at` ISO 8601): see {@link KillSwitchFollower.flagServingAgain}. */
  flagServingAgain(flag: FlagRef, cause: IncidentCause, at: string): void {
    this.killSwitch.flagServingAgain(flag, cause, at);
  }

  /** Keeps the newest `keep` decision records, deletes older ones; returns how many it deleted. */
  pruneDecisions(keep: number): number {
    return this.journal.pruneDecisions(keep);
  }

  // --- operator overrides (always possible, always recorded) ---------------------------------

  /**
   * The change an operator's advance would send (sends nothing).
   * @throws CoreError BAD_INPUT past the last stage or for a placeholder; NOT_FOUND without a plan.
   */
  previewAdvance(flag: FlagRef, toStage?: number): Promise<ChangePreview> {
    return this.overrides.previewAdvance(flag, toStage);
  }

  /**
   * Operator: applies the next stage (or `toStage`, 0-based); see {@link OperatorOverrides.advance}.
   * @throws CoreError BAD_INPUT past the last stage or for a placeholder; NOT_FOUND without a plan.
   */
  advance(flag: FlagRef, reason: string, toStage?: number, actor?: string): RolloutView {
    return this.overrides.advance(flag, reason, toStage, actor);
  }

  /**
   * Operator: pauses a running rollout.
   * @throws CoreError BAD_INPUT unless it is running.
   */
  pause(flag: FlagRef, reason: string, actor?: string): RolloutView {
    return this.overrides.pause(flag, reason, actor);
  }

  /**
   * Operator: resumes a paused rollout and closes the flag's open incidents.
   * @throws CoreError BAD_INPUT unless it is paused.
   */
  resume(flag: FlagRef, reason: string, actor?: string): RolloutView {
    return this.overrides.resume(flag, reason, actor);
  }

  /**
   * Operator (or monitor): rolls back to `target` through the outbox.
   * @throws CoreError NOT_FOUND when the flag is unknown.
   */
  rollback(
    flag: FlagRef,
    reason: string,
    target: RollbackTarget,
    actor?: string,
    extra?: Partial<DecisionChange>,
  ): Promise<DecisionRecord> {
    return this.overrides.rollback(flag, reason, target, actor, extra);
  }

  /**
   * Operator: approves advancing from the current stage.
   * @throws CoreError NOT_FOUND without a plan; BAD_INPUT before the start; CONFLICT when approved twice.
   */
  approve(flag: FlagRef, reason: string, actor?: string): RolloutView {
    return this.overrides.approve(flag, reason, actor);
  }

  // --- views ---------------------------------------------------------------------------------

  /** Plan, state, the last gate evaluation and guardrail states (see {@link freshView} to evaluate first). */
  view(flag: FlagRef): RolloutView {
    return this.views.view(flag);
  }

  /**
   * Evaluates the flag now (reads only; nothing is decided or kept) and returns its view.
   * @throws CoreError NOT_FOUND when the flag is unknown.
   */
  freshView(flag: FlagRef): Promise<RolloutView> {
    return this.views.freshView(flag);
  }

  // --- decision log and incidents ------------------------------------------------------------

  /** Decision records matching `f`, newest first unless `f.ascending`. */
  decisions(f: DecisionFilter): DecisionRecord[] {
    return this.journal.decisions(f);
  }

  /** The decision log as JSON or CSV (oldest first). */
  exportDecisions(f: DecisionFilter & { format: 'json' | 'csv' }): DecisionExport {
    return exportDecisions(this.journal, f, this.ctx.iso());
  }

  /** Every open incident row (no joined views), newest first: what the monitor's gates read. */
  openIncidentRows(): IncidentRow[] {
    return this.incidentReads.openRows();
  }

  /** `incidents.list` (see incidents/incident-views.ts). */
  incidents(includeClosed: boolean): Incident[] {
    return this.incidentReads.list(includeClosed);
  }

  // --- the outbox ----------------------------------------------------------------------------

  /** Outbox actions matching `f` (`outbox.list`). */
  outboxActions(f?: { flag?: FlagRef; status?: OutboxStatus; limit?: number }): OutboxAction[] {
    return this.journal.actions(f);
  }

  /** Outbox actions not finished yet (pending or sent). */
  pendingActionCount(): number {
    return this.journal.countUnfinished();
  }

  /** Runs every due outbox action (one drain at a time; a call during a drain schedules another pass). */
  drainOutbox(): Promise<void> {
    return this.outbox.drain();
  }

  /** Waits for the running outbox drain, if any. */
  outboxIdle(): Promise<void> {
    return this.outbox.idle();
  }

  /**
   * Stops the outbox's retries and releases this process's claims: unfinished actions stay
   * journaled for the next start or the monitor's process.
   */
  stopOutbox(): Promise<void> {
    return this.outbox.stop();
  }
}
