/**
 * Browser transport for `rcr serve`: HTTP for calls, a WebSocket for events.
 *
 * - The page is opened as `http://127.0.0.1:PORT/?token=TOKEN`. The token is
 *   moved to sessionStorage and removed from the visible URL.
 * - `invoke(channel, input)` is `POST /api/invoke/<channel>` with the JSON
 *   input and the `x-rcr-token` header; the body is the `Result` JSON.
 * - `upload(channel, file, fields)` (imports) is `POST /api/upload/<channel>?name=…&input=…` with
 *   the file as an `application/octet-stream` body, sent with XMLHttpRequest so the page sees the
 *   upload's progress; the body is the channel's `Result`.
 * - Events arrive on `ws(s)://<host>/api/events?token=…` as
 *   `{event, payload}`; the socket reconnects with exponential backoff and,
 *   after a reconnect, emits a synthetic `fleet.changed` so views catch up.
 *
 * Dependencies are injectable so the client can be unit-tested without a DOM.
 */
import {
  eventContract,
  type ApiError,
  type EventName,
  type EventPayload,
  type RcrApi,
  type Result,
} from '../../shared/contract.ts';
import type { Uploader } from './current.ts';

/** sessionStorage key under which the session token is kept. */
export const TOKEN_STORAGE_KEY = 'rcr.token';
/** HTTP header that carries the session token on every call and upload. */
export const TOKEN_HEADER = 'x-rcr-token';

/** The subset of XMLHttpRequest the uploader uses. */
export interface XhrLike {
  open(method: string, url: string): void;
  setRequestHeader(name: string, value: string): void;
  send(body: Blob): void;
  readonly upload: {
    onprogress: ((ev: { loaded: number; total: number; lengthComputable: boolean }) => void) | null;
  };
  onload: (() => void) | null;
  onerror: (() => void) | null;
  readonly status: number;
  readonly responseText: string;
}

/** The subset of the WebSocket API the client uses. */
export interface SocketLike {
  onopen: ((ev: unknown) => void) | null;
  onmessage: ((ev: { data: unknown }) => void) | null;
  onclose: ((ev: unknown) => void) | null;
  onerror: ((ev: unknown) => void) | null;
  close(): void;
}

/**
 * What the HTTP client uses from the browser (page URL, storage, fetch, sockets, timers in ms, random),
 * injectable for tests.
 */
export interface HttpApiDeps {
  /** Current page URL (`location.href`). */
  href: () => string;
  replaceUrl: (url: string) => void;
  storage: Pick<Storage, 'getItem' | 'setItem'> | null;
  fetch: typeof fetch;
  createSocket: (url: string) => SocketLike;
  setTimeout: (fn: () => void, ms: number) => unknown;
  clearTimeout: (handle: unknown) => void;
  random: () => number;
  /** Makes the request of an upload (absent: uploads fail with `UNSUPPORTED`). */
  createXhr?: () => XhrLike;
}

/**
 * The real browser implementations of {@link HttpApiDeps} (`window.*`; storage `null` when
 * sessionStorage is disabled).
 */
export function browserDeps(): HttpApiDeps {
  let storage: Storage | null = null;
  try {
    storage = window.sessionStorage;
  } catch {
    storage = null; // storage can be disabled; the token then lives only in memory
  }
  return {
    href: () => window.location.href,
    replaceUrl: (url) => window.history.replaceState(window.history.state, '', url),
    storage,
    fetch: (...args) => window.fetch(...args),
    createSocket: (url) => new WebSocket(url) as unknown as SocketLike,
    setTimeout: (fn, ms) => window.setTimeout(fn, ms),
    clearTimeout: (h) => window.clearTimeout(h as number),
    random: Math.random,
    createXhr: () => new XMLHttpRequest() as unknown as XhrLike,
  };
}

/**
 * Take the token from `?token=` (storing it in sessionStorage and removing it
 * from the visible URL), or from sessionStorage when the URL has none.
 */
