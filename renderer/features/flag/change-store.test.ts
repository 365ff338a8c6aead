import { beforeEach, describe, expect, it } from 'vitest';
import { setApi } from '../../api/current.ts';
import { createMockApi, type MockApi } from '../../../test/fakes/fake-api.ts';
import { makeRow } from '../../../test/fakes/fake-fleet.ts';
import {
  applyEdit,
  backToEdit,
  buildPatch,
  cancelEdit,
  previewEdit,
  resetChangeStore,
  selectCanApply,
  setChangeReason,
  setDraft,
  startEdit,
  useChangeStore,
} from './change-store.ts';
import { loadFlag, resetFlagStore, useFlagStore } from './flag-store.ts';
import { resetFleetStore } from '../fleet/fleet-store.ts';

const ref = { provider: 'local', environment: 'production', key: 'search-ai' };
const row = makeRow({ ...ref });
let api: MockApi;
const state = () => useChangeStore.getState();

beforeEach(() => {
  resetChangeStore();
  resetFlagStore();
  resetFleetStore();
  api = createMockApi({ rows: [row] });
  setApi(api);
});

describe('buildPatch', () => {
  it('parses drafts and passes bad values through for the server to reject', () => {
    expect(buildPatch('rolloutPercent', '50')).toEqual({ rolloutPercent: 50 });
    expect(buildPatch('rolloutPercent', ' 12.5 ')).toEqual({ rolloutPercent: 12.5 });
    expect(buildPatch('rolloutPercent', 'abc')).toEqual({ rolloutPercent: 'abc' });
    expect(buildPatch('confidenceThreshold', '')).toEqual({ confidenceThreshold: null });
    expect(buildPatch('enabled', false)).toEqual({ enabled: false });
    expect(buildPatch('modelVersion', ' v3 ')).toEqual({ modelVersion: 'v3' });
    expect(buildPatch('allowList', 'u1\n u2 ,u3\n\n')).toEqual({ allowList: ['u1', 'u2', 'u3'] });
  });
});

describe('change store', () => {
  it('shows server validation errors near the field', async () => {
    startEdit(row, 'rolloutPercent', row.layers);
    expect(state()).toMatchObject({ phase: 'editing', draft: '25' });
    setDraft('150');
    await previewEdit();
    expect(state().phase).toBe('editing');
    expect(state().fieldErrors).toEqual(['patch.rolloutPercent: rolloutPercent must be between 0 and 100']);
    expect(state().error).toBeNull();
    setDraft('40');
    expect(state().fieldErrors).toEqual([]);
  });

  it('previews, requires a reason, applies and keeps the confirmed state', async () => {
    await loadFlag(ref);
    startEdit(row, 'rolloutPercent', row.layers);
    setDraft('40');
    await previewEdit();
    expect(state().phase).toBe('confirm');
    expect(state().preview?.changes).toEqual([{ layer: 'rolloutPercent', before: 25, after: 40 }]);
    expect(selectCanApply(state())).toBe(false);
    setChangeReason('ramp up');
    expect(selectCanApply(state())).toBe(true);
    await applyEdit();
    expect(state().phase).toBe('succeeded');
    expect(state().result?.flag.layers.rolloutPercent).toBe(40);
    expect(state().result?.audit.action).toBe('set-layers');
    await new Promise((r) => setTimeout(r, 0));
    expect(useFlagStore.getState().flag?.layers.rolloutPercent).toBe(40);
    cancelEdit();
    expect(state().phase).toBe('idle');
  });

  it('shows provider errors on apply and can go back to the field', async () => {
    startEdit(row, 'modelVersion', row.layers);
    setDraft('v9');
    await previewEdit();
    setChangeReason('try v9');
    api.failNext('flag.applyChange', { code: 'PROVIDER_ERROR', message: 'variant v9 does not exist' });
    await applyEdit();
    expect(state().phase).toBe('failed');
    expect(state().error?.message).toBe('variant v9 does not exist');
    backToEdit();
    expect(state()).toMatchObject({ phase: 'editing', draft: 'v9', preview: null });
  });
});
