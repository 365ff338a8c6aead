/**
 * The reference implementation of `docs/provider-api.yaml` over `node:http`
 * (no dependencies). Routes:
 *
 * - `GET  /v1/health`
 * - `GET  /v1/flags?environment=&limit=&cursor=`
 * - `GET  /v1/environments/{environment}/flags/{key}`
 * - `POST /v1/environments/{environment}/flags/{key}/changes` (`Idempotency-Key`, `expectedVersion`)
 * - `GET  /v1/history?after=&environment=&limit=`
 *
 * Every error is `application/problem+json` with `type` `urn:rcr:problem:<name>`.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { createHash, timingSafeEqual } from 'node:crypto';
import { BadCursorError, requestFingerprint } from './store.ts';
import type { FlagStore } from './store.ts';
import type { FieldError } from './validate.ts';
import { checkChangeRequest } from './validate.ts';
import type { Problem } from './types.ts';

/** Name and version reported by `GET /v1/health`. */
export const SERVICE = 'reference-flag-server 1.0.0';

/** One request and its response, as given to `onExchange` (the bearer token is redacted). */
export interface Exchange {
  method: string;
  /** Path without query, e.g. `/v1/flags`. */
  path: string;
  query: Record<string, string>;
  /** Lower-case header names; `authorization` shows only its scheme (`Bearer ***`). */
  requestHeaders: Record<string, string>;
  /** Parsed JSON body, the raw text when it is not JSON, or `undefined` when empty. */
  requestBody: unknown;
  status: number;
  responseHeaders: Record<string, string>;
  /** Parsed JSON response body. */
  responseBody: unknown;
  /** Handling time, ms. */
  durationMs: number;
}

/** Options of {@link createReferenceHandler}. */
export interface ReferenceHandlerOptions {
  store: FlagStore;
  /** Bearer token with read and write access. */
  token: string;
  /** Optional bearer token with read access only (changes get 403). */
  readOnlyToken?: string;
  /** Called after every response (access log, conformance checks). */
  onExchange?: (exchange: Exchange) => void;
  /** Largest accepted request body, bytes; default 1 MiB. */
  maxBodyBytes?: number;
}

interface Reply {
  status: number;
  body: unknown;
  headers?: Record<string, string>;
}

const JSON_TYPE = 'application/json';
const PROBLEM_TYPE = 'application/problem+json';
const MAX_IDEMPOTENCY_KEY = 255;

/** A problem-details reply (RFC 9457). */
function problem(
  status: number,
  name: string,
  title: string,
  detail: string,
  extra: Partial<Problem> = {},
  headers: Record<string, string> = {},
): Reply {
  const body: Problem = { type: `urn:rcr:problem:${name}`, title, status, detail, ...extra };
  return { status, body, headers: { 'content-type': PROBLEM_TYPE, ...headers } };
}

const digest = (s: string) => createHash('sha256').update(s).digest();
/** Constant-time comparison of two tokens (hashed first so lengths match). */
function sameToken(a: string, b: string): boolean {
  return timingSafeEqual(digest(a), digest(b));
}

function parseLimit(raw: string | undefined, max: number): number | Reply {
  if (raw === undefined) return 100;
  const n = Number(raw);
  if (!/^\d+$/.test(raw) || n < 1 || n > max)
    return problem(
      400,
      'bad-request',
      'Bad request',
      `limit must be an integer from 1 to ${max}, got "${raw}"`,
    );
  return n;
}

async function readBody(req: http.IncomingMessage, max: number): Promise<string | null> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > max) return null;
    chunks.push(chunk);
  }
  return Buffer.concat(chunks).toString('utf8');
}

/**
 * Creates the request handler (usable with any `node:http` server).
 * Never throws: an unexpected failure answers `500` with a problem body.
 */
