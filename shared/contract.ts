/**
 * The one IPC contract: channel name → zod input and output schemas, push event → payload schema,
 * the error codes that cross it and the API object the renderer talks to.
 *
 * Served two ways with the same handlers: Electron IPC through the preload, and
 * HTTP+WebSocket in browser mode (`rcr serve`). The renderer only sees
 * {@link RcrApi}, so it cannot tell which transport it has.
 *
 * This module is the map; the schemas of each feature live in that feature's module.
 */
import { z } from 'zod';
import {
  AuditEntrySchema,
  FleetRowSchema,
  FlagRefSchema,
  HistoryEntrySchema,
  LayerPatchSchema,
  ProviderStatusSchema,
} from './domain.ts';
import {
  ActionResultSchema,
  ChangePreviewSchema,
  FleetQuerySchema,
  ReasonSchema,
  RollbackModeSchema,
} from './flag-actions.ts';
import { ProviderTokenInputSchema, ProviderTokenStatusSchema, SessionInfoSchema } from './session.ts';
import {
  AbInputSchema,
  AbResultSchema,
  PredictionImportInputSchema,
  PredictionImportProgressSchema,
  PredictionLogSchema,
  RecommendationSchema,
  SweepInputSchema,
  SweepSeriesSchema,
  TargetSchema,
} from './simulator.ts';
import {
  DataSourceInfoSchema,
  MetricCompareInputSchema,
  MetricComparisonSchema,
  MetricDefinitionSchema,
  MetricEventsImportInputSchema,
  MetricEventsImportResultSchema,
  MetricImportProgressSchema,
  MetricSeriesInputSchema,
  MetricSeriesSchema,
} from './metrics.ts';
import { AudiencePreviewInputSchema, AudiencePreviewSchema } from './audience.ts';
import { IncidentSchema } from './incidents.ts';
import { PlanTemplateSchema, RolloutPlanRequestSchema, RolloutPlanSchema } from './rollout-plans.ts';
import { GuardrailSchema, RollbackTargetSchema } from './guardrails.ts';
import { RolloutViewSchema } from './rollout-state.ts';
import {
  DecisionExportQuerySchema,
  DecisionExportSchema,
  DecisionQuerySchema,
  DecisionRecordSchema,
  OutboxActionSchema,
  OutboxStatusSchema,
} from './decisions.ts';
import { MonitorRunSchema, MonitorStatusSchema, NotifySchema } from './monitor.ts';

