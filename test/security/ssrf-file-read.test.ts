/**
 * Issue 15, items 7 and 8: no server-side request forgery and no file reading through the API.
 *
 * A browser-mode client (a real core behind the real HTTP server, called with the session token)
 * tries what the probe did:
 * - SSRF: define a metric whose Prometheus URL points at an internal service (plain, with a `#`
 *   that swallows the appended API path, with credentials, with a query); read a legacy definition
 *   stored with such a URL; read an allow-listed source that answers a secret; tell refused,
 *   timed-out and unresolvable sources apart. Every attempt gets a refusal or a fixed message that
 *   contains nothing from the target, and the internal service never sees a request.
 * - File reading: import `/etc/passwd`, a 0600 `creds.csv` or a missing file by path. Over HTTP a
 *   path is refused before it is looked at (the same answer for all three); imports upload their
 *   bytes instead. A file without a recognised header gets a fixed message listing the expected
 *   columns — from the upload endpoint and from a local (CLI / desktop) path import alike.
 */
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import type { AddressInfo } from 'node:net';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { parquetWriteBuffer } from 'hyparquet-writer';
import WebSocket from 'ws';
import { CHANNELS, READ_ONLY_CHANNELS, type ApiError, type Result } from '../../shared/contract.ts';
import type { MetricDefinition } from '../../shared/metrics.ts';
import { openCore, type AppCore } from '../../electron/core/app-core.ts';
import { saveConfig, defaultConfig, type Config } from '../../electron/core/config.ts';
import { startHttpServer, type RunningServer } from '../../electron/server/http-server.ts';
import { tempDataDir } from '../support/temp-dir.ts';

const SECRET = 'SECRET-7f3a9c-internal-admin-answer';
const CREDS = 'api_key,secret\nAKIA-EXAMPLE-KEY-123,wJalrXUtnFEMI-secret-value\n';
const FLAG = { provider: 'local', environment: 'production', key: 'ai-answer-assist' };

