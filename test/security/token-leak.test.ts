/**
 * Tokens never leak. A full flow runs with distinctive test tokens from all
 * three sources (environment variable, 0600 file, the desktop's encrypted
 * store set through `providers.setToken`) against a hostile provider server
 * that repeats the token it receives in every error body. Then the data folder
 * (SQLite database, WAL and SHM files, config, secrets file), everything
 * logged, every contract result and event (what IPC would carry to the
 * renderer), every HTTP and WebSocket payload of browser mode, CLI JSON output
 * and the exported decision log are searched for the tokens in raw, URL, JSON,
 * base64 and hex form. None may be found.
 */
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { eventContract, type Channel, type EventName } from '../../shared/contract.ts';
import { openCore, type AppCore } from '../../electron/core/app-core.ts';
import { createEncryptedFileSecretStore, SECRETS_FILE } from '../../electron/core/secrets/secret-store.ts';
import { createUnleashProvider } from '../../electron/core/providers/unleash/unleash-provider.ts';
import { startHttpServer, type RunningServer } from '../../electron/server/http-server.ts';
import { tempDataDir } from '../support/temp-dir.ts';
import { captureLogs, echoingProviderServer, grepFolder, grepText, testCipher } from '../support/security.ts';

const ENV_TOKEN = 'rcr-leaktest-ENV-5f0c1d9e7a3b';
const FILE_TOKEN = 'rcr-leaktest-FILE-8b2e6c4a1f7d';
const STORED_TOKEN = 'rcr-leaktest-STORED-3d9a7e5c2b1f';
const TOKENS = [ENV_TOKEN, FILE_TOKEN, STORED_TOKEN];