/** Request/response channels. */
export const contract = {
  'fleet.list': {
    input: FleetQuerySchema,
    output: z.object({ rows: z.array(FleetRowSchema), providers: z.array(ProviderStatusSchema) }),
  },
  'flag.get': {
    input: FlagRefSchema,
    output: z.object({
      flag: FleetRowSchema,
      history: z.array(HistoryEntrySchema),
      audit: z.array(AuditEntrySchema),
    }),
  },
  'flag.previewChange': {
    input: z.object({ ref: FlagRefSchema, patch: LayerPatchSchema }),
    output: ChangePreviewSchema,
  },
  /**
   * Exact audience preview (docs/audience-preview.md): for 1–1,000,000 targeting keys, who enters,
   * leaves or stays in the treatment under `patch`, with the provider's own bucketing. Sends nothing.
   */
  'flag.previewAudience': {
    input: AudiencePreviewInputSchema,
    output: AudiencePreviewSchema,
  },
  'flag.applyChange': {
    input: z.object({ ref: FlagRefSchema, patch: LayerPatchSchema, reason: ReasonSchema }),
    output: ActionResultSchema,
  },
  'flag.previewRollback': {
    input: z.object({ ref: FlagRefSchema, mode: RollbackModeSchema }),
    output: ChangePreviewSchema,
  },
  'flag.rollback': {
    input: z.object({ ref: FlagRefSchema, mode: RollbackModeSchema, reason: ReasonSchema }),
    output: ActionResultSchema,
  },
  /**
   * What a restore of a Killed flag would change: Serving again with every layer as the provider
   * confirmed it right before the kill. Sends nothing; `BAD_INPUT` when the flag is not Killed.
   */
  'flag.previewRestore': {
    input: z.object({ ref: FlagRefSchema }),
    output: ChangePreviewSchema,
  },
  /** Restores a Killed flag (the exact inverse of its last kill); closes its incident once confirmed. */
  'flag.restore': {
    input: z.object({ ref: FlagRefSchema, reason: ReasonSchema }),
    output: ActionResultSchema,
  },
  'providers.list': {
    input: z.object({}),
    output: z.array(ProviderStatusSchema),
  },
  'sync.now': {
    input: z.object({ provider: z.string().optional() }),
    output: z.array(ProviderStatusSchema),
  },
  /** What this session may do: read-only (a wall display in browser mode) and whether tokens can be stored. */
  'session.info': {
    input: z.object({}),
    output: SessionInfoSchema,
  },
  /**
   * Stores (or with `token: null` removes) a provider's API token in the desktop app's encrypted
   * store. The token is never returned: the answer only says whether the provider now has one.
   */
  'providers.setToken': {
    input: ProviderTokenInputSchema,
    output: ProviderTokenStatusSchema,
  },
  /** Stored prediction logs, optionally only those of one flag. */
  'predictions.list': {
    input: z.object({ flag: FlagRefSchema.optional() }),
    output: z.array(PredictionLogSchema),
  },
  /** Imports a CSV / JSONL / Parquet file (a path on the machine running the core); progress via `predictions.progress`. */
  'predictions.import': {
    input: PredictionImportInputSchema,
    output: PredictionLogSchema,
  },
  /**
   * Sweep of one slice. `grid` (default 1001 → thresholds 0, 0.001, …, 1) returns exact metrics at
   * evenly spaced thresholds, so a slider only looks points up; `grid: 0` returns every distinct threshold.
   */
  'simulator.sweep': {
    input: SweepInputSchema,
    output: SweepSeriesSchema,
  },
  /** Lowest threshold meeting the target, per model version × segment (and overall per model version). */
  'simulator.recommend': {
    input: z.object({ logId: z.number().int(), target: TargetSchema }),
    output: z.array(RecommendationSchema),
  },
  'simulator.ab': {
    input: AbInputSchema,
    output: AbResultSchema,
  },
  /** Metric definitions of a flag. */
  'metrics.list': {
    input: z.object({ flag: FlagRefSchema }),
    output: z.array(MetricDefinitionSchema),
  },
  /** Creates or replaces a metric definition (by flag + name). */
  'metrics.define': {
    input: MetricDefinitionSchema,
    output: MetricDefinitionSchema,
  },
  /**
   * Imports metric events (CSV/JSONL: timestamp, unit_id, flag_key, variant, metric, value) into
   * per-minute rollups of `environment`; all-or-nothing; progress via `metrics.progress`. The same
   * file content (SHA-256) imported into this provider/environment before is refused with
   * `CONFLICT` (so a retried request cannot count it twice), or replaces that earlier import with
   * `onDuplicate: 'replace'` (docs/metrics.md).
   */
  'metrics.importEvents': {
    input: MetricEventsImportInputSchema,
    output: MetricEventsImportResultSchema,
  },
  /** Treatment vs control on every metric of a flag over a window. */
  'metrics.compare': {
    input: MetricCompareInputSchema,
    output: z.object({ rows: z.array(MetricComparisonSchema), from: z.string(), to: z.string() }),
  },
  /** Per-minute series of one metric per cohort, downsampled to at most `maxPoints` per cohort (LTTB). */
  'metrics.series': {
    input: MetricSeriesInputSchema,
    output: z.array(MetricSeriesSchema),
  },
  /**
   * The data-source allow-list (config.json `dataSources`, docs/prometheus.md): the sources a metric
   * may name. Read-only: only the local user changes it (`rcr sources add|remove`, or the file).
   */
  'sources.list': {
    input: z.object({}),
    output: z.array(DataSourceInfoSchema),
  },
  // --- Staged rollouts, guardrails, monitor (docs/rollouts.md) ---
  /** Plan templates (seeds' 1 % internal → … → 100 %, 10 → 50 → 100, GrowthBook's 1 → … → 100). */
  'rollout.templates': {
    input: z.object({}),
    output: z.array(PlanTemplateSchema),
  },
  /**
   * Computes a plan with the planner (not saved): stages from `stages` or the template (default
   * the seeds' template), each stage's min observation and sample from the power analysis.
   */
  'rollout.plan': {
    input: RolloutPlanRequestSchema,
    output: RolloutPlanSchema,
  },
  /** Saves (creates or replaces) a flag's plan; a new plan starts as `draft` (nothing sent). */
  'rollout.savePlan': {
    input: RolloutPlanSchema,
    output: RolloutViewSchema,
  },
  /** Plan, state, gate evaluation (evaluated now) and guardrail states of a flag. */
  'rollout.get': {
    input: z.object({ flag: FlagRefSchema }),
    output: RolloutViewSchema,
  },
  /** Every flag with a plan or guardrails (gate not evaluated: `gate` is the last monitor's, or null). */
  'rollout.list': {
    input: z.object({}),
    output: z.array(RolloutViewSchema),
  },
  /**
   * Operator: applies the next stage (or `toStage`) through the outbox — also starts a draft plan
   * and restarts a paused / rolled-back one. Recorded as a decision; the gate is not required.
   */
  'rollout.advance': {
    input: z.object({
      flag: FlagRefSchema,
      reason: ReasonSchema,
      toStage: z.number().int().min(0).optional(),
    }),
    output: RolloutViewSchema,
  },
  /**
   * What `rollout.advance` would send (start, restart or advance): before → after and the exact
   * provider requests. Sends nothing; `BAD_INPUT` for a template placeholder in the stage.
   */
  'rollout.previewAdvance': {
    input: z.object({ flag: FlagRefSchema, toStage: z.number().int().min(0).optional() }),
    output: ChangePreviewSchema,
  },
  /** Operator: holds the rollout at its stage (the monitor will not advance it). */
  'rollout.pause': {
    input: z.object({ flag: FlagRefSchema, reason: ReasonSchema }),
    output: RolloutViewSchema,
  },
  /** Operator: resumes a paused rollout and closes the flag's open incidents. */
  'rollout.resume': {
    input: z.object({ flag: FlagRefSchema, reason: ReasonSchema }),
    output: RolloutViewSchema,
  },
  /** Operator: rolls back through the outbox (kill, previous stage, or revert to the last known-good layers). */
  'rollout.rollback': {
    input: z.object({
      flag: FlagRefSchema,
      reason: ReasonSchema,
      target: RollbackTargetSchema.default('kill'),
    }),
    output: RolloutViewSchema,
  },
  /** Operator: approves advancing from the current stage (counts toward `approvalsRequired`). */
  'rollout.approve': {
    input: z.object({ flag: FlagRefSchema, reason: ReasonSchema }),
    output: RolloutViewSchema,
  },
  /** Creates or replaces a guardrail (by flag + id); the metric must be defined for the flag. */
  'guardrails.define': {
    input: GuardrailSchema,
    output: GuardrailSchema,
  },
  /** Guardrails of a flag (of every flag when omitted). */
  'guardrails.list': {
    input: z.object({ flag: FlagRefSchema.optional() }),
    output: z.array(GuardrailSchema),
  },
  'guardrails.remove': {
    input: z.object({ flag: FlagRefSchema, id: z.string().min(1) }),
    output: z.object({ removed: z.boolean() }),
  },
  /** Runs one monitor evaluation now (of one flag, or of every flag with a plan or guardrails). */
  'monitor.evaluateNow': {
    input: z.object({ flag: FlagRefSchema.optional() }),
    output: MonitorRunSchema,
  },
  /** Whether the monitor runs, its interval, last run and the outbox backlog. */
  'monitor.status': {
    input: z.object({}),
    output: MonitorStatusSchema,
  },
  /** Decision records, newest first (filters: flag, since ISO time, action). */
  'decisions.list': {
    input: DecisionQuerySchema,
    output: z.array(DecisionRecordSchema),
  },
  /** Decision records as a JSON or CSV document for audit (same filters, oldest first). */
  'decisions.export': {
    input: DecisionExportQuerySchema,
    output: DecisionExportSchema,
  },
  /**
   * Incidents (shared/incidents.ts): flags killed, rolled back, paused by the monitor, or breached
   * now — open ones first; closed ones too when asked.
   */
  'incidents.list': {
    input: z.object({ includeClosed: z.boolean().default(false) }),
    output: z.array(IncidentSchema),
  },
  /** Journaled actions (flag changes and webhooks), newest first. */
  'outbox.list': {
    input: z.object({ flag: FlagRefSchema.optional(), status: OutboxStatusSchema.optional() }),
    output: z.array(OutboxActionSchema),
  },
} as const;

