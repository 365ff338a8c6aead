/**
 * The rollback outbox against a REAL Unleash behind a fault-injecting proxy (issue 6 acceptance:
 * "Unleash returns 500/429 or hangs during a rollback → the outbox retries until confirmed, no
 * duplicate changes; app killed mid-action → the action completes after restart").
 *
 * The control room's Unleash provider talks to the proxy (test/support/fault-proxy.ts), which
 * answers the kill request itself with 500 or 429, or holds it past the provider's 5 s timeout,
 * before letting it through to Unleash. Checked: the outbox action ends `confirmed`, Unleash
 * itself (read directly, not through the proxy) shows the flag off, and the proxy's log shows how
 * many kill requests reached Unleash.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FlagRef } from '../../shared/domain.ts';
import type { OutboxAction } from '../../shared/decisions.ts';
import { openCore, type AppCore } from '../../electron/core/app-core.ts';
import { startFaultProxy, type Fault, type FaultProxy } from '../support/fault-proxy.ts';
import {
  createFeatureWithRollout,
  getFeature,
  startUnleash,
  type UnleashHandle,
} from '../support/unleash.ts';

const ENV = 'production';
const PROVIDER = 'unleash';

let unleash: UnleashHandle;
let proxy: FaultProxy;
let dataDir: string;
let core: AppCore | null = null;

const flagRef = (key: string): FlagRef => ({ provider: PROVIDER, environment: ENV, key });

async function openTestCore(): Promise<AppCore> {
  const c = await openCore({
    dataDir,
    actor: 'on-call',
    env: { ...process.env, RCR_OUTBOX_UNLEASH_TOKEN: unleash.token },
    startSync: false,
    startMonitor: false,
  });
  await c.sync.syncAll();
  // The only process on this folder: it holds the monitor lease, so it also takes over actions a
  // closed process released.
  c.leadership.acquire();
  void c.rollouts.outbox.drain();
  return c;
}

async function ok<T>(p: Promise<{ ok: true; value: T } | { ok: false; error: unknown }>): Promise<T> {
  const r = await p;
  if (!r.ok) throw new Error(`call failed: ${JSON.stringify(r.error)}`);
  return r.value;
}

async function until<T>(what: string, ms: number, probe: () => Promise<T | null | undefined | false>) {
  const end = Date.now() + ms;
  for (;;) {
    const v = await probe();
    if (v) return v;
    if (Date.now() > end) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

/** The flag's rollback action in the outbox (the newest flag change). */
async function rollbackAction(c: AppCore, key: string): Promise<OutboxAction | undefined> {
  const list = await ok(c.invoke('outbox.list', { flag: flagRef(key) }));
  return list.find((a) => a.kind === 'flag-change');
}

/** Waits until the flag's rollback action is confirmed and returns it. */
const confirmedRollback = (c: AppCore, key: string, what = 'the rollback to be confirmed') =>
  until(what, 60_000, async () => {
    const a = await rollbackAction(c, key);
    return a?.status === 'confirmed' ? a : null;
  });

/** Injects `fault` into the next `times` kill requests of `key`. */
const faultKills = (key: string, fault: Fault, times = 1) =>
  proxy.inject(fault, { times, match: (m, u) => m === 'POST' && u.includes(killPath(key)) });

const enabledInUnleash = async (key: string): Promise<boolean> => {
  const f = await getFeature(unleash.url, unleash.token, key);
  const env = f.environments.find((e) => e.name === ENV);
  if (!env) throw new Error(`${key} has no ${ENV}`);
  return env.enabled;
};

const killPath = (key: string) => `/features/${key}/environments/${ENV}/off`;
const killRequests = (key: string) =>
  proxy.log.filter((r) => r.method === 'POST' && r.url.includes(killPath(key)));

beforeAll(async () => {
  unleash = await startUnleash();
  for (const name of ['outbox-500', 'outbox-429', 'outbox-hang', 'outbox-restart'])
    await createFeatureWithRollout(unleash.url, unleash.token, { name, rollout: 50 });
  proxy = await startFaultProxy(unleash.url);
  dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'rcr-outbox-unleash-'));
  fs.writeFileSync(
    path.join(dataDir, 'config.json'),
    JSON.stringify({
      version: 1,
      syncIntervalMs: 60_000,
      providers: [
        {
          name: PROVIDER,
          kind: 'unleash',
          url: proxy.url,
          tokenEnv: 'RCR_OUTBOX_UNLEASH_TOKEN',
          environments: [ENV],
        },
      ],
    }),
  );
  core = await openTestCore();
});