/** An HTTP service that answers `respond` and counts what it was asked for. */
async function service(
  respond: (req: http.IncomingMessage, res: http.ServerResponse) => void,
): Promise<{ url: string; requests: string[]; close: () => Promise<void> }> {
  const requests: string[] = [];
  const server = http.createServer((req, res) => {
    requests.push(req.url ?? '');
    respond(req, res);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    requests,
    close: async () => {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** A port nothing listens on (bound, then closed). */
async function closedPort(): Promise<number> {
  const s = http.createServer();
  await new Promise<void>((resolve) => s.listen(0, '127.0.0.1', resolve));
  const port = (s.address() as AddressInfo).port;
  await new Promise<void>((resolve) => s.close(() => resolve()));
  return port;
}

interface Served {
  core: AppCore;
  server: RunningServer;
  dataDir: string;
  invoke(channel: string, input: unknown): Promise<{ status: number; result: Result<unknown> }>;
  upload(
    channel: string,
    name: string,
    body: string | Buffer,
    input: unknown,
    headers?: Record<string, string>,
  ): Promise<{ status: number; result: Result<unknown> }>;
  close(): Promise<void>;
}

/** A real core on a fresh data folder whose config is `config`, behind the browser-mode server. */
async function serve(
  root: string,
  config: Config,
  opts: { readOnly?: boolean; maxUploadBytes?: number } = {},
): Promise<Served> {
  const dataDir = path.join(root, `data-${Math.random().toString(36).slice(2)}`);
  fs.mkdirSync(dataDir, { recursive: true });
  saveConfig(path.join(dataDir, 'config.json'), config);
  const staticDir = path.join(root, 'static');
  fs.mkdirSync(staticDir, { recursive: true });
  fs.writeFileSync(path.join(staticDir, 'index.html'), '<!doctype html><title>rcr</title>');
  const core = await openCore({
    dataDir,
    startSync: false,
    startMonitor: false,
    readOnly: opts.readOnly,
    resourcesDir: path.join(root, 'no-resources'),
  });
  const server = await startHttpServer({
    api: core,
    staticDir,
    readOnly: opts.readOnly,
    uploadDir: path.join(dataDir, 'imports'),
    maxUploadBytes: opts.maxUploadBytes ?? 64 * 1024,
  });
  const base = `http://127.0.0.1:${server.port}`;
  const answer = async (res: Response) => ({
    status: res.status,
    result: (await res.json()) as Result<unknown>,
  });
  return {
    core,
    server,
    dataDir,
    invoke: async (channel, input) =>
      answer(
        await fetch(`${base}/api/invoke/${channel}`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', 'x-rcr-token': server.token },
          body: JSON.stringify(input),
        }),
      ),
    upload: async (channel, name, body, input, headers = {}) =>
      answer(
        await fetch(
          `${base}/api/upload/${channel}?name=${encodeURIComponent(name)}&input=${encodeURIComponent(JSON.stringify(input))}`,
          {
            method: 'POST',
            headers: {
              'content-type': 'application/octet-stream',
              'x-rcr-token': server.token,
              ...headers,
            },
            body,
          },
        ),
      ),
    close: async () => {
      await server.close();
      await core.close();
    },
  };
}

const errorOf = (r: Result<unknown>): ApiError => {
  if (r.ok) throw new Error(`expected a refusal, got ${JSON.stringify(r.value).slice(0, 200)}`);
  return r.error;
};

const metric = (source: Record<string, unknown>, name = 'errors'): Record<string, unknown> => ({
  flag: FLAG,
  name,
  kind: 'binomial',
  direction: 'lower-is-better',
  source: {
    type: 'prometheus',
    query: 'sum(increase(e{variant="{{variant}}"}[1m]))',
    denominator: 'sum(increase(r{variant="{{variant}}"}[1m]))',
    stepSeconds: 60,
    ...source,
  },
});

/** A configuration whose Prometheus allow-list is `sources`. */
const withSources = (sources: Array<{ name: string; url: string; timeoutMs?: number }>): Config => ({
  ...defaultConfig(),
  dataSources: { prometheus: sources },
});

describe('SSRF: data sources are an allow-list that only the local user sets', () => {
  const tmp = tempDataDir('rcr-ssrf-');
  let internal: Awaited<ReturnType<typeof service>>;
  let prometheus: Awaited<ReturnType<typeof service>>;
  const open: Served[] = [];
  beforeAll(async () => {
    internal = await service((_req, res) => {
      res.writeHead(200, { 'content-type': 'text/plain' });
      res.end(`${SECRET}\n`);
    });
    prometheus = await service((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ status: 'success', data: { resultType: 'matrix', result: [] } }));
    });
  });
  afterEach(async () => {
    for (const s of open.splice(0)) await s.close();
  });
  afterAll(async () => {
    await internal.close();
    await prometheus.close();
    tmp.cleanup();
  });
  const start = async (config: Config, opts: { readOnly?: boolean } = {}): Promise<Served> => {
    const s = await serve(tmp.dir, config, opts);
    open.push(s);
    return s;
  };

  it('metrics.define from a browser-mode client refuses a URL that is not allow-listed; nothing is fetched', async () => {
    const s = await start(withSources([{ name: 'prod', url: prometheus.url }]));
    for (const url of [`${internal.url}/internal/admin`, `${internal.url}/internal/admin#`, internal.url]) {
      const { result } = await s.invoke('metrics.define', metric({ url }));
      const e = errorOf(result);
      expect(e.code, url).toBe('BAD_INPUT');
      expect(e.message).toMatch(/not in the allow-list|not acceptable \(it has a fragment/);
      expect(e.message).toMatch(/rcr sources add prometheus/);
      expect(e.message).not.toContain(SECRET);
      const series = await s.invoke('metrics.series', { flag: FLAG, metric: 'errors' });
      expect(JSON.stringify(series.result)).not.toContain(SECRET);
    }
    expect((await s.invoke('metrics.list', { flag: FLAG })).result).toEqual({ ok: true, value: [] });
    expect(internal.requests).toEqual([]);
  });

  it('refuses URLs with a fragment, credentials, a query or another scheme, even on an allow-listed base', async () => {
    const s = await start(withSources([{ name: 'prod', url: prometheus.url }]));
    const host = prometheus.url.slice('http://'.length);
    const bad = [
      `${prometheus.url}#`,
      `${prometheus.url}/#x`,
      `http://user:pw@${host}`,
      `http://user@${host}`,
      `${prometheus.url}?x=1`,
      `${prometheus.url}?`,
      `file:///etc/passwd`,
      `gopher://${host}/`,
      `http://${host}\\@127.0.0.1/`,
    ];
    for (const url of bad) {
      const e = errorOf((await s.invoke('metrics.define', metric({ url }))).result);
      expect(e.code, url).toBe('BAD_INPUT');
    }
    expect(prometheus.requests).toEqual([]);
    expect(internal.requests).toEqual([]);
  });

  it('a metric names an allow-listed source, or a URL equal to one; the definition stores the name', async () => {
    const s = await start(withSources([{ name: 'prod', url: prometheus.url }]));
    const byName = await s.invoke('metrics.define', metric({ dataSource: 'prod' }, 'by_name'));
    expect(byName.result).toMatchObject({ ok: true, value: { source: { dataSource: 'prod' } } });
    const byUrl = await s.invoke('metrics.define', metric({ url: `${prometheus.url}/` }, 'by_url'));
    expect(byUrl.result).toMatchObject({ ok: true, value: { source: { dataSource: 'prod' } } });
    expect(byUrl.result.ok && (byUrl.result.value as MetricDefinition).source).not.toHaveProperty('url');
    const unknown = errorOf((await s.invoke('metrics.define', metric({ dataSource: 'other' }))).result);
    expect(unknown.code).toBe('BAD_INPUT');
    expect(unknown.message).toMatch(/"other" is not in the allow-list/);
    const series = await s.invoke('metrics.series', { flag: FLAG, metric: 'by_name' });
    expect(series.result.ok).toBe(true);
    expect(prometheus.requests.length).toBeGreaterThan(0);
    // The allow-list is readable (to pick a source), never writable from a client.
    expect((await s.invoke('sources.list', {})).result).toEqual({
      ok: true,
      value: [{ kind: 'prometheus', name: 'prod', url: prometheus.url }],
    });
    for (const c of CHANNELS.filter((c) => c.startsWith('sources.')))
      expect(READ_ONLY_CHANNELS.has(c), c).toBe(true);
  });

  it('a stored definition whose URL is not allow-listed is reported as not allowed, with the fix, and never fetched', async () => {
    const s = await start(withSources([{ name: 'prod', url: prometheus.url }]));
    // As an earlier version stored it (metrics.define accepted any URL then).
    const legacy = metric({ url: `${internal.url}/internal/admin#` });
    s.core.db
      .prepare(
        'INSERT INTO metric_definition (provider, environment, flag_key, name, json) VALUES (?, ?, ?, ?, ?)',
      )
      .run(FLAG.provider, FLAG.environment, FLAG.key, 'errors', JSON.stringify(legacy));
    const e = errorOf((await s.invoke('metrics.series', { flag: FLAG, metric: 'errors' })).result);
    expect(e.code).toBe('PROVIDER_ERROR');
    expect(e.message).toMatch(/not allowed/);
    expect(e.message).toMatch(/rcr sources add prometheus/);
    expect(e.message).not.toContain(SECRET);
    const cmp = await s.invoke('metrics.compare', { flag: FLAG });
    expect(cmp.result.ok).toBe(true);
    expect(JSON.stringify(cmp.result)).toMatch(/not allowed/);
    expect(JSON.stringify(cmp.result)).not.toContain(SECRET);
    expect(internal.requests).toEqual([]);
  });

  it('a stored definition whose URL is allow-listed keeps working (compatible migration)', async () => {
    const s = await start(withSources([{ name: 'prod', url: prometheus.url }]));
    const legacy = metric({ url: prometheus.url });
    s.core.db
      .prepare(
        'INSERT INTO metric_definition (provider, environment, flag_key, name, json) VALUES (?, ?, ?, ?, ?)',
      )
      .run(FLAG.provider, FLAG.environment, FLAG.key, 'errors', JSON.stringify(legacy));
    const before = prometheus.requests.length;
    expect((await s.invoke('metrics.series', { flag: FLAG, metric: 'errors' })).result.ok).toBe(true);
    expect(prometheus.requests.length).toBeGreaterThan(before);
  });

  it('an allow-listed source that answers a secret: the client sees a status and a fixed message, nothing more', async () => {
    const answers: Array<(res: http.ServerResponse) => void> = [
      (res) => {
        res.writeHead(200, { 'content-type': 'text/html' });
        res.end(`<html>${SECRET}</html>`);
      },
      (res) => {
        res.writeHead(500, { 'content-type': 'text/plain' });
        res.end(SECRET);
      },
      (res) => {
        res.writeHead(400, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ status: 'error', errorType: SECRET, error: SECRET }));
      },
      (res) => {
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ status: 'success', data: { resultType: SECRET, result: SECRET } }));
      },
      (res) => {
        res.writeHead(302, { location: `${internal.url}/internal/admin` });
        res.end(SECRET);
      },
    ];
    for (const [i, answer] of answers.entries()) {
      const target = await service((_req, res) => answer(res));
      try {
        const s = await start(withSources([{ name: 'leaky', url: target.url }]));
        await s.invoke('metrics.define', metric({ dataSource: 'leaky' }));
        const e = errorOf((await s.invoke('metrics.series', { flag: FLAG, metric: 'errors' })).result);
        expect(e.code, `answer ${i}`).toBe('PROVIDER_ERROR');
        expect(e.message, `answer ${i}`).not.toContain(SECRET);
        expect(e.message.length, `answer ${i}`).toBeLessThan(200);
        const cmp = await s.invoke('metrics.compare', { flag: FLAG });
        expect(JSON.stringify(cmp.result), `answer ${i}`).not.toContain(SECRET);
        expect(target.requests.length).toBeGreaterThan(0);
      } finally {
        await target.close();
      }
    }
    expect(internal.requests).toEqual([]); // the redirect was not followed
  });

  it('refused, timed-out and unresolvable sources give a browser-mode client the same message', async () => {
    const hanging = await service(() => {
      // never answers
    });
    try {
      const s = await start(
        withSources([
          { name: 'src', url: `http://127.0.0.1:${await closedPort()}` },
          { name: 'src-timeout', url: hanging.url, timeoutMs: 300 },
          { name: 'src-dns', url: 'http://rcr-no-such-host.invalid:9090' },
        ]),
      );
      const messages: string[] = [];
      for (const name of ['src', 'src-timeout', 'src-dns']) {
        await s.invoke('metrics.define', metric({ dataSource: name }, name));
        const e = errorOf((await s.invoke('metrics.series', { flag: FLAG, metric: name })).result);
        expect(e.code).toBe('PROVIDER_ERROR');
        messages.push(e.message.replaceAll(name, 'NAME'));
      }
      expect(new Set(messages).size, messages.join('\n')).toBe(1);
      expect(messages[0]).not.toMatch(/ECONN|ENOTFOUND|EAI_AGAIN|timed out|timeout|refused|127\.0\.0\.1/i);
    } finally {
      await hanging.close();
    }
  });
});

