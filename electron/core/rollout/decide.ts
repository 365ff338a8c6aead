/**
 * What the monitor does about one flag after an evaluation (pure). Priority, highest first:
 *
 * 1. roll back — a guardrail asks for it (breach streak reached, SRM, drift rollback tier);
 * 2. pause — a guardrail asks for it, or has had no data for `consecutiveBreaches` evaluations;
 * 3. notify — a guardrail asks for it for the first time (breach with action notify, drift warn tier);
 * 4. advance / complete — the gate passed and the stage advances automatically;
 * 5. hold — the gate did not pass (recorded only when what it waits for changes).
 *
 * A rolled-back rollout takes no further automatic action; a paused one is never advanced or
 * paused again (an operator resumes it). Nothing here touches the database.
 */
import type { DecisionAction } from '../../../shared/decisions.ts';
import type { GateEvaluation, RolloutState } from '../../../shared/rollout-state.ts';
import type { RollbackTarget } from '../../../shared/guardrails.ts';
import type { RolloutPlan } from '../../../shared/rollout-plans.ts';
import { GATE_OK } from './gate.ts';
import type { GuardrailVerdict } from './guardrails.ts';

/**
 * What {@link decide} asks the monitor to do about one flag, with the rule that fired and the rationale
 * for the decision log.
 */
export interface MonitorDecision {
  action: DecisionAction;
  rule: string;
  rationale: string;
  /** For `rollback`. */
  rollbackTarget?: RollbackTarget;
  /** For `advance`: the stage to apply. */
  toStage?: number;
  /** Notification severity. */
  severity: 'info' | 'warning' | 'critical';
  /** For `hold`: a signature of what the gate waits for (a new hold is recorded when it changes). */
  holdSignature?: string;
}

/**
 * Input of {@link decide}: the flag's plan (or null), its rollout state, the guardrail verdicts and the
 * gate evaluation (or null).
 */
export interface DecideInput {
  plan: RolloutPlan | null;
  state: RolloutState;
  verdicts: readonly GuardrailVerdict[];
  gate: GateEvaluation | null;
}

const pick = (vs: readonly GuardrailVerdict[], act: string): GuardrailVerdict | undefined =>
  vs.find((v) => v.act === act);

/** Decides (see the module docs); null when there is nothing to do or record. */
export function decide(i: DecideInput): MonitorDecision | null {
  const { state, plan, gate } = i;
  if (state.status === 'rolled-back') return null;
  const rb = pick(i.verdicts, 'rollback');
  if (rb) {
    const g = rb.state.guardrail;
    const target = g.rollbackTarget;
    return {
      action: 'rollback',
      rule: `guardrail:${g.id}:${rb.state.fired ?? 'breach'}`,
      rationale: `Rolled back (${target}) because guardrail "${g.id}" on ${g.metric} fired: ${rb.state.note}.`,
      rollbackTarget: target,
      severity: 'critical',
    };
  }
  const pause = pick(i.verdicts, 'pause');
  if (pause && state.status !== 'paused') {
    const g = pause.state.guardrail;
    return {
      action: 'pause',
      rule: `guardrail:${g.id}:${pause.state.fired ?? 'breach'}`,
      rationale: `Paused at the current stage because guardrail "${g.id}" on ${g.metric} ${pause.state.fired === 'no-data' ? 'has no data' : 'fired'}: ${pause.state.note}.`,
      severity: 'warning',
    };
  }
  const notify = i.verdicts.find((v) => v.act === 'notify' && v.firstFire);
  if (notify) {
    const g = notify.state.guardrail;
    return {
      action: 'notify',
      rule: `guardrail:${g.id}:${notify.state.fired ?? 'breach'}`,
      rationale: `Guardrail "${g.id}" on ${g.metric} needs attention: ${notify.state.note}.`,
      severity: 'warning',
    };
  }
  if (!plan || !gate || state.status !== 'running' || state.pendingActionId !== null) return null;
  const stage = plan.stages[state.stageIndex];
  if (!stage) return null;
  const last = state.stageIndex === plan.stages.length - 1;
  if (gate.passed && stage.autoAdvance) {
    if (last)
      return {
        action: 'complete',
        rule: 'gate-passed:auto-advance',
        rationale: `The gate of the last stage "${stage.name}" (${stage.targetPercent} %) passed: the rollout is complete.`,
        severity: 'info',
      };
    const next = plan.stages[state.stageIndex + 1];
    return {
      action: 'advance',
      rule: 'gate-passed:auto-advance',
      rationale: `The gate of stage "${stage.name}" passed (${gate.items
        .map((x) => x.evidence)
        .slice(0, 2)
        .join('; ')}): advancing to "${next?.name}" (${next?.targetPercent} %).`,
      toStage: state.stageIndex + 1,
      severity: 'info',
    };
  }
  const waiting = gate.items.filter((x) => !GATE_OK.has(x.status));
  const signature = gate.passed ? 'passed:manual' : waiting.map((x) => `${x.id}:${x.status}`).join(',');
  return {
    action: 'hold',
    rule: gate.passed ? 'gate-passed:manual-advance' : `gate:${waiting.map((x) => x.id).join('+')}`,
    rationale: gate.passed
      ? `The gate of stage "${stage.name}" passed; auto-advance is off, so the rollout waits for an operator to advance.`
      : `Holding at "${stage.name}" (${stage.targetPercent} %): ${waiting.map((x) => `${x.label.toLowerCase()} — ${x.evidence}`).join('; ')}.`,
    severity: 'info',
    holdSignature: signature,
  };
}
