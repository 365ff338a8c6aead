/**
 * Test fake of the whole API: an in-memory {@link RcrApi} for renderer unit tests of the stores
 * (and the explicit, development-only `?mock` page, renderer/dev-mock.ts). Inputs are validated
 * with the contract's zod schemas, so validation errors read like the server's. Layer diffs are
 * the core's (`diffLayers`, electron/core/providers/provider.ts); the simulator, metric, rollout and
 * audience channels come from the sibling fakes.
 *
 * Lives under test/: production code never reaches it (the renderer may not import test/, and
 * main.tsx loads renderer/dev-mock.ts only under `import.meta.env.DEV`).
 */
import {
  contract,
  type ApiError,
  type Channel,
  type ChannelInput,
  type ChannelOutput,
  type EventName,
  type EventPayload,
  type RcrApi,
  type Result,
} from '../../shared/contract.ts';
import { describeZodError } from '../../shared/zod-errors.ts';
import type { ChangePreview, RollbackMode } from '../../shared/flag-actions.ts';
import {
  flagId,
  type AuditEntry,
  type FlagRef,
  type FleetRow,
  type LayerPatch,
} from '../../shared/domain.ts';
import type { DataSourceInfo } from '../../shared/metrics.ts';
import { applyPatch, diffLayers } from '../../electron/core/providers/provider.ts';
import { mockPreviewAudience } from './fake-audience.ts';
import type { FleetState } from './fake-fleet.ts';
import { createMetricHandlers, type MockMetric } from './fake-metrics.ts';
import { createRolloutHandlers, type MockRolloutOptions, type RolloutChannel } from './fake-rollout.ts';
import { createSimulatorHandlers, type MockPredictionLog } from './fake-simulator.ts';

/** The fake API's state: the fleet (./fake-fleet.ts) plus simulator logs, metrics and data sources. */
export interface MockState extends FleetState {
  /** Prediction logs for the threshold simulator (see ./fake-simulator.ts). */
  predictions?: MockPredictionLog[];
  /** Metric definitions and canned comparisons (see ./fake-metrics.ts). */
  metrics?: MockMetric[];
  /** The data-source allow-list `sources.list` answers (default: one Prometheus, `prod`). */
  sources?: DataSourceInfo[];
}

/** Options of {@link createMockApi}: the initial state and how the fake behaves. */
export interface MockApiOptions extends Partial<MockState> {
  /** Simulated latency per call, ms (default 0). */
  latencyMs?: number;
  /** The value a guardrail sees when the fake monitor evaluates it (staged rollouts; default: no data). */
  guardrailValue?: MockRolloutOptions['guardrailValue'];
  /** Clock for timestamps (default `Date.now`). */
  now?: () => number;
  /** Actor named in audit rows and decisions (default `mock-operator`). */
  actor?: string;
}

/** The fake API: an {@link RcrApi} whose state, calls, failures and events a test can reach. */
export interface MockApi extends RcrApi {
  readonly state: MockState;
  /** Every call made, in order. */
  readonly calls: { channel: Channel; input: unknown }[];
  /** Make the next call on `channel` fail with `error` (provider errors still write a failed audit row). */
  failNext(channel: Channel, error: ApiError): void;
  /** Hold every call until the returned function is called (to observe in-flight states). */
  hold(): () => void;
  /** Push an event to subscribers. */
  emit<E extends EventName>(event: E, payload: EventPayload<E>): void;
  /** Subscribers still listening (0 once every store has unsubscribed). */
  listenerCount(): number;
}

const iso = (ms: number) => new Date(ms).toISOString();

const same = (a: FlagRef, b: FlagRef) =>
  a.provider === b.provider && a.environment === b.environment && a.key === b.key;

/**
 * The layers a revert restores: the core's `REVERTIBLE_LAYERS`, which lives in
 * electron/core/flags/history-store.ts beside the database (better-sqlite3), so not imported here.
 */
const REVERTABLE = ['rolloutPercent', 'confidenceThreshold', 'modelVersion'] as const;