describe('file reading through the API', () => {
  const tmp = tempDataDir('rcr-fileread-');
  let s: Served;
  let creds: string;
  beforeAll(async () => {
    s = await serve(tmp.dir, defaultConfig());
    creds = path.join(tmp.dir, 'creds.csv');
    fs.writeFileSync(creds, CREDS, { mode: 0o600 });
  });
  afterAll(async () => {
    await s.close();
    tmp.cleanup();
  });

  const eventsCsv = (rows: string[]): string =>
    `timestamp,unit_id,flag_key,variant,metric,value\n${rows.join('\n')}\n`;

  it('a path import over HTTP is refused before the path is looked at: the same answer for any path', async () => {
    const answers: string[] = [];
    for (const file of [creds, '/etc/passwd', path.join(tmp.dir, 'no-such-file.csv'), tmp.dir]) {
      for (const [channel, input] of [
        ['predictions.import', { path: file }],
        ['metrics.importEvents', { path: file, provider: 'local', environment: 'production' }],
      ] as const) {
        const { status, result } = await s.invoke(channel, input);
        const e = errorOf(result);
        expect(status).toBe(403);
        expect(e.code).toBe('FORBIDDEN');
        expect(e.message).toMatch(/upload/);
        for (const leak of ['AKIA', 'api_key', 'root:', 'no file', 'exist', file])
          expect(e.message, `${channel} ${file}`).not.toContain(leak);
        answers.push(`${channel}: ${e.message}`);
      }
    }
    expect(new Set(answers).size).toBe(2); // one answer per channel, whatever the path
    const logs = await s.invoke('predictions.list', {});
    expect(logs.result).toEqual({ ok: true, value: [] });
  });

  it('an uploaded event file is imported, its bad row quoted with the uploaded name, and the temp file removed', async () => {
    const now = Date.now();
    const good = eventsCsv(
      Array.from(
        { length: 50 },
        (_, i) =>
          `${new Date(now - i * 1000).toISOString()},u${i},${FLAG.key},${i % 2 ? 'treatment' : 'control'},accepted,${i % 3 ? 1 : 0}`,
      ),
    );
    const ok = await s.upload('metrics.importEvents', 'events.csv', good, {
      provider: 'local',
      environment: 'production',
    });
    expect(ok.status).toBe(200);
    expect(ok.result).toMatchObject({
      ok: true,
      value: { rows: 50, flags: [FLAG.key], metrics: ['accepted'] },
    });
    const broken = eventsCsv([
      `${new Date(now).toISOString()},u1,${FLAG.key},control,accepted,1`,
      `${new Date(now).toISOString()},u2,${FLAG.key},control,accepted,abc`,
    ]);
    const bad = errorOf(
      (
        await s.upload('metrics.importEvents', 'broken.csv', broken, {
          provider: 'local',
          environment: 'production',
        })
      ).result,
    );
    expect(bad.code).toBe('BAD_INPUT');
    expect(bad.message).toMatch(/^broken\.csv line 3: .*abc/);
    const dir = path.join(s.dataDir, 'imports');
    expect(fs.readdirSync(dir)).toEqual([]);
    expect(fs.statSync(dir).mode & 0o777).toBe(0o700);
  });

  it('an uploaded prediction log is imported, with progress events naming the uploaded file', async () => {
    const base = `http://127.0.0.1:${s.server.port}`;
    const ws = new WebSocket(`${base.replace('http', 'ws')}/api/events?token=${s.server.token}`, {
      headers: { origin: base },
    });
    const events: Array<{ event: string; payload: { path: string; done: boolean } }> = [];
    ws.on('message', (m) => events.push(JSON.parse(String(m))));
    await new Promise((resolve) => ws.once('open', resolve));
    const rows = Array.from({ length: 200 }, (_, i) => `${(i % 100) / 100},${i % 2},v1`);
    const { result } = await s.upload(
      'predictions.import',
      'preds.csv',
      `confidence,label,model_version\n${rows.join('\n')}\n`,
      { flag: FLAG },
    );
    expect(result).toMatchObject({ ok: true, value: { rows: 200, source: 'preds.csv', name: 'preds.csv' } });
    await new Promise((r) => setTimeout(r, 100));
    ws.close();
    const progress = events.filter((e) => e.event === 'predictions.progress');
    expect(progress.at(-1)?.payload).toMatchObject({ path: 'preds.csv', done: true });
    for (const e of progress) expect(e.payload.path).toBe('preds.csv');
  });

  it('an upload without a recognised header gets a fixed message listing the expected columns, nothing of its content', async () => {
    const cases: Array<[string, string, unknown]> = [
      ['metrics.importEvents', 'creds.csv', { provider: 'local', environment: 'production' }],
      ['predictions.import', 'creds.csv', {}],
      ['predictions.import', 'creds.jsonl', {}],
      ['metrics.importEvents', 'creds.jsonl', { provider: 'local', environment: 'production' }],
    ];
    for (const [channel, name, input] of cases) {
      const e = errorOf((await s.upload(channel, name, CREDS, input)).result);
      expect(e.code, `${channel} ${name}`).toBe('BAD_INPUT');
      expect(e.message).toMatch(/expected columns/);
      for (const leak of ['AKIA', 'api_key', 'wJalr', 'secret']) expect(e.message).not.toContain(leak);
    }
  });

  it('an uploaded Parquet log is imported; a Parquet file without the columns is refused without its schema', async () => {
    const parquet = (columns: Record<string, unknown[]>) =>
      Buffer.from(
        parquetWriteBuffer({ columnData: Object.entries(columns).map(([name, data]) => ({ name, data })) }),
      );
    const good = await s.upload(
      'predictions.import',
      'log.parquet',
      parquet({ confidence: [0.2, 0.9, 0.7], label: [0, 1, 1] }),
      {},
    );
    expect(good.result).toMatchObject({ ok: true, value: { rows: 3, source: 'log.parquet' } });
    const e = errorOf(
      (
        await s.upload(
          'predictions.import',
          'keys.parquet',
          parquet({ api_key: ['AKIA-EXAMPLE-KEY-123'], secret: ['wJalr'] }),
          {},
        )
      ).result,
    );
    expect(e.message).toMatch(/^keys\.parquet: missing column "confidence" — expected columns/);
    for (const leak of ['AKIA', 'api_key', 'wJalr']) expect(e.message).not.toContain(leak);
  });

  it('uploads need the token, the right content type, a known channel, an import extension and stay under the cap (413)', async () => {
    const base = `http://127.0.0.1:${s.server.port}`;
    const url = (channel: string, name = 'e.csv') =>
      `${base}/api/upload/${channel}?name=${name}&input=${encodeURIComponent('{"provider":"local","environment":"production"}')}`;
    const post = (u: string, headers: Record<string, string>, body: string | Buffer = 'x') =>
      fetch(u, { method: 'POST', headers, body });
    const octet = { 'content-type': 'application/octet-stream' };
    expect((await post(url('metrics.importEvents'), octet)).status).toBe(401);
    expect((await post(url('metrics.importEvents'), { ...octet, 'x-rcr-token': 'wrong' })).status).toBe(401);
    const token = { 'x-rcr-token': s.server.token };
    expect((await post(url('metrics.importEvents'), { ...token, 'content-type': 'text/plain' })).status).toBe(
      415,
    );
    expect((await post(url('flag.rollback'), { ...token, ...octet })).status).toBe(404);
    const ext = await post(url('metrics.importEvents', 'evil.sh'), { ...token, ...octet });
    expect(ext.status).toBe(400);
    expect(((await ext.json()) as Result<unknown>).ok).toBe(false);
    const big = await post(url('metrics.importEvents'), { ...token, ...octet }, Buffer.alloc(65 * 1024, 97));
    expect(big.status).toBe(413);
    const body = (await big.json()) as Result<unknown>;
    expect(errorOf(body).message).toMatch(/64 KiB/);
    // Without a Content-Length (chunked), the cap holds while streaming.
    const chunked = await fetch(url('metrics.importEvents'), {
      method: 'POST',
      headers: { ...token, ...octet },
      body: new ReadableStream({
        start(c) {
          for (let i = 0; i < 20; i++) c.enqueue(new Uint8Array(8 * 1024).fill(97));
          c.close();
        },
      }),
      duplex: 'half',
    } as RequestInit);
    expect(chunked.status).toBe(413);
    expect(fs.readdirSync(path.join(s.dataDir, 'imports'))).toEqual([]);
  });

  it('a read-only server refuses uploads', async () => {
    const ro = await serve(tmp.dir, defaultConfig(), { readOnly: true });
    try {
      const { status, result } = await ro.upload('metrics.importEvents', 'e.csv', 'x', {
        provider: 'local',
        environment: 'production',
      });
      expect(status).toBe(404);
      expect(errorOf(result).code).toBe('FORBIDDEN');
    } finally {
      await ro.close();
    }
  });

  it('a local path import (CLI, desktop) of a file without a recognised header quotes nothing of it', async () => {
    const jsonl = path.join(tmp.dir, 'creds.jsonl');
    fs.writeFileSync(jsonl, CREDS, { mode: 0o600 });
    for (const file of [creds, jsonl]) {
      for (const [channel, input] of [
        ['predictions.import', { path: file }],
        ['metrics.importEvents', { path: file, provider: 'local', environment: 'production' }],
      ] as const) {
        const r = await s.core.invoke(channel, input);
        const e = errorOf(r);
        expect(e.code).toBe('BAD_INPUT');
        expect(e.message).toMatch(/expected columns/);
        for (const leak of ['AKIA', 'api_key', 'wJalr']) expect(e.message, file).not.toContain(leak);
      }
    }
  });
});

