/**
 * The custom-HTTP provider against the reference flag server
 * (examples/reference-flag-server, seeded with its own seed.json), through a
 * fault-injecting proxy. Every exchange the server sees is checked against
 * docs/provider-api.yaml at the end.
 */
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHttpProvider } from '../../electron/core/providers/http/http-provider.ts';
import type { HttpProviderConfig } from '../../electron/core/providers/http/http-provider.ts';
import {
  ConflictError,
  FlagNotFoundError,
  ProviderError,
  applyPatch,
  type FlagProvider,
} from '../../electron/core/providers/provider.ts';
import { createProvider } from '../../electron/core/providers/registry.ts';
import { FlagStore } from '../../examples/reference-flag-server/src/store.ts';
import type { FlagSeed } from '../../examples/reference-flag-server/src/store.ts';
import { startReferenceServer } from '../../examples/reference-flag-server/src/server.ts';
import type { Exchange, ReferenceServer } from '../../examples/reference-flag-server/src/server.ts';
import { startFaultProxy } from '../support/fault-proxy.ts';
import type { FaultProxy } from '../support/fault-proxy.ts';
import { conformanceProblems, loadProviderApi } from '../support/provider-api-conformance.ts';

const TOKEN = 'integration-token';
const SEED = JSON.parse(
  fs.readFileSync(
    path.resolve(import.meta.dirname, '../../examples/reference-flag-server/seed.json'),
    'utf8',
  ),
) as { flags: FlagSeed[] };
const ENV = 'production';
const RERANK = 'ai-search-rerank';
const NUDGES = 'ai-churn-nudges';

let server: ReferenceServer;
let proxy: FaultProxy;
let provider: FlagProvider;
const exchanges: Exchange[] = [];
const sleeps: number[] = [];

const config = (over: Partial<HttpProviderConfig> = {}): HttpProviderConfig => ({
  name: 'inhouse',
  url: proxy.url,
  token: TOKEN,
  tokenEnv: 'INHOUSE_FLAGS_TOKEN',
  timeoutMs: 400,
  retry: { baseDelayMs: 20, maxDelayMs: 100 },
  sleep: async (ms) => {
    sleeps.push(ms);
    await new Promise((r) => setTimeout(r, ms));
  },
  ...over,
});
const onServer = (key: string, env = ENV) => server.store.get(env, key)!;
const eventsOf = (key: string) => server.store.history({ limit: 1000 }).events.filter((e) => e.key === key);
const posts = () => proxy.log.filter((r) => r.method === 'POST').length;

beforeAll(async () => {
  server = await startReferenceServer({
    token: TOKEN,
    store: new FlagStore({ seed: SEED.flags }),
    onExchange: (e) => exchanges.push(e),
  });
  proxy = await startFaultProxy(server.url);
  provider = createHttpProvider(config());
});

afterAll(async () => {
  await proxy?.close();
  await server?.close();
});

/** Plans and executes a patch on the flag as the provider reads it now. */
async function change(key: string, patch: Parameters<FlagProvider['planChange']>[1], p = provider) {
  const current = await p.getFlag(ENV, key);
  const plan = await p.planChange(current, patch, 'integration test', 'tester');
  const outcome = await p.executePlan(plan, 'integration test', 'tester');
  return { current, plan, outcome };
}

