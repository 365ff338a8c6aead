import { beforeEach, describe, expect, it } from 'vitest';
import { setApi } from '../../api/current.ts';
import { createMockApi, type MockApi } from '../../../test/fakes/fake-api.ts';
import { makeLayers, makeRow } from '../../../test/fakes/fake-fleet.ts';
import { barSegments, monotonicText, readKeys } from './audience-format.ts';
import { share } from '../../lib/format.ts';
import {
  loadAudienceFile,
  resetAudienceStore,
  runAudiencePreview,
  selectCanPreview,
  setAudienceChange,
  setAudienceText,
  useAudienceStore,
} from './audience-store.ts';

const ref = { provider: 'local', environment: 'production', key: 'ai-answer-assist' };
let mock: MockApi;

beforeEach(() => {
  mock = createMockApi({
    rows: [
      makeRow({ key: 'ai-answer-assist', layers: makeLayers({ rolloutPercent: 10, allowList: ['vip'] }) }),
    ],
  });
  setApi(mock);
  resetAudienceStore();
});

const keys = (n: number) => Array.from({ length: n }, (_, i) => `user-${i}`);

describe('audience store', () => {
  it('parses pasted keys, sends them with the change and keeps the result', async () => {
    setAudienceChange(ref, { rolloutPercent: 25 });
    expect(selectCanPreview(useAudienceStore.getState())).toBe(false);
    setAudienceText(keys(300).join('\n'));
    expect(useAudienceStore.getState()).toMatchObject({ keys: keys(300), format: 'lines', parseError: null });
    await runAudiencePreview();
    const s = useAudienceStore.getState();
    expect(s.status).toBe('done');
    expect(mock.calls.at(-1)).toMatchObject({
      channel: 'flag.previewAudience',
      input: { ref, patch: { rolloutPercent: 25 }, keys: keys(300) },
    });
    expect(s.result?.totals.leaving).toBe(0);
    expect(s.result?.totals.entering).toBeGreaterThan(0);
    expect(s.result?.keys.unique).toBe(300);
  });

  it('reads a CSV file with a key column', async () => {
    setAudienceChange(ref, { rolloutPercent: 25 });
    await loadAudienceFile(Object.assign(new Blob(['plan,key\npro,u1\nfree,u2\n']), { name: 'users.csv' }));
    expect(useAudienceStore.getState()).toMatchObject({
      keys: ['u1', 'u2'],
      format: 'csv',
      fileName: 'users.csv',
    });
  });

  it('shows why a CSV cannot be read and does not send it', async () => {
    setAudienceChange(ref, { rolloutPercent: 25 });
    setAudienceText('id,plan\n1,pro\n');
    expect(useAudienceStore.getState().parseError).toMatch(/no "key" column/);
    await runAudiencePreview();
    expect(mock.calls.some((c) => c.channel === 'flag.previewAudience')).toBe(false);
  });

  it('shows the core error as it is', async () => {
    setAudienceChange(ref, { rolloutPercent: 25 });
    setAudienceText('a\nb');
    mock.failNext('flag.previewAudience', { code: 'UNSUPPORTED', message: 'no bucketing details' });
    await runAudiencePreview();
    expect(useAudienceStore.getState()).toMatchObject({
      status: 'error',
      error: { code: 'UNSUPPORTED', message: 'no bucketing details' },
      result: null,
    });
  });

  it('drops the result when the change changes, keeps the keys for the same flag, clears them for another flag', async () => {
    setAudienceChange(ref, { rolloutPercent: 25 });
    setAudienceText('a\nb');
    await runAudiencePreview();
    expect(useAudienceStore.getState().result).not.toBeNull();
    setAudienceChange(ref, { rolloutPercent: 30 });
    expect(useAudienceStore.getState()).toMatchObject({ result: null, keys: ['a', 'b'] });
    setAudienceChange({ ...ref, key: 'other' }, { rolloutPercent: 30 });
    expect(useAudienceStore.getState().keys).toEqual([]);
  });

  it('ignores an answer that arrives after the change moved on', async () => {
    setAudienceChange(ref, { rolloutPercent: 25 });
    setAudienceText('a\nb');
    const release = mock.hold();
    const pending = runAudiencePreview();
    setAudienceChange(ref, { rolloutPercent: 40 });
    release();
    await pending;
    expect(useAudienceStore.getState()).toMatchObject({ status: 'idle', result: null });
  });
});

describe('audience format', () => {
  it('reads lines and CSV in the browser build of csv-parse', () => {
    expect(readKeys(' a \n\nb\n')).toEqual({ keys: ['a', 'b'], format: 'lines' });
    expect(readKeys('key,x\n"k,1",2\n')).toEqual({ keys: ['k,1'], format: 'csv' });
  });

  it('splits cohort counts into bar segments that sum to 100 %', () => {
    const s = barSegments({ treatment: 25, control: 70, excluded: 5 });
    expect(s.map((g) => g.percent)).toEqual([25, 70, 5]);
    expect(barSegments({ treatment: 0, control: 0, excluded: 0 }).every((g) => g.percent === 0)).toBe(true);
    expect(share(1, 3)).toBe('33.3 %');
    expect(share(1, 0)).toBe('—');
  });

  it('words the monotonic check', async () => {
    setAudienceChange(ref, { rolloutPercent: 25 });
    setAudienceText(keys(50).join('\n'));
    await runAudiencePreview();
    expect(monotonicText(useAudienceStore.getState().result!)).toBe(
      'Rollout 10% → 25% only adds users: checked on all 50 keys.',
    );
  });
});
