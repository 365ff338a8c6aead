/**
 * The one IPC contract: channel name → zod input and output schemas.
 *
 * Served two ways with the same handlers: Electron IPC through the preload, and
 * HTTP+WebSocket in browser mode (`rcr serve`). The renderer only sees
 * {@link RcrApi}, so it cannot tell which transport it has.
 */
import { z } from 'zod';
import {
  AuditEntrySchema,
  FleetRowSchema,
  FlagLayersSchema,
  FlagRefSchema,
  HistoryEntrySchema,
  LayerChangeSchema,
  LayerPatchSchema,
  ProviderStatusSchema,
} from './domain.ts';
import {
  AbInputSchema,
  AbResultSchema,
  PredictionLogSchema,
  RecommendationSchema,
  SliceSchema,
  SweepSeriesSchema,
  TargetSchema,
} from './simulator.ts';
import {
  MetricComparisonSchema,
  MetricDefinitionSchema,
  MetricSeriesSchema,
  WindowSchema,
} from './metrics.ts';

/** Rollback modes: `kill` turns the kill switch off; `revert` restores the last known-good layers. */
export const RollbackModeSchema = z.enum(['kill', 'revert']);
export type RollbackMode = z.infer<typeof RollbackModeSchema>;

const ReasonSchema = z
  .string({ error: 'reason is required' })
  .trim()
  .min(3, 'reason must say why (at least 3 characters)')
  .max(2000, 'reason is too long (2000 characters at most)');

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
export type ChangePreview = z.infer<typeof ChangePreviewSchema>;

/** Outcome of an action: the audit entry and the state confirmed by re-reading the provider. */
export const ActionResultSchema = z.object({
  audit: AuditEntrySchema,
  flag: FleetRowSchema,
});
export type ActionResult = z.infer<typeof ActionResultSchema>;

export const FleetQuerySchema = z.object({
  provider: z.string().optional(),
  environment: z.string().optional(),
  search: z.string().optional(),
});

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
  'providers.list': {
    input: z.object({}),
    output: z.array(ProviderStatusSchema),
  },
  'sync.now': {
    input: z.object({ provider: z.string().optional() }),
    output: z.array(ProviderStatusSchema),
  },
  /** Stored prediction logs, optionally only those of one flag. */
  'predictions.list': {
    input: z.object({ flag: FlagRefSchema.optional() }),
    output: z.array(PredictionLogSchema),
  },
  /** Imports a CSV / JSONL / Parquet file (a path on the machine running the core); progress via `predictions.progress`. */
  'predictions.import': {
    input: z.object({
      path: z.string().min(1, 'path is required'),
      name: z.string().min(1).max(200).optional(),
      flag: FlagRefSchema.optional(),
    }),
    output: PredictionLogSchema,
  },
  /**
   * Sweep of one slice. `grid` (default 1001 → thresholds 0, 0.001, …, 1) returns exact metrics at
   * evenly spaced thresholds, so a slider only looks points up; `grid: 0` returns every distinct threshold.
   */
  'simulator.sweep': {
    input: z.object({
      logId: z.number().int(),
      slice: SliceSchema.default({ modelVersion: null, segment: null }),
      grid: z.number().int().min(0).max(100_001).default(1001),
    }),
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
   * per-minute rollups of `environment`; all-or-nothing; progress via `metrics.progress`.
   */
  'metrics.importEvents': {
    input: z.object({
      path: z.string().min(1, 'path is required'),
      provider: z.string().min(1),
      environment: z.string().min(1),
    }),
    output: z.object({ rows: z.number().int(), flags: z.array(z.string()), metrics: z.array(z.string()) }),
  },
  /** Treatment vs control on every metric of a flag over a window. */
  'metrics.compare': {
    input: z.object({
      flag: FlagRefSchema,
      window: WindowSchema.default({ lastMinutes: 60 }),
      sequential: z.boolean().default(true),
      alpha: z.number().gt(0).lt(1).default(0.05),
      adjust: z.enum(['none', 'holm', 'bh']).default('holm'),
    }),
    output: z.object({ rows: z.array(MetricComparisonSchema), from: z.string(), to: z.string() }),
  },
  /** Per-minute series of one metric per cohort, downsampled to at most `maxPoints` per cohort (LTTB). */
  'metrics.series': {
    input: z.object({
      flag: FlagRefSchema,
      metric: z.string().min(1),
      window: WindowSchema.default({ lastMinutes: 60 }),
      maxPoints: z.number().int().min(10).max(10_000).default(1000),
    }),
    output: z.array(MetricSeriesSchema),
  },
} as const;

export type Contract = typeof contract;
export type Channel = keyof Contract;
export type ChannelInput<C extends Channel> = z.input<Contract[C]['input']>;
export type ChannelOutput<C extends Channel> = z.infer<Contract[C]['output']>;
export const CHANNELS = Object.keys(contract) as Channel[];

/** Push events from the core to every window. */
export const eventContract = {
  /** The cached fleet changed (sync finished or an action completed). */
  'fleet.changed': z.object({ reason: z.string(), at: z.string() }),
  /** Metric-event import progress. */
  'metrics.progress': z.object({
    path: z.string(),
    rows: z.number().int(),
    bytesRead: z.number(),
    totalBytes: z.number(),
    done: z.boolean(),
  }),
  /** Import progress: rows read so far and bytes of the file read (0–totalBytes). */
  'predictions.progress': z.object({
    path: z.string(),
    rows: z.number().int(),
    bytesRead: z.number(),
    totalBytes: z.number(),
    done: z.boolean(),
  }),
} as const;
export type EventName = keyof typeof eventContract;
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
export type ErrorCode = z.infer<typeof ErrorCodeSchema>;

export const ApiErrorSchema = z.object({ code: ErrorCodeSchema, message: z.string() });
export type ApiError = z.infer<typeof ApiErrorSchema>;

/** Every call returns `{ok: true, value}` or `{ok: false, error}`; never a stack trace. */
export type Result<T> = { ok: true; value: T } | { ok: false; error: ApiError };

/** The API object the renderer talks to (preload in Electron, HTTP+WS client in browser mode). */
export interface RcrApi {
  invoke<C extends Channel>(channel: C, input: ChannelInput<C>): Promise<Result<ChannelOutput<C>>>;
  /** Subscribe to a push event; returns an unsubscribe function. */
  on<E extends EventName>(event: E, listener: (payload: EventPayload<E>) => void): () => void;
}

/** Turns a zod error into one message naming each bad field, e.g. `patch.rolloutPercent: must be between 0 and 100`. */
export function describeZodError(error: z.ZodError): string {
  return error.issues.map((i) => `${i.path.length ? i.path.join('.') : 'input'}: ${i.message}`).join('; ');
}
