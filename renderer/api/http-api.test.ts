import { describe, expect, it, vi } from 'vitest';
import {
  createHttpApi,
  takeToken,
  TOKEN_STORAGE_KEY,
  type HttpApiDeps,
  type SocketLike,
} from './http-api.ts';

class FakeSocket implements SocketLike {
  onopen: ((ev: unknown) => void) | null = null;
  onmessage: ((ev: { data: unknown }) => void) | null = null;
  onclose: ((ev: unknown) => void) | null = null;
  onerror: ((ev: unknown) => void) | null = null;
  closed = false;
  constructor(public url: string) {}
  close() {
    this.closed = true;
  }
}

function deps(overrides: Partial<HttpApiDeps> & { href?: string } = {}) {
  const store = new Map<string, string>();
  let href = overrides.href ?? 'http://127.0.0.1:4800/?token=s3cret#/flag/a/b/c';
  const sockets: FakeSocket[] = [];
  const timers: { fn: () => void; ms: number }[] = [];
  const d: HttpApiDeps = {
    href: () => href,
    replaceUrl: (url) => {
      href = new URL(url, href).toString();
    },
    storage: { getItem: (k) => store.get(k) ?? null, setItem: (k, v) => void store.set(k, v) },
    fetch: vi.fn(),
    createSocket: (url) => {
      const s = new FakeSocket(url);
      sockets.push(s);
      return s;
    },
    setTimeout: (fn, ms) => {
      timers.push({ fn, ms });
      return timers.length;
    },
    clearTimeout: () => {},
    random: () => 0.5,
    ...overrides,
  };
  return { d, store, sockets, timers, href: () => href };
}

describe('takeToken', () => {
  it('moves the token from the URL to sessionStorage and keeps the hash', () => {
    const t = deps();
    expect(takeToken(t.d)).toBe('s3cret');
    expect(t.store.get(TOKEN_STORAGE_KEY)).toBe('s3cret');
    expect(t.href()).toBe('http://127.0.0.1:4800/#/flag/a/b/c');
    // a reload without ?token= finds it in storage
    expect(takeToken(t.d)).toBe('s3cret');
  });
});

describe('invoke', () => {
  it('POSTs JSON with the token header and returns the Result body', async () => {
    const fetch = vi.fn(async () => new Response(JSON.stringify({ ok: true, value: [] }), { status: 200 }));
    const t = deps({ fetch: fetch as unknown as typeof globalThis.fetch });
    const api = createHttpApi(t.d);
    const result = await api.invoke('providers.list', {});
    expect(result).toEqual({ ok: true, value: [] });
    const [url, init] = fetch.mock.calls[0] as unknown as [string, RequestInit];
    expect(url).toBe('http://127.0.0.1:4800/api/invoke/providers.list');
    expect(init.method).toBe('POST');
    expect(init.headers).toMatchObject({ 'content-type': 'application/json', 'x-rcr-token': 's3cret' });
    expect(init.body).toBe('{}');
  });

  it('passes error results through, even with a non-2xx status', async () => {
    const body = {
      ok: false,
      error: { code: 'BAD_INPUT', message: 'patch.rolloutPercent: rolloutPercent must be between 0 and 100' },
    };
    const fetch = vi.fn(async () => new Response(JSON.stringify(body), { status: 400 }));
    const api = createHttpApi(deps({ fetch: fetch as unknown as typeof globalThis.fetch }).d);
    expect(await api.invoke('providers.list', {})).toEqual(body);
  });

  it('maps network failures and bad answers to errors', async () => {
    const down = vi.fn(async () => {
      throw new TypeError('Failed to fetch');
    });
    const api = createHttpApi(deps({ fetch: down as unknown as typeof globalThis.fetch }).d);
    expect(await api.invoke('providers.list', {})).toEqual({
      ok: false,
      error: { code: 'INTERNAL', message: 'control room server unreachable: Failed to fetch' },
    });
    const forbidden = vi.fn(async () => new Response('no', { status: 401 }));
    const api2 = createHttpApi(deps({ fetch: forbidden as unknown as typeof globalThis.fetch }).d);
    const r = await api2.invoke('providers.list', {});
    expect(!r.ok && r.error.code).toBe('FORBIDDEN');
  });
});

