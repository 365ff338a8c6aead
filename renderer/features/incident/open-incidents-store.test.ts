import { beforeEach, describe, expect, it } from 'vitest';
import { setApi } from '../../api/current.ts';
import { createMockApi, type MockApi } from '../../../test/fakes/fake-api.ts';
import { makeRow } from '../../../test/fakes/fake-fleet.ts';
import { loadOpenIncidents, resetOpenIncidents, useOpenIncidentsStore } from './open-incidents-store.ts';

const ref = { provider: 'local', environment: 'production', key: 'ai-answer-assist' };
let mock: MockApi;
const s = () => useOpenIncidentsStore.getState();

beforeEach(() => {
  resetOpenIncidents();
  mock = createMockApi({ rows: [makeRow({ key: ref.key })] });
  setApi(mock);
});

describe('open incidents (header count, fleet marker)', () => {
  it('counts from incidents.list on the first load, by flag', async () => {
    await loadOpenIncidents();
    expect(s()).toMatchObject({ status: 'ready', count: 0, kindByFlag: {} });
    await mock.invoke('rollout.rollback', { flag: ref, reason: 'wrong answers', target: 'kill' });
    await loadOpenIncidents();
    expect(s().count).toBe(1);
    expect(s().kindByFlag[`${ref.provider}/${ref.environment}/${ref.key}`]).toBe('killed');
  });

  it('says nothing is known when the read fails (never "none open")', async () => {
    mock.failNext('incidents.list', { code: 'INTERNAL', message: 'database is locked' });
    await loadOpenIncidents();
    expect(s()).toMatchObject({ status: 'error', count: 0 });
    expect(s().error?.message).toBe('database is locked');
  });
});
