/**
 * Browser mode (`rcr serve`) refuses everything that is not the app itself:
 * missing or wrong token, wrong Origin, a foreign Host (DNS rebinding),
 * cross-site form posts, GET on action channels, WebSockets without token or
 * from another origin; a read-only server routes no state-changing channel;
 * a non-loopback bind needs TLS or --insecure; TLS serves HTTPS + WSS.
 *
 * The server is given a recording API, so a refused request is also shown
 * never to have reached the core.
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import path from 'node:path';
import { EventEmitter } from 'node:events';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import {
  CHANNELS,
  READ_ONLY_CHANNELS,
  type Channel,
  type EventName,
  type RcrApi,
  type Result,
} from '../../shared/contract.ts';
import {
  ServerExposureError,
  startHttpServer,
  type RunningServer,
} from '../../electron/server/http-server.ts';
import { exposureProblem } from '../../electron/server/request-guard.ts';
import { tempDataDir } from '../support/temp-dir.ts';

/** An API that records every channel it is asked for and answers `{ok: true}`. */
function recordingApi(): RcrApi & { calls: string[]; events: EventEmitter } {
  const calls: string[] = [];
  const events = new EventEmitter();
  return {
    calls,
    events,
    async invoke(channel) {
      calls.push(channel);
      const value = channel === 'session.info' ? { readOnly: false, tokenStore: null } : { channel };
      return { ok: true, value } as Result<never>;
    },
    on(event: EventName, listener: (p: never) => void) {
      const l = listener as (p: unknown) => void;
      events.on(event, l);
      return () => events.off(event, l);
    },
  };
}

interface RawResponse {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: string;
}

/** One request with full control over headers (fetch forbids setting Host and friends). */
function raw(
  server: RunningServer,
  opts: { method?: string; path: string; headers?: Record<string, string>; body?: string; ca?: Buffer },
): Promise<RawResponse> {
  const mod = server.scheme === 'https' ? https : http;
  return new Promise((resolve, reject) => {
    const req = mod.request(
      {
        host: '127.0.0.1',
        port: server.port,
        path: opts.path,
        method: opts.method ?? 'GET',
        headers: { host: `127.0.0.1:${server.port}`, ...opts.headers },
        ...(opts.ca ? { ca: opts.ca, servername: 'localhost' } : {}),
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () =>
          resolve({
            status: res.statusCode ?? 0,
            headers: res.headers,
            body: Buffer.concat(chunks).toString(),
          }),
        );
      },
    );
    req.on('error', reject);
    req.end(opts.body);
  });
}

/** Opens a WebSocket; resolves 'open' or the error message. */
function wsOutcome(url: string, headers: Record<string, string> = {}, ca?: Buffer): Promise<string> {
  return new Promise((resolve) => {
    const ws = new WebSocket(url, { headers, ...(ca ? { ca } : {}) });
    ws.once('open', () => {
      ws.close();
      resolve('open');
    });
    ws.once('error', (e) => resolve(e.message));
  });
}