describe('upload folder housekeeping', () => {
  it('removes upload folders a crashed server left behind a day ago, and keeps recent ones', async () => {
    const { sweepStaleUploads } = await import('../../electron/server/upload.ts');
    const tmp = tempDataDir('rcr-upload-sweep-');
    try {
      const old = path.join(tmp.dir, 'u-old');
      const recent = path.join(tmp.dir, 'u-recent');
      const other = path.join(tmp.dir, 'keep.txt');
      for (const d of [old, recent]) fs.mkdirSync(d);
      fs.writeFileSync(path.join(old, 'creds.csv'), CREDS);
      fs.writeFileSync(other, 'x');
      const dayAgo = (Date.now() - 25 * 3600_000) / 1000;
      fs.utimesSync(old, dayAgo, dayAgo);
      fs.utimesSync(other, dayAgo, dayAgo);
      expect(sweepStaleUploads(tmp.dir, Date.now())).toBe(1);
      expect(fs.readdirSync(tmp.dir).sort()).toEqual(['keep.txt', 'u-recent']);
    } finally {
      tmp.cleanup();
    }
  });
});

describe('audience keys as an uploaded file (too many for one JSON body)', () => {
  const tmp = tempDataDir('rcr-keys-upload-');
  let s: Served;
  beforeAll(async () => {
    s = await serve(tmp.dir, defaultConfig(), { maxUploadBytes: 64 * 1024 * 1024 });
    await s.core.sync.syncAll(); // the seeded flags in cache
  });
  afterAll(async () => {
    await s.close();
    tmp.cleanup();
  });
  const ref = { provider: 'local', environment: 'production', key: 'ai-answer-assist' };

  it('1,000,000 keys: a JSON body is over the cap (413); the same keys uploaded as a file are previewed', async () => {
    const keys = Array.from({ length: 1_000_000 }, (_, i) => `user-${i}`);
    const json = await s.invoke('flag.previewAudience', { ref, patch: { rolloutPercent: 20 }, keys });
    expect(json.status).toBe(413);
    const up = await s.upload('flag.previewAudience', 'users.txt', `${keys.join('\n')}\n`, {
      ref,
      patch: { rolloutPercent: 20 },
    });
    expect(up.status).toBe(200);
    expect(up.result).toMatchObject({ ok: true, value: { keys: { given: 1_000_000, unique: 1_000_000 } } });
    // Pasted keys still go as JSON.
    const pasted = await s.invoke('flag.previewAudience', {
      ref,
      patch: { rolloutPercent: 20 },
      keys: ['a', 'b'],
    });
    expect(pasted.status).toBe(200);
  }, 60_000);

  it('a key file of the wrong kind is refused naming the allowed extensions', async () => {
    const up = await s.upload('flag.previewAudience', 'users.parquet', 'x', {
      ref,
      patch: { rolloutPercent: 20 },
    });
    expect(up.status).toBe(400);
    expect(errorOf(up.result).message).toMatch(/\.txt, \.csv/);
  });
});
