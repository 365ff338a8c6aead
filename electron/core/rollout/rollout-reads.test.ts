/**
 * Reads never change a rollout: viewing a flag's rollout (`rollout.get`) before a plan exists
 * stores nothing, so a plan saved afterwards starts as a draft; and "advance" after a rollback
 * restarts the stage that was rolled back, never the next one.
 */
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openCore, type AppCore } from '../app-core.ts';
import { openDatabase } from '../db/database.ts';
import { RolloutStore } from './rollout-store.ts';
import { tempDataDir } from '../../../test/support/temp-dir.ts';
import { threeStagePlan } from '../../../test/support/rollout-fixtures.ts';

const FLAG = { provider: 'local', environment: 'production', key: 'ai-answer-assist' };
let tmp: ReturnType<typeof tempDataDir>;
let core: AppCore;

const ok = async <T>(
  p: Promise<{ ok: true; value: T } | { ok: false; error: { message: string } }>,
): Promise<T> => {
  const r = await p;
  if (!r.ok) throw new Error(r.error.message);
  return r.value;
};

const plan = threeStagePlan(
  FLAG,
  { minObservationMs: 60_000, minSamplePerCohort: 0, autoAdvance: false },
  { name: 'three stages' },
);

beforeEach(async () => {
  tmp = tempDataDir('rcr-rollout-reads-');
  core = await openCore({
    dataDir: path.join(tmp.dir, 'data'),
    startSync: false,
    actor: 'tester',
    resourcesDir: path.join(tmp.dir, 'none'),
  });
  await core.sync.syncAll();
});
afterEach(async () => {
  await core.close();
  tmp.cleanup();
});

describe('rollout reads and restarts', () => {
  it('viewing a flag before it has a plan stores nothing; the plan saved after it is a draft', async () => {
    const before = await ok(core.invoke('rollout.get', { flag: FLAG }));
    expect(before.state).toBeNull();
    expect((await ok(core.invoke('rollout.get', { flag: FLAG }))).state).toBeNull();
    const saved = await ok(core.invoke('rollout.savePlan', plan));
    expect(saved.state).toMatchObject({ stageIndex: -1, status: 'draft' });
  });

  it('advance after a rollback restarts the rolled-back stage, not the next one', async () => {
    await ok(core.invoke('rollout.savePlan', plan));
    await ok(core.invoke('rollout.advance', { flag: FLAG, reason: 'start' }));
    await core.rollouts.outbox.idle();
    await ok(core.invoke('rollout.rollback', { flag: FLAG, reason: 'complaints', target: 'kill' }));
    await core.rollouts.outbox.idle();
    const rolledBack = await ok(core.invoke('rollout.get', { flag: FLAG }));
    expect(rolledBack.state).toMatchObject({ stageIndex: 0, status: 'rolled-back' });
    await ok(core.invoke('rollout.advance', { flag: FLAG, reason: 'fixed, try again' }));
    await core.rollouts.outbox.idle();
    const again = await ok(core.invoke('rollout.get', { flag: FLAG }));
    expect(again.state).toMatchObject({ stageIndex: 0, status: 'running' });
    const layers = (await ok(core.invoke('flag.get', FLAG))).flag.layers;
    expect(layers.rolloutPercent).toBe(10);
  });

  it('the stage-state snapshot the monitor reads sees a write on this connection and a commit by another', async () => {
    await ok(core.invoke('rollout.savePlan', plan));
    const store = core.rollouts.store;
    const at = new Date().toISOString();
    expect(store.states().map((s) => s.status)).toEqual(['draft']);
    expect(store.state(FLAG)).toMatchObject({ status: 'draft' });
    expect(Object.isFrozen(store.state(FLAG))).toBe(true);
    store.putState({ ...store.state(FLAG)!, status: 'paused', reason: 'by hand' }, at);
    expect(store.state(FLAG)).toMatchObject({ status: 'paused', reason: 'by hand' });
    store.states();
    const other = openDatabase(path.join(tmp.dir, 'data', 'rcr.db'));
    try {
      const otherStore = new RolloutStore(other);
      otherStore.putState({ ...otherStore.state(FLAG)!, status: 'running', reason: 'rcr resume' }, at);
    } finally {
      other.close();
    }
    await new Promise((resolve) => setImmediate(resolve));
    expect(store.state(FLAG)).toMatchObject({ status: 'running', reason: 'rcr resume' });
  });
});