afterAll(async () => {
  await core?.close();
  await proxy?.settled();
  await proxy?.close();
  await unleash?.stop();
  if (dataDir) fs.rmSync(dataDir, { recursive: true, force: true });
});

describe('rollback outbox against a real Unleash with faults', () => {
  it('Unleash answers 500 twice: retried with backoff until confirmed; one kill reached Unleash', async () => {
    const key = 'outbox-500';
    faultKills(key, { kind: 'status', status: 500 }, 2);
    await ok(core!.invoke('rollout.rollback', { flag: flagRef(key), reason: 'errors doubled on treatment' }));
    const action = await confirmedRollback(core!, key);
    expect(action.attempts).toBe(3);
    expect(await enabledInUnleash(key)).toBe(false);
    const kills = killRequests(key);
    expect(kills.map((r) => r.fault)).toEqual(['status', 'status', null]);
    expect(kills.filter((r) => r.upstreamStatus !== null)).toHaveLength(1);
  });

  it('Unleash answers 429 with Retry-After: 3: the outbox waits that long, retries once, confirmed', async () => {
    const key = 'outbox-429';
    faultKills(key, { kind: 'status', status: 429, headers: { 'retry-after': '3' } }, 1);
    await ok(core!.invoke('rollout.rollback', { flag: flagRef(key), reason: 'complaints 3× baseline' }));
    const action = await confirmedRollback(core!, key);
    expect(action.attempts).toBe(2);
    expect(await enabledInUnleash(key)).toBe(false);
    const kills = killRequests(key);
    expect(kills.map((r) => r.fault)).toEqual(['status', null]);
    // The backoff alone would retry after 0.5–1 s; Retry-After asked for 3 s.
    expect(kills[1]!.at - kills[0]!.at).toBeGreaterThanOrEqual(2_900);
    expect(kills.filter((r) => r.upstreamStatus !== null)).toHaveLength(1);
  });

  it('Unleash hangs past the timeout: the retry re-reads, sends once more, and is confirmed', async () => {
    const key = 'outbox-hang';
    // Held 15 s (the provider gives up after 5 s), then passed on: it reaches Unleash after the
    // retry already turned the flag off, so it changes nothing.
    faultKills(key, { kind: 'delay', ms: 15_000 }, 1);
    await ok(core!.invoke('rollout.rollback', { flag: flagRef(key), reason: 'p95 latency 3× limit' }));
    const action = await confirmedRollback(core!, key);
    expect(action.attempts).toBe(2);
    expect(action.lastError ?? '').toMatch(/did not answer/);
    expect(await enabledInUnleash(key)).toBe(false);
    await proxy.settled();
    // The held request arrived late; the flag is still off and nothing turned it back on.
    expect(await enabledInUnleash(key)).toBe(false);
    expect(killRequests(key).map((r) => r.fault)).toEqual(['delay', null]);
  });

  it('the app is closed while a retry is scheduled: after a restart the rollback completes', async () => {
    const key = 'outbox-restart';
    faultKills(key, { kind: 'status', status: 503 }, 1);
    await ok(core!.invoke('rollout.rollback', { flag: flagRef(key), reason: 'drill: restart mid-action' }));
    await until('a retry to be scheduled', 30_000, async () => {
      const a = await rollbackAction(core!, key);
      return a?.status === 'pending' && a.attempts >= 1;
    });
    expect(await enabledInUnleash(key)).toBe(true);
    await core!.close();
    core = await openTestCore();
    const action = await confirmedRollback(core!, key, 'the rollback to be confirmed after the restart');
    expect(action.attempts).toBe(2);
    expect(await enabledInUnleash(key)).toBe(false);
    expect(killRequests(key).filter((r) => r.upstreamStatus !== null)).toHaveLength(1);
  });
});
