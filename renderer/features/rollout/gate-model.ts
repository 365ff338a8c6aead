/** What a stage's gate is waiting for: its blocking items and a one-line headline. Pure. */
import type { GateEvaluation, GateItem } from '../../../shared/rollout-state.ts';

/** Gate statuses that hold a gate back, most serious first (`pass` and `n/a` do not). */
const BLOCKING_ORDER: readonly GateItem['status'][] = ['fail', 'missing', 'waiting'];

/** Gate items that are not passing (what the gate is waiting for), fails first. */
export function gateBlockers(gate: GateEvaluation | null): GateItem[] {
  if (!gate) return [];
  return gate.items
    .filter((i) => BLOCKING_ORDER.includes(i.status))
    .sort((a, b) => BLOCKING_ORDER.indexOf(a.status) - BLOCKING_ORDER.indexOf(b.status));
}

/** One line about the gate: passed, failing on…, or waiting for…. */
export function gateHeadline(gate: GateEvaluation | null): string {
  if (!gate) return 'No gate evaluation yet: the gate is evaluated once a stage is live.';
  if (gate.passed) {
    const na = gate.items.filter((i) => i.status === 'n/a').length;
    return `Gate passed: every item holds${na ? ` (${na} not applicable)` : ''}.`;
  }
  const blockers = gateBlockers(gate);
  const fails = blockers.filter((b) => b.status === 'fail');
  if (fails.length) return `Gate failing: ${fails.map((f) => f.label.toLowerCase()).join('; ')}.`;
  const missing = blockers.filter((b) => b.status === 'missing');
  if (missing.length)
    return `Gate cannot pass — missing: ${missing.map((m) => m.label.toLowerCase()).join('; ')}.`;
  return `Gate waiting for: ${blockers.map((b) => b.label.toLowerCase()).join('; ')}.`;
}
