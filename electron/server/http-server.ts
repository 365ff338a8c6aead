/**
 * Browser mode: serves the built renderer and the contract over HTTP +
 * WebSocket, protected by a random session token.
 *
 * - Binds 127.0.0.1 unless `host` says otherwise; a host other than loopback
 *   needs `tls` (HTTPS + WSS through `node:https`) or an explicit `insecure`.
 * - `GET /?token=T` sets an HttpOnly SameSite=Strict cookie (Secure over TLS)
 *   and serves the app; static files need the cookie.
 * - `POST /api/invoke/<channel>` with `x-rcr-token: T` and
 *   `Content-Type: application/json` → the `Result` JSON of `api.invoke`.
 *   Other methods are refused (405), other content types 415 (so a cross-site
 *   HTML form, which can send neither the header nor JSON, never gets through).
 * - `readOnly`: only {@link READ_ONLY_CHANNELS} are routed; every other
 *   channel answers 404 without reaching `api`, and `session.info` reports
 *   `readOnly: true`.
 * - `GET /api/events?token=T` upgrades to a WebSocket that pushes
 *   `{event, payload}` messages.
 * - Imports upload the file (`POST /api/upload/<channel>`, `application/octet-stream`, token
 *   header; upload.ts) into `uploadDir`; the channels that take a server path
 *   (`predictions.import`, `metrics.importEvents`) are refused on `/api/invoke` (403) before the
 *   path is looked at, so no client can make the server read a file of its choosing.
 * Every request is checked for token, Host and Origin (DNS rebinding).
 */
import fs from 'node:fs';
import http from 'node:http';
import { pipeline } from 'node:stream';
import https from 'node:https';
import path from 'node:path';
import type { AddressInfo } from 'node:net';
import { WebSocketServer, type WebSocket } from 'ws';
import {
  READ_ONLY_CHANNELS,
  contract,
  eventContract,
  type Channel,
  type EventName,
  type RcrApi,
  type Result,
} from '../../shared/contract.ts';
import type { SessionInfo } from '../../shared/session.ts';
import { securityHeaders } from './security-headers.ts';
import {
  DEFAULT_MAX_UPLOAD_BYTES,
  UPLOAD_CHANNELS,
  clientPayload,
  handleUpload,
  sweepStaleUploads,
  type UploadContext,
} from './upload.ts';
import {
  TOKEN_COOKIE,
  TOKEN_HEADER,
  allowedHosts,
  checkHostAndOrigin,
  exposureProblem,
  isJsonContentType,
  isWildcardHost,
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
  /** Address to bind (default `127.0.0.1`); anything else needs `tls` or `insecure`. */
  host?: string;
  /** PEM certificate and key: serve HTTPS + WSS. */
  tls?: { cert: string | Buffer; key: string | Buffer };
  /** Allow a non-loopback `host` without TLS (the caller warns loudly). */
  insecure?: boolean;
  /** Route only the read-only channels (a wall display). */
  readOnly?: boolean;
  /** Extra host names browsers may use to reach the server (Host header check), e.g. its DNS name. */
  hostNames?: string[];
  /**
   * Folder for uploaded import files (`<dataDir>/imports`, created 0700); without it uploads
   * answer 404 and browser mode cannot import.
   */
  uploadDir?: string;
  /** Largest upload, bytes (default 512 MiB); a larger one answers 413. */
  maxUploadBytes?: number;
}

/** A running browser-mode server. */
export interface RunningServer {
  /** URL to open, including the token. */
  url: string;
  port: number;
  token: string;
  /** `https` when serving TLS. */
  scheme: 'http' | 'https';
  readOnly: boolean;
  close(): Promise<void>;
}

/** The server was asked to bind somewhere it must not (see `exposureProblem`). */
export class ServerExposureError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ServerExposureError';
  }
}