export function takeToken(deps: Pick<HttpApiDeps, 'href' | 'replaceUrl' | 'storage'>): string | null {
  const url = new URL(deps.href());
  const fromUrl = url.searchParams.get('token');
  if (fromUrl) {
    try {
      deps.storage?.setItem(TOKEN_STORAGE_KEY, fromUrl);
    } catch {
      // ignore: kept in memory for this page
    }
    url.searchParams.delete('token');
    deps.replaceUrl(`${url.pathname}${url.search}${url.hash}`);
    return fromUrl;
  }
  try {
    return deps.storage?.getItem(TOKEN_STORAGE_KEY) ?? null;
  } catch {
    return null;
  }
}

function isApiError(v: unknown): v is ApiError {
  return (
    typeof v === 'object' &&
    v !== null &&
    typeof (v as ApiError).code === 'string' &&
    typeof (v as ApiError).message === 'string'
  );
}

/** True when `body` has the `Result` shape. */
export function isResult(body: unknown): body is Result<unknown> {
  if (typeof body !== 'object' || body === null) return false;
  const b = body as Record<string, unknown>;
  if (b.ok === true) return 'value' in b;
  if (b.ok === false) return isApiError(b.error);
  return false;
}

function failure(code: ApiError['code'], message: string): { ok: false; error: ApiError } {
  return { ok: false, error: { code, message } };
}

const MIN_BACKOFF_MS = 1_000;
const MAX_BACKOFF_MS = 30_000;

/** The browser transport: calls, events and uploads over HTTP and a WebSocket. */
export interface HttpApi extends RcrApi, Uploader {
  /** Close the event socket and stop reconnecting. */
  close(): void;
}

/**
 * Creates the browser transport (see the module docs), taking the token from the URL or sessionStorage.
 * Transport failures come back as failure results (`INTERNAL`, `FORBIDDEN`, `UNSUPPORTED`), not exceptions.
 */
