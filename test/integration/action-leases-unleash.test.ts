/**
 * Issue 15 acceptance, against a REAL Unleash behind a fault-injecting proxy, with `rcr serve` and
 * the CLI as real processes on one data folder:
 *
 * - 20 parallel kills of one flag through browser mode (the kill held 200 ms by the proxy) → one
 *   provider write, one succeeded audit row, every answer the same;
 * - a reading command (`rcr flags list`, with and without `--offline`) run while the server's
 *   rollback (through the outbox) is held 4 s → no provider write from it;
 * - `rcr serve` killed with SIGKILL while its direct kill is held at the proxy (the request reaches
 *   Unleash later) → a new `rcr serve` on the folder takes the monitor lease once the dead one's
 *   expires, reconciles the journaled kill without a second write, and leaves no audit row pending.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { invokeApi, invokeValue, serveApp, type ServedApp } from '../../e2e/serve-app.ts';
import { startFaultProxy, type FaultProxy } from '../support/fault-proxy.ts';
import {
  createFeatureWithRollout,
  getFeature,
  startUnleash,
  type UnleashHandle,
} from '../support/unleash.ts';

const ENV = 'production';
const FLAGS = ['lease-parallel', 'lease-reader', 'lease-crash'] as const;
let unleash: UnleashHandle;
let proxy: FaultProxy;
let dataDir: string;
let app: ServedApp | null = null;

const ref = (key: string) => ({ provider: 'unleash', environment: ENV, key });
const killPath = (key: string) => `/features/${key}/environments/${ENV}/off`;
/** Kill requests the proxy forwarded to Unleash for `key`. */
const killsReachingUnleash = (key: string) =>
  proxy.log.filter((r) => r.method === 'POST' && r.url.includes(killPath(key)) && r.upstreamStatus !== null);
const enabledInUnleash = async (key: string) =>
  (await getFeature(unleash.url, unleash.token, key)).environments.find((e) => e.name === ENV)?.enabled;

async function until<T>(
  what: string,
  ms: number,
  probe: () => Promise<T | null | undefined | false>,
): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = await probe();
    if (v) return v;
    if (Date.now() > end) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

const serve = () =>
  serveApp({ dataDir, env: { RCR_LEASES_UNLEASH_TOKEN: unleash.token, RCR_ACTOR: 'on-call' } });

beforeAll(async () => {
  unleash = await startUnleash();
  for (const name of FLAGS) await createFeatureWithRollout(unleash.url, unleash.token, { name, rollout: 25 });
  proxy = await startFaultProxy(unleash.url);
  dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'rcr-leases-unleash-'));
  fs.writeFileSync(
    path.join(dataDir, 'config.json'),
    JSON.stringify({
      version: 1,
      syncIntervalMs: 60_000,
      providers: [
        {
          name: 'unleash',
          kind: 'unleash',
          url: proxy.url,
          tokenEnv: 'RCR_LEASES_UNLEASH_TOKEN',
          environments: [ENV],
        },
      ],
    }),
    { mode: 0o600 },
  );
  app = await serve();
}, 240_000);

afterAll(async () => {
  await app?.stop();
  await proxy?.settled();
  await proxy?.close();
  await unleash?.stop();
  if (dataDir) fs.rmSync(dataDir, { recursive: true, force: true });
});

