/**
 * docs/provider-api.yaml is valid OpenAPI 3.1, and every request/response of the
 * reference server (examples/reference-flag-server) — including its error answers to
 * malformed requests — conforms to it.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse, validate } from '@readme/openapi-parser';
import { FlagStore } from '../../../../examples/reference-flag-server/src/store.ts';
import { startReferenceServer } from '../../../../examples/reference-flag-server/src/server.ts';
import type { Exchange, ReferenceServer } from '../../../../examples/reference-flag-server/src/server.ts';
import {
  PROVIDER_API_SPEC,
  conformanceProblems,
  loadProviderApi,
} from '../../../../test/support/provider-api-conformance.ts';
import type { ProviderApiChecker } from '../../../../test/support/provider-api-conformance.ts';

const TOKEN = 'unit-token';
const READ_TOKEN = 'unit-read-token';

describe('docs/provider-api.yaml', () => {
  it('is a valid OpenAPI 3.1 document', async () => {
    const result = await validate(PROVIDER_API_SPEC);
    expect(result).toMatchObject({ valid: true, specification: 'OpenAPI' });
  });

  it('the validator rejects broken copies (so the check above can fail)', async () => {
    type Doc = { info?: unknown; paths: Record<string, { parameters?: unknown[] }> };
    const doc = (await parse(PROVIDER_API_SPEC)) as unknown as Doc;
    const noPathParams = structuredClone(doc);
    noPathParams.paths['/v1/environments/{environment}/flags/{key}']!.parameters = [];
    const noInfo = structuredClone(doc);
    delete noInfo.info;
    for (const broken of [noPathParams, noInfo]) expect((await validate(broken as never)).valid).toBe(false);
    expect((await validate(structuredClone(doc) as never)).valid).toBe(true);
  });

  it('the conformance checker flags a response that breaks the spec', async () => {
    const checker = await loadProviderApi();
    const flag = {
      key: 'k',
      environment: 'production',
      name: 'k',
      layers: {
        enabled: true,
        rolloutPercent: 150,
        confidenceThreshold: null,
        modelVersion: null,
        allowList: [],
        blockList: [],
      },
      version: '1',
      updatedAt: 'yesterday',
    };
    const report = checker.check({
      method: 'GET',
      path: '/v1/environments/production/flags/k',
      query: {},
      requestHeaders: { authorization: 'Bearer ***' },
      requestBody: undefined,
      status: 200,
      responseHeaders: { 'content-type': 'application/json' },
      responseBody: flag,
      durationMs: 1,
    });
    expect(report.operation).toBe('getFlag');
    expect(report.response.join('\n')).toMatch(/rolloutPercent must be <= 100/);
    expect(report.response.join('\n')).toMatch(/updatedAt must match format "date-time"/);
    expect(checker.operations.sort()).toEqual([
      'applyChange',
      'getFlag',
      'getHealth',
      'listFlags',
      'listHistory',
    ]);
  });
});

describe('reference server conforms to docs/provider-api.yaml', () => {
  let server: ReferenceServer;
  let checker: ProviderApiChecker;
  const exchanges: Exchange[] = [];

  beforeAll(async () => {
    checker = await loadProviderApi();
    server = await startReferenceServer({
      token: TOKEN,
      readOnlyToken: READ_TOKEN,
      maxBodyBytes: 64 * 1024,
      onExchange: (e) => exchanges.push(e),
      store: new FlagStore({
        seed: ['a', 'b', 'c'].flatMap((k) =>
          ['production', 'staging'].map((environment) => ({
            key: `flag-${k}`,
            environment,
            layers: { enabled: true, rolloutPercent: 10, modelVersion: 'v1', confidenceThreshold: 0.5 },
            bucketing: { scheme: 'unleash' as const, groupId: `flag-${k}`, stickiness: 'userId' },
          })),
        ),
      }),
    });
  });
  afterAll(async () => {
    await server?.close();
  });

  const call = async (
    method: string,
    path: string,
    opts: { body?: string; token?: string | null; headers?: Record<string, string> } = {},
  ) => {
    const res = await fetch(`${server.url}${path}`, {
      method,
      headers: {
        ...(opts.token === null ? {} : { authorization: `Bearer ${opts.token ?? TOKEN}` }),
        ...(opts.body === undefined ? {} : { 'content-type': 'application/json' }),
        ...opts.headers,
      },
      body: opts.body,
    });
    return { status: res.status, headers: res.headers, body: (await res.json()) as Record<string, unknown> };
  };
  const change = (key: string, body: unknown, idem: string, env = 'production') =>
    call('POST', `/v1/environments/${env}/flags/${key}/changes`, {
      body: JSON.stringify(body),
      headers: { 'idempotency-key': idem },
    });

  it('answers the documented operations and errors', async () => {
    expect((await call('GET', '/v1/health')).body).toEqual({
      status: 'ok',
      service: 'reference-flag-server 1.0.0',
    });

    // Paging: 6 flags, 4 per page.
    const p1 = await call('GET', '/v1/flags?limit=4');
    expect((p1.body.flags as unknown[]).length).toBe(4);
    const p2 = await call('GET', `/v1/flags?limit=4&cursor=${p1.body.nextCursor as string}`);
    expect((p2.body.flags as { key: string }[]).map((f) => f.key)).toEqual(['flag-b', 'flag-c']);
    expect(p2.body.nextCursor).toBeNull();
    const prod = await call('GET', '/v1/flags?environment=production');
    expect((prod.body.flags as unknown[]).length).toBe(3);

    const got = await call('GET', '/v1/environments/production/flags/flag-a');
    expect(got.headers.get('etag')).toBe('"1"');
    expect((await call('GET', '/v1/environments/production/flags/nope')).status).toBe(404);

    const ok = await change(
      'flag-a',
      { set: { rolloutPercent: 25 }, expectedVersion: '1', reason: 'ramp', actor: 'ann' },
      'k1',
    );
    expect(ok.status).toBe(200);
    expect(ok.body.event).toMatchObject({
      changes: [{ layer: 'rolloutPercent', before: 10, after: 25 }],
      version: '2',
    });
    const replay = await change(
      'flag-a',
      { set: { rolloutPercent: 25 }, expectedVersion: '1', reason: 'ramp', actor: 'ann' },
      'k1',
    );
    expect(replay.status).toBe(200);
    expect(replay.headers.get('idempotency-replayed')).toBe('true');
    expect(replay.body).toEqual(ok.body);
    const noop = await change(
      'flag-a',
      { set: { rolloutPercent: 25 }, expectedVersion: null, reason: 'again', actor: 'ann' },
      'k-noop',
    );
    expect(noop.body.event).toBeNull();

    const reused = await change(
      'flag-a',
      { set: { rolloutPercent: 30 }, expectedVersion: '2', reason: 'x', actor: 'ann' },
      'k1',
    );
    expect(reused).toMatchObject({ status: 422, body: { type: 'urn:rcr:problem:idempotency-key-reused' } });
    const stale = await change(
      'flag-a',
      { set: { rolloutPercent: 30 }, expectedVersion: '1', reason: 'x', actor: 'ann' },
      'k2',
    );
    expect(stale).toMatchObject({
      status: 409,
      body: { type: 'urn:rcr:problem:version-conflict', currentVersion: '2' },
    });
    const invalid = await change(
      'flag-a',
      { set: { rolloutPercent: 150, colour: 'red' }, expectedVersion: null, reason: 'x', actor: 'ann' },
      'k3',
    );
    expect(invalid.status).toBe(422);
    expect(invalid.body.errors).toEqual([
      { pointer: '/set/rolloutPercent', detail: 'must be a number between 0 and 100' },
      { pointer: '/set/colour', detail: 'unknown layer "colour"' },
    ]);
    expect(
      (
        await change(
          'nope',
          { set: { enabled: false }, expectedVersion: null, reason: 'x', actor: 'a' },
          'k4',
        )
      ).status,
    ).toBe(404);

    const notJson = await call('POST', '/v1/environments/production/flags/flag-a/changes', {
      body: '{not json',
      headers: { 'idempotency-key': 'k5' },
    });
    expect(notJson.status).toBe(400);
    const noKey = await call('POST', '/v1/environments/production/flags/flag-a/changes', {
      body: JSON.stringify({ set: { enabled: false }, expectedVersion: null, reason: 'x', actor: 'a' }),
    });
    expect(noKey.status).toBe(400);
    expect(noKey.body.detail).toMatch(/Idempotency-Key/);
    const huge = await change(
      'flag-a',
      {
        set: { allowList: Array.from({ length: 9000 }, (_, i) => `user-${i}`) },
        expectedVersion: null,
        reason: 'x',
        actor: 'a',
      },
      'k6',
    );
    expect(huge.status).toBe(413);

    const noToken = await call('GET', '/v1/flags', { token: null });
    expect(noToken.status).toBe(401);
    expect(noToken.headers.get('www-authenticate')).toBe('Bearer');
    expect((await call('GET', '/v1/health', { token: 'wrong' })).status).toBe(401);
    expect((await call('GET', '/v1/flags', { token: READ_TOKEN })).status).toBe(200);
    const readOnly = await call('POST', '/v1/environments/production/flags/flag-a/changes', {
      token: READ_TOKEN,
      body: JSON.stringify({ set: { enabled: false }, expectedVersion: null, reason: 'x', actor: 'a' }),
      headers: { 'idempotency-key': 'k7' },
    });
    expect(readOnly.status).toBe(403);

    const h1 = await call('GET', '/v1/history');
    expect(h1.body).toMatchObject({ nextCursor: '1', hasMore: false });
    expect((await call('GET', '/v1/history?after=1')).body).toEqual({
      events: [],
      nextCursor: '1',
      hasMore: false,
    });
    expect((await call('GET', '/v1/history?after=abc')).status).toBe(400);
    expect((await call('GET', '/v1/flags?limit=0')).status).toBe(400);
    expect((await call('GET', '/v1/flags?cursor=zzz')).status).toBe(400);
  });

  it('every exchange above conforms to the spec, and every refused request breaks it', () => {
    expect(exchanges.length).toBe(25);
    expect(conformanceProblems(checker, exchanges)).toEqual([]);
    // The changes the server refused for their shape (not JSON, no Idempotency-Key, invalid
    // layers) are exactly ones the spec does not allow either.
    const refusedForShape = exchanges.filter(
      (e) =>
        e.path.endsWith('/changes') &&
        (e.status === 400 ||
          (e.status === 422 &&
            (e.responseBody as { type: string }).type === 'urn:rcr:problem:invalid-change')),
    );
    expect(refusedForShape).toHaveLength(3);
    for (const e of refusedForShape) expect(checker.check(e).request).not.toEqual([]);
  });
});