/** A fake API over `options` (every part of the state is copied, never shared with the caller). */
export function createMockApi(options: MockApiOptions = {}): MockApi {
  const predictions = structuredClone(options.predictions ?? []);
  const state: MockState = {
    rows: structuredClone(options.rows ?? []),
    providers: structuredClone(options.providers ?? []),
    history: structuredClone(options.history ?? []),
    audit: structuredClone(options.audit ?? []),
    predictions,
    metrics: structuredClone(options.metrics ?? []),
    sources: structuredClone(
      options.sources ?? [{ kind: 'prometheus', name: 'prod', url: 'http://prometheus:9090' }],
    ),
  };
  const now = options.now ?? Date.now;
  const actor = options.actor ?? 'mock-operator';
  const calls: { channel: Channel; input: unknown }[] = [];
  const failures = new Map<Channel, ApiError>();
  const listeners = new Map<EventName, Set<(p: never) => void>>();
  let gate: Promise<void> | null = null;
  let nextId = Math.max(0, ...state.history.map((h) => h.id), ...state.audit.map((a) => a.id)) + 1;

  const emit = <E extends EventName>(event: E, payload: EventPayload<E>) => {
    for (const l of listeners.get(event) ?? []) (l as (p: EventPayload<E>) => void)(payload);
  };
  const changed = (reason: string) => emit('fleet.changed', { reason, at: iso(now()) });

  const bad = (message: string): Result<never> => ({ ok: false, error: { code: 'BAD_INPUT', message } });
  const notFound = (ref: FlagRef): Result<never> => ({
    ok: false,
    error: { code: 'NOT_FOUND', message: `flag ${ref.key} not found in ${ref.provider}/${ref.environment}` },
  });
  const findRow = (ref: FlagRef) => state.rows.find((r) => same(r, ref));

  function previewPatch(row: FleetRow, patch: LayerPatch): ChangePreview {
    const after = applyPatch(row.layers, patch);
    const changes = diffLayers(row.layers, after);
    return {
      ref: { provider: row.provider, environment: row.environment, key: row.key },
      before: row.layers,
      after,
      changes,
      basis: null,
      description: changes.map(
        (c) => `set ${c.layer} of ${row.key} in ${row.environment} to ${JSON.stringify(c.after)}`,
      ),
    };
  }

  /** Layers of each killed flag right before its kill (what a restore brings back), by `provider/env/key`. */
  const preKill = new Map<string, FleetRow['layers']>();

  function previewRestore(row: FleetRow): Result<ChangePreview> {
    if (row.layers.enabled)
      return bad(
        `flag "${row.key}" in ${row.environment} is not killed (kill switch Serving): nothing to restore`,
      );
    const pre = preKill.get(flagId(row));
    const patch = Object.fromEntries(
      Object.entries({ ...pre, enabled: true }).filter(([, v]) => v !== null),
    ) as LayerPatch;
    return { ok: true, value: previewPatch(row, patch) };
  }

  function previewRollback(row: FleetRow, mode: RollbackMode): Result<ChangePreview> {
    if (mode === 'kill') return { ok: true, value: previewPatch(row, { enabled: false }) };
    const basis = state.history
      .filter((h) => same(h, row))
      .sort((a, b) => b.at.localeCompare(a.at) || b.id - a.id)
      .find((h) => h.changes.some((c) => (REVERTABLE as readonly string[]).includes(c.layer)));
    if (!basis) {
      return {
        ok: false,
        error: { code: 'CONFLICT', message: `no known-good state in the history of ${row.key} to revert to` },
      };
    }
    const patch: Record<string, unknown> = {};
    for (const c of basis.changes)
      if ((REVERTABLE as readonly string[]).includes(c.layer)) patch[c.layer] = c.before;
    return { ok: true, value: { ...previewPatch(row, patch as LayerPatch), basis } };
  }

  function apply(
    row: FleetRow,
    preview: ChangePreview,
    action: AuditEntry['action'],
    reason: string,
    failure: ApiError | undefined,
  ): Result<ChannelOutput<'flag.applyChange'>> {
    const at = iso(now());
    const patch = Object.fromEntries(preview.changes.map((c) => [c.layer, c.after]));
    const audit: AuditEntry = {
      provider: row.provider,
      environment: row.environment,
      key: row.key,
      id: nextId++,
      at,
      actor,
      action,
      reason: reason.trim(),
      patch,
      request: preview.description,
      response: null,
      status: 'failed',
      error: null,
      before: row.layers,
      confirmed: null,
      completedAt: at,
    };
    state.audit.push(audit);
    if (failure) {
      audit.error = failure.message;
      changed('action-failed');
      return { ok: false, error: failure };
    }
    if (row.layers.enabled && !preview.after.enabled) preKill.set(flagId(row), row.layers);
    row.layers = preview.after;
    row.updatedAt = at;
    row.lastChangeAt = at;
    row.version = String(Number(row.version ?? '0') + 1);
    audit.status = 'succeeded';
    audit.response = { ok: true };
    audit.confirmed = row.layers;
    if (preview.changes.length) {
      state.history.push({
        provider: row.provider,
        environment: row.environment,
        key: row.key,
        id: nextId++,
        at,
        actor,
        source: 'app',
        providerEventId: null,
        eventType: action,
        changes: preview.changes,
        auditId: audit.id,
      });
    }
    changed('action');
    return { ok: true, value: { audit: structuredClone(audit), flag: structuredClone(row) } };
  }

  const simulator = createSimulatorHandlers(predictions, (p) => emit('predictions.progress', p), now);

  const metrics = createMetricHandlers(state.metrics!, (p) => emit('metrics.progress', p), now);

  const rollouts = createRolloutHandlers({
    now,
    actor,
    emit,
    hasFlag: (ref) => !!findRow(ref),
    metrics: (ref) =>
      (state.metrics ?? []).filter((m) => same(m.definition.flag, ref)).map((m) => m.definition),
    applyPatch: (ref, patch) => {
      const row = findRow(ref);
      if (row) {
        if (row.layers.enabled && patch.enabled === false) preKill.set(flagId(row), row.layers);
        row.layers = applyPatch(row.layers, patch);
      }
      changed('rollout');
    },
    preview: (ref, patch) => {
      const row = findRow(ref);
      return row ? previewPatch(row, patch) : null;
    },
    layersOf: (ref) => findRow(ref)?.layers ?? null,
    guardrailValue: options.guardrailValue,
  });

  type Handler<C extends Channel> = (
    input: ChannelInput<C>,
  ) => Result<ChannelOutput<C>> | Promise<Result<ChannelOutput<C>>>;
  const handlers: { [C in Channel]: Handler<C> } = {
    'fleet.list': (q) => {
      const s = q.search?.trim().toLowerCase();
      const rows = state.rows.filter(
        (r) =>
          (!q.provider || r.provider === q.provider) &&
          (!q.environment || r.environment === q.environment) &&
          (!s || [r.key, r.name, r.layers.modelVersion ?? ''].some((v) => v.toLowerCase().includes(s))),
      );
      return { ok: true, value: { rows, providers: state.providers } };
    },
    'flag.get': (ref) => {
      const flag = findRow(ref);
      if (!flag) return notFound(ref);
      const desc = <T extends { at: string; id: number }>(a: T, b: T) =>
        b.at.localeCompare(a.at) || b.id - a.id;
      return {
        ok: true,
        value: {
          flag,
          history: state.history.filter((h) => same(h, ref)).sort(desc),
          audit: state.audit.filter((a) => same(a, ref)).sort(desc),
        },
      };
    },
    'flag.previewChange': ({ ref, patch }) => {
      const row = findRow(ref);
      return row ? { ok: true, value: previewPatch(row, patch as LayerPatch) } : notFound(ref);
    },
    'flag.previewAudience': (input) => {
      const row = findRow(input.ref);
      return row ? { ok: true, value: mockPreviewAudience(row, input) } : notFound(input.ref);
    },
    'flag.applyChange': ({ ref, patch, reason }) => {
      const row = findRow(ref);
      if (!row) return notFound(ref);
      return apply(
        row,
        previewPatch(row, patch as LayerPatch),
        'set-layers',
        reason,
        failures.get('flag.applyChange'),
      );
    },
    'flag.previewRollback': ({ ref, mode }) => {
      const row = findRow(ref);
      return row ? previewRollback(row, mode) : notFound(ref);
    },
    'flag.rollback': ({ ref, mode, reason }) => {
      const row = findRow(ref);
      if (!row) return notFound(ref);
      const preview = previewRollback(row, mode);
      if (!preview.ok) return preview;
      return apply(row, preview.value, mode, reason, failures.get('flag.rollback'));
    },
    'flag.previewRestore': ({ ref }) => {
      const row = findRow(ref);
      return row ? previewRestore(row) : notFound(ref);
    },
    'flag.restore': ({ ref, reason }) => {
      const row = findRow(ref);
      if (!row) return notFound(ref);
      const preview = previewRestore(row);
      if (!preview.ok) return preview;
      return apply(row, preview.value, 'set-layers', reason, failures.get('flag.restore'));
    },
    'providers.list': () => ({ ok: true, value: state.providers }),
    'sync.now': ({ provider }) => {
      const at = iso(now());
      for (const p of state.providers) {
        if (provider && p.name !== provider) continue;
        p.lastAttemptAt = at;
        if (p.healthy) p.lastSuccessAt = at;
      }
      for (const r of state.rows) if (!r.stale) r.syncedAt = at;
      changed('sync');
      return { ok: true, value: state.providers };
    },
    'session.info': () => ({ ok: true, value: { readOnly: false, tokenStore: null } }),
    'providers.setToken': () => ({
      ok: false,
      error: { code: 'UNSUPPORTED', message: 'the mock API cannot store tokens' },
    }),
    'predictions.list': (input) => simulator.list(contract['predictions.list'].input.parse(input)),
    'predictions.import': (input) => simulator.import(contract['predictions.import'].input.parse(input)),
    'simulator.sweep': (input) => simulator.sweep(contract['simulator.sweep'].input.parse(input)),
    'simulator.recommend': (input) => simulator.recommend(contract['simulator.recommend'].input.parse(input)),
    'simulator.ab': (input) => simulator.ab(contract['simulator.ab'].input.parse(input)),
    'metrics.list': (input) => metrics.list(contract['metrics.list'].input.parse(input)),
    'metrics.define': (input) => metrics.define(contract['metrics.define'].input.parse(input)),
    'metrics.importEvents': (input) =>
      metrics.importEvents(contract['metrics.importEvents'].input.parse(input)),
    'metrics.compare': (input) => metrics.compare(contract['metrics.compare'].input.parse(input)),
    'metrics.series': (input) => metrics.series(contract['metrics.series'].input.parse(input)),
    'sources.list': () => ({ ok: true, value: state.sources ?? [] }),
    ...(Object.fromEntries(
      Object.entries(rollouts).map(([channel, handler]) => [
        channel,
        (input: unknown) =>
          (handler as (i: unknown) => unknown)(contract[channel as Channel].input.parse(input)),
      ]),
    ) as unknown as { [C in RolloutChannel]: Handler<C> }),
  };

  return {
    state,
    calls,
    async invoke<C extends Channel>(channel: C, input: ChannelInput<C>): Promise<Result<ChannelOutput<C>>> {
      calls.push({ channel, input: structuredClone(input) });
      if (options.latencyMs) await new Promise((r) => setTimeout(r, options.latencyMs));
      if (gate) await gate;
      const parsed = contract[channel].input.safeParse(input);
      if (!parsed.success) return bad(describeZodError(parsed.error));
      const failure = failures.get(channel);
      if (failure && channel !== 'flag.applyChange' && channel !== 'flag.rollback') {
        failures.delete(channel);
        return { ok: false, error: failure };
      }
      const result = await (handlers[channel] as Handler<C>)(parsed.data as ChannelInput<C>);
      failures.delete(channel);
      return structuredClone(result);
    },
    on(event, listener) {
      let set = listeners.get(event);
      if (!set) listeners.set(event, (set = new Set()));
      const l = listener as (p: never) => void;
      set.add(l);
      return () => set.delete(l);
    },
    failNext(channel, error) {
      failures.set(channel, error);
    },
    hold() {
      let release!: () => void;
      gate = new Promise<void>((r) => (release = r));
      return () => {
        gate = null;
        release();
      };
    },
    emit,
    listenerCount: () => [...listeners.values()].reduce((n, s) => n + s.size, 0),
  };
}
