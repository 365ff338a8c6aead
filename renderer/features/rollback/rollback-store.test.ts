import { beforeEach, describe, expect, it } from 'vitest';
import type { HistoryEntry } from '../../../shared/domain.ts';
import { setApi } from '../../api/current.ts';
import { createMockApi, type MockApi } from '../../../test/fakes/fake-api.ts';
import { makeRow } from '../../../test/fakes/fake-fleet.ts';
import { resetFleetStore } from '../fleet/fleet-store.ts';
import { resetFlagStore } from '../flag/flag-store.ts';
import {
  chooseRollbackMode,
  closeRollback,
  confirmRollback,
  openRestore,
  openRollback,
  resetRollbackStore,
  retryRollback,
  selectCanConfirmRollback,
  setRollbackReason,
  useRollbackStore,
} from './rollback-store.ts';

const ref = { provider: 'local', environment: 'production', key: 'search-ai' };
const row = makeRow({ ...ref, layers: { rolloutPercent: 50, modelVersion: 'v3' } as never });
const badChange: HistoryEntry = {
  ...ref,
  id: 7,
  at: '2025-01-01T11:00:00.000Z',
  actor: 'alice',
  source: 'provider-event',
  providerEventId: 'e1',
  eventType: 'feature-strategy-updated',
  changes: [
    { layer: 'rolloutPercent', before: 10, after: 50 },
    { layer: 'modelVersion', before: 'v2.4', after: 'v3' },
  ],
  auditId: null,
};

let api: MockApi;
const state = () => useRollbackStore.getState();

beforeEach(() => {
  resetRollbackStore();
  resetFleetStore();
  resetFlagStore();
  api = createMockApi({ rows: [row], history: [badChange] });
  setApi(api);
});

describe('rollback store', () => {
  it('kill: choose → preview → reason → confirm → confirmed state with audit id', async () => {
    openRollback(row);
    expect(state()).toMatchObject({ phase: 'choosing', ref, mode: null });

    const previewing = chooseRollbackMode('kill');
    expect(state().phase).toBe('previewing');
    await previewing;
    expect(state().phase).toBe('ready');
    expect(state().preview?.changes).toEqual([{ layer: 'enabled', before: true, after: false }]);

    expect(selectCanConfirmRollback(state())).toBe(false); // no reason yet
    setRollbackReason('  x ');
    expect(selectCanConfirmRollback(state())).toBe(false); // < 3 chars after trim
    await confirmRollback();
    expect(state().phase).toBe('ready'); // refused

    setRollbackReason('error rate spike');
    expect(selectCanConfirmRollback(state())).toBe(true);
    const executing = confirmRollback();
    expect(state().phase).toBe('executing');
    expect(closeRollback()).toBe(false); // cannot close while executing
    await executing;
    expect(state().phase).toBe('succeeded');
    expect(state().result?.flag.layers.enabled).toBe(false);
    expect(state().result?.audit).toMatchObject({
      action: 'kill',
      status: 'succeeded',
      reason: 'error rate spike',
    });
    const call = api.calls.find((c) => c.channel === 'flag.rollback');
    expect(call?.input).toEqual({ ref, mode: 'kill', reason: 'error rate spike' });
  });

  it('revert: preview names the history entry it restores from', async () => {
    openRollback(row, 'revert');
    await chooseRollbackMode('revert');
    expect(state().preview?.basis?.id).toBe(7);
    expect(state().preview?.changes).toEqual([
      { layer: 'rolloutPercent', before: 50, after: 10 },
      { layer: 'modelVersion', before: 'v3', after: 'v2.4' },
    ]);
  });

  it('shows a preview error (nothing to revert to) and does not allow confirm', async () => {
    api.state.history = [];
    openRollback(row);
    await chooseRollbackMode('revert');
    expect(state().phase).toBe('preview-failed');
    expect(state().error?.code).toBe('CONFLICT');
    setRollbackReason('because');
    expect(selectCanConfirmRollback(state())).toBe(false);
    // switching to kill recovers
    await chooseRollbackMode('kill');
    expect(state().phase).toBe('ready');
  });

  it('drops a stale preview when the mode changes mid-flight', async () => {
    openRollback(row);
    const release = api.hold();
    const first = chooseRollbackMode('revert');
    const second = chooseRollbackMode('kill');
    release();
    await Promise.all([first, second]);
    expect(state().mode).toBe('kill');
    expect(state().preview?.changes.map((c) => c.layer)).toEqual(['enabled']);
  });

  it('on provider failure shows the error, and can retry', async () => {
    openRollback(row);
    await chooseRollbackMode('kill');
    setRollbackReason('incident 42');
    api.failNext('flag.rollback', { code: 'PROVIDER_ERROR', message: 'unleash answered 500: boom' });
    await confirmRollback();
    expect(state().phase).toBe('failed');
    expect(state().error).toEqual({ code: 'PROVIDER_ERROR', message: 'unleash answered 500: boom' });
    expect(api.state.audit.at(-1)).toMatchObject({ status: 'failed', error: 'unleash answered 500: boom' });

    await retryRollback();
    expect(state()).toMatchObject({ phase: 'ready', reason: 'incident 42', mode: 'kill' });
  });

  it('closes and resets', async () => {
    openRollback(row);
    await chooseRollbackMode('kill');
    expect(closeRollback()).toBe(true);
    expect(state()).toMatchObject({ phase: 'closed', ref: null, preview: null });
  });
});

describe('restore', () => {
  it('restores a killed flag to every layer from before the kill, through its own preview and channel', async () => {
    openRollback(row, 'kill');
    await new Promise((r) => setTimeout(r, 0));
    setRollbackReason('bad answers');
    await confirmRollback();
    expect(state().result?.flag.layers.enabled).toBe(false);
    closeRollback();

    openRestore(row);
    expect(state()).toMatchObject({ intent: 'restore', mode: 'restore' });
    await new Promise((r) => setTimeout(r, 0));
    expect(state().phase).toBe('ready');
    expect(state().preview?.changes).toEqual([{ layer: 'enabled', before: false, after: true }]);
    setRollbackReason('fixed upstream');
    await confirmRollback();
    expect(api.calls.at(-1)?.channel).not.toBe('flag.rollback');
    expect(api.calls.some((c) => c.channel === 'flag.restore')).toBe(true);
    expect(state().result?.flag.layers).toMatchObject({
      enabled: true,
      rolloutPercent: 50,
      modelVersion: 'v3',
    });
  });

  it('is refused for a flag that is not killed', async () => {
    openRestore(row);
    await new Promise((r) => setTimeout(r, 0));
    expect(state().phase).toBe('preview-failed');
    expect(state().error?.message).toMatch(/not killed/);
  });
});