export function createHttpApi(deps: HttpApiDeps = browserDeps()): HttpApi {
  const token = takeToken(deps);
  const listeners = new Map<EventName, Set<(payload: never) => void>>();
  let socket: SocketLike | null = null;
  let reconnectTimer: unknown = null;
  let attempt = 0;
  let hadConnection = false;
  let closed = false;

  const listenerCount = () => [...listeners.values()].reduce((n, s) => n + s.size, 0);

  function dispatch<E extends EventName>(event: E, payload: EventPayload<E>): void {
    for (const l of listeners.get(event) ?? []) {
      try {
        (l as (p: EventPayload<E>) => void)(payload);
      } catch (error) {
        console.error(`rcr: ${event} listener failed`, error);
      }
    }
  }

  function eventsUrl(): string {
    const page = new URL(deps.href());
    const scheme = page.protocol === 'https:' ? 'wss:' : 'ws:';
    return `${scheme}//${page.host}/api/events?token=${encodeURIComponent(token ?? '')}`;
  }

  function connect(): void {
    if (closed || socket || listenerCount() === 0) return;
    let ws: SocketLike;
    try {
      ws = deps.createSocket(eventsUrl());
    } catch {
      scheduleReconnect();
      return;
    }
    socket = ws;
    ws.onopen = () => {
      attempt = 0;
      if (hadConnection) {
        // Events may have been missed while disconnected: let views re-read.
        dispatch('fleet.changed', { reason: 'reconnected', at: new Date().toISOString() });
      }
      hadConnection = true;
    };
    ws.onmessage = (ev) => {
      if (typeof ev.data !== 'string') return;
      let msg: unknown;
      try {
        msg = JSON.parse(ev.data);
      } catch {
        return;
      }
      if (typeof msg !== 'object' || msg === null) return;
      const { event, payload } = msg as { event?: unknown; payload?: unknown };
      // Every event of the contract (validated like the Electron bridge does), e.g. `provider.waiting`.
      if (typeof event !== 'string' || !Object.hasOwn(eventContract, event)) return;
      const parsed = eventContract[event as EventName].safeParse(payload);
      if (parsed.success) dispatch(event as EventName, parsed.data as never);
    };
    ws.onerror = () => {
      // onclose follows and schedules the reconnect
    };
    ws.onclose = () => {
      if (socket === ws) socket = null;
      scheduleReconnect();
    };
  }

  function scheduleReconnect(): void {
    if (closed || reconnectTimer !== null || listenerCount() === 0) return;
    const base = Math.min(MAX_BACKOFF_MS, MIN_BACKOFF_MS * 2 ** attempt);
    const delay = Math.round(base * (0.8 + 0.4 * deps.random()));
    attempt += 1;
    reconnectTimer = deps.setTimeout(() => {
      reconnectTimer = null;
      connect();
    }, delay);
  }

  function disconnect(): void {
    if (reconnectTimer !== null) {
      deps.clearTimeout(reconnectTimer);
      reconnectTimer = null;
    }
    const ws = socket;
    socket = null;
    if (ws) {
      ws.onclose = null;
      ws.onmessage = null;
      ws.close();
    }
  }

  return {
    async invoke(channel, input) {
      const url = new URL(`/api/invoke/${encodeURIComponent(channel)}`, deps.href());
      let res: Response;
      try {
        res = await deps.fetch(url.toString(), {
          method: 'POST',
          headers: { 'content-type': 'application/json', [TOKEN_HEADER]: token ?? '' },
          body: JSON.stringify(input ?? {}),
          cache: 'no-store',
          credentials: 'same-origin',
        });
      } catch (error) {
        return failure(
          'INTERNAL',
          `control room server unreachable: ${(error as Error)?.message ?? String(error)}`,
        );
      }
      let body: unknown;
      try {
        body = await res.json();
      } catch {
        body = undefined;
      }
      if (isResult(body)) return body as never;
      if (res.status === 401 || res.status === 403) {
        return failure(
          'FORBIDDEN',
          'not authorized: open the control room with the URL printed by `rcr serve` (its token is missing or wrong)',
        );
      }
      return failure('INTERNAL', `control room server answered HTTP ${res.status} without a result`);
    },
    upload(channel, file, fields, onProgress) {
      return new Promise((resolve) => {
        if (!deps.createXhr) {
          resolve(failure('UNSUPPORTED', 'this page cannot upload files'));
          return;
        }
        const url = new URL(`/api/upload/${encodeURIComponent(channel)}`, deps.href());
        url.searchParams.set('name', file.name);
        url.searchParams.set('input', JSON.stringify(fields ?? {}));
        const xhr = deps.createXhr();
        xhr.open('POST', url.toString());
        xhr.setRequestHeader('content-type', 'application/octet-stream');
        xhr.setRequestHeader(TOKEN_HEADER, token ?? '');
        xhr.upload.onprogress = (e) =>
          onProgress?.({ sent: e.loaded, total: e.lengthComputable ? e.total : file.size });
        xhr.onerror = () =>
          resolve(failure('INTERNAL', 'control room server unreachable: the upload did not complete'));
        xhr.onload = () => {
          let body: unknown;
          try {
            body = JSON.parse(xhr.responseText);
          } catch {
            body = undefined;
          }
          if (isResult(body)) resolve(body as never);
          else if (xhr.status === 401 || xhr.status === 403)
            resolve(
              failure(
                'FORBIDDEN',
                'not authorized: open the control room with the URL printed by `rcr serve` (its token is missing or wrong)',
              ),
            );
          else
            resolve(failure('INTERNAL', `control room server answered HTTP ${xhr.status} without a result`));
        };
        xhr.send(file);
      });
    },
    on(event, listener) {
      let set = listeners.get(event);
      if (!set) {
        set = new Set();
        listeners.set(event, set);
      }
      const l = listener as (payload: never) => void;
      set.add(l);
      connect();
      return () => {
        set.delete(l);
        if (listenerCount() === 0) disconnect();
      };
    },
    close() {
      closed = true;
      disconnect();
    },
  };
}
