/**
 * Fleet fixtures of the test fakes: providers, layers and fleet rows with plausible defaults, and
 * a deterministic fleet of any size (renderer unit tests and the development-only `?mock` page,
 * renderer/dev-mock.ts).
 */
import type { AuditEntry, FlagLayers, FleetRow, HistoryEntry, ProviderStatus } from '../../shared/domain.ts';

/** The fleet part of the fake API's state. */
export interface FleetState {
  rows: FleetRow[];
  providers: ProviderStatus[];
  history: HistoryEntry[];
  audit: AuditEntry[];
}

const iso = (ms: number) => new Date(ms).toISOString();

/** A healthy local provider with every capability; `partial` overrides any field. */
export function makeProvider(partial: Partial<ProviderStatus> = {}): ProviderStatus {
  return {
    name: 'local',
    kind: 'local',
    url: null,
    capabilities: {
      kill: true,
      rollout: true,
      threshold: true,
      modelVersion: true,
      allowBlock: true,
      history: true,
    },
    healthy: true,
    lastAttemptAt: '2025-01-01T12:00:00.000Z',
    lastSuccessAt: '2025-01-01T12:00:00.000Z',
    lastError: null,
    lastSyncMs: 12,
    flagCount: 0,
    ...partial,
  };
}

/** AI-flag layers (serving, 25 %, threshold 0.8, model v2.4, empty lists); `partial` overrides any. */
export function makeLayers(partial: Partial<FlagLayers> = {}): FlagLayers {
  return {
    enabled: true,
    rolloutPercent: 25,
    confidenceThreshold: 0.8,
    modelVersion: 'v2.4',
    allowList: [],
    blockList: [],
    ...partial,
  };
}

/** A fleet row of the local provider in production; `partial` (with the key) overrides any field. */
export function makeRow(partial: Partial<FleetRow> & { key: string }): FleetRow {
  const { layers, ...rest } = partial;
  return {
    provider: 'local',
    environment: 'production',
    providerKind: 'local',
    name: partial.key.replace(/[-_]/g, ' '),
    description: '',
    kind: 'ai',
    layers: makeLayers(layers),
    variants: [],
    version: '1',
    updatedAt: '2025-01-01T11:00:00.000Z',
    native: {},
    syncedAt: '2025-01-01T12:00:00.000Z',
    stale: false,
    lastChangeAt: null,
    ...rest,
  };
}

const WORDS = [
  'search',
  'summary',
  'reply',
  'triage',
  'ranking',
  'assist',
  'translate',
  'vision',
  'fraud',
  'chat',
];
const SUFFIX = ['ai', 'llm', 'model', 'beta', 'v2', 'rerank'];

/** A deterministic fleet of `count` rows across providers and environments. */
export function makeMockFleet(count: number, now = Date.parse('2025-01-01T12:00:00.000Z')): FleetState {
  const providers = [
    makeProvider({ name: 'local', kind: 'local' }),
    makeProvider({ name: 'unleash-prod', kind: 'unleash', url: 'http://127.0.0.1:4242' }),
    makeProvider({
      name: 'launchdarkly',
      kind: 'launchdarkly',
      url: 'https://app.launchdarkly.com',
      healthy: false,
      lastError: 'connect ECONNREFUSED 127.0.0.1:8765',
      lastSuccessAt: iso(now - 7 * 60_000),
      lastAttemptAt: iso(now - 30_000),
    }),
  ];
  const envs = ['production', 'staging', 'development'];
  const rows: FleetRow[] = [];
  for (let i = 0; i < count; i++) {
    const provider = providers[i % providers.length]!;
    const environment = envs[Math.floor(i / providers.length) % envs.length]!;
    const key = `${WORDS[i % WORDS.length]}-${SUFFIX[(i * 7) % SUFFIX.length]}-${Math.floor(i / 9)}`;
    rows.push(
      makeRow({
        key,
        provider: provider.name,
        providerKind: provider.kind,
        environment,
        name: `${WORDS[i % WORDS.length]} ${SUFFIX[(i * 7) % SUFFIX.length]}`,
        layers: makeLayers({
          enabled: i % 11 !== 3,
          rolloutPercent: [0, 5, 10, 25, 50, 100][i % 6]!,
          confidenceThreshold: [0.5, 0.7, 0.8, 0.9][i % 4]!,
          modelVersion: `v${1 + (i % 3)}.${i % 10}`,
        }),
        stale: !provider.healthy,
        syncedAt: provider.healthy ? iso(now - 20_000) : (provider.lastSuccessAt ?? iso(now)),
        updatedAt: iso(now - (i % 50) * 3_600_000),
        lastChangeAt: i % 4 === 0 ? iso(now - (i % 30) * 60_000) : null,
      }),
    );
  }
  for (const p of providers) p.flagCount = rows.filter((r) => r.provider === p.name).length;
  return { rows, providers, history: [], audit: [] };
}
