import { createServer } from 'node:http';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FlagNotFoundError, ProviderError } from '../provider.ts';
import { createUnleashHttp, displayUrl, unleashErrorMessage } from './unleash-client.ts';

describe('unleashErrorMessage / displayUrl', () => {
  it('joins message and distinct details', () => {
    expect(unleashErrorMessage('{"message":"a","details":[{"message":"a"},{"message":"b"}]}')).toBe('a; b');
    expect(unleashErrorMessage('plain text')).toBe('plain text');
    expect(unleashErrorMessage('')).toBe('(empty response)');
  });
  it('strips credentials and trailing slashes', () => {
    expect(displayUrl('https://u:p@unleash.example.com/')).toBe('https://unleash.example.com');
  });
});

describe('createUnleashHttp (local fake server)', () => {
  let server: Server;
  let base: string;
  const seen: Array<string | undefined> = [];
  beforeAll(async () => {
    server = createServer((req, res) => {
      seen.push(req.headers.authorization);
      const send = (status: number, body: string) =>
        res.writeHead(status, { 'content-type': 'application/json' }).end(body);
      if (req.url === '/ok') send(200, '{"a":1}');
      else if (req.url === '/empty') send(200, '');
      else if (req.url === '/401') send(401, '{"message":"You must log in to use Unleash."}');
      else if (req.url === '/404') send(404, '{"message":"There\'s no feature named \\"x\\""}');
      else if (req.url === '/500') send(500, '{"message":"boom"}');
      // '/hang' never answers
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    server.closeAllConnections();
    await new Promise((r) => server.close(r));
  });

  const http = () =>
    createUnleashHttp({ baseUrl: base, token: '*:*.secret', timeoutMs: 300, providerName: 'p' });

  it('sends the raw token and parses JSON', async () => {
    expect(await http()('GET', '/ok')).toEqual({ status: 200, body: { a: 1 } });
    expect(seen.at(-1)).toBe('*:*.secret');
    expect((await http()('GET', '/empty')).body).toBeNull();
  });

  it('maps statuses to provider errors', async () => {
    const e401 = await http()('GET', '/401').catch((e: unknown) => e);
    expect(e401).toBeInstanceOf(ProviderError);
    expect((e401 as ProviderError).status).toBe(401);
    expect((e401 as Error).message).toMatch(/rejected the API token/);
    expect((e401 as Error).message).not.toContain('secret');
    await expect(http()('GET', '/404')).rejects.toBeInstanceOf(FlagNotFoundError);
    await expect(http()('GET', '/500')).rejects.toMatchObject({
      status: 500,
      message: expect.stringMatching(/HTTP 500.*boom/),
    });
  });

  it('times out and reports unreachable servers', async () => {
    await expect(http()('GET', '/hang')).rejects.toThrow(/did not answer GET \/hang within 300 ms/);
    const down = createUnleashHttp({
      baseUrl: 'http://127.0.0.1:1',
      token: 't',
      timeoutMs: 1000,
      providerName: 'p',
    });
    await expect(down('GET', '/x')).rejects.toThrow(/Cannot reach Unleash at http:\/\/127\.0\.0\.1:1/);
  });

  it('says whether a failed request may have reached Unleash (a timeout may; a refused connection did not)', async () => {
    const timedOut = (await http()('POST', '/hang').catch((e: unknown) => e)) as ProviderError;
    expect({ status: timedOut.status, notSent: timedOut.notSent }).toEqual({ status: null, notSent: false });
    // A port nobody listens on (taken, then freed).
    const probe = createServer();
    await new Promise<void>((r) => probe.listen(0, '127.0.0.1', r));
    const closed = (probe.address() as AddressInfo).port;
    await new Promise((r) => probe.close(r));
    const down = createUnleashHttp({
      baseUrl: `http://127.0.0.1:${closed}`,
      token: 't',
      timeoutMs: 1000,
      providerName: 'p',
    });
    const refused = (await down('POST', '/x').catch((e: unknown) => e)) as ProviderError;
    expect(refused.message).toMatch(/ECONNREFUSED/);
    expect(refused.notSent).toBe(true);
    const e500 = (await http()('POST', '/500').catch((e: unknown) => e)) as ProviderError;
    expect({ status: e500.status, notSent: e500.notSent }).toEqual({ status: 500, notSent: false });
  });
});
