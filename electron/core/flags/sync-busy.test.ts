/**
 * The sync service on a data folder whose write lock another process holds (issue 15, item 1): a
 * sync never rejects — its failure path (`ProviderStatusStore.failure`) meets `SQLITE_BUSY` too —,
 * a busy database is not blamed on the provider, a provider failure is recorded once the lock is
 * gone, and the polling timer backs off instead of stacking attempts.
 */
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openCore, type AppCore, type CoreOptions } from '../app-core.ts';
import { createProvider } from '../providers/registry.ts';
import { ProviderError, type FlagProvider } from '../providers/provider.ts';
import { tempDataDir } from '../../../test/support/temp-dir.ts';

let tmp: ReturnType<typeof tempDataDir>;
let core: AppCore;
let holder: Database.Database | null;

/** Wraps the configured provider: `listFlags` fails with `fail()` when it returns one, and is counted. */
function wrapped(fail: () => Error | null, calls: { list: number }): CoreOptions['providerFactory'] {
  return (cfg, db, env, now) => {
    const inner = createProvider(cfg, db, env, now);
    const p: FlagProvider = {
      ...inner,
      name: inner.name,
      kind: inner.kind,
      url: inner.url,
      capabilities: () => inner.capabilities(),
      listFlags: async () => {
        calls.list++;
        const e = fail();
        if (e) throw e;
        return inner.listFlags();
      },
    };
    return p;
  };
}

/** Another connection takes the write lock (`BEGIN IMMEDIATE`) of the core's database. */
function lock(): void {
  holder = new Database(path.join(tmp.dir, 'data', 'rcr.db'));
  holder.exec('BEGIN IMMEDIATE');
}
function unlock(): void {
  holder?.exec('COMMIT');
  holder?.close();
  holder = null;
}

beforeEach(() => {
  tmp = tempDataDir('rcr-sync-busy-');
  holder = null;
});
afterEach(async () => {
  unlock();
  await core?.close();
  tmp.cleanup();
});

const open = async (over: Partial<CoreOptions> = {}): Promise<AppCore> => {
  const c = await openCore({ dataDir: path.join(tmp.dir, 'data'), env: {}, startSync: false, ...over });
  c.db.pragma('busy_timeout = 100'); // keep the test fast: a locked write fails after 100 ms
  return c;
};

describe('sync on a busy database', () => {
  it('a provider failure whose status write meets the lock resolves, and is recorded once the lock is gone', async () => {
    const calls = { list: 0 };
    core = await open({
      providerFactory: wrapped(() => new ProviderError('HTTP 503 unavailable', 503), calls),
    });
    lock();
    setTimeout(unlock, 400);
    const outcome = await core.sync.syncProvider('local');
    expect(outcome).toMatchObject({ provider: 'local', ok: false });
    expect(outcome.error).toMatch(/HTTP 503/);
    await core.sync.idle();
    expect(core.providerStatuses()[0]).toMatchObject({ healthy: false });
    expect(core.providerStatuses()[0]!.lastError).toMatch(/HTTP 503/);
  });

  it('a failure that cannot be recorded while the lock is held still resolves', async () => {
    const calls = { list: 0 };
    core = await open({
      providerFactory: wrapped(() => new ProviderError('HTTP 503 unavailable', 503), calls),
    });
    lock();
    const outcomes = await core.sync.syncAll();
    expect(outcomes).toHaveLength(1);
    expect(outcomes[0]).toMatchObject({ ok: false });
    expect(outcomes[0]!.error).toMatch(/HTTP 503/);
    expect(core.sync.unrecordedFailure('local')?.error).toMatch(/HTTP 503/);
  });

  it('a busy database is not blamed on the provider: the outcome says so and the status is untouched', async () => {
    const calls = { list: 0 };
    core = await open({ providerFactory: wrapped(() => null, calls) });
    expect((await core.sync.syncProvider('local')).ok).toBe(true);
    const before = core.providerStatuses()[0]!;
    expect(before.healthy).toBe(true);
    lock();
    const outcome = await core.sync.syncProvider('local');
    expect(outcome.ok).toBe(false);
    expect(outcome.error).toMatch(/database is busy/);
    unlock();
    expect(core.providerStatuses()[0]).toMatchObject({
      healthy: true,
      lastError: null,
      lastSuccessAt: before.lastSuccessAt,
    });
  });

  it('the polling timer backs off while the database is busy instead of stacking attempts', async () => {
    const calls = { list: 0 };
    core = await open({ providerFactory: wrapped(() => null, calls) });
    lock();
    core.sync.start(20);
    await new Promise((r) => setTimeout(r, 1500));
    core.sync.stop();
    await core.sync.idle();
    // Without a back-off: one attempt per 20 ms tick (each blocked ~100 ms) — dozens.
    expect(calls.list).toBeGreaterThanOrEqual(1);
    expect(calls.list).toBeLessThanOrEqual(3);
    unlock();
    expect((await core.sync.syncProvider('local')).ok).toBe(true);
  });
});
