/**
 * The monitor keeps ticking through transient errors and reports its own health (issue 15, item 1):
 * a tick that throws (a busy database, a failing read) is recorded in `monitor.status` — last error,
 * when, failed ticks in a row — and the next tick runs; a rejected outbox drain is an error it
 * records, not a crash.
 */
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { AppCore } from '../app-core.ts';
import { tempDataDir } from '../../../test/support/temp-dir.ts';
import { errorRateGuardrail, ok, openTestCore } from '../../../test/support/core-fixtures.ts';
import { metricDef } from '../../../test/support/metric-fixtures.ts';

const FLAG = { provider: 'local', environment: 'production', key: 'ai-answer-assist' };
const T0 = Date.parse('2026-03-02T09:00:00Z');

let tmp: ReturnType<typeof tempDataDir>;
let core: AppCore;
let clock: number;

beforeEach(async () => {
  tmp = tempDataDir('rcr-monitor-health-');
  clock = T0;
  core = await openTestCore(path.join(tmp.dir, 'data'), () => clock, { startMonitor: false });
  await ok(core.invoke('metrics.define', metricDef(FLAG)));
  await ok(core.invoke('guardrails.define', errorRateGuardrail(FLAG)));
});
afterEach(async () => {
  await core.close();
  tmp.cleanup();
});

const busyError = (): Error => Object.assign(new Error('database is locked'), { code: 'SQLITE_BUSY' });

async function until(test: () => boolean, ms = 3000): Promise<void> {
  const end = Date.now() + ms;
  while (!test()) {
    if (Date.now() > end) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 10));
  }
}

describe('monitor health', () => {
  it('a tick that throws is recorded (error, when, failed ticks in a row) and the next tick runs', async () => {
    const service = core.rollouts;
    const real = service.monitoredFlags.bind(service);
    let failures = 2;
    service.monitoredFlags = () => {
      if (failures-- > 0) throw busyError();
      return real();
    };
    core.monitor.start(5000);
    await until(() => core.monitor.status().lastFailureAt !== null);
    expect(core.monitor.status()).toMatchObject({
      running: true,
      consecutiveFailures: 1,
      lastSuccessAt: null,
    });
    expect(core.monitor.status().lastError).toMatch(/database is locked/);
    core.monitor.stop();
    await core.monitor.idle();

    await expect(core.monitor.runOnce()).rejects.toThrow(/database is locked/);
    expect(core.monitor.status().consecutiveFailures).toBe(2);
    const run = await core.monitor.runOnce();
    expect(run.flags).toBe(1);
    const s = core.monitor.status();
    expect(s).toMatchObject({ consecutiveFailures: 0, lastError: null, lastRunAt: run.at });
    expect(s.lastSuccessAt).toBe(run.at);
    expect(s.lastFailureAt).not.toBeNull();
    // The contract channel reports the same.
    expect(await ok(core.invoke('monitor.status', {}))).toMatchObject({ consecutiveFailures: 0 });
  });

  it('a tick on a database another process has locked fails, is recorded, and the monitor recovers', async () => {
    core.db.pragma('busy_timeout = 100');
    const holder = new Database(path.join(tmp.dir, 'data', 'rcr.db'));
    holder.exec('BEGIN IMMEDIATE');
    try {
      await expect(core.monitor.runOnce()).rejects.toThrow(/locked|busy/);
      expect(core.monitor.status()).toMatchObject({ consecutiveFailures: 1 });
    } finally {
      holder.exec('COMMIT');
      holder.close();
    }
    clock += 5000;
    await core.monitor.runOnce();
    expect(core.monitor.status()).toMatchObject({ consecutiveFailures: 0, lastError: null });
  });

  it('a rejected outbox drain at start is recorded, not thrown out of the event loop', async () => {
    core.rollouts.outbox.drain = () => Promise.reject(busyError());
    const errors: string[] = [];
    const real = core.monitor.noteError.bind(core.monitor);
    core.monitor.noteError = (source, error) => {
      errors.push(`${source}: ${(error as Error).message}`);
      real(source, error);
    };
    core.monitor.start(5000);
    await until(() => core.monitor.status().lastFailureAt !== null);
    // The drain at start (and the one after the first tick) failed: recorded, nothing thrown.
    expect(errors.length).toBeGreaterThanOrEqual(1);
    expect(new Set(errors)).toEqual(new Set(['outbox: database is locked']));
    // Let any unhandled rejection surface before the test ends (vitest reports it).
    await new Promise((r) => setTimeout(r, 50));
    core.monitor.stop();
    await core.monitor.idle();
  });
});