/** The request/response map's type: channel → `{input, output}` schemas. */
export type Contract = typeof contract;
/** A request/response channel name, e.g. `fleet.list`. */
export type Channel = keyof Contract;
/** What a caller may send on channel `C` (before parsing: defaulted fields optional). */
export type ChannelInput<C extends Channel> = z.input<Contract[C]['input']>;
/** What channel `C` answers with (after parsing). */
export type ChannelOutput<C extends Channel> = z.infer<Contract[C]['output']>;
/** Every request/response channel name, in contract order. */
export const CHANNELS = Object.keys(contract) as Channel[];

/**
 * Channels that change nothing: no provider call that writes, no stored data
 * changed, no file read from a path the caller names. A read-only session
 * (`rcr serve --read-only`) serves only these. New channels are **not** listed
 * by default, so a read-only session refuses them until someone checks them.
 */
export const READ_ONLY_CHANNELS: ReadonlySet<Channel> = new Set<Channel>([
  'fleet.list',
  'flag.get',
  'flag.previewAudience',
  'providers.list',
  'session.info',
  'predictions.list',
  'simulator.sweep',
  'simulator.recommend',
  'simulator.ab',
  'metrics.list',
  'metrics.compare',
  'metrics.series',
  'sources.list',
  'rollout.templates',
  // Not 'rollout.get': it evaluates the gate now and stores the result (test/security/read-only-core.test.ts).
  'rollout.list',
  'guardrails.list',
  'monitor.status',
  'decisions.list',
  'decisions.export',
  'incidents.list',
  'outbox.list',
]);