describe('events', () => {
  it('connects with the token, dispatches fleet.changed, reconnects with backoff', () => {
    const t = deps();
    const api = createHttpApi(t.d);
    const seen: unknown[] = [];
    const off = api.on('fleet.changed', (p) => seen.push(p));
    expect(t.sockets).toHaveLength(1);
    const ws = t.sockets[0]!;
    expect(ws.url).toBe('ws://127.0.0.1:4800/api/events?token=s3cret');
    ws.onopen?.({});
    ws.onmessage?.({
      data: JSON.stringify({ event: 'fleet.changed', payload: { reason: 'sync', at: 'x' } }),
    });
    ws.onmessage?.({ data: 'not json' });
    expect(seen).toEqual([{ reason: 'sync', at: 'x' }]);

    ws.onclose?.({});
    expect(t.timers.at(-1)?.ms).toBe(1000);
    t.timers.at(-1)!.fn();
    expect(t.sockets).toHaveLength(2);
    t.sockets[1]!.onclose?.({});
    expect(t.timers.at(-1)?.ms).toBe(2000);
    t.timers.at(-1)!.fn();
    t.sockets[2]!.onopen?.({});
    // after a reconnect, views are told to catch up
    expect(seen.at(-1)).toMatchObject({ reason: 'reconnected' });

    off();
    expect(t.sockets[2]!.closed).toBe(true);
  });
});

describe('upload (browser-mode imports)', () => {
  /** A fake XMLHttpRequest that records the request and answers what the test says. */
  class FakeXhr {
    method = '';
    url = '';
    headers: Record<string, string> = {};
    body: Blob | null = null;
    upload: {
      onprogress: ((ev: { loaded: number; total: number; lengthComputable: boolean }) => void) | null;
    } = { onprogress: null };
    onload: (() => void) | null = null;
    onerror: (() => void) | null = null;
    status = 0;
    responseText = '';
    open(method: string, url: string) {
      this.method = method;
      this.url = url;
    }
    setRequestHeader(name: string, value: string) {
      this.headers[name] = value;
    }
    send(body: Blob) {
      this.body = body;
    }
    answer(status: number, body: string) {
      this.status = status;
      this.responseText = body;
      this.onload?.();
    }
  }

  it('POSTs the file bytes with the token, the name and the other fields, and reports progress', async () => {
    const xhrs: FakeXhr[] = [];
    const t = deps({ createXhr: () => xhrs[xhrs.push(new FakeXhr()) - 1]! });
    const api = createHttpApi(t.d);
    const file = new File(['timestamp,unit_id\n'], 'events.csv');
    const progress: Array<{ sent: number; total: number }> = [];
    const pending = api.upload(
      'metrics.importEvents',
      file,
      { provider: 'local', environment: 'production' },
      (p) => progress.push(p),
    );
    const xhr = xhrs[0]!;
    expect(xhr.method).toBe('POST');
    const url = new URL(xhr.url);
    expect(url.pathname).toBe('/api/upload/metrics.importEvents');
    expect(url.searchParams.get('name')).toBe('events.csv');
    expect(JSON.parse(url.searchParams.get('input') ?? '')).toEqual({
      provider: 'local',
      environment: 'production',
    });
    expect(xhr.headers).toEqual({ 'content-type': 'application/octet-stream', 'x-rcr-token': 's3cret' });
    expect(xhr.body).toBe(file);
    xhr.upload.onprogress?.({ loaded: 5, total: 18, lengthComputable: true });
    expect(progress).toEqual([{ sent: 5, total: 18 }]);
    xhr.answer(200, JSON.stringify({ ok: true, value: { rows: 1, flags: [], metrics: [] } }));
    expect(await pending).toEqual({ ok: true, value: { rows: 1, flags: [], metrics: [] } });
  });

  it('turns refusals and failures into results', async () => {
    const xhrs: FakeXhr[] = [];
    const api = createHttpApi(deps({ createXhr: () => xhrs[xhrs.push(new FakeXhr()) - 1]! }).d);
    const file = new File(['x'], 'p.csv');
    const tooLarge = api.upload('predictions.import', file, {});
    xhrs[0]!.answer(
      413,
      JSON.stringify({ ok: false, error: { code: 'BAD_INPUT', message: 'over 512 MiB' } }),
    );
    expect(await tooLarge).toEqual({ ok: false, error: { code: 'BAD_INPUT', message: 'over 512 MiB' } });
    const unauthorized = api.upload('predictions.import', file, {});
    xhrs[1]!.answer(401, 'no');
    expect(await unauthorized).toMatchObject({ ok: false, error: { code: 'FORBIDDEN' } });
    const broken = api.upload('predictions.import', file, {});
    xhrs[2]!.onerror?.();
    expect(await broken).toMatchObject({ ok: false, error: { code: 'INTERNAL' } });
    const none = createHttpApi(deps().d);
    expect(await none.upload('predictions.import', file, {})).toMatchObject({
      ok: false,
      error: { code: 'UNSUPPORTED' },
    });
  });
});
