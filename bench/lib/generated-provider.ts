/**
 * An in-memory {@link FlagProvider} serving N generated flags (and their
 * history events) with near-zero cost of its own, so a sync measures the
 * control room's work: snapshot upserts, history, status — not the provider.
 *
 * Flags are spread over two environments (`production`, `staging`); a third
 * of them are AI flags with all four layers set. Each flag starts with
 * `eventsPerFlag` history events. {@link GeneratedProvider.mutate} changes the
 * rollout % of a share of the flags and appends one event per changed flag,
 * as a real provider would after someone edited them.
 */
import type { FlagKind, FlagLayers, FlagState, LayerChange, Variant } from '../../shared/domain.ts';
import type {
  ChangePlan,
  ExecuteOutcome,
  FlagProvider,
  HistoryPage,
  ProviderHealth,
  ProviderHistoryEvent,
} from '../../electron/core/providers/provider.ts';
import { FlagNotFoundError, applyPatch, diffLayers } from '../../electron/core/providers/provider.ts';

export const ENVIRONMENTS = ['production', 'staging'] as const;

/** Options of {@link createGeneratedProvider}. */
export interface GeneratedProviderOptions {
  name: string;
  /** Number of flag states (flag × environment) served; default 2000. */
  flags?: number;
  /** History events per flag state at start; default 2. */
  eventsPerFlag?: number;
  /** Events returned per `historySince` page; default 1000. */
  pageSize?: number;
  /** Fixed "now" for generated timestamps (ms since epoch). */
  nowMs?: number;
}

/** The generated provider plus bench controls. */
export interface GeneratedProvider extends FlagProvider {
  /** Changes the rollout % of `share` (0–1) of the flags; returns how many changed. */
  mutate(share: number): number;
  /** Time spent inside `listFlags` / `historySince` since the last reset, ms (to show it is negligible). */
  ownMs(): number;
  resetOwnMs(): void;
  /** Number of history events the provider holds. */
  eventCount(): number;
}

const HOUR_MS = 3_600_000;
const MODELS = ['v2.2', 'v2.3', 'v2.4', 'v3.0-beta'] as const;

function pad(n: number, width = 4): string {
  return String(n).padStart(width, '0');
}

/** The flag state at index `i` of `count` (deterministic). */
export function generatedFlag(provider: string, i: number, count: number, nowMs: number): FlagState {
  const perEnv = Math.ceil(count / ENVIRONMENTS.length);
  const environment = ENVIRONMENTS[Math.floor(i / perEnv)] ?? 'production';
  const n = i % perEnv;
  const kind: FlagKind = n % 3 === 0 ? 'ai' : n % 3 === 1 ? 'boolean' : 'multivariate';
  const rollout = kind === 'boolean' ? null : (n * 7) % 101;
  const layers: FlagLayers = {
    enabled: n % 17 !== 0,
    rolloutPercent: rollout,
    confidenceThreshold: kind === 'ai' ? Math.round(((n % 50) / 50) * 100) / 100 : null,
    modelVersion: kind === 'ai' ? MODELS[n % MODELS.length]! : null,
    allowList: kind === 'ai' ? [`qa-${pad(n)}`, `pm-${pad(n % 40)}`] : [],
    blockList: kind === 'ai' && n % 5 === 0 ? [`tenant-${pad(n % 300)}`] : [],
  };
  const variants: Variant[] =
    kind === 'boolean'
      ? []
      : [
          { key: 'control', value: { modelVersion: 'v2.2' }, weightPercent: 100 - (rollout ?? 0) },
          {
            key: 'treatment',
            value: { modelVersion: layers.modelVersion ?? 'b' },
            weightPercent: rollout ?? 0,
          },
        ];
  const key = `${kind === 'ai' ? 'ai' : 'flag'}-${pad(n)}-${['search', 'inbox', 'billing', 'editor'][n % 4]}`;
  return {
    provider,
    providerKind: 'http',
    environment,
    key,
    name: `${kind === 'ai' ? 'AI' : 'Feature'} ${pad(n)} ${['search', 'inbox', 'billing', 'editor'][n % 4]}`,
    description: `Generated bench flag ${n} (${kind}) in ${environment}.`,
    kind,
    layers,
    variants,
    version: '1',
    updatedAt: new Date(nowMs - ((n % 500) + 1) * HOUR_MS).toISOString(),
    native: { generated: true, index: i, strategy: kind === 'boolean' ? 'default' : 'flexibleRollout' },
  };
}

