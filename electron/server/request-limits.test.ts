/**
 * Browser mode's request limits (issue 15, item 10): a body over the cap gets HTTP 413 naming the
 * limit — not a TCP reset — whether the client announced its length or streams it chunked, and the
 * server goes on answering; only `application/json` (with an optional UTF-8 charset) passes the
 * content-type check (`application/jsonp` did). A malformed WebSocket frame closes that socket
 * only: the server process does not die of it.
 */
import fs from 'node:fs';
import http from 'node:http';
import type net from 'node:net';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import type { EventName, RcrApi, Result } from '../../shared/contract.ts';
import { tempDataDir } from '../../test/support/temp-dir.ts';
import { MAX_BODY_BYTES, startHttpServer, type RunningServer } from './http-server.ts';

const calls: string[] = [];
const api: RcrApi = {
  async invoke(channel) {
    calls.push(channel);
    return { ok: true, value: { channel } } as Result<never>;
  },
  on(_event: EventName) {
    return () => undefined;
  },
};

const tmp = tempDataDir('rcr-limits-');
let server: RunningServer;

beforeAll(async () => {
  fs.writeFileSync(path.join(tmp.dir, 'index.html'), '<!doctype html><title>rcr</title>');
  server = await startHttpServer({ api, staticDir: tmp.dir });
});
afterAll(async () => {
  await server.close();
  tmp.cleanup();
});

/** POSTs `body` (written in 64 KiB chunks) to a channel; `chunked` leaves out Content-Length. */
function post(
  body: Buffer,
  opts: { chunked?: boolean; contentType?: string; channel?: string } = {},
): Promise<{ status: number; body: string; headers: http.IncomingHttpHeaders }> {
  return new Promise((resolve, reject) => {
    const req = http.request({
      host: '127.0.0.1',
      port: server.port,
      method: 'POST',
      path: `/api/invoke/${opts.channel ?? 'fleet.list'}`,
      headers: {
        host: `127.0.0.1:${server.port}`,
        'content-type': opts.contentType ?? 'application/json',
        'x-rcr-token': server.token,
        ...(opts.chunked ? {} : { 'content-length': String(body.length) }),
      },
    });
    req.on('response', (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (d: string) => (text += d));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text, headers: res.headers }));
      res.on('error', reject);
    });
    req.on('error', reject);
    let at = 0;
    const pump = (): void => {
      while (at < body.length) {
        const chunk = body.subarray(at, at + 65_536);
        at += chunk.length;
        if (!req.write(chunk)) return void req.once('drain', pump);
      }
      req.end();
    };
    pump();
  });
}

const tooBig = (): Buffer => Buffer.from(`{"search":"${'x'.repeat(3 * 1024 * 1024)}"}`);

describe('request body cap', () => {
  it('is 2 MiB', () => {
    expect(MAX_BODY_BYTES).toBe(2 * 1024 * 1024);
  });

  it('answers 413 with the limit for a body over the cap (announced length), never reaching the core', async () => {
    calls.length = 0;
    const r = await post(tooBig());
    expect(r.status).toBe(413);
    expect(JSON.parse(r.body)).toEqual({
      ok: false,
      error: { code: 'BAD_INPUT', message: `request body over ${MAX_BODY_BYTES} bytes` },
    });
    expect(r.headers.connection).toBe('close');
    expect(calls).toEqual([]);
  });

  it('answers 413 for a chunked body that grows over the cap', async () => {
    calls.length = 0;
    const r = await post(tooBig(), { chunked: true });
    expect(r.status).toBe(413);
    expect(JSON.parse(r.body)).toMatchObject({ ok: false, error: { code: 'BAD_INPUT' } });
    expect(calls).toEqual([]);
  });

  it('answers 413 to fetch too, and goes on serving', async () => {
    const url = `http://127.0.0.1:${server.port}/api/invoke/fleet.list`;
    const headers = { 'content-type': 'application/json', 'x-rcr-token': server.token };
    const res = await fetch(url, { method: 'POST', headers, body: tooBig() });
    expect(res.status).toBe(413);
    expect(((await res.json()) as { error: { message: string } }).error.message).toBe(
      `request body over ${MAX_BODY_BYTES} bytes`,
    );
    const fine = await fetch(url, { method: 'POST', headers, body: '{}' });
    expect(fine.status).toBe(200);
    // Right at the cap still passes.
    const atCap = Buffer.alloc(MAX_BODY_BYTES, 0x20);
    atCap.write('{}');
    expect((await post(atCap)).status).toBe(200);
  });
});

describe('content type of API calls', () => {
  it('passes only application/json, with an optional UTF-8 charset', async () => {
    const statuses: Record<string, number> = {};
    for (const type of [
      'application/json',
      'application/json; charset=utf-8',
      'application/json;charset=UTF-8',
      'Application/JSON',
      'application/json; charset="utf-8"',
      'application/jsonp',
      'application/json-patch+json',
      'application/jsonx; charset=utf-8',
      'application/json; charset=latin1',
      'application/json; boundary=x',
      'application/json, text/plain',
      'text/json',
      '',
    ])
      statuses[type] = (await post(Buffer.from('{}'), { contentType: type })).status;
    expect(statuses).toEqual({
      'application/json': 200,
      'application/json; charset=utf-8': 200,
      'application/json;charset=UTF-8': 200,
      'Application/JSON': 200,
      'application/json; charset="utf-8"': 200,
      'application/jsonp': 415,
      'application/json-patch+json': 415,
      'application/jsonx; charset=utf-8': 415,
      'application/json; charset=latin1': 415,
      'application/json; boundary=x': 415,
      'application/json, text/plain': 415,
      'text/json': 415,
      '': 415,
    });
  });
});

describe('WebSocket', () => {
  it('a malformed frame closes that socket; the server stays up', async () => {
    const ws = new WebSocket(`ws://127.0.0.1:${server.port}/api/events?token=${server.token}`);
    await new Promise((resolve, reject) => {
      ws.once('open', resolve);
      ws.once('error', reject);
    });
    // An unmasked client frame violates RFC 6455 §5.1: the server must fail the connection.
    const raw = (ws as unknown as { _socket: net.Socket })._socket;
    const closed = new Promise((resolve) => ws.once('close', resolve));
    raw.write(Buffer.from([0x81, 0x02, 0x68, 0x69]));
    await closed;
    await new Promise((r) => setTimeout(r, 50));
    const res = await fetch(`http://127.0.0.1:${server.port}/api/invoke/session.info`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-rcr-token': server.token },
      body: '{}',
    });
    expect(res.status).toBe(200);
  });
});
