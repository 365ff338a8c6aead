import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { ConflictError, FlagNotFoundError, ProviderError } from '../provider.ts';
import {
  DEFAULT_RETRY,
  backoffMs,
  createHttpClient,
  isRetryableStatus,
  problemMessage,
  retryAfterMs,
} from './http-client.ts';

describe('pure helpers', () => {
  it('backoff doubles from the base, capped, with jitter in [cap/2, cap]', () => {
    expect([0, 1, 2, 3, 4].map((n) => backoffMs(n, DEFAULT_RETRY, () => 0))).toEqual([
      125, 250, 500, 1000, 1000,
    ]);
    expect([0, 1, 2, 3, 4].map((n) => backoffMs(n, DEFAULT_RETRY, () => 0.999999))).toEqual([
      250, 500, 1000, 2000, 2000,
    ]);
  });

  it('Retry-After: seconds or an HTTP date', () => {
    expect(retryAfterMs('3', 0)).toBe(3000);
    expect(retryAfterMs(new Date(10_000).toUTCString(), 4000)).toBe(6000);
    expect(retryAfterMs('soon', 0)).toBeNull();
    expect(retryAfterMs(null, 0)).toBeNull();
  });

  it('retries 429 and transient 5xx only', () => {
    expect([429, 500, 502, 503, 504].every(isRetryableStatus)).toBe(true);
    expect([400, 401, 404, 409, 422, 501, 505].some(isRetryableStatus)).toBe(false);
  });

  it('problemMessage joins detail and field errors; falls back to the text', () => {
    const body = JSON.stringify({
      type: 'urn:rcr:problem:invalid-change',
      title: 'Invalid change',
      status: 422,
      detail: 'the change is not valid',
      errors: [{ pointer: '/set/rolloutPercent', detail: 'must be ≤ 100' }],
    });
    expect(problemMessage(body)).toBe('the change is not valid; /set/rolloutPercent: must be ≤ 100');
    expect(problemMessage('<html>bad gateway</html>')).toBe('<html>bad gateway</html>');
    expect(problemMessage('')).toBe('(empty response)');
  });
});

/** A scripted server: each request takes the next reply (or hangs for `'hang'`). */
type Scripted = { status: number; body?: unknown; headers?: Record<string, string> } | 'hang';
let script: Scripted[] = [];
let seen: { method: string; url: string; headers: http.IncomingHttpHeaders }[] = [];
let server: http.Server;
let base = '';

beforeAll(async () => {
  server = http.createServer((req, res) => {
    seen.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers });
    req.resume();
    const next = script.shift() ?? { status: 500, body: { detail: 'script exhausted' } };
    if (next === 'hang') return;
    res.writeHead(next.status, { 'content-type': 'application/json', ...next.headers });
    res.end(next.body === undefined ? '' : JSON.stringify(next.body));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  server.closeAllConnections();
  await new Promise((r) => server.close(r));
});
beforeEach(() => {
  script = [];
  seen = [];
});

const sleeps: number[] = [];
const client = (over: Partial<Parameters<typeof createHttpClient>[0]> = {}) => {
  sleeps.length = 0;
  return createHttpClient({
    baseUrl: `${base}/`,
    token: 's3cret-token',
    tokenEnv: 'FLAGS_TOKEN',
    timeoutMs: 1000,
    providerName: 'flags',
    random: () => 0.5,
    sleep: async (ms) => {
      sleeps.push(ms);
    },
    ...over,
  });
};
const Ok = z.object({ ok: z.literal(true) });
const idem = { headers: { 'Idempotency-Key': 'key-1' }, body: { set: { enabled: false } } };

