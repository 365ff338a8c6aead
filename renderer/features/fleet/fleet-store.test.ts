import { beforeEach, describe, expect, it } from 'vitest';
import { setApi } from '../../api/current.ts';
import { createMockApi } from '../../../test/fakes/fake-api.ts';
import { makeMockFleet, makeProvider, makeRow } from '../../../test/fakes/fake-fleet.ts';
import {
  clearFilters,
  environmentsOf,
  filterRows,
  loadFleet,
  resetFleetStore,
  selectVisibleRows,
  setEnvironmentFilter,
  setProviderFilter,
  setSearch,
  syncNow,
  useFleetStore,
} from './fleet-store.ts';

const rows = [
  makeRow({ key: 'search-ai', name: 'Search answers', provider: 'unleash', environment: 'production' }),
  makeRow({ key: 'reply-ai', name: 'Smart reply', provider: 'unleash', environment: 'staging' }),
  makeRow({
    key: 'triage',
    name: 'Ticket triage',
    provider: 'local',
    environment: 'production',
    layers: { modelVersion: 'claude-x-2' } as never,
  }),
];

beforeEach(() => {
  resetFleetStore();
});

describe('filterRows', () => {
  it('filters by provider and environment', () => {
    expect(filterRows(rows, { provider: 'unleash', environment: '', search: '' }).map((r) => r.key)).toEqual([
      'search-ai',
      'reply-ai',
    ]);
    expect(
      filterRows(rows, { provider: 'unleash', environment: 'staging', search: '' }).map((r) => r.key),
    ).toEqual(['reply-ai']);
  });

  it('searches key, name and model, case-insensitively, all terms', () => {
    expect(filterRows(rows, { provider: '', environment: '', search: 'SMART' }).map((r) => r.key)).toEqual([
      'reply-ai',
    ]);
    expect(filterRows(rows, { provider: '', environment: '', search: 'claude' }).map((r) => r.key)).toEqual([
      'triage',
    ]);
    expect(
      filterRows(rows, { provider: '', environment: '', search: 'ai search' }).map((r) => r.key),
    ).toEqual(['search-ai']);
    expect(filterRows(rows, { provider: '', environment: '', search: '  ' })).toHaveLength(3);
  });

  it('offers the environments of the selected provider', () => {
    expect(environmentsOf(rows, '')).toEqual(['production', 'staging']);
    expect(environmentsOf(rows, 'local')).toEqual(['production']);
  });

  it('filters 2,000 rows quickly', () => {
    const fleet = makeMockFleet(2000);
    const t0 = performance.now();
    for (let i = 0; i < 50; i++) filterRows(fleet.rows, { provider: '', environment: '', search: `ai ${i}` });
    expect(performance.now() - t0).toBeLessThan(500);
  });
});

describe('fleet store', () => {
  it('loads rows and providers, sorted, and applies filters through the selector', async () => {
    setApi(createMockApi({ rows: [...rows].reverse(), providers: [makeProvider({ name: 'unleash' })] }));
    const pending = loadFleet();
    expect(useFleetStore.getState().status).toBe('loading');
    await pending;
    const s = useFleetStore.getState();
    expect(s.status).toBe('ready');
    expect(s.rows.map((r) => r.key)).toEqual(['triage', 'search-ai', 'reply-ai']);
    setProviderFilter('unleash');
    setSearch('reply');
    expect(selectVisibleRows(useFleetStore.getState()).map((r) => r.key)).toEqual(['reply-ai']);
    clearFilters();
    expect(selectVisibleRows(useFleetStore.getState())).toHaveLength(3);
  });

  it('drops an environment filter the new provider does not have', async () => {
    setApi(createMockApi({ rows }));
    await loadFleet();
    setEnvironmentFilter('staging');
    setProviderFilter('local');
    expect(useFleetStore.getState().filters).toEqual({ provider: 'local', environment: '', search: '' });
  });

  it('reports an unreachable server, and keeps old rows on a later failure', async () => {
    const api = createMockApi({ rows });
    setApi(api);
    api.failNext('fleet.list', {
      code: 'INTERNAL',
      message: 'control room server unreachable: Failed to fetch',
    });
    await loadFleet();
    expect(useFleetStore.getState().status).toBe('error');
    expect(useFleetStore.getState().error?.message).toContain('unreachable');

    await loadFleet();
    expect(useFleetStore.getState()).toMatchObject({ status: 'ready', error: null });

    api.failNext('fleet.list', { code: 'INTERNAL', message: 'control room server unreachable: x' });
    await loadFleet();
    expect(useFleetStore.getState().status).toBe('ready');
    expect(useFleetStore.getState().rows).toHaveLength(3);
    expect(useFleetStore.getState().error?.code).toBe('INTERNAL');
  });

  it('coalesces concurrent loads into at most one extra load', async () => {
    const api = createMockApi({ rows });
    setApi(api);
    await Promise.all([loadFleet(), loadFleet(), loadFleet(), loadFleet()]);
    expect(api.calls.filter((c) => c.channel === 'fleet.list')).toHaveLength(2);
  });

  it('sync now calls sync.now then reloads; failures are kept for display', async () => {
    const api = createMockApi({ rows, providers: [makeProvider()] });
    setApi(api);
    await syncNow();
    expect(api.calls.map((c) => c.channel)).toEqual(['sync.now', 'fleet.list']);
    expect(useFleetStore.getState().syncing).toBe(false);

    api.failNext('sync.now', { code: 'PROVIDER_ERROR', message: 'unleash: 503' });
    await syncNow();
    expect(useFleetStore.getState().syncError).toEqual({ code: 'PROVIDER_ERROR', message: 'unleash: 503' });
  });
});