describe('provider tokens never leak', () => {
  const tmp = tempDataDir('rcr-leak-');
  const dataDir = path.join(tmp.dir, 'data');
  const tokenFile = path.join(tmp.dir, 'file-token');
  let echo401: Awaited<ReturnType<typeof echoingProviderServer>>;
  let echo500: Awaited<ReturnType<typeof echoingProviderServer>>;
  let core: AppCore;
  let server: RunningServer;
  const payloads: string[] = [];
  let logs: ReturnType<typeof captureLogs>;
  const env = { RCR_LEAK_ENV_TOKEN: ENV_TOKEN, RCR_LEAK_FILE_TOKEN_FILE: tokenFile };

  const call = async (channel: Channel, input: unknown): Promise<unknown> => {
    const result = await core.invoke(channel, input as never);
    payloads.push(JSON.stringify(result));
    return result;
  };

  beforeAll(async () => {
    echo401 = await echoingProviderServer(401);
    echo500 = await echoingProviderServer(500);
    fs.mkdirSync(dataDir, { recursive: true });
    fs.writeFileSync(tokenFile, `${FILE_TOKEN}\n`, { mode: 0o600 });
    fs.chmodSync(tokenFile, 0o600);
    const unleash = (name: string, url: string, tokenEnv: string) => ({
      name,
      kind: 'unleash',
      url,
      tokenEnv,
      project: 'default',
      environments: ['production'],
    });
    fs.writeFileSync(
      path.join(dataDir, 'config.json'),
      JSON.stringify({
        version: 1,
        syncIntervalMs: 15_000,
        actor: 'leak-test',
        providers: [
          { name: 'local', kind: 'local' },
          unleash('env-401', echo401.url, 'RCR_LEAK_ENV_TOKEN'),
          unleash('file-500', echo500.url, 'RCR_LEAK_FILE_TOKEN'),
          unleash('stored-401', echo401.url, 'RCR_LEAK_STORED_TOKEN'),
        ],
      }),
    );
    logs = captureLogs();
    core = await openCore({
      dataDir,
      env,
      startSync: false,
      secretStore: createEncryptedFileSecretStore({
        file: path.join(dataDir, SECRETS_FILE),
        cipher: testCipher(),
      }),
    });
    for (const event of Object.keys(eventContract) as EventName[])
      core.on(event, (payload) => payloads.push(JSON.stringify({ event, payload })));
    server = await startHttpServer({ api: core, staticDir: tmp.dir });
  });

  afterAll(async () => {
    logs.stop();
    await server?.close();
    await echo401?.close();
    await echo500?.close();
    tmp.cleanup();
  });

  it('runs the flow: setToken, syncs that fail with echoed tokens, actions, reads, exports', async () => {
    const set = (await call('providers.setToken', { provider: 'stored-401', token: STORED_TOKEN })) as {
      ok: boolean;
      value: unknown;
    };
    expect(set).toEqual({ ok: true, value: { provider: 'stored-401', tokenSet: true } });
    await call('sync.now', {});
    await call('sync.now', { provider: 'env-401' });
    const providers = (await call('providers.list', {})) as {
      value: Array<{ name: string; lastError: string }>;
    };
    // The providers were really called with the tokens and answered with them …
    expect(echo401.requests).toBeGreaterThan(0);
    expect(echo500.requests).toBeGreaterThan(0);
    // … and the errors are reported, redacted.
    const leaky = providers.value.find((p) => p.name === 'env-401');
    expect(leaky?.lastError).toMatch(/\[redacted\]/);
    const fleet = (await call('fleet.list', {})) as {
      value: { rows: Array<{ provider: string; environment: string; key: string }> };
    };
    const row = fleet.value.rows.find((r) => r.provider === 'local');
    expect(row).toBeDefined();
    const ref = { provider: row!.provider, environment: row!.environment, key: row!.key };
    await call('flag.previewChange', { ref, patch: { rolloutPercent: 7 } });
    expect(
      await call('flag.applyChange', { ref, patch: { rolloutPercent: 7 }, reason: 'leak test change' }),
    ).toMatchObject({ ok: true });
    expect(await call('flag.rollback', { ref, mode: 'kill', reason: 'leak test rollback' })).toMatchObject({
      ok: true,
    });
    await call('flag.get', ref);
    await call('session.info', {});
    await call('decisions.list', {});
    await call('decisions.export', { format: 'json' });
    await call('decisions.export', { format: 'csv' });
    // A failing provider call through an action: the provider's error is what the renderer sees.
    expect(
      await call('flag.get', { provider: 'env-401', environment: 'production', key: 'x' }),
    ).toMatchObject({
      ok: false,
    });
    await call('flag.applyChange', {
      ref: { provider: 'stored-401', environment: 'production', key: 'x' },
      patch: { enabled: false },
      reason: 'leak test on a failing provider',
    });
    // Clearing and setting again through the contract.
    await call('providers.setToken', { provider: 'stored-401', token: null });
    await call('providers.setToken', { provider: 'stored-401', token: STORED_TOKEN });
    await call('sync.now', { provider: 'stored-401' });
  });

  it('browser mode: no HTTP response or WebSocket message carries a token', async () => {
    const messages: string[] = [];
    const ws = new WebSocket(`ws://127.0.0.1:${server.port}/api/events?token=${server.token}`);
    ws.on('message', (d) => messages.push(String(d)));
    await new Promise((resolve, reject) => {
      ws.once('open', resolve);
      ws.once('error', reject);
    });
    const post = async (channel: string, body: unknown) => {
      const res = await fetch(`http://127.0.0.1:${server.port}/api/invoke/${channel}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-rcr-token': server.token },
        body: JSON.stringify(body),
      });
      const text = await res.text();
      payloads.push(text);
      return text;
    };
    await post('sync.now', {});
    await post('providers.list', {});
    await post('fleet.list', {});
    await post('flag.get', { provider: 'file-500', environment: 'production', key: 'x' });
    await post('providers.setToken', { provider: 'stored-401', token: STORED_TOKEN });
    await post('decisions.export', { format: 'csv' });
    await new Promise((r) => setTimeout(r, 100));
    ws.close();
    expect(messages.length).toBeGreaterThan(0);
    payloads.push(...messages);
  });

  it('CLI JSON output carries no token', async () => {
    const { main } = await import('../../electron/cli/rcr.ts');
    const saved = { ...process.env };
    Object.assign(process.env, env);
    try {
      for (const args of [
        ['providers', 'list', '--json'],
        ['flags', 'list', '--json'],
        ['sync', '--json'],
      ])
        await main(['--data-dir', dataDir, ...args]);
    } finally {
      for (const k of Object.keys(env)) delete process.env[k];
      Object.assign(process.env, saved);
    }
  });

  it('finds no token in any payload, log line, or file of the data folder (WAL included)', async () => {
    const found = payloads.flatMap((p) => grepText(p, TOKENS).map((t) => `${t} in ${p.slice(0, 200)}`));
    expect(found).toEqual([]);
    // Before closing: the WAL still holds recent writes.
    const files = fs.readdirSync(dataDir);
    expect(files).toEqual(expect.arrayContaining(['rcr.db', 'config.json', SECRETS_FILE]));
    expect(grepFolder(dataDir, TOKENS)).toEqual([]);
    await core.close();
    expect(grepFolder(dataDir, TOKENS)).toEqual([]);
    logs.stop();
    const logText = logs.text();
    expect(logText.length).toBeGreaterThan(0);
    expect(grepText(logText, TOKENS)).toEqual([]);
  });

  it('would catch a leak: without the redaction layer the provider error carries the token', async () => {
    const raw = createUnleashProvider({
      name: 'raw',
      url: echo401.url,
      token: ENV_TOKEN,
      project: 'default',
      environments: ['production'],
    });
    const error = (await raw.listFlags().catch((e: unknown) => e)) as Error;
    expect(grepText(error.message, TOKENS)).toEqual([ENV_TOKEN]);
    await raw.close?.();
  });
});
