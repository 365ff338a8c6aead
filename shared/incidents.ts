/**
 * Incidents: a flag in trouble, derived from facts — a confirmed kill of the flag (by the monitor,
 * an operator in the app or CLI, or seen by sync when someone killed it in the provider's own UI),
 * a rollback or pause the monitor decided, or a guardrail breached right now. One open incident per
 * flag at a time: later facts join it. An incident that holds a confirmed kill closes only when the
 * provider confirms the flag serving again; the others close with the operator's restart or resume.
 *
 * Times are ISO 8601 strings. No `electron`, `node:` or DOM imports.
 */
import { z } from 'zod';
import { FlagLayersSchema, FlagRefSchema } from './domain.ts';
import { DecisionRecordSchema } from './decisions.ts';
import { GuardrailStateSchema } from './guardrails.ts';
import { RolloutStateSchema } from './rollout-state.ts';

const IsoTime = z.string().datetime({ offset: true });

/**
 * What an incident is about, most severe first: `killed` — the provider confirmed the kill switch
 * Killed; `rolled-back` — the monitor or an operator rolled the rollout back (to a lower % or
 * through a kill not yet confirmed); `paused` — the monitor paused the rollout or an action failed;
 * `breached` — a guardrail is breached now and nothing was done yet (not stored: derived from the
 * guardrail's last evaluation, `id` 0).
 */
export const IncidentKindSchema = z.enum(['killed', 'rolled-back', 'paused', 'breached']);
/** What an incident is about (see {@link IncidentKindSchema}). */
export type IncidentKind = z.infer<typeof IncidentKindSchema>;

/** Whether the incident is still open. */
export const IncidentStateSchema = z.enum(['open', 'closed']);

/** A flag in trouble (see the module docs). */
export const IncidentSchema = z.object({
  /** Stored incident id; 0 for a guardrail breached now without a recorded incident. */
  id: z.number().int(),
  flag: FlagRefSchema,
  kind: IncidentKindSchema,
  state: IncidentStateSchema,
  /** Why it was opened, in one sentence (the kill's or the decision's reason). */
  reason: z.string(),
  openedAt: IsoTime,
  /** Who caused it: the operator's name, `monitor`, or the provider's actor for a kill seen by sync. */
  openedBy: z.string(),
  /** The provider confirmed the kill switch Killed during this incident. */
  killed: z.boolean(),
  /** The flag's layers confirmed immediately before the kill (what Restore brings back), or null. */
  layersBeforeKill: FlagLayersSchema.nullable(),
  closedAt: IsoTime.nullable(),
  /** Who closed it: the operator who restored, restarted or resumed; null while open. */
  closedBy: z.string().nullable(),
  /** Why it was closed; null while open. */
  closeReason: z.string().nullable(),
  /** The decision that opened it, when a decision did. */
  decisionId: z.number().int().nullable(),
  /** The flag's confirmed layers now (the flag cache), or null when the cache does not know it. */
  layers: FlagLayersSchema.nullable(),
  rollout: RolloutStateSchema.nullable(),
  guardrails: z.array(GuardrailStateSchema),
  /** The decisions on the flag since (and including) the one that opened the incident, newest first. */
  decisions: z.array(DecisionRecordSchema),
});
/** A flag in trouble (see {@link IncidentSchema}). */
export type Incident = z.infer<typeof IncidentSchema>;
