/**
 * The rollout monitor: every interval (default 30 s, at least 5 s) it evaluates every flag with a
 * plan or guardrails — guardrails over their windows, the stage gate over the stage so far — and
 * decides (decide.ts): roll back, pause, notify, advance, complete or hold. Each decision becomes a
 * decision record, and its flag change an outbox action, through {@link RolloutService.record}.
 * A `hold` is recorded only when what the gate waits for changes, so the log stays readable; the
 * log is pruned to the newest `decisionRetention` records after every run.
 *
 * Runs in the main-process core and headless in `rcr monitor`. One run at a time.
 *
 * It never dies of a transient error: a run that throws (e.g. `SQLITE_BUSY` while another process
 * holds the database's write lock past `busy_timeout`) or whose flags failed to evaluate counts as a
 * failed tick — its error, its time and the failed ticks in a row are in {@link Monitor.status} —
 * and the next tick runs at the usual interval. A rejected outbox drain is recorded the same way.
 */
import type { FlagRef } from '../../../shared/domain.ts';
import type { DecisionRecord } from '../../../shared/decisions.ts';
import type { Guardrail, GuardrailState } from '../../../shared/guardrails.ts';
import type { MonitorRun } from '../../../shared/monitor.ts';
import { toApiError } from '../errors.ts';
import { decide, type MonitorDecision } from './decide.ts';
import type { FlagEvaluation } from './evaluate.ts';
import type { IncidentRow } from '../incidents/incident-store.ts';
import { flagId } from './rollout-store.ts';
import type { RolloutService } from './rollout-service.ts';

/** Shortest monitor interval, ms. */
export const MIN_MONITOR_INTERVAL_MS = 5000;
/** Monitor interval when none is given, ms. */
export const DEFAULT_MONITOR_INTERVAL_MS = 30_000;

/** What the monitor is built from (app-core.ts wires it). */
export interface MonitorDeps {
  /** The rollout service whose flags it evaluates and whose decisions it records. */
  service: RolloutService;
  /** The clock, ms since the epoch. */
  now: () => number;
  /** Newest decision records kept. */
  decisionRetention: number;
  /** Emits `rollout.changed` for a flag (after every evaluation). */
  emitChanged: (flag: FlagRef, reason: string) => void;
}

/** The monitor's status and health (`monitor.status`). Times are ISO 8601. */
export interface MonitorStatus {
  /** The interval timer runs (`start` without `stop`). */
  running: boolean;
  intervalMs: number;
  /** When the last evaluation started, failed or not. */
  lastRunAt: string | null;
  /** How long the last evaluation that completed took, ms. */
  lastDurationMs: number | null;
  /**
   * What went wrong in the last tick (the run's error, or the flags that failed to evaluate), or
   * in an outbox drain since; null when the last tick succeeded and nothing failed since.
   */
  lastError: string | null;
  /** When the last tick that failed nowhere started (its run's `at`). */
  lastSuccessAt: string | null;
  /** When the last failed tick (or failed outbox drain) ended. */
  lastFailureAt: string | null;
  /** Ticks in a row that failed (a run that threw, or any flag that failed to evaluate); 0 after a good one. */
  consecutiveFailures: number;
}

/** The rollout monitor (see the file's comment); one per core. */
export class Monitor {
  private readonly d: MonitorDeps;
  private timer: NodeJS.Timeout | null = null;
  private intervalMs = DEFAULT_MONITOR_INTERVAL_MS;
  private current: Promise<MonitorRun> | null = null;
  private readonly lastHold = new Map<string, string>();
  private lastRunAt: string | null = null;
  private lastDurationMs: number | null = null;
  private lastError: string | null = null;
  private lastSuccessAt: string | null = null;
  private lastFailureAt: string | null = null;
  private consecutiveFailures = 0;

  constructor(deps: MonitorDeps) {
    this.d = deps;
  }

  /**
   * Starts evaluating every `intervalMs` (first run at once).
   * @throws RangeError below {@link MIN_MONITOR_INTERVAL_MS}.
   */
  start(intervalMs = DEFAULT_MONITOR_INTERVAL_MS): void {
    if (!(intervalMs >= MIN_MONITOR_INTERVAL_MS))
      throw new RangeError(
        `monitor interval must be at least ${MIN_MONITOR_INTERVAL_MS} ms, got ${intervalMs}`,
      );
    this.stop();
    this.intervalMs = intervalMs;
    const tick = (): void => {
      // runOnce records its own failure (status); the loop only has to go on. Each tick also
      // drains the outbox, so an action whose retry could not be scheduled (busy database) resumes.
      void this.runOnce()
        .catch(() => undefined)
        .then(() => void this.drainOutbox())
        .finally(() => {
          if (this.timer) this.timer = setTimeout(tick, this.intervalMs).unref();
        });
    };
    this.timer = setTimeout(tick, 0).unref();
    void this.drainOutbox();
  }

  /**
   * Starts an outbox drain; its rejection (e.g. a busy database) is recorded as a failure
   * ({@link noteError}), never thrown out of the event loop. Returns when the drain settled.
   */
  drainOutbox(): Promise<void> {
    try {
      return this.d.service.drainOutbox().catch((error: unknown) => this.noteError('outbox', error));
    } catch (error) {
      this.noteError('outbox', error);
      return Promise.resolve();
    }
  }

  /**
   * Records an error of a background path that belongs to the monitor's work (`source`: e.g.
   * `outbox`) in {@link status}: `lastError` becomes `<source>: <message>`, `lastFailureAt` now.
   * Does not count as a failed tick.
   */
  noteError(source: string, error: unknown): void {
    this.lastError = `${source}: ${toApiError(error).message}`;
    this.lastFailureAt = new Date(this.safeNow()).toISOString();
  }

