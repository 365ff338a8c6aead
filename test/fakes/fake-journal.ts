/**
 * Test fake of the rollout journal: the decision log, the outbox and the incidents in memory
 * (`decisions.list`, `decisions.export`, `incidents.list`, `outbox.list`), written by the fake
 * rollout handlers (./fake-rollout.ts). Every flag change a decision asks for is confirmed at once.
 *
 * Only for renderer unit tests and the development-only `?mock` page (renderer/dev-mock.ts). The
 * core's CSV export and incident views live in classes over the database
 * (electron/core/rollout/rollout-service.ts, electron/core/incidents/incident-views.ts with its
 * evidence windows), so the formatting here is this fake's: one CSV row per decision, oldest first.
 */
import type { ChannelOutput, EventName, EventPayload, Result } from '../../shared/contract.ts';
import { flagId, type FlagLayers, type FlagRef, type LayerPatch } from '../../shared/domain.ts';
import type { Incident } from '../../shared/incidents.ts';
import type { DecisionAction, DecisionRecord, OutboxAction } from '../../shared/decisions.ts';
import type { GuardrailState } from '../../shared/guardrails.ts';
import type { RolloutState } from '../../shared/rollout-state.ts';
import type { ParsedInput } from '../../electron/core/handler-types.ts';

/** `provider/environment/key` of a flag (shared/domain.ts `flagId`). */
export const idOf = flagId;
/** A flag reference without extra fields. */
export const clean = (f: FlagRef): FlagRef => ({
  provider: f.provider,
  environment: f.environment,
  key: f.key,
});

/** What the journal reads and writes outside itself. */
export interface JournalSources {
  /** Clock, ms since epoch. */
  now: () => number;
  /** Sends an event to the fake API's subscribers. */
  emit: <E extends EventName>(event: E, payload: EventPayload<E>) => void;
  /** Applies a confirmed change to the fake fleet. */
  applyPatch: (ref: FlagRef, patch: LayerPatch) => void;
  /** The flag's layers in the fake fleet, or null. */
  layersOf: (ref: FlagRef) => FlagLayers | null;
  /** The flag's rollout state, or null. */
  rolloutState: (ref: FlagRef) => RolloutState | null;
  /** The flag's guardrail states now. */
  guardrails: (ref: FlagRef) => GuardrailState[];
  /** Stage and inputs a decision about the flag records now. */
  context: (ref: FlagRef) => Pick<DecisionRecord, 'stageIndex' | 'stageName' | 'inputs'>;
}

/** A decision to record: who took it, why, and the flag change it asks for (if any). */
export interface DecisionInput {
  flag: FlagRef;
  action: DecisionAction;
  rule: string;
  rationale: string;
  actor: string;
  /** The flag change, confirmed at once through the outbox; null for none. */
  change: { patch: LayerPatch; purpose: string } | null;
  /** Severity of the `notify` event to send, or null for none. */
  notify: EventPayload<'notify'>['severity'] | null;
}

/** The channels the journal answers. */
export type JournalChannel = 'decisions.list' | 'decisions.export' | 'incidents.list' | 'outbox.list';

/** The in-memory journal and its channels. */
export interface Journal {
  /** Records a decision (applying its change), emits `monitor.decision`, `notify` and `rollout.changed`. */
  record(d: DecisionInput): DecisionRecord;
  /** Opens an incident on the flag, newest first. */
  openIncident(
    f: FlagRef,
    kind: 'killed' | 'rolled-back' | 'paused',
    reason: string,
    decisionId: number,
    by: string,
    layersBeforeKill: FlagLayers | null,
  ): void;
  /** Closes the flag's open incidents, except one holding a kill while the flag is still killed. */
  closeIncidents(f: FlagRef, by: string, reason: string): void;
  /** The reason of the flag's newest open incident, or null. */
  openIncidentReason(f: FlagRef): string | null;
  /** Handlers of the journal channels. */
  handlers: { [C in JournalChannel]: (input: ParsedInput<C>) => Result<ChannelOutput<C>> };
}

type StoredIncident = Omit<Incident, 'rollout' | 'guardrails' | 'decisions' | 'layers' | 'state'>;

/** A journal over `o` (see {@link Journal}). */
export function createJournal(o: JournalSources): Journal {
  const decisions: DecisionRecord[] = [];
  const outbox: OutboxAction[] = [];
  const incidents: StoredIncident[] = [];
  let nextId = 1;
  const at = () => new Date(o.now()).toISOString();

  function record(i: DecisionInput): DecisionRecord {
    const f = i.flag;
    const d: DecisionRecord = {
      id: nextId++,
      at: at(),
      flag: clean(f),
      ...o.context(f),
      actor: i.actor,
      action: i.action,
      rule: i.rule,
      rationale: i.rationale,
      outbox: null,
      audit: null,
    };
    if (i.change) {
      const a: OutboxAction = {
        id: nextId++,
        createdAt: d.at,
        flag: clean(f),
        kind: 'flag-change',
        payload: { patch: i.change.patch, reason: i.rationale, purpose: i.change.purpose },
        idempotencyKey: `${idOf(f)}:${i.change.purpose}:${d.id}`,
        status: 'confirmed',
        attempts: 1,
        nextAttemptAt: null,
        lastError: null,
        decisionId: d.id,
        auditId: null,
        confirmedAt: d.at,
        claimedBy: null,
      };
      o.applyPatch(f, i.change.patch);
      outbox.unshift(a);
      d.outbox = { id: a.id, status: 'confirmed' };
    }
    decisions.unshift(d);
    o.emit('monitor.decision', structuredClone(d));
    if (i.notify)
      o.emit('notify', {
        title: `${f.key}: ${i.action}`,
        body: i.rationale,
        severity: i.notify,
        flag: clean(f),
      });
    o.emit('rollout.changed', { flag: clean(f), reason: `decision:${i.action}`, at: d.at });
    return d;
  }

  const decisionFilter = (f: { flag?: FlagRef; since?: string; action?: DecisionAction }) =>
    decisions.filter(
      (d) =>
        (!f.flag || idOf(d.flag) === idOf(f.flag)) &&
        (!f.since || d.at >= f.since) &&
        (!f.action || d.action === f.action),
    );

  return {
    record,
    openIncident: (f, kind, reason, decisionId, by, layersBeforeKill) =>
      void incidents.unshift({
        id: nextId++,
        flag: clean(f),
        kind,
        openedAt: at(),
        openedBy: by,
        reason,
        decisionId,
        killed: kind === 'killed',
        layersBeforeKill: kind === 'killed' ? layersBeforeKill : null,
        closedAt: null,
        closedBy: null,
        closeReason: null,
      }),
    closeIncidents(f, by, reason) {
      for (const i of incidents)
        if (idOf(i.flag) === idOf(f) && !i.closedAt && !(i.killed && o.layersOf(f)?.enabled === false)) {
          i.closedAt = at();
          i.closedBy = by;
          i.closeReason = reason;
        }
    },
    openIncidentReason: (f) => incidents.find((i) => idOf(i.flag) === idOf(f) && !i.closedAt)?.reason ?? null,
    handlers: {
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
            rollout: structuredClone(o.rolloutState(i.flag)),
            guardrails: o.guardrails(i.flag),
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
    },
  };
}