describe('browser mode refuses what is not the app', () => {
  const tmp = tempDataDir('rcr-sec-http-');
  const api = recordingApi();
  let server: RunningServer;
  let json: Record<string, string>;
  beforeAll(async () => {
    fs.writeFileSync(path.join(tmp.dir, 'index.html'), '<!doctype html><title>rcr</title>');
    server = await startHttpServer({ api, staticDir: tmp.dir });
    json = { 'content-type': 'application/json', 'x-rcr-token': server.token };
  });
  afterAll(async () => {
    await server.close();
    tmp.cleanup();
  });

  const post = (channel: string, headers: Record<string, string>, body = '{}') =>
    raw(server, { method: 'POST', path: `/api/invoke/${channel}`, headers, body });

  it('answers the app itself (control case)', async () => {
    const before = api.calls.length;
    const ok = await post('flag.rollback', json);
    expect(ok.status).toBe(200);
    expect(api.calls.length).toBe(before + 1);
    const page = await raw(server, { path: `/?token=${server.token}` });
    expect(page.status).toBe(200);
    expect(page.headers['set-cookie']?.[0]).toMatch(/HttpOnly; SameSite=Strict/);
  });

  it('refuses requests without the token or with a wrong one, before reaching the core', async () => {
    const before = api.calls.length;
    const variants: Array<Record<string, string>> = [
      { 'content-type': 'application/json' },
      { 'content-type': 'application/json', 'x-rcr-token': 'wrong' },
      { 'content-type': 'application/json', 'x-rcr-token': `${server.token}x` },
      { 'content-type': 'application/json', 'x-rcr-token': '' },
    ];
    for (const headers of variants) {
      const res = await post('flag.rollback', headers);
      expect(res.status).toBe(401);
      expect(res.headers['content-security-policy']).toMatch(/default-src 'none'/);
    }
    // Every connect-src source parses as a CSP host-source: no IPv6 literal (browsers reject those
    // with a console error on every load).
    const csp = String((await post('flag.rollback', variants[0]!)).headers['content-security-policy']);
    const sources = /connect-src ([^;]*)/.exec(csp)?.[1]?.split(' ') ?? [];
    expect(sources).toContain("'self'");
    expect(sources.some((x) => x.includes('127.0.0.1'))).toBe(true);
    expect(sources.filter((x) => x.includes('['))).toEqual([]);
    expect((await raw(server, { path: '/' })).status).toBe(401);
    expect((await raw(server, { path: '/?token=wrong' })).status).toBe(401);
    expect((await raw(server, { path: '/index.html', headers: { cookie: 'rcr_token=wrong' } })).status).toBe(
      401,
    );
    expect(api.calls.length).toBe(before);
  });

  it('refuses a wrong Origin, an opaque Origin and a scheme mismatch', async () => {
    const before = api.calls.length;
    for (const origin of [
      'http://evil.example',
      `http://evil.example:${server.port}`,
      'null',
      `https://127.0.0.1:${server.port}`,
      `http://127.0.0.1:${server.port + 1}`,
    ]) {
      expect((await post('fleet.list', { ...json, origin })).status).toBe(403);
    }
    expect((await post('fleet.list', { ...json, origin: `http://localhost:${server.port}` })).status).toBe(
      200,
    );
    expect(api.calls.length).toBe(before + 1);
  });

  it('refuses a foreign Host header (DNS rebinding) on the API, the page and the socket', async () => {
    const before = api.calls.length;
    for (const host of [
      `evil.example:${server.port}`,
      `127.0.0.1.evil.example:${server.port}`,
      'evil.example',
      `127.0.0.1:${server.port + 1}`,
      `LOCALHOST.evil.example:${server.port}`,
    ]) {
      expect((await post('fleet.list', { ...json, host })).status).toBe(403);
      expect((await raw(server, { path: `/?token=${server.token}`, headers: { host } })).status).toBe(403);
    }
    expect(
      await wsOutcome(`ws://127.0.0.1:${server.port}/api/events?token=${server.token}`, {
        host: `evil.example:${server.port}`,
      }),
    ).toMatch(/401/);
    expect(api.calls.length).toBe(before);
  });

  it('refuses cross-site form posts (urlencoded, multipart, text/plain) even with the cookie', async () => {
    const before = api.calls.length;
    const cookie = `rcr_token=${server.token}`;
    for (const type of [
      'application/x-www-form-urlencoded',
      'multipart/form-data; boundary=x',
      'text/plain',
    ]) {
      // What a form on another site can send: no custom header, a simple content type, maybe our cookie.
      const res = await post('flag.rollback', { 'content-type': type, cookie }, 'reason=pwned&mode=kill');
      expect(res.status).toBe(401);
      const withOrigin = await post(
        'flag.rollback',
        { 'content-type': type, cookie, origin: 'http://evil.example' },
        'x=1',
      );
      expect(withOrigin.status).toBe(403);
      // Even with the token header (which a form cannot send), only JSON is accepted.
      expect(
        (await post('flag.rollback', { 'content-type': type, 'x-rcr-token': server.token }, '{}')).status,
      ).toBe(415);
    }
    expect(api.calls.length).toBe(before);
  });

  it('refuses GET, HEAD, PUT, DELETE and OPTIONS on action channels', async () => {
    const before = api.calls.length;
    for (const method of ['GET', 'HEAD', 'PUT', 'DELETE', 'OPTIONS', 'PATCH']) {
      const res = await raw(server, {
        method,
        path: `/api/invoke/flag.rollback?token=${server.token}`,
        headers: json,
      });
      expect(res.status).toBe(405);
    }
    expect(api.calls.length).toBe(before);
  });

  it('refuses WebSockets without the token, with a wrong one, or from another origin', async () => {
    const base = `ws://127.0.0.1:${server.port}/api/events`;
    expect(await wsOutcome(base)).toMatch(/401/);
    expect(await wsOutcome(`${base}?token=wrong`)).toMatch(/401/);
    expect(await wsOutcome(`${base}?token=${server.token}`, { origin: 'http://evil.example' })).toMatch(
      /401/,
    );
    expect(await wsOutcome(`ws://127.0.0.1:${server.port}/other?token=${server.token}`)).toMatch(/401/);
    expect(
      await wsOutcome(`${base}?token=${server.token}`, { origin: `http://127.0.0.1:${server.port}` }),
    ).toBe('open');
  });

  it('does not serve files outside the app folder', async () => {
    fs.writeFileSync(path.join(path.dirname(tmp.dir), `${path.basename(tmp.dir)}-secret.txt`), 'x');
    const cookie = `rcr_token=${server.token}`;
    for (const p of [
      '/../secret.txt',
      `/../${path.basename(tmp.dir)}-secret.txt`,
      '/%2e%2e/%2e%2e/etc/passwd',
      '/..%2f..%2fetc%2fpasswd',
      '/%E0%A4%A',
    ]) {
      const res = await raw(server, { path: p, headers: { cookie } });
      // Either refused, or the app page itself (client-side routes fall back to index.html).
      if (res.status === 200) expect(res.body, p).toBe('<!doctype html><title>rcr</title>');
      else expect([400, 403, 404], p).toContain(res.status);
      expect(res.body).not.toMatch(/root:/);
    }
    fs.rmSync(path.join(path.dirname(tmp.dir), `${path.basename(tmp.dir)}-secret.txt`));
  });
});

