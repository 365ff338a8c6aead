import { beforeEach, describe, expect, it } from 'vitest';
import { setApi } from '../../api/current.ts';
import { createMockApi, type MockApi } from '../../../test/fakes/fake-api.ts';
import { makeRow } from '../../../test/fakes/fake-fleet.ts';
import {
  exportDecisions,
  filtersToInput,
  isoToLocalInput,
  localInputToIso,
  mergeFlags,
  openDecisions,
  resetDecisionsStore,
  setFilters,
  setSaveFile,
  useDecisionsStore,
} from './decisions-store.ts';

const ref = { provider: 'local', environment: 'production', key: 'ai-answer-assist' };
const other = { provider: 'local', environment: 'production', key: 'ai-smart-summaries' };
let mock: MockApi;
const s = () => useDecisionsStore.getState();

beforeEach(async () => {
  resetDecisionsStore();
  mock = createMockApi({ rows: [makeRow({ key: ref.key }), makeRow({ key: other.key })] });
  setApi(mock);
  await mock.invoke('rollout.pause', { flag: ref, reason: 'hold it' });
  await mock.invoke('rollout.rollback', { flag: other, reason: 'bad answers', target: 'kill' });
});

describe('decision log helpers', () => {
  it('converts a datetime-local value to ISO and back', () => {
    const iso = localInputToIso('2025-03-01T12:30');
    expect(iso).toBe(new Date(2025, 2, 1, 12, 30).toISOString());
    expect(isoToLocalInput(Date.parse(iso!))).toBe('2025-03-01T12:30');
    expect(localInputToIso('')).toBeNull();
    expect(localInputToIso('yesterday')).toBeNull();
  });

  it('builds the filter input, leaving out empty filters', () => {
    const flags = [ref, other];
    expect(filtersToInput({ flag: '', action: '', since: '' }, flags)).toEqual({});
    expect(
      filtersToInput(
        { flag: 'local/production/ai-answer-assist', action: 'pause', since: '2025-03-01T00:00' },
        flags,
      ),
    ).toEqual({
      flag: ref,
      action: 'pause',
      since: new Date(2025, 2, 1).toISOString(),
    });
    expect(mergeFlags([other, ref], [ref]).map((f) => f.key)).toEqual([
      'ai-answer-assist',
      'ai-smart-summaries',
    ]);
  });
});

describe('decision log store', () => {
  it('lists every decision, newest first, and filters by flag and action', async () => {
    await openDecisions();
    expect(s().records.map((d) => d.action)).toEqual(['rollback', 'pause']);
    expect(s().flags.map((f) => f.key)).toEqual(['ai-answer-assist', 'ai-smart-summaries']);
    await setFilters({ flag: 'local/production/ai-answer-assist' });
    expect(s().records.map((d) => d.flag.key)).toEqual(['ai-answer-assist']);
    await setFilters({ flag: '', action: 'rollback' });
    expect(s().records.map((d) => d.action)).toEqual(['rollback']);
    expect(mock.calls.at(-1)?.input).toEqual({ action: 'rollback', limit: 500 });
  });

  it('preselects the flag of a link', async () => {
    await openDecisions(other);
    expect(s().filters.flag).toBe('local/production/ai-smart-summaries');
    expect(s().records.map((d) => d.flag.key)).toEqual(['ai-smart-summaries']);
  });

  it('exports the filtered log as CSV and saves the returned document', async () => {
    const saved: { content: string; filename: string; mime: string }[] = [];
    setSaveFile((content, filename, mime) => saved.push({ content, filename, mime }));
    await openDecisions();
    await setFilters({ action: 'rollback' });
    expect(await exportDecisions('csv')).toBe(true);
    expect(mock.calls.at(-1)).toEqual({
      channel: 'decisions.export',
      input: { action: 'rollback', format: 'csv' },
    });
    expect(saved).toHaveLength(1);
    expect(saved[0]!.mime).toBe('text/csv;charset=utf-8');
    expect(saved[0]!.content.split('\n')[1]).toContain('rollback');
    expect(s().lastExport).toMatchObject({ rows: 1, format: 'csv' });
  });

  it('reports a failed export and a file that could not be saved', async () => {
    await openDecisions();
    mock.failNext('decisions.export', { code: 'INTERNAL', message: 'disk full' });
    expect(await exportDecisions('json')).toBe(false);
    expect(s().exportError?.message).toBe('disk full');
    setSaveFile(() => {
      throw new Error('blocked');
    });
    expect(await exportDecisions('json')).toBe(false);
    expect(s().exportError?.message).toBe('could not save the file: blocked');
  });
});
