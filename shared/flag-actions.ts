/**
 * Schemas of an operator's actions on one flag (`flag.*` channels): the reason every change
 * carries, rollback modes, the change preview shown before anything is sent, the confirmed
 * result of an action, and the fleet query.
 *
 * No `electron`, `node:` or DOM imports.
 */
import { z } from 'zod';
import {
  AuditEntrySchema,
  FleetRowSchema,
  FlagLayersSchema,
  FlagRefSchema,
  HistoryEntrySchema,
  LayerChangeSchema,
} from './domain.ts';

/** Why an operator acts: required on every change, 3–2000 characters after trimming. */
export const ReasonSchema = z
  .string({ error: 'reason is required' })
  .trim()
  .min(3, 'reason must say why (at least 3 characters)')
  .max(2000, 'reason is too long (2000 characters at most)');

/** Rollback modes: `kill` turns the kill switch to Killed; `revert` restores the last known-good layers. */
export const RollbackModeSchema = z.enum(['kill', 'revert']);
/** A rollback mode ({@link RollbackModeSchema}). */
export type RollbackMode = z.infer<typeof RollbackModeSchema>;

/** A planned change shown in a confirmation dialog before anything is sent. */
export const ChangePreviewSchema = z.object({
  ref: FlagRefSchema,
  before: FlagLayersSchema,
  after: FlagLayersSchema,
  changes: z.array(LayerChangeSchema),
  /** For `revert`: the history entry whose `before` values are restored. */
  basis: HistoryEntrySchema.nullable(),
  /** Human-readable lines describing what the provider will be asked to do. */
  description: z.array(z.string()),
});
/** A planned change ({@link ChangePreviewSchema}). */
export type ChangePreview = z.infer<typeof ChangePreviewSchema>;

/** Outcome of an action: the audit entry and the state confirmed by re-reading the provider. */
export const ActionResultSchema = z.object({
  audit: AuditEntrySchema,
  flag: FleetRowSchema,
});
/** Outcome of an action ({@link ActionResultSchema}). */
export type ActionResult = z.infer<typeof ActionResultSchema>;

/** Filters of `fleet.list`: one provider, one environment, a search text; absent = all. */
export const FleetQuerySchema = z.object({
  provider: z.string().optional(),
  environment: z.string().optional(),
  search: z.string().optional(),
});