/** Push events from the core to every window. */
export const eventContract = {
  /** The cached fleet changed (sync finished or an action completed). */
  'fleet.changed': z.object({ reason: z.string(), at: z.string() }),
  /** A command from the desktop shell (native menu, `rcr://` deep link) for the renderer; never emitted by the core. */
  'app.command': z.discriminatedUnion('command', [
    z.object({ command: z.enum(['focus-search', 'refresh', 'show-fleet', 'toggle-theme']) }),
    z.object({ command: z.literal('open-flag'), ref: FlagRefSchema }),
  ]),
  /** Metric-event import progress. */
  'metrics.progress': MetricImportProgressSchema,
  /** Import progress: rows read so far and bytes of the file read (0–totalBytes). */
  'predictions.progress': PredictionImportProgressSchema,
  /**
   * A provider is waiting before it retries a request (e.g. LaunchDarkly answered 429: rate limited).
   * `waitMs` counts from `at`; `key`/`environment` name the flag when the request was about one.
   */
  'provider.waiting': z.object({
    provider: z.string(),
    environment: z.string().nullable(),
    key: z.string().nullable(),
    waitMs: z.number().min(0),
    reason: z.string(),
    at: z.string(),
  }),
  /** A flag's rollout state, plan or guardrails changed (decision, operator action, outbox confirmation). */
  'rollout.changed': z.object({ flag: FlagRefSchema, reason: z.string(), at: z.string() }),
  /** The monitor (or an operator) recorded a decision. */
  'monitor.decision': DecisionRecordSchema,
  /** Something an operator should see: banner in every window, desktop notification. */
  notify: NotifySchema,
} as const;
/** A push event name, e.g. `fleet.changed`. */
export type EventName = keyof typeof eventContract;
/** The payload of push event `E`. */
export type EventPayload<E extends EventName> = z.infer<(typeof eventContract)[E]>;

/** Stable error codes that cross the contract. */
export const ErrorCodeSchema = z.enum([
  'BAD_INPUT',
  'NOT_FOUND',
  'PROVIDER_ERROR',
  'CONFLICT',
  'UNSUPPORTED',
  'FORBIDDEN',
  'INTERNAL',
]);
/** A stable error code ({@link ErrorCodeSchema}). */
export type ErrorCode = z.infer<typeof ErrorCodeSchema>;

/** The error of a failed call: a stable code and a message for the operator (never a stack trace). */
export const ApiErrorSchema = z.object({ code: ErrorCodeSchema, message: z.string() });
/** The error of a failed call ({@link ApiErrorSchema}). */
export type ApiError = z.infer<typeof ApiErrorSchema>;

/** Every call returns `{ok: true, value}` or `{ok: false, error}`; never a stack trace. */
export type Result<T> = { ok: true; value: T } | { ok: false; error: ApiError };

/** The API object the renderer talks to (preload in Electron, HTTP+WS client in browser mode). */
export interface RcrApi {
  invoke<C extends Channel>(channel: C, input: ChannelInput<C>): Promise<Result<ChannelOutput<C>>>;
  /** Subscribe to a push event; returns an unsubscribe function. */
  on<E extends EventName>(event: E, listener: (payload: EventPayload<E>) => void): () => void;
}
