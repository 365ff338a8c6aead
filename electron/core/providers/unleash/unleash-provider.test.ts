import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import type { ChangePlan } from '../provider.ts';
import { ProviderError } from '../provider.ts';
import { createUnleashProvider } from './unleash-provider.ts';

const BASE = '/api/admin/projects/default/features/f/environments/production';

function plan(...paths: string[]): ChangePlan {
  return {
    environment: 'production',
    key: 'f',
    patch: { enabled: false },
    expectedVersion: null,
    description: [],
    requests: paths.map((p) => ({ method: 'POST', url: `${BASE}${p}` })),
  };
}

async function listen(server: Server): Promise<number> {
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return (server.address() as AddressInfo).port;
}

describe('Unleash executePlan: whether a failed plan may have reached Unleash', () => {
  let server: Server | null = null;
  afterEach(async () => {
    if (server) await new Promise((r) => server!.close(r));
    server = null;
  });

  it('keeps "not sent" when the first request was refused (nothing of the plan reached Unleash)', async () => {
    const port = await listen((server = createServer()));
    await new Promise((r) => server!.close(r));
    server = null;
    const unleash = createUnleashProvider({ name: 'u', url: `http://127.0.0.1:${port}`, token: 't' });
    const err = (await unleash.executePlan(plan('/off'), 'r', 'a').catch((e: unknown) => e)) as ProviderError;
    expect(err).toBeInstanceOf(ProviderError);
    expect(err.message).toMatch(/^POST .*\/off failed: Cannot reach Unleash .*ECONNREFUSED/);
    expect(err.notSent).toBe(true);
  });

  it('says a later request failing may have left the plan half-applied (not "not sent")', async () => {
    let calls = 0;
    server = createServer((req, res) => {
      calls += 1;
      if (calls === 1) res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
      else req.socket.destroy();
    });
    const port = await listen(server);
    const unleash = createUnleashProvider({ name: 'u', url: `http://127.0.0.1:${port}`, token: 't' });
    const err = (await unleash
      .executePlan(plan('/on', '/off'), 'r', 'a')
      .catch((e: unknown) => e)) as ProviderError;
    expect(err.message).toMatch(/the first 1 of 2 requests were applied/);
    expect(err.notSent).toBe(false);
  });
});