export function createReferenceHandler(
  options: ReferenceHandlerOptions,
): (req: http.IncomingMessage, res: http.ServerResponse) => void {
  const { store } = options;
  const maxBody = options.maxBodyBytes ?? 1024 * 1024;

  /** Returns the access the bearer token grants, or a 401 reply. */
  function authorize(header: string | undefined): 'write' | 'read' | Reply {
    const m = /^Bearer\s+(\S+)\s*$/i.exec(header ?? '');
    const token = m?.[1];
    const unauthorized = (detail: string) =>
      problem(401, 'unauthorized', 'Unauthorized', detail, {}, { 'www-authenticate': 'Bearer' });
    if (!token) return unauthorized('send "Authorization: Bearer <token>"');
    if (sameToken(token, options.token)) return 'write';
    if (options.readOnlyToken && sameToken(token, options.readOnlyToken)) return 'read';
    return unauthorized('the bearer token is not valid for this flag service');
  }

  async function changeFlag(
    req: http.IncomingMessage,
    urlPath: string,
    environment: string,
    key: string,
  ): Promise<{ reply: Reply; body: unknown }> {
    const idemKey = req.headers['idempotency-key'];
    const text = await readBody(req, maxBody);
    if (text === null) {
      return {
        reply: problem(
          413,
          'payload-too-large',
          'Payload too large',
          `the body is larger than ${maxBody} bytes`,
        ),
        body: undefined,
      };
    }
    let body: unknown;
    try {
      body = text === '' ? undefined : JSON.parse(text);
    } catch {
      return { reply: problem(400, 'bad-request', 'Bad request', 'the body is not valid JSON'), body: text };
    }
    if (typeof idemKey !== 'string' || idemKey.length === 0 || idemKey.length > MAX_IDEMPOTENCY_KEY) {
      return {
        reply: problem(
          400,
          'bad-request',
          'Bad request',
          `send an Idempotency-Key header (1–${MAX_IDEMPOTENCY_KEY} characters, unique per change, reused on retries)`,
        ),
        body,
      };
    }
    if (body === undefined)
      return {
        reply: problem(400, 'bad-request', 'Bad request', 'the body is empty; send a change request'),
        body,
      };

    // Replay before anything else: a retry of an applied change must not be checked again.
    const fingerprint = requestFingerprint('POST', urlPath, body);
    const stored = store.idempotent(idemKey);
    if (stored) {
      if (stored.fingerprint !== fingerprint) {
        return {
          reply: problem(
            422,
            'idempotency-key-reused',
            'Idempotency key reused',
            `Idempotency-Key "${idemKey}" was already used for a different request; use a new key for a new change`,
          ),
          body,
        };
      }
      const flag = (stored.body as { flag: { version: string } }).flag;
      return {
        reply: {
          status: stored.status,
          body: stored.body,
          headers: { etag: `"${flag.version}"`, 'idempotency-replayed': 'true' },
        },
        body,
      };
    }

    const checked = checkChangeRequest(body);
    if (!checked.ok) return { reply: invalidChange(checked.errors), body };
    const outcome = store.change(environment, key, checked.value);
    if (outcome.kind === 'not-found') return { reply: notFound(environment, key), body };
    if (outcome.kind === 'conflict') {
      return {
        reply: problem(
          409,
          'version-conflict',
          'Version conflict',
          `flag "${key}" in ${environment} is at version ${outcome.currentVersion}, not ${checked.value.expectedVersion}: ` +
            'it changed since it was read; re-read it and plan the change again',
          { currentVersion: outcome.currentVersion },
        ),
        body,
      };
    }
    store.rememberIdempotent(idemKey, { fingerprint, status: 200, body: outcome.result });
    return {
      reply: { status: 200, body: outcome.result, headers: { etag: `"${outcome.result.flag.version}"` } },
      body,
    };
  }

  function invalidChange(errors: FieldError[]): Reply {
    const detail = errors.map((e) => `${e.pointer || '(body)'} ${e.detail}`).join('; ');
    return problem(422, 'invalid-change', 'Invalid change', `the change is not valid: ${detail}`, { errors });
  }

  function notFound(environment: string, key: string): Reply {
    return problem(404, 'not-found', 'Not found', `no flag "${key}" in environment "${environment}"`);
  }

  async function route(req: http.IncomingMessage, url: URL): Promise<{ reply: Reply; body: unknown }> {
    const method = req.method ?? 'GET';
    const q = Object.fromEntries(url.searchParams);
    let segments: string[];
    try {
      segments = url.pathname.split('/').slice(1).map(decodeURIComponent);
    } catch {
      return {
        reply: problem(400, 'bad-request', 'Bad request', 'the path is not valid URL encoding'),
        body: undefined,
      };
    }
    const access = authorize(req.headers.authorization);
    if (typeof access !== 'string') return { reply: access, body: undefined };
    const [v, a, b, c, d, e, ...rest] = segments;
    const flagPath = v === 'v1' && a === 'environments' && b && c === 'flags' && d && rest.length === 0;
    const wrongMethod = (allowed: string) => ({
      reply: problem(
        405,
        'method-not-allowed',
        'Method not allowed',
        `use ${allowed}`,
        {},
        { allow: allowed },
      ),
      body: undefined,
    });

    if (v === 'v1' && a === 'health' && segments.length === 2) {
      if (method !== 'GET') return wrongMethod('GET');
      return { reply: { status: 200, body: { status: 'ok', service: SERVICE } }, body: undefined };
    }
    if (v === 'v1' && a === 'flags' && segments.length === 2) {
      if (method !== 'GET') return wrongMethod('GET');
      const limit = parseLimit(q.limit, 500);
      if (typeof limit !== 'number') return { reply: limit, body: undefined };
      if (q.environment === '' || q.cursor === '')
        return {
          reply: problem(400, 'bad-request', 'Bad request', 'environment and cursor must not be empty'),
          body: undefined,
        };
      try {
        const page = store.list({ environment: q.environment, cursor: q.cursor, limit });
        return { reply: { status: 200, body: page }, body: undefined };
      } catch (err) {
        if (err instanceof BadCursorError)
          return { reply: problem(400, 'bad-request', 'Bad request', err.message), body: undefined };
        throw err;
      }
    }
    if (flagPath && e === undefined) {
      if (method !== 'GET') return wrongMethod('GET');
      const flag = store.get(b, d);
      if (!flag) return { reply: notFound(b, d), body: undefined };
      return { reply: { status: 200, body: flag, headers: { etag: `"${flag.version}"` } }, body: undefined };
    }
    if (flagPath && e === 'changes') {
      if (method !== 'POST') return wrongMethod('POST');
      if (access !== 'write') {
        return {
          reply: problem(
            403,
            'forbidden',
            'Forbidden',
            'this token is read-only; changes need a token with write access',
          ),
          body: undefined,
        };
      }
      return changeFlag(req, url.pathname, b, d);
    }
    if (v === 'v1' && a === 'history' && segments.length === 2) {
      if (method !== 'GET') return wrongMethod('GET');
      const limit = parseLimit(q.limit, 1000);
      if (typeof limit !== 'number') return { reply: limit, body: undefined };
      if (q.environment === '' || q.after === '')
        return {
          reply: problem(400, 'bad-request', 'Bad request', 'environment and after must not be empty'),
          body: undefined,
        };
      try {
        const page = store.history({ after: q.after, environment: q.environment, limit });
        return { reply: { status: 200, body: page }, body: undefined };
      } catch (err) {
        if (err instanceof BadCursorError)
          return { reply: problem(400, 'bad-request', 'Bad request', err.message), body: undefined };
        throw err;
      }
    }
    return {
      reply: problem(
        404,
        'not-found',
        'Not found',
        `no route ${method} ${url.pathname}; see docs/provider-api.yaml`,
      ),
      body: undefined,
    };
  }

  return (req, res) => {
    const started = performance.now();
    const url = new URL(req.url ?? '/', 'http://localhost');
    void route(req, url)
      .catch((err: unknown) => ({
        reply: problem(500, 'internal', 'Internal error', err instanceof Error ? err.message : String(err)),
        body: undefined,
      }))
      .then(({ reply, body }) => {
        const headers: Record<string, string> = { 'content-type': JSON_TYPE, ...reply.headers };
        const text = JSON.stringify(reply.body);
        res.writeHead(reply.status, { ...headers, 'content-length': String(Buffer.byteLength(text)) });
        res.end(text);
        if (options.onExchange) {
          const requestHeaders: Record<string, string> = {};
          for (const [k, v] of Object.entries(req.headers)) if (typeof v === 'string') requestHeaders[k] = v;
          if (requestHeaders.authorization)
            requestHeaders.authorization = `${requestHeaders.authorization.split(/\s+/)[0]} ***`;
          options.onExchange({
            method: req.method ?? 'GET',
            path: url.pathname,
            query: Object.fromEntries(url.searchParams),
            requestHeaders,
            requestBody: body,
            status: reply.status,
            responseHeaders: headers,
            responseBody: reply.body,
            durationMs: performance.now() - started,
          });
        }
      });
  };
}

/** A running reference server. */
export interface ReferenceServer {
  /** Base URL, e.g. `http://127.0.0.1:43123` (no trailing slash). */
  url: string;
  port: number;
  store: FlagStore;
  /** Stops accepting connections and closes open ones. */
  close(): Promise<void>;
}

/**
 * Starts the reference server on `host:port` (default `127.0.0.1`, a free port).
 * @throws the listen error (e.g. `EADDRINUSE`).
 */
export async function startReferenceServer(
  options: ReferenceHandlerOptions & { port?: number; host?: string },
): Promise<ReferenceServer> {
  const host = options.host ?? '127.0.0.1';
  const server = http.createServer(createReferenceHandler(options));
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const port = (server.address() as AddressInfo).port;
  const shownHost = host.includes(':') ? `[${host}]` : host;
  return {
    url: `http://${shownHost}:${port}`,
    port,
    store: options.store,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.close((err) => (err ? reject(err) : resolve()));
        server.closeAllConnections();
      }),
  };
}