/**
 * Largest body of an API call (`POST /api/invoke/…`), bytes: 2 MiB. A larger one is answered
 * HTTP 413 `{ok: false, error: {code: 'BAD_INPUT', message: 'request body over 2097152 bytes'}}`
 * after the rest of it was read and dropped (so the client gets the answer, not a reset), with
 * `Connection: close`. Imports upload their files instead (`/api/upload/…`, their own cap).
 */
export const MAX_BODY_BYTES = 2 * 1024 * 1024;
/**
 * How much of an over-cap body is read and dropped before answering, bytes; a client announcing
 * (or sending) more gets the 413 at once and its connection closed while it is still sending.
 */
const MAX_DRAIN_BYTES = 32 * 1024 * 1024;
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

/** A request body over {@link MAX_BODY_BYTES}; `drained` when the rest of it was read (and dropped). */
class BodyTooLargeError extends Error {
  readonly drained: boolean;
  constructor(drained: boolean) {
    super(`request body over ${MAX_BODY_BYTES} bytes`);
    this.name = 'BodyTooLargeError';
    this.drained = drained;
  }
}

/**
 * Reads a request body as UTF-8 text, at most {@link MAX_BODY_BYTES}.
 * @throws BodyTooLargeError past the cap — after reading and dropping the rest (up to
 *   {@link MAX_DRAIN_BYTES}), so the 413 reaches the client; at once when it announces more.
 */
function readBody(req: http.IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const announced = Number(req.headers['content-length'] ?? NaN);
    if (announced > MAX_BODY_BYTES + MAX_DRAIN_BYTES) return reject(new BodyTooLargeError(false));
    let size = 0;
    let over = announced > MAX_BODY_BYTES;
    const chunks: Buffer[] = [];
    const onData = (c: Buffer): void => {
      size += c.length;
      if (size > MAX_BODY_BYTES + MAX_DRAIN_BYTES) {
        req.off('data', onData);
        req.pause();
        return reject(new BodyTooLargeError(false));
      }
      if (size > MAX_BODY_BYTES) {
        over = true;
        chunks.length = 0;
      }
      if (!over) chunks.push(c);
    };
    req.on('data', onData);
    req.on('end', () =>
      over ? reject(new BodyTooLargeError(true)) : resolve(Buffer.concat(chunks).toString('utf8')),
    );
    req.on('error', reject);
  });
}

/**
 * Starts the server (see the module comment).
 * @throws ServerExposureError when `host` is not loopback and neither `tls` nor `insecure` is given.
 */