describe('read-only server (wall display)', () => {
  const tmp = tempDataDir('rcr-sec-ro-');
  const api = recordingApi();
  let server: RunningServer;
  beforeAll(async () => {
    fs.writeFileSync(path.join(tmp.dir, 'index.html'), '<!doctype html>');
    server = await startHttpServer({ api, staticDir: tmp.dir, readOnly: true });
  });
  afterAll(async () => {
    await server.close();
    tmp.cleanup();
  });

  it('routes no state-changing channel: each is 404 and never reaches the core', async () => {
    const mutating = CHANNELS.filter((c) => !READ_ONLY_CHANNELS.has(c));
    expect(mutating).toEqual(
      expect.arrayContaining(['flag.applyChange', 'flag.rollback', 'providers.setToken']),
    );
    for (const channel of mutating) {
      const res = await raw(server, {
        method: 'POST',
        path: `/api/invoke/${channel}`,
        headers: { 'content-type': 'application/json', 'x-rcr-token': server.token },
        body: '{}',
      });
      expect(res.status, channel).toBe(404);
      expect(JSON.parse(res.body)).toMatchObject({ ok: false, error: { code: 'FORBIDDEN' } });
    }
    expect(api.calls.filter((c) => !READ_ONLY_CHANNELS.has(c as Channel))).toEqual([]);
  });

  it('serves the read-only channels and tells the renderer it is read-only', async () => {
    for (const channel of READ_ONLY_CHANNELS) {
      const res = await raw(server, {
        method: 'POST',
        path: `/api/invoke/${channel}`,
        headers: { 'content-type': 'application/json', 'x-rcr-token': server.token },
        body: '{}',
      });
      expect(res.status, channel).toBe(200);
    }
    const info = await raw(server, {
      method: 'POST',
      path: '/api/invoke/session.info',
      headers: { 'content-type': 'application/json', 'x-rcr-token': server.token },
      body: '{}',
    });
    expect(JSON.parse(info.body)).toEqual({ ok: true, value: { readOnly: true, tokenStore: null } });
  });
});

describe('exposure beyond loopback', () => {
  it('needs TLS or an explicit --insecure to bind anything but loopback', async () => {
    expect(exposureProblem('127.0.0.1', false, false)).toBeNull();
    expect(exposureProblem('::1', false, false)).toBeNull();
    expect(exposureProblem('0.0.0.0', false, false)).toMatch(/--tls-cert.*--insecure/);
    expect(exposureProblem('192.168.1.20', true, false)).toBeNull();
    expect(exposureProblem('192.168.1.20', false, true)).toBeNull();
    await expect(startHttpServer({ api: recordingApi(), staticDir: '.', host: '0.0.0.0' })).rejects.toThrow(
      ServerExposureError,
    );
  });

  it('keeps the Host check when bound to every interface with --insecure', async () => {
    const api = recordingApi();
    const server = await startHttpServer({ api, staticDir: '.', host: '0.0.0.0', insecure: true });
    try {
      const headers = { 'content-type': 'application/json', 'x-rcr-token': server.token };
      const ok = await raw(server, { method: 'POST', path: '/api/invoke/fleet.list', headers, body: '{}' });
      expect(ok.status).toBe(200);
      const rebound = await raw(server, {
        method: 'POST',
        path: '/api/invoke/fleet.list',
        headers: { ...headers, host: `attacker.example:${server.port}` },
        body: '{}',
      });
      expect(rebound.status).toBe(403);
    } finally {
      await server.close();
    }
  });

  it('`rcr serve` refuses --host without TLS or --insecure, and half a TLS pair', async () => {
    const { serveCommand } = await import('../../electron/cli/commands/serve.ts');
    const g = { dataDir: '/nonexistent-rcr', json: false, offline: true };
    await expect(serveCommand(g, { host: '0.0.0.0' })).rejects.toThrow(/--tls-cert.*--insecure/);
    await expect(serveCommand(g, { host: '0.0.0.0', tlsCert: 'c.pem' })).rejects.toThrow(/go together/);
    await expect(serveCommand(g, { tlsCert: '/nonexistent/c', tlsKey: '/nonexistent/k' })).rejects.toThrow(
      /--tls-cert: cannot read/,
    );
  });
});

