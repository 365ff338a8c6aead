import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import http from 'node:http';
import WebSocket from 'ws';
import { openCore, type AppCore } from '../core/app-core.ts';
import { startHttpServer, type RunningServer } from './http-server.ts';
import { tempDataDir } from '../../test/support/temp-dir.ts';

/** POSTs with an explicit Host header (fetch does not let a caller set one). */
function rawStatus(port: number, host: string, token: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = http.request(
      {
        host: '127.0.0.1',
        port,
        path: '/api/invoke/fleet.list',
        method: 'POST',
        headers: { host, 'content-type': 'application/json', 'x-rcr-token': token },
      },
      (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
      },
    );
    req.on('error', reject);
    req.end('{}');
  });
}

describe('browser-mode server', () => {
  const tmp = tempDataDir();
  let core: AppCore;
  let server: RunningServer;
  let base: string;
  beforeAll(async () => {
    const staticDir = path.join(tmp.dir, 'static');
    fs.mkdirSync(staticDir, { recursive: true });
    fs.writeFileSync(path.join(staticDir, 'index.html'), '<!doctype html><title>rcr</title>');
    core = await openCore({ dataDir: path.join(tmp.dir, 'data'), startSync: false });
    await core.sync.syncAll();
    server = await startHttpServer({ api: core, staticDir });
    base = `http://127.0.0.1:${server.port}`;
  });
  afterAll(async () => {
    await server.close();
    await core.close();
    tmp.cleanup();
  });

  const invoke = (channel: string, body: unknown, headers: Record<string, string> = {}): Promise<Response> =>
    fetch(`${base}/api/invoke/${channel}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-rcr-token': server.token, ...headers },
      body: JSON.stringify(body),
    });

  it('listens on 127.0.0.1 and prints a URL carrying the token', () => {
    expect(server.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/\?token=[\w-]{40,}$/);
  });

  it('serves the app with the token, sets a strict cookie and the CSP, refuses without it', async () => {
    const ok = await fetch(server.url);
    expect(ok.status).toBe(200);
    expect(ok.headers.get('content-security-policy')).toMatch(/default-src 'none'/);
    expect(ok.headers.get('set-cookie')).toMatch(/HttpOnly; SameSite=Strict/);
    expect((await fetch(`${base}/`)).status).toBe(401);
    expect((await fetch(`${base}/?token=wrong`)).status).toBe(401);
  });

  it('answers contract calls with the Result JSON', async () => {
    const res = await invoke('fleet.list', {});
    const json = (await res.json()) as { ok: boolean; value: { rows: unknown[] } };
    expect(json.ok).toBe(true);
    expect(json.value.rows.length).toBeGreaterThan(0);
    const bad = (await (await invoke('flag.applyChange', { ref: {}, patch: {}, reason: '' })).json()) as {
      ok: boolean;
      error: { code: string; message: string };
    };
    expect(bad).toMatchObject({ ok: false, error: { code: 'BAD_INPUT' } });
    expect(bad.error.message).toMatch(/ref\.provider/);
    expect(JSON.stringify(bad)).not.toMatch(/at .*\.ts:\d+/);
  });

  it('refuses a wrong token, a foreign Origin or Host (DNS rebinding), GET and non-JSON bodies', async () => {
    expect((await invoke('fleet.list', {}, { 'x-rcr-token': 'nope' })).status).toBe(401);
    expect((await invoke('fleet.list', {}, { origin: 'http://evil.example' })).status).toBe(403);
    expect(await rawStatus(server.port, `evil.example:${server.port}`, server.token)).toBe(403);
    expect(await rawStatus(server.port, `127.0.0.1:${server.port}`, server.token)).toBe(200);
    expect(
      (await fetch(`${base}/api/invoke/fleet.list`, { headers: { 'x-rcr-token': server.token } })).status,
    ).toBe(405);
    expect((await invoke('fleet.list', {}, { 'content-type': 'text/plain' })).status).toBe(415);
    expect((await invoke('no.such', {})).status).toBe(404);
  });

  it('pushes fleet.changed over an authenticated WebSocket and refuses a socket without the token', async () => {
    const ws = new WebSocket(`ws://127.0.0.1:${server.port}/api/events?token=${server.token}`);
    await new Promise((resolve, reject) => {
      ws.once('open', resolve);
      ws.once('error', reject);
    });
    const message = new Promise<string>((resolve) => ws.once('message', (d) => resolve(String(d))));
    await core.sync.syncAll();
    expect(JSON.parse(await message)).toMatchObject({
      event: 'fleet.changed',
      payload: { reason: 'synced:local' },
    });
    ws.close();
    const denied = new WebSocket(`ws://127.0.0.1:${server.port}/api/events?token=bad`);
    await expect(
      new Promise((resolve, reject) => {
        denied.once('open', resolve);
        denied.once('error', reject);
      }),
    ).rejects.toThrow(/401/);
  });
});