/** Creates a provider serving `flags` generated flag states. */
export function createGeneratedProvider(options: GeneratedProviderOptions): GeneratedProvider {
  const count = options.flags ?? 2000;
  const eventsPerFlag = options.eventsPerFlag ?? 2;
  const pageSize = options.pageSize ?? 1000;
  const nowMs = options.nowMs ?? Date.now();
  const states: FlagState[] = Array.from({ length: count }, (_, i) =>
    generatedFlag(options.name, i, count, nowMs),
  );
  const events: ProviderHistoryEvent[] = [];
  let own = 0;
  let round = 0;

  const addEvent = (s: FlagState, at: string, type: string, changes: LayerChange[]): void => {
    events.push({
      id: String(events.length + 1),
      at,
      actor: 'bench@example.com',
      environment: s.environment,
      key: s.key,
      type,
      changes,
    });
  };
  // Initial history: per flag, `eventsPerFlag` events (a rollout step each), oldest first.
  for (let e = 0; e < eventsPerFlag; e++) {
    for (const s of states) {
      const at = new Date(nowMs - (eventsPerFlag - e) * 24 * HOUR_MS).toISOString();
      const changes: LayerChange[] =
        e === 0
          ? [{ layer: 'enabled', before: false, after: true }]
          : [
              {
                layer: 'rolloutPercent',
                before: Math.max(0, (s.layers.rolloutPercent ?? 0) - e),
                after: s.layers.rolloutPercent,
              },
            ];
      addEvent(s, at, e === 0 ? 'feature-environment-enabled' : 'feature-strategy-updated', changes);
    }
  }

  const timed = <T>(fn: () => T): T => {
    const t0 = performance.now();
    try {
      return fn();
    } finally {
      own += performance.now() - t0;
    }
  };

  const find = (environment: string, key: string): number => {
    const i = states.findIndex((s) => s.environment === environment && s.key === key);
    if (i < 0) throw new FlagNotFoundError(`flag "${key}" not found in environment "${environment}"`);
    return i;
  };

  return {
    name: options.name,
    kind: 'http',
    url: null,
    capabilities: () => ({
      kill: true,
      rollout: true,
      threshold: true,
      modelVersion: true,
      allowBlock: true,
      history: true,
    }),
    async health(): Promise<ProviderHealth> {
      return { ok: true, latencyMs: 0, message: null };
    },
    // Returns the live objects (no copy): the control room only reads them.
    async listFlags() {
      return timed(() => states.slice());
    },
    async getFlag(environment, key) {
      return states[find(environment, key)]!;
    },
    async planChange(current, patch): Promise<ChangePlan> {
      return {
        environment: current.environment,
        key: current.key,
        patch,
        expectedVersion: current.version,
        description: diffLayers(current.layers, applyPatch(current.layers, patch)).map(
          (c) => `set ${c.layer}`,
        ),
        requests: [{ method: 'PATCH', url: `generated:${current.environment}/${current.key}`, body: patch }],
      };
    },
    async executePlan(plan): Promise<ExecuteOutcome> {
      const i = find(plan.environment, plan.key);
      const s = states[i]!;
      const after = applyPatch(s.layers, plan.patch);
      const changes = diffLayers(s.layers, after);
      const at = new Date().toISOString();
      states[i] = { ...s, layers: after, version: String(Number(s.version) + 1), updatedAt: at };
      if (changes.length) addEvent(s, at, 'layers-updated', changes);
      return { responses: [{ status: 'ok' }] };
    },
    async historySince(cursor): Promise<HistoryPage> {
      return timed(() => {
        const from = cursor === null ? 0 : Number(cursor);
        const page = events.slice(from, from + pageSize);
        return { events: page, cursor: page.length ? String(from + page.length) : cursor };
      });
    },
    mutate(share) {
      round++;
      const step = Math.max(1, Math.round(1 / share));
      const at = new Date(nowMs + round * 60_000).toISOString();
      let changed = 0;
      // Offset by round so successive mutations touch different flags.
      for (let i = round % step; i < states.length; i += step) {
        const s = states[i]!;
        const before = s.layers.rolloutPercent ?? 0;
        const next = before >= 95 ? before - 5 : before + 5;
        states[i] = {
          ...s,
          layers: { ...s.layers, rolloutPercent: next },
          version: String(Number(s.version) + 1),
          updatedAt: at,
        };
        addEvent(s, at, 'feature-strategy-updated', [
          { layer: 'rolloutPercent', before: s.layers.rolloutPercent, after: next },
        ]);
        changed++;
      }
      return changed;
    },
    ownMs: () => own,
    resetOwnMs: () => {
      own = 0;
    },
    eventCount: () => events.length,
  };
}
