/**
 * The rollout monitor: every interval (default 30 s, at least 5 s) it evaluates every flag with a
 * plan or guardrails — guardrails over their windows, the stage gate over the stage so far — and
 * decides (decide.ts): roll back, pause, notify, advance, complete or hold. Each decision becomes a
 * decision record, and its flag change an outbox action, through {@link RolloutService.record}.
 * A `hold` is recorded only when what the gate waits for changes, so the log stays readable; the
 * log is pruned to the newest `decisionRetention` records after every run.
 *
 * Runs in the main-process core and headless in `rcr monitor`. One run at a time.
 */
import type { FlagRef } from '../../../shared/domain.ts';
import type { DecisionRecord, GuardrailState, MonitorRun } from '../../../shared/rollout.ts';
import { toApiError } from '../errors.ts';
import { decide, type MonitorDecision } from './decide.ts';
import type { FlagEvaluation } from './evaluate.ts';
import type { IncidentRow } from '../incidents/incident-store.ts';
import { flagId } from './rollout-store.ts';
import type { RolloutService } from './rollout-service.ts';

/** Shortest monitor interval, ms. */
export const MIN_MONITOR_INTERVAL_MS = 5000;
export const DEFAULT_MONITOR_INTERVAL_MS = 30_000;

export interface MonitorDeps {
  service: RolloutService;
  now: () => number;
  /** Newest decision records kept. */
  decisionRetention: number;
  emitChanged: (flag: FlagRef, reason: string) => void;
}

/** The monitor's status (`monitor.status`). */
export interface MonitorStatus {
  running: boolean;
  intervalMs: number;
  lastRunAt: string | null;
  lastDurationMs: number | null;
  lastError: string | null;
}

export class Monitor {
  private readonly d: MonitorDeps;
  private timer: NodeJS.Timeout | null = null;
  private intervalMs = DEFAULT_MONITOR_INTERVAL_MS;
  private current: Promise<MonitorRun> | null = null;
  private readonly lastHold = new Map<string, string>();
  private lastRunAt: string | null = null;
  private lastDurationMs: number | null = null;
  private lastError: string | null = null;

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
      void this.runOnce()
        .catch(() => undefined)
        .finally(() => {
          if (this.timer) this.timer = setTimeout(tick, this.intervalMs).unref();
        });
    };
    this.timer = setTimeout(tick, 0).unref();
    void this.d.service.outbox.drain();
  }

  stop(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
  }

  /** Waits for the running evaluation, if any. */
  async idle(): Promise<void> {
    while (this.current) await this.current.catch(() => undefined);
  }

  status(): MonitorStatus {
    return {
      running: this.timer !== null,
      intervalMs: this.intervalMs,
      lastRunAt: this.lastRunAt,
      lastDurationMs: this.lastDurationMs,
      lastError: this.lastError,
    };
  }

  /** One evaluation of `flag` (of every monitored flag when omitted); waits for a running one first. */
  async runOnce(flag?: FlagRef): Promise<MonitorRun> {
    while (this.current) await this.current.catch(() => undefined);
    this.current = this.run(flag);
    try {
      return await this.current;
    } finally {
      this.current = null;
    }
  }

  private async run(only?: FlagRef): Promise<MonitorRun> {
    const { service } = this.d;
    const started = performance.now();
    const at = new Date(this.d.now()).toISOString();
    const flags = only ? [only] : service.monitoredFlags();
    const byFlag = new Map<string, ReturnType<typeof service.store.guardrails>>();
    for (const g of service.store.guardrails(only)) {
      const k = flagId(g.flag);
      const list = byFlag.get(k);
      if (list) list.push(g);
      else byFlag.set(k, [g]);
    }
    // Every flag's stage state in one read: kept as a snapshot the per-flag reads use until one
    // is written.
    if (!only) service.store.states();
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
    service.journal.pruneDecisions(this.d.decisionRetention);
    for (const flag of flags) this.d.emitChanged(flag, 'evaluated');
    const durationMs = performance.now() - started;
    this.lastRunAt = at;
    this.lastDurationMs = durationMs;
    this.lastError = errors.length ? errors.join('; ') : null;
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
        const plan = service.store.plan(flag);
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
