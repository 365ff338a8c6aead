/**
 * Browser mode: serves the built renderer and the contract over HTTP +
 * WebSocket on 127.0.0.1 only, protected by a random session token.
 *
 * - `GET /?token=T` sets an HttpOnly SameSite=Strict cookie and serves the app;
 *   static files need the cookie.
 * - `POST /api/invoke/<channel>` with `x-rcr-token: T` and a JSON body → the
 *   `Result` JSON of `core.invoke`. Other methods are refused (405).
 * - `GET /api/events?token=T` upgrades to a WebSocket that pushes
 *   `{event, payload}` messages.
 * Every request is checked for token, Host and Origin.
 */
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import type { AddressInfo } from 'node:net';
import { WebSocketServer, type WebSocket } from 'ws';
import {
  contract,
  eventContract,
  type Channel,
  type EventName,
  type RcrApi,
} from '../../../shared/contract.ts';
import { securityHeaders } from './security-headers.ts';
import {
  TOKEN_COOKIE,
  TOKEN_HEADER,
  checkHostAndOrigin,
  newSessionToken,
  readCookie,
  tokenEquals,
} from './request-guard.ts';

/** Options of {@link startHttpServer}. */
export interface HttpServerOptions {
  api: RcrApi;
  /** Folder with the built renderer (index.html). */
  staticDir: string;
  /** Port; 0 picks a free one. */
  port?: number;
  /** Session token; random when omitted. */
  token?: string;
}

/** A running browser-mode server. */
export interface RunningServer {
  /** URL to open, including the token. */
  url: string;
  port: number;
  token: string;
  close(): Promise<void>;
}

const MAX_BODY_BYTES = 2 * 1024 * 1024;
const MIME: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.json': 'application/json',
  '.woff2': 'font/woff2',
};

function readBody(req: http.IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    let size = 0;
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size > MAX_BODY_BYTES) {
        reject(new Error('request body too large'));
        req.destroy();
      } else chunks.push(c);
    });
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

/** Starts the server on 127.0.0.1. */
export async function startHttpServer(options: HttpServerOptions): Promise<RunningServer> {
  const token = options.token ?? newSessionToken();
  const staticRoot = path.resolve(options.staticDir);
  let port = options.port ?? 0;

  const send = (res: http.ServerResponse, status: number, body: string, type = 'application/json'): void => {
    res.writeHead(status, { ...securityHeaders(port), 'content-type': type });
    res.end(body);
  };
  const refuse = (res: http.ServerResponse, status: number, message: string): void =>
    send(res, status, JSON.stringify({ ok: false, error: { code: 'FORBIDDEN', message } }));

  const server = http.createServer((req, res) => {
    void handle(req, res).catch((error: unknown) => {
      if (!res.headersSent) refuse(res, 500, error instanceof Error ? error.message : 'internal error');
    });
  });

  async function handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const bad = checkHostAndOrigin(req, port);
    if (bad) return refuse(res, 403, bad);
    const url = new URL(req.url ?? '/', `http://127.0.0.1:${port}`);

    if (url.pathname.startsWith('/api/invoke/')) {
      if (req.method !== 'POST') return refuse(res, 405, 'use POST');
      if (!tokenEquals(req.headers[TOKEN_HEADER] as string | undefined, token))
        return refuse(res, 401, 'missing or wrong session token');
      if (!(req.headers['content-type'] ?? '').startsWith('application/json'))
        return refuse(res, 415, 'content-type must be application/json');
      const channel = decodeURIComponent(url.pathname.slice('/api/invoke/'.length));
      if (!Object.hasOwn(contract, channel))
        return send(
          res,
          404,
          JSON.stringify({
            ok: false,
            error: { code: 'BAD_INPUT', message: `unknown channel "${channel}"` },
          }),
        );
      let input: unknown;
      try {
        const body = await readBody(req);
        input = body ? JSON.parse(body) : {};
      } catch (error) {
        return send(
          res,
          400,
          JSON.stringify({
            ok: false,
            error: { code: 'BAD_INPUT', message: `body: ${(error as Error).message}` },
          }),
        );
      }
      const result = await options.api.invoke(channel as Channel, input as never);
      return send(res, 200, JSON.stringify(result));
    }

    if (req.method !== 'GET' && req.method !== 'HEAD') return refuse(res, 405, 'method not allowed');
    const queryToken = url.searchParams.get('token');
    const cookieOk = tokenEquals(readCookie(req, TOKEN_COOKIE), token);
    const queryOk = tokenEquals(queryToken, token);
    if (!cookieOk && !queryOk)
      return refuse(res, 401, 'open the URL printed by `rcr serve` (it carries the session token)');

    const rel = url.pathname === '/' ? 'index.html' : decodeURIComponent(url.pathname).replace(/^\/+/, '');
    const file = path.resolve(staticRoot, rel);
    if (!file.startsWith(staticRoot + path.sep)) return refuse(res, 403, 'path outside the app');
    let target = file;
    if (!fs.existsSync(target) || fs.statSync(target).isDirectory()) {
      if (path.extname(rel)) return send(res, 404, 'not found', 'text/plain');
      target = path.join(staticRoot, 'index.html');
    }
    if (!fs.existsSync(target))
      return send(res, 500, 'renderer not built: run `npm run build:renderer`', 'text/plain');
    const headers: Record<string, string> = {
      ...securityHeaders(port),
      'content-type': MIME[path.extname(target)] ?? 'application/octet-stream',
    };
    if (queryOk) headers['set-cookie'] = `${TOKEN_COOKIE}=${token}; HttpOnly; SameSite=Strict; Path=/`;
    res.writeHead(200, headers);
    if (req.method === 'HEAD') return void res.end();
    fs.createReadStream(target).pipe(res);
  }

  const wss = new WebSocketServer({ noServer: true });
  const sockets = new Set<WebSocket>();
  server.on('upgrade', (req, socket, head) => {
    const url = new URL(req.url ?? '/', `http://127.0.0.1:${port}`);
    const ok =
      url.pathname === '/api/events' &&
      checkHostAndOrigin(req, port) === null &&
      (tokenEquals(url.searchParams.get('token'), token) ||
        tokenEquals(readCookie(req, TOKEN_COOKIE), token));
    if (!ok) {
      socket.write('HTTP/1.1 401 Unauthorized\r\nConnection: close\r\n\r\n');
      socket.destroy();
      return;
    }
    wss.handleUpgrade(req, socket, head, (ws) => {
      sockets.add(ws);
      ws.on('close', () => sockets.delete(ws));
    });
  });
  const unsubscribers = (Object.keys(eventContract) as EventName[]).map((event) =>
    options.api.on(event, (payload) => {
      const message = JSON.stringify({ event, payload });
      for (const ws of sockets) ws.send(message);
    }),
  );

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => resolve());
  });
  port = (server.address() as AddressInfo).port;

  return {
    url: `http://127.0.0.1:${port}/?token=${token}`,
    port,
    token,
    async close() {
      for (const u of unsubscribers) u();
      for (const ws of sockets) ws.terminate();
      await new Promise<void>((resolve) => wss.close(() => resolve()));
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