describe('one action per flag, across processes, against a real Unleash', () => {
  it('20 parallel kills through browser mode: one write to Unleash, one succeeded audit row', async () => {
    const key = 'lease-parallel';
    await invokeValue(app!, 'sync.now', {});
    proxy.inject(
      { kind: 'delay', ms: 200 },
      { times: 20, match: (m, u) => m === 'POST' && u.includes(killPath(key)) },
    );
    const answers = await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        invokeApi(app!, 'flag.rollback', { ref: ref(key), mode: 'kill', reason: `pager ${i}: bad answers` }),
      ),
    );
    await proxy.settled();
    expect(answers.filter((a) => !a.ok)).toEqual([]);
    expect(new Set(answers.map((a) => (a.ok ? a.value.audit.id : 0))).size).toBe(1);
    expect(killsReachingUnleash(key)).toHaveLength(1);
    expect(await enabledInUnleash(key)).toBe(false);
    const { audit } = await invokeValue(app!, 'flag.get', ref(key));
    expect(audit.filter((a) => a.action === 'kill').map((a) => a.status)).toEqual(['succeeded']);
  });

  it('a reading command during the server’s in-flight rollback writes nothing to Unleash', async () => {
    const key = 'lease-reader';
    proxy.inject(
      { kind: 'delay', ms: 4000 },
      { times: 1, match: (m, u) => m === 'POST' && u.includes(killPath(key)) },
    );
    // A rollback through the outbox (as the monitor's and the rollout screens' are).
    const asked = await invokeApi(app!, 'rollout.rollback', {
      flag: ref(key),
      reason: 'held kill',
      target: 'kill',
    });
    expect(asked.ok).toBe(true);
    await until('the kill to reach the proxy', 10_000, async () =>
      proxy.log.some((r) => r.method === 'POST' && r.url.includes(killPath(key))),
    );
    const offline = await app!.cli(['flags', 'list', '--offline', '--json']);
    expect(offline.code, offline.stderr).toBe(0);
    const online = await app!.cli(['flags', 'list', '--json']);
    expect(online.code, online.stderr).toBe(0);
    await until('the rollback to be confirmed', 30_000, async () => {
      const [a] = await invokeValue(app!, 'outbox.list', { flag: ref(key) });
      return a?.status === 'confirmed';
    });
    await proxy.settled();
    expect(proxy.log.filter((r) => r.method === 'POST' && r.url.includes(killPath(key)))).toHaveLength(1);
    const { audit } = await invokeValue(app!, 'flag.get', ref(key));
    expect(audit.filter((a) => a.action === 'kill').map((a) => a.status)).toEqual(['succeeded']);
  });

  it('`rcr serve` killed mid-call: the next server reconciles the direct kill, no second write', async () => {
    const key = 'lease-crash';
    proxy.inject(
      { kind: 'delay', ms: 3000 },
      { times: 1, match: (m, u) => m === 'POST' && u.includes(killPath(key)) },
    );
    void invokeApi(app!, 'flag.rollback', { ref: ref(key), mode: 'kill', reason: 'killed mid-call' }).catch(
      () => undefined,
    );
    await until('the kill to reach the proxy', 10_000, async () =>
      proxy.log.some((r) => r.method === 'POST' && r.url.includes(killPath(key))),
    );
    process.kill(app!.pid, 'SIGKILL');
    await app!.stop();
    await proxy.settled(); // the held request reaches Unleash after the process died
    expect(await enabledInUnleash(key)).toBe(false);
    app = await serve();
    const started = Date.now();
    const reconciled = await until('the journaled kill to be reconciled', 90_000, async () => {
      const { audit } = await invokeValue(app!, 'flag.get', ref(key));
      const kills = audit.filter((a) => a.action === 'kill');
      return kills.length && kills.every((a) => a.status !== 'pending') ? kills : null;
    });
    console.log(`reconciled ${Math.round((Date.now() - started) / 1000)} s after the restart`);
    expect(reconciled.map((a) => a.status)).toEqual(['succeeded']);
    expect(killsReachingUnleash(key)).toHaveLength(1);
    const outbox = await invokeValue(app!, 'outbox.list', { flag: ref(key) });
    expect(outbox[0]).toMatchObject({ status: 'confirmed' });
    const incidents = await invokeValue(app!, 'incidents.list', {});
    expect(incidents.find((i) => i.flag.key === key)).toMatchObject({ kind: 'killed', openedBy: 'on-call' });
  }, 150_000);
});