  /** Stops the interval timer (a running evaluation finishes; see {@link idle}). */
  stop(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
  }

  /** Waits for the running evaluation, if any. */
  async idle(): Promise<void> {
    while (this.current) await this.current.catch(() => undefined);
  }

  /** The monitor's status and health (see {@link MonitorStatus}). */
  status(): MonitorStatus {
    return {
      running: this.timer !== null,
      intervalMs: this.intervalMs,
      lastRunAt: this.lastRunAt,
      lastDurationMs: this.lastDurationMs,
      lastError: this.lastError,
      lastSuccessAt: this.lastSuccessAt,
      lastFailureAt: this.lastFailureAt,
      consecutiveFailures: this.consecutiveFailures,
    };
  }

  /**
   * One evaluation of `flag` (of every monitored flag when omitted); waits for a running one first.
   * A run that throws is recorded as a failed tick in {@link status}, then rethrown.
   */
  async runOnce(flag?: FlagRef): Promise<MonitorRun> {
    while (this.current) await this.current.catch(() => undefined);
    this.current = this.run(flag);
    try {
      return await this.current;
    } catch (error) {
      this.lastError = toApiError(error).message;
      this.failed();
      throw error;
    } finally {
      this.current = null;
    }
  }

  /** Counts a failed tick. */
  private failed(): void {
    this.consecutiveFailures++;
    this.lastFailureAt = new Date(this.safeNow()).toISOString();
  }

  /** The clock, or the system clock when the injected one throws (status must not throw). */
  private safeNow(): number {
    try {
      return this.d.now();
    } catch {
      return Date.now();
    }
  }

  private async run(only?: FlagRef): Promise<MonitorRun> {
    const { service } = this.d;
    const started = performance.now();
    const at = new Date(this.d.now()).toISOString();
    this.lastRunAt = at;
    const flags = only ? [only] : service.monitoredFlags();
    const byFlag = new Map<string, Guardrail[]>();
    for (const g of service.guardrails(only)) {
      const k = flagId(g.flag);
      const list = byFlag.get(k);
      if (list) list.push(g);
      else byFlag.set(k, [g]);
    }
    // Every flag's stage state in one read: kept as a snapshot the per-flag reads use until one
    // is written.
    if (!only) service.snapshotStates();
    const openIncidents = new Map<string, IncidentRow>();
    for (const i of service.openIncidentRows())
      if (!openIncidents.has(flagId(i.flag))) openIncidents.set(flagId(i.flag), i);
    const states: GuardrailState[] = [];
    const decisions: DecisionRecord[] = [];
    const errors: string[] = [];
    let guardrails = 0;
    for (const flag of flags) {
      try {
        const gs = byFlag.get(flagId(flag)) ?? [];
        guardrails += gs.length;
        const ev = await service.evaluate(flag, gs, 'deferred', openIncidents);
        states.push(...ev.verdicts.map((v) => v.state));
        const d = decide({ plan: ev.plan, state: ev.state, verdicts: ev.verdicts, gate: ev.gate });
        const record = d ? await this.apply(flag, d, ev) : null;
        if (record) decisions.push(record);
      } catch (error) {
        errors.push(`${flagId(flag)}: ${toApiError(error).message}`);
      }
    }
    service.keepStates(states);
    service.pruneDecisions(this.d.decisionRetention);
    for (const flag of flags) this.d.emitChanged(flag, 'evaluated');
    const durationMs = performance.now() - started;
    this.lastDurationMs = durationMs;
    this.lastError = errors.length ? errors.join('; ') : null;
    if (errors.length) this.failed();
    else {
      this.consecutiveFailures = 0;
      this.lastSuccessAt = at;
    }
    return { at, flags: flags.length, guardrails, decisions, durationMs };
  }

  private async apply(
    flag: FlagRef,
    d: MonitorDecision,
    ev: FlagEvaluation & { state: { stageIndex: number } },
  ): Promise<DecisionRecord | null> {
    const { service } = this.d;
    const key = flagId(flag);
    if (d.action === 'hold') {
      if (this.lastHold.get(key) === d.holdSignature) return null;
      this.lastHold.set(key, d.holdSignature ?? '');
    } else this.lastHold.delete(key);
    const base = {
      flag,
      actor: 'monitor',
      action: d.action,
      rule: d.rule,
      rationale: d.rationale,
      severity: d.severity,
      guardrails: ev.verdicts.map((v) => v.state),
      gate: ev.gate,
    };
    switch (d.action) {
      case 'rollback':
        return service.rollback(flag, d.rationale, d.rollbackTarget ?? 'kill', 'monitor', {
          rule: d.rule,
          rationale: d.rationale,
          guardrails: base.guardrails,
          gate: ev.gate,
        });
      case 'pause':
        return service.record({
          ...base,
          state: { status: 'paused', reason: d.rationale },
          incident: 'paused',
          notify: true,
        });
      case 'notify':
        return service.record({ ...base, notify: true });
      case 'advance': {
        const plan = service.plan(flag);
        const stage = plan?.stages[d.toStage ?? -1];
        if (!stage) return null;
        return service.record({
          ...base,
          change: {
            patch: service.stagePatch(flag, stage, d.toStage),
            action: 'set-layers',
            purpose: 'advance',
            stageIndex: d.toStage,
          },
          state: { stageIndex: d.toStage, status: 'running', reason: null },
        });
      }
      case 'complete':
        return service.record({ ...base, state: { status: 'completed', reason: null }, notify: true });
      default:
        return service.record(base);
    }
  }
}
