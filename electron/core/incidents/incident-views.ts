/**
 * `incidents.list`: the recorded incidents (open first, newest first) with what on-call needs
 * beside each — the flag's confirmed layers now (the flag cache), its rollout state, the guardrail
 * states of its current evidence window and the decisions taken while it was open — plus, as
 * `breached` (id 0, not stored), each flag whose guardrail is breached now without an open
 * incident. Reads only.
 */
import type { FlagLayers, FlagRef } from '../../../shared/domain.ts';
import type { Incident } from '../../../shared/incidents.ts';
import type { GuardrailState } from '../../../shared/guardrails.ts';
import type { RolloutState } from '../../../shared/rollout-state.ts';
import type { JournalStore } from '../decisions/journal-store.ts';
import type { IncidentRow, IncidentStore } from './incident-store.ts';
import { flagId } from '../../../shared/domain.ts';

/** What the views are assembled from. */
export interface IncidentViewSources {
  incidents: IncidentStore;
  journal: JournalStore;
  /** The flag's rollout state (public fields), or null. */
  rollout: (flag: FlagRef) => RolloutState | null;
  /** The flag's confirmed layers from the cache, or null. */
  layers: (flag: FlagRef) => FlagLayers | null;
  /** The flag's guardrail states evaluated within its current evidence window. */
  guardrails: (flag: FlagRef) => GuardrailState[];
  /** Every guardrail's latest state (the monitor's last evaluations). */
  liveStates: () => Iterable<GuardrailState>;
}

/** The incident views (see the module docs); closed incidents too when `includeClosed`. */
export function listIncidents(s: IncidentViewSources, includeClosed: boolean): Incident[] {
  const rows = s.incidents.list(includeClosed);
  const view = (r: IncidentRow): Incident => ({
    ...r,
    state: r.closedAt ? 'closed' : 'open',
    layers: s.layers(r.flag),
    rollout: s.rollout(r.flag),
    guardrails: s.guardrails(r.flag),
    decisions: s.journal
      .decisions({ flag: r.flag, limit: 50 })
      .filter((d) => (d.at >= r.openedAt && (!r.closedAt || d.at <= r.closedAt)) || d.id === r.decisionId),
  });
  const out = rows.map(view);
  const withIncident = new Set(rows.filter((r) => !r.closedAt).map((r) => flagId(r.flag)));
  const breached = new Map<string, GuardrailState[]>();
  for (const g of s.liveStates()) {
    const id = flagId(g.guardrail.flag);
    if (g.status !== 'breached' || withIncident.has(id)) continue;
    const since = s.rollout(g.guardrail.flag)?.evidenceSince ?? null;
    if (since && g.evaluatedAt < since) continue; // from before a restart or restore
    breached.set(id, [...(breached.get(id) ?? []), g]);
  }
  for (const states of breached.values()) {
    const flag = (states[0] as GuardrailState).guardrail.flag;
    out.unshift({
      id: 0,
      flag,
      kind: 'breached',
      state: 'open',
      reason: states.map((g) => `${g.guardrail.id}: ${g.note}`).join('; '),
      openedAt: states.map((g) => g.evaluatedAt).sort()[0] as string,
      openedBy: 'monitor',
      killed: false,
      layersBeforeKill: null,
      closedAt: null,
      closedBy: null,
      closeReason: null,
      decisionId: null,
      layers: s.layers(flag),
      rollout: s.rollout(flag),
      guardrails: s.guardrails(flag),
      decisions: s.journal.decisions({ flag, limit: 20 }),
    });
  }
  return out;
}