describe('createHttpClient', () => {
  it('sends the bearer token and parses the body with the schema', async () => {
    script = [{ status: 200, body: { ok: true } }];
    const res = await client()('GET', '/v1/health', Ok);
    expect(res).toMatchObject({ status: 200, body: { ok: true }, attempts: 1 });
    expect(seen[0]?.headers.authorization).toBe('Bearer s3cret-token');
  });

  it('retries a POST with an Idempotency-Key on 503, reusing the same key', async () => {
    script = [{ status: 503 }, { status: 502 }, { status: 200, body: { ok: true } }];
    const res = await client()('POST', '/v1/x/changes', Ok, idem);
    expect(res.attempts).toBe(3);
    expect(seen.map((s) => s.headers['idempotency-key'])).toEqual(['key-1', 'key-1', 'key-1']);
    expect(sleeps).toEqual([188, 375]);
  });

  it('never retries a POST without an Idempotency-Key', async () => {
    script = [
      { status: 503, body: { detail: 'busy' } },
      { status: 200, body: { ok: true } },
    ];
    await expect(client()('POST', '/v1/x', Ok, { body: {} })).rejects.toThrow(
      /answered HTTP 503 to POST \/v1\/x: busy/,
    );
    expect(seen).toHaveLength(1);
  });

  it('waits Retry-After (plus jitter) on 429', async () => {
    script = [
      { status: 429, headers: { 'retry-after': '2' } },
      { status: 200, body: { ok: true } },
    ];
    await client()('GET', '/v1/flags', Ok);
    expect(sleeps).toEqual([2125]);
  });

  it('gives up at once when Retry-After is longer than it waits, and says so', async () => {
    script = [{ status: 429, headers: { 'retry-after': '120' }, body: { detail: 'slow down' } }];
    const err = await client()('GET', '/v1/flags', Ok).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ProviderError);
    expect((err as ProviderError).status).toBe(429);
    expect((err as Error).message).toMatch(
      /HTTP 429 .*slow down \(it asks to wait 120 s, longer than the 30 s/,
    );
    expect(seen).toHaveLength(1);
  });

  it('retries 409 idempotency-key-in-progress; a version conflict is a ConflictError at once', async () => {
    script = [
      { status: 409, body: { type: 'urn:rcr:problem:idempotency-key-in-progress', detail: 'running' } },
      { status: 200, body: { ok: true } },
    ];
    expect((await client()('POST', '/v1/x/changes', Ok, idem)).attempts).toBe(2);
    script = [
      { status: 409, body: { type: 'urn:rcr:problem:version-conflict', detail: 'at version 3, not 2' } },
    ];
    await expect(client()('POST', '/v1/x/changes', Ok, idem)).rejects.toEqual(
      new ConflictError('at version 3, not 2'),
    );
  });

  it('times out each attempt and reports the attempts', async () => {
    script = ['hang', 'hang'];
    await expect(client({ timeoutMs: 100, retry: { retries: 1 } })('GET', '/v1/flags', Ok)).rejects.toThrow(
      `Custom flag service "flags" at ${base} did not answer GET /v1/flags within 100 ms (2 attempts)`,
    );
  });

  it('401: names the token variable, never the token', async () => {
    script = [{ status: 401, body: { detail: 'the bearer token is not valid for this flag service' } }];
    const err = (await client()('GET', '/v1/flags', Ok).catch((e: unknown) => e)) as ProviderError;
    expect(err.status).toBe(401);
    expect(err.message).toBe(
      `Custom flag service "flags" at ${base} rejected the token (HTTP 401: the bearer token is not valid for this flag service). Check the bearer token in FLAGS_TOKEN.`,
    );
    expect(err.message).not.toContain('s3cret');
  });

  it('404 → FlagNotFoundError; a body off the spec names the field', async () => {
    script = [{ status: 404, body: { detail: 'no flag "x"' } }];
    await expect(client()('GET', '/v1/x', Ok)).rejects.toEqual(new FlagNotFoundError('no flag "x"'));
    script = [{ status: 200, body: { ok: 'yes' } }];
    await expect(client()('GET', '/v1/x', Ok)).rejects.toThrow(
      /does not match docs\/provider-api.yaml: ok: /,
    );
  });

  it('an unreachable service is a clear error after the retries', async () => {
    const closed = http.createServer();
    await new Promise<void>((r) => closed.listen(0, '127.0.0.1', r));
    const port = (closed.address() as AddressInfo).port;
    await new Promise((r) => closed.close(r));
    await expect(
      client({ baseUrl: `http://127.0.0.1:${port}`, retry: { retries: 2 } })('GET', '/v1/health', Ok),
    ).rejects.toThrow(
      `Cannot reach the custom flag service "flags" at http://127.0.0.1:${port} (ECONNREFUSED) (3 attempts)`,
    );
  });
});