describe('custom-HTTP provider against the reference server', () => {
  it('lists every seeded flag in every environment, with bucketing in native', async () => {
    const flags = await provider.listFlags();
    expect(flags.map((f) => `${f.environment}/${f.key}`).sort()).toEqual([
      'production/ai-churn-nudges',
      'production/ai-search-rerank',
      'production/new-billing-page',
      'staging/ai-search-rerank',
    ]);
    const rerank = flags.find((f) => f.key === RERANK && f.environment === ENV)!;
    expect(rerank).toMatchObject({
      provider: 'inhouse',
      providerKind: 'http',
      kind: 'ai',
      name: 'AI search re-ranking',
      version: '1',
      layers: {
        enabled: true,
        rolloutPercent: 30,
        confidenceThreshold: 0.7,
        modelVersion: 'rerank-v3',
        allowList: ['qa-team'],
        blockList: [],
      },
      native: {
        bucketing: { scheme: 'unleash', groupId: RERANK, stickiness: 'userId' },
        metadata: { owner: 'search-team' },
      },
    });
    expect(flags.find((f) => f.key === 'new-billing-page')).toMatchObject({
      kind: 'boolean',
      native: { metadata: {} },
    });
  });

  it('environments in the config limit what is listed and read', async () => {
    const prodOnly = createHttpProvider(config({ environments: [ENV] }));
    expect((await prodOnly.listFlags()).every((f) => f.environment === ENV)).toBe(true);
    expect((await prodOnly.listFlags()).length).toBe(3);
    await expect(prodOnly.getFlag('staging', RERANK)).rejects.toThrow(
      'Provider "inhouse" is not configured for environment "staging"',
    );
  });

  it('gets one flag; an unknown one is FlagNotFoundError with the service message', async () => {
    expect((await provider.getFlag('staging', RERANK)).layers.modelVersion).toBe('rerank-v4-rc1');
    await expect(provider.getFlag(ENV, 'nope')).rejects.toEqual(
      new FlagNotFoundError(
        'Custom flag service "inhouse" has no flag "nope" in production (no flag "nope" in environment "production")',
      ),
    );
  });

  it('health is ok with a latency', async () => {
    expect(await provider.health()).toMatchObject({ ok: true, message: null });
  });

  it('kill: planning sends nothing; executing turns the flag off at the service', async () => {
    const current = await provider.getFlag(ENV, RERANK);
    const before = posts();
    const plan = await provider.planChange(current, { enabled: false }, 'incident 7', 'tester');
    expect(plan.expectedVersion).toBeNull();
    expect(plan.requests).toEqual([
      {
        method: 'POST',
        url: `/v1/environments/production/flags/${RERANK}/changes`,
        headers: { 'Idempotency-Key': expect.stringMatching(/^[0-9a-f-]{36}$/) },
        body: { set: { enabled: false }, expectedVersion: null, reason: 'incident 7', actor: 'tester' },
      },
    ]);
    expect(JSON.stringify(plan)).not.toContain(TOKEN);
    expect(posts()).toBe(before);
    expect(onServer(RERANK).layers.enabled).toBe(true);

    const outcome = await provider.executePlan(plan, 'incident 7', 'tester');
    expect(outcome.responses[0]).toMatchObject({ status: 200, attempts: 1, replayed: false });
    expect(onServer(RERANK).layers.enabled).toBe(false);
    expect(eventsOf(RERANK).at(-1)).toMatchObject({
      actor: 'tester',
      reason: 'incident 7',
      changes: [{ layer: 'enabled', before: true, after: false }],
    });
    expect((await provider.getFlag(ENV, RERANK)).layers.enabled).toBe(false);
  });

  it('rollout 30 → 50 is sent against the version it was planned on', async () => {
    const { current, plan } = await change(RERANK, { rolloutPercent: 50 });
    expect(plan.expectedVersion).toBe(current.version);
    expect(onServer(RERANK).layers.rolloutPercent).toBe(50);
    expect(onServer(RERANK).version).toBe(String(Number(current.version) + 1));
  });

  it('threshold, model version and allow/block lists', async () => {
    await change(RERANK, { confidenceThreshold: 0.9 });
    await change(RERANK, { modelVersion: 'rerank-v4' });
    await change(RERANK, { allowList: ['qa-team', 'alice'], blockList: ['mallory'] });
    const read = await provider.getFlag(ENV, RERANK);
    expect(read.layers).toEqual({
      enabled: false,
      rolloutPercent: 50,
      confidenceThreshold: 0.9,
      modelVersion: 'rerank-v4',
      allowList: ['qa-team', 'alice'],
      blockList: ['mallory'],
    });
    expect(onServer(RERANK).layers).toEqual(read.layers);
  });

  it('a dropped response is retried with the same Idempotency-Key and applied once', async () => {
    const eventsBefore = eventsOf(NUDGES).length;
    const current = await provider.getFlag(ENV, NUDGES);
    const plan = await provider.planChange(current, { rolloutPercent: 20 }, 'ramp', 'tester');
    proxy.inject({ kind: 'drop-response' }, { match: (m) => m === 'POST' });
    const logStart = proxy.log.length;
    const outcome = await provider.executePlan(plan, 'ramp', 'tester');
    const sent = proxy.log.slice(logStart).filter((r) => r.method === 'POST');
    expect(sent.map((r) => [r.fault, r.upstreamStatus])).toEqual([
      ['drop-response', 200],
      [null, 200],
    ]);
    expect(new Set(sent.map((r) => r.headers['idempotency-key'])).size).toBe(1);
    expect(outcome.responses[0]).toMatchObject({ status: 200, attempts: 2, replayed: true });
    expect(eventsOf(NUDGES).length).toBe(eventsBefore + 1);
    expect(onServer(NUDGES)).toMatchObject({
      version: String(Number(current.version) + 1),
      layers: { rolloutPercent: 20 },
    });
  });

  it('a timed-out attempt that lands late is still applied once (replayed, not doubled)', async () => {
    const eventsBefore = eventsOf(NUDGES).length;
    proxy.inject({ kind: 'delay', ms: 700 }, { match: (m) => m === 'POST' });
    const { outcome } = await change(NUDGES, { blockList: [] });
    await proxy.settled();
    expect(outcome.responses[0]).toMatchObject({ status: 200, attempts: 2 });
    expect(eventsOf(NUDGES).length).toBe(eventsBefore + 1);
    expect(onServer(NUDGES).layers.blockList).toEqual([]);
  });

  it('429 and 503 are retried (Retry-After honoured) with the same key', async () => {
    sleeps.length = 0;
    proxy.inject(
      { kind: 'status', status: 429, headers: { 'retry-after': '1' } },
      { match: (m) => m === 'POST' },
    );
    proxy.inject({ kind: 'status', status: 503 }, { match: (m) => m === 'POST' });
    const logStart = proxy.log.length;
    const { outcome } = await change(NUDGES, { confidenceThreshold: 0.9 });
    expect(outcome.responses[0]).toMatchObject({ attempts: 3, replayed: false });
    expect(sleeps[0]).toBeGreaterThanOrEqual(1000);
    const keys = proxy.log
      .slice(logStart)
      .filter((r) => r.method === 'POST')
      .map((r) => r.headers['idempotency-key']);
    expect(keys).toHaveLength(3);
    expect(new Set(keys).size).toBe(1);
    expect(onServer(NUDGES).layers.confidenceThreshold).toBe(0.9);
  });

  it('a stale plan gets ConflictError with the service message, and the newer edit survives', async () => {
    const current = await provider.getFlag(ENV, NUDGES);
    const plan = await provider.planChange(current, { rolloutPercent: 40 }, 'ramp', 'tester');
    // Someone changes the flag in the service's own console meanwhile.
    server.store.change(ENV, NUDGES, {
      set: { rolloutPercent: 5 },
      expectedVersion: null,
      reason: 'ops console',
      actor: 'ops',
    });
    const err = await provider.executePlan(plan, 'ramp', 'tester').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ConflictError);
    expect((err as Error).message).toBe(
      `"${NUDGES}" changed in "inhouse" (production) since it was read: flag "${NUDGES}" in production is at version ` +
        `${Number(current.version) + 1}, not ${current.version}: it changed since it was read; re-read it and plan the change again`,
    );
    expect(onServer(NUDGES).layers.rolloutPercent).toBe(5);
  });

  it('a kill is never blocked by a concurrent edit (no expected version)', async () => {
    const current = await provider.getFlag(ENV, NUDGES);
    const plan = await provider.planChange(current, { enabled: false }, 'incident', 'tester');
    server.store.change(ENV, NUDGES, {
      set: { rolloutPercent: 6 },
      expectedVersion: null,
      reason: 'ops',
      actor: 'ops',
    });
    await provider.executePlan(plan, 'incident', 'tester');
    expect(onServer(NUDGES).layers).toMatchObject({ enabled: false, rolloutPercent: 6 });
  });

  it('an invalid change is refused with the field the service named', async () => {
    const current = await provider.getFlag(ENV, NUDGES);
    // The app validates patches before planning; this one slips past to show the 422 path.
    const plan = await provider.planChange(current, { rolloutPercent: 150 }, 'typo', 'tester');
    const err = (await provider
      .executePlan(plan, 'typo', 'tester')
      .catch((e: unknown) => e)) as ProviderError;
    expect(err).toBeInstanceOf(ProviderError);
    expect(err.status).toBe(422);
    expect(err.message).toMatch(
      /answered HTTP 422 to POST \/v1\/environments\/production\/flags\/ai-churn-nudges\/changes: the change is not valid: \/set\/rolloutPercent must be a number between 0 and 100/,
    );
  });

  it('imports history oldest first, then only what is new after the cursor', async () => {
    const first = await provider.historySince(null);
    const all = server.store.history({ limit: 1000 }).events;
    expect(first.events.map((e) => e.id)).toEqual(all.map((e) => e.id));
    expect(first.cursor).toBe(all.at(-1)!.cursor);
    const kill = first.events.find((e) => e.key === RERANK && e.changes[0]?.layer === 'enabled');
    expect(kill).toMatchObject({
      environment: ENV,
      actor: 'tester',
      type: 'flag-changed',
      changes: [{ layer: 'enabled', before: true, after: false }],
    });
    expect(first.events.find((e) => e.actor === 'ops')?.changes).toEqual([
      { layer: 'rolloutPercent', before: 20, after: 5 },
    ]);

    expect(await provider.historySince(first.cursor)).toEqual({ events: [], cursor: first.cursor });
    await change(RERANK, { rolloutPercent: 55 });
    const next = await provider.historySince(first.cursor);
    expect(next.events).toHaveLength(1);
    expect(next.events[0]).toMatchObject({
      key: RERANK,
      changes: [{ layer: 'rolloutPercent', before: 50, after: 55 }],
    });
    expect(Number(next.cursor)).toBeGreaterThan(Number(first.cursor));
  });

  it('a bad token: health says so, reads fail with a clear error naming the variable', async () => {
    const bad = createHttpProvider(config({ token: 'wrong-token', url: server.url }));
    const health = await bad.health();
    expect(health.ok).toBe(false);
    expect(health.message).toBe(
      `Custom flag service "inhouse" at ${server.url} rejected the token (HTTP 401: the bearer token is not valid for this flag service). ` +
        'Check the bearer token in INHOUSE_FLAGS_TOKEN.',
    );
    const err = (await bad.listFlags().catch((e: unknown) => e)) as ProviderError;
    expect(err.status).toBe(401);
    expect(err.message).not.toContain('wrong-token');
  });

  it('the service down: a clear error after the retries, and health says the same', async () => {
    const other = await startReferenceServer({ token: TOKEN, store: new FlagStore() });
    const url = other.url;
    await other.close();
    const down = createHttpProvider(config({ url, retry: { retries: 1, baseDelayMs: 10 } }));
    await expect(down.listFlags()).rejects.toThrow(
      `Cannot reach the custom flag service "inhouse" at ${url} (ECONNREFUSED) (2 attempts)`,
    );
    expect((await down.health()).message).toMatch(/^Cannot reach the custom flag service "inhouse"/);
  });

  it('the registry builds it from config, reading the token only through tokenEnv', async () => {
    const entry = {
      name: 'inhouse',
      kind: 'http' as const,
      url: server.url,
      tokenEnv: 'INHOUSE_FLAGS_TOKEN',
    };
    const ok = createProvider(entry, undefined as never, { INHOUSE_FLAGS_TOKEN: TOKEN }, Date.now);
    expect(ok.kind).toBe('http');
    expect((await ok.listFlags()).length).toBe(4);
    const missing = createProvider(entry, undefined as never, {}, Date.now);
    await expect(missing.listFlags()).rejects.toThrow(/INHOUSE_FLAGS_TOKEN/);
  });

  it('the layers the provider re-reads confirm each applied patch', async () => {
    const { current } = await change(RERANK, { rolloutPercent: 60, modelVersion: 'rerank-v5' });
    expect((await provider.getFlag(ENV, RERANK)).layers).toEqual(
      applyPatch(current.layers, { rolloutPercent: 60, modelVersion: 'rerank-v5' }),
    );
  });

  it('every exchange of this file conforms to docs/provider-api.yaml', async () => {
    await proxy.settled();
    const checker = await loadProviderApi();
    expect(exchanges.length).toBeGreaterThan(40);
    expect(new Set(exchanges.map((e) => checker.check(e).operation))).toEqual(
      new Set(['listFlags', 'getFlag', 'getHealth', 'applyChange', 'listHistory']),
    );
    expect(new Set(exchanges.map((e) => e.status))).toEqual(new Set([200, 401, 404, 409, 422]));
    // Responses always; requests too, except the one invalid change sent on purpose above.
    expect(conformanceProblems(checker, exchanges)).toEqual([]);
    const deliberate = (e: Exchange) => e.status === 422;
    expect(exchanges.filter(deliberate)).toHaveLength(1);
    expect(
      conformanceProblems(
        checker,
        exchanges.filter((e) => !deliberate(e)),
        { requestsMustConform: 'always' },
      ),
    ).toEqual([]);
  });
});