function haveOpenssl(): boolean {
  try {
    execFileSync('openssl', ['version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

describe.skipIf(!haveOpenssl())('TLS (self-signed certificate made with openssl)', () => {
  const tmp = tempDataDir('rcr-sec-tls-');
  const api = recordingApi();
  let server: RunningServer;
  let cert: Buffer;
  beforeAll(async () => {
    const keyFile = path.join(tmp.dir, 'key.pem');
    const certFile = path.join(tmp.dir, 'cert.pem');
    execFileSync(
      'openssl',
      [
        'req',
        '-x509',
        '-newkey',
        'ec',
        '-pkeyopt',
        'ec_paramgen_curve:prime256v1',
        '-nodes',
        '-keyout',
        keyFile,
        '-out',
        certFile,
        '-days',
        '1',
        '-subj',
        '/CN=localhost',
        '-addext',
        'subjectAltName=DNS:localhost,IP:127.0.0.1',
      ],
      { stdio: 'ignore' },
    );
    cert = fs.readFileSync(certFile);
    fs.writeFileSync(path.join(tmp.dir, 'index.html'), '<!doctype html>');
    server = await startHttpServer({
      api,
      staticDir: tmp.dir,
      host: '127.0.0.1',
      tls: { cert, key: fs.readFileSync(keyFile) },
    });
  });
  afterAll(async () => {
    await server.close();
    tmp.cleanup();
  });

  it('serves HTTPS with a Secure cookie and HSTS, and keeps every check', async () => {
    expect(server.url).toMatch(/^https:\/\/127\.0\.0\.1:\d+\/\?token=/);
    const page = await raw(server, { path: `/?token=${server.token}`, ca: cert });
    expect(page.status).toBe(200);
    expect(page.headers['set-cookie']?.[0]).toMatch(/; Secure/);
    expect(page.headers['strict-transport-security']).toMatch(/max-age=/);
    expect(page.headers['content-security-policy']).toMatch(/connect-src 'self' wss:\/\//);
    const headers = { 'content-type': 'application/json', 'x-rcr-token': server.token };
    const call = await raw(server, {
      method: 'POST',
      path: '/api/invoke/fleet.list',
      headers,
      body: '{}',
      ca: cert,
    });
    expect(call.status).toBe(200);
    const noToken = await raw(server, {
      method: 'POST',
      path: '/api/invoke/fleet.list',
      headers: { 'content-type': 'application/json' },
      body: '{}',
      ca: cert,
    });
    expect(noToken.status).toBe(401);
    const httpOrigin = await raw(server, {
      method: 'POST',
      path: '/api/invoke/fleet.list',
      headers: { ...headers, origin: `http://127.0.0.1:${server.port}` },
      body: '{}',
      ca: cert,
    });
    expect(httpOrigin.status).toBe(403);
  });

  it('pushes events over WSS and refuses plain HTTP on the TLS port', async () => {
    const ws = new WebSocket(`wss://127.0.0.1:${server.port}/api/events?token=${server.token}`, { ca: cert });
    await new Promise((resolve, reject) => {
      ws.once('open', resolve);
      ws.once('error', reject);
    });
    const got = new Promise<string>((resolve) => ws.once('message', (d) => resolve(String(d))));
    api.events.emit('fleet.changed', { reason: 'test', at: '2026-01-01T00:00:00.000Z' });
    expect(JSON.parse(await got)).toMatchObject({ event: 'fleet.changed', payload: { reason: 'test' } });
    ws.close();
    expect(await wsOutcome(`wss://127.0.0.1:${server.port}/api/events`, {}, cert)).toMatch(/401/);
    const plain = await new Promise<string>((resolve) => {
      const req = http.request({ host: '127.0.0.1', port: server.port, path: '/', method: 'GET' }, (res) =>
        resolve(String(res.statusCode)),
      );
      req.on('error', (e) => resolve(e.message));
      req.end();
    });
    expect(plain).not.toBe('200');
  });

  it('is refused by a client that does not trust the certificate', async () => {
    const err = await new Promise<string>((resolve) => {
      const req = https.request({ host: '127.0.0.1', port: server.port, path: '/' }, () =>
        resolve('connected'),
      );
      req.on('error', (e) => resolve(e.message));
      req.end();
    });
    expect(err).toMatch(/self.signed|certificate/i);
  });
});