export async function startHttpServer(options: HttpServerOptions): Promise<RunningServer> {
  const token = options.token ?? newSessionToken();
  const staticRoot = path.resolve(options.staticDir);
  const bindHost = options.host ?? '127.0.0.1';
  const tls = options.tls !== undefined;
  const scheme = tls ? 'https' : 'http';
  const readOnly = options.readOnly === true;
  const problem = exposureProblem(bindHost, tls, options.insecure === true);
  if (problem) throw new ServerExposureError(problem);
  let port = options.port ?? 0;
  // Filled in once the port is known (before the first request can arrive).
  let hosts: ReadonlySet<string> = new Set();
  let headers: Record<string, string> = {};

  const send = (res: http.ServerResponse, status: number, body: string, type = 'application/json'): void => {
    res.writeHead(status, { ...headers, 'content-type': type });
    res.end(body);
  };
  const refuse = (res: http.ServerResponse, status: number, message: string): void =>
    send(res, status, JSON.stringify({ ok: false, error: { code: 'FORBIDDEN', message } }));

  const onRequest = (req: http.IncomingMessage, res: http.ServerResponse): void => {
    void handle(req, res).catch((error: unknown) => {
      try {
        if (!res.headersSent) refuse(res, 500, error instanceof Error ? error.message : 'internal error');
        else res.destroy();
      } catch {
        // The connection is gone; nothing left to answer.
      }
    });
  };
  const server = options.tls
    ? https.createServer({ cert: options.tls.cert, key: options.tls.key }, onRequest)
    : http.createServer(onRequest);

  const uploads: UploadContext | null = options.uploadDir
    ? {
        api: options.api,
        dir: path.resolve(options.uploadDir),
        maxBytes: options.maxUploadBytes ?? DEFAULT_MAX_UPLOAD_BYTES,
        live: new Map(),
      }
    : null;
  if (uploads) sweepStaleUploads(uploads.dir, Date.now());

  async function handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const bad = checkHostAndOrigin(req, hosts, scheme);
    if (bad) return refuse(res, 403, bad);
    const url = new URL(req.url ?? '/', `${scheme}://127.0.0.1:${port}`);

    if (url.pathname.startsWith('/api/upload/')) {
      if (req.method !== 'POST') return refuse(res, 405, 'use POST');
      if (!tokenEquals(req.headers[TOKEN_HEADER] as string | undefined, token))
        return refuse(res, 401, 'missing or wrong session token');
      if (!(req.headers['content-type'] ?? '').startsWith('application/octet-stream'))
        return refuse(res, 415, 'content-type must be application/octet-stream');
      let channel: string;
      try {
        channel = decodeURIComponent(url.pathname.slice('/api/upload/'.length));
      } catch {
        channel = '';
      }
      if (readOnly) return refuse(res, 404, 'imports do not exist on a read-only screen');
      if (!uploads) return refuse(res, 404, 'this server takes no uploads');
      const answer = await handleUpload(req, channel, url.searchParams, uploads);
      return send(res, answer.status, JSON.stringify(answer.result));
    }

    if (url.pathname.startsWith('/api/invoke/')) {
      if (req.method !== 'POST') return refuse(res, 405, 'use POST');
      if (!tokenEquals(req.headers[TOKEN_HEADER] as string | undefined, token))
        return refuse(res, 401, 'missing or wrong session token');
      if (!isJsonContentType(req.headers['content-type']))
        return refuse(res, 415, 'content-type must be application/json (charset utf-8, if any)');
      let channel: string;
      try {
        channel = decodeURIComponent(url.pathname.slice('/api/invoke/'.length));
      } catch {
        channel = '';
      }
      if (readOnly && Object.hasOwn(contract, channel) && !READ_ONLY_CHANNELS.has(channel as Channel))
        return send(
          res,
          404,
          JSON.stringify({
            ok: false,
            error: { code: 'FORBIDDEN', message: `"${channel}" does not exist on a read-only screen` },
          }),
        );
      if (!Object.hasOwn(contract, channel))
        return send(
          res,
          404,
          JSON.stringify({
            ok: false,
            error: { code: 'BAD_INPUT', message: `unknown channel "${channel}"` },
          }),
        );
      // A path names a file on this machine: never taken from a browser-mode client (upload instead).
      if (UPLOAD_CHANNELS.has(channel as Channel))
        return refuse(
          res,
          403,
          `${channel} does not take a file path in browser mode: upload the file (POST /api/upload/${channel})`,
        );
      let input: unknown;
      try {
        const body = await readBody(req);
        input = body ? JSON.parse(body) : {};
      } catch (error) {
        if (error instanceof BodyTooLargeError) {
          res.writeHead(413, { ...headers, 'content-type': 'application/json', connection: 'close' });
          res.end(JSON.stringify({ ok: false, error: { code: 'BAD_INPUT', message: error.message } }));
          if (!error.drained) res.once('finish', () => req.destroy());
          return;
        }
        return send(
          res,
          400,
          JSON.stringify({
            ok: false,
            error: { code: 'BAD_INPUT', message: `body: ${(error as Error).message}` },
          }),
        );
      }
      let result: Result<unknown> = await options.api.invoke(channel as Channel, input as never);
      if (readOnly && channel === 'session.info' && result.ok)
        result = { ok: true, value: { ...(result.value as SessionInfo), readOnly: true } };
      return send(res, 200, JSON.stringify(result));
    }

    if (req.method !== 'GET' && req.method !== 'HEAD') return refuse(res, 405, 'method not allowed');
    const queryToken = url.searchParams.get('token');
    const cookieOk = tokenEquals(readCookie(req, TOKEN_COOKIE), token);
    const queryOk = tokenEquals(queryToken, token);
    if (!cookieOk && !queryOk)
      return refuse(res, 401, 'open the URL printed by `rcr serve` (it carries the session token)');

    let rel: string;
    try {
      rel = url.pathname === '/' ? 'index.html' : decodeURIComponent(url.pathname).replace(/^\/+/, '');
    } catch {
      return send(res, 400, 'bad path', 'text/plain');
    }
    const file = path.resolve(staticRoot, rel);
    if (!file.startsWith(staticRoot + path.sep)) return refuse(res, 403, 'path outside the app');
    let target = file;
    if (!fs.existsSync(target) || fs.statSync(target).isDirectory()) {
      if (path.extname(rel)) return send(res, 404, 'not found', 'text/plain');
      target = path.join(staticRoot, 'index.html');
    }
    if (!fs.existsSync(target))
      return send(res, 500, 'renderer not built: run `npm run build:renderer`', 'text/plain');
    const fileHeaders: Record<string, string> = {
      ...headers,
      'content-type': MIME[path.extname(target)] ?? 'application/octet-stream',
    };
    if (queryOk)
      fileHeaders['set-cookie'] =
        `${TOKEN_COOKIE}=${token}; HttpOnly; SameSite=Strict; Path=/${tls ? '; Secure' : ''}`;
    res.writeHead(200, fileHeaders);
    if (req.method === 'HEAD') return void res.end();
    // A file that vanishes or fails mid-read ends this response, never the process.
    pipeline(fs.createReadStream(target), res, () => undefined);
  }

  const wss = new WebSocketServer({ noServer: true });
  // Socket and protocol errors (a reset, a malformed frame) end that connection, never the process.
  wss.on('error', () => undefined);
  const sockets = new Set<WebSocket>();
  server.on('upgrade', (req, socket, head) => {
    socket.on('error', () => socket.destroy());
    const url = new URL(req.url ?? '/', `${scheme}://127.0.0.1:${port}`);
    const ok =
      url.pathname === '/api/events' &&
      checkHostAndOrigin(req, hosts, scheme) === null &&
      (tokenEquals(url.searchParams.get('token'), token) ||
        tokenEquals(readCookie(req, TOKEN_COOKIE), token));
    if (!ok) {
      socket.write('HTTP/1.1 401 Unauthorized\r\nConnection: close\r\n\r\n');
      socket.destroy();
      return;
    }
    wss.handleUpgrade(req, socket, head, (ws) => {
      sockets.add(ws);
      ws.on('error', () => ws.terminate());
      ws.on('close', () => sockets.delete(ws));
    });
  });
  const unsubscribers = (Object.keys(eventContract) as EventName[]).map((event) =>
    options.api.on(event, (payload) => {
      const message = JSON.stringify({
        event,
        payload: uploads ? clientPayload(payload, uploads.live) : payload,
      });
      for (const ws of sockets) ws.send(message);
    }),
  );

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, bindHost, () => resolve());
  });
  port = (server.address() as AddressInfo).port;
  hosts = allowedHosts(port, bindHost, options.hostNames ?? [], tls ? 443 : 80);
  headers = securityHeaders({ hosts, tls });
  const shownHost = isWildcardHost(bindHost)
    ? '127.0.0.1'
    : bindHost.includes(':')
      ? `[${bindHost.replace(/^\[|\]$/g, '')}]`
      : bindHost;

  return {
    url: `${scheme}://${shownHost}:${port}/?token=${token}`,
    port,
    token,
    scheme,
    readOnly,
    async close() {
      for (const u of unsubscribers) u();
      for (const ws of sockets) ws.terminate();
      await new Promise<void>((resolve) => wss.close(() => resolve()));
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
