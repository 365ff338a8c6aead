import { execFile } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openCore } from '../../core/app-core.ts';
import { tempDataDir } from '../../../test/support/temp-dir.ts';

const RCR = path.resolve(import.meta.dirname, '../rcr.ts');
const tmp = tempDataDir('rcr-sources-');
const dataDir = path.join(tmp.dir, 'data');
const configFile = path.join(dataDir, 'config.json');

/** Runs `rcr --data-dir <dataDir> …` without blocking this process (the fake Prometheus lives here). */
function rcr(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      ['--disable-warning=ExperimentalWarning', RCR, '--data-dir', dataDir, ...args],
      { encoding: 'utf8' },
      (error, stdout, stderr) => resolve({ code: error ? Number(error.code ?? 1) : 0, stdout, stderr }),
    );
  });
}

let prometheus: http.Server;
let promUrl: string;
beforeAll(async () => {
  prometheus = http.createServer((req, res) => {
    const q = new URL(req.url ?? '/', 'http://x').searchParams.get('query');
    res.writeHead(q === 'bad(' ? 400 : 200, { 'content-type': 'application/json' });
    res.end(
      JSON.stringify(
        q === 'bad('
          ? { status: 'error', errorType: 'bad_data', error: '1:5: parse error: unclosed left parenthesis' }
          : { status: 'success', data: { resultType: 'matrix', result: [{ values: [[1, '1']] }] } },
      ),
    );
  });
  await new Promise<void>((resolve) => prometheus.listen(0, '127.0.0.1', resolve));
  promUrl = `http://127.0.0.1:${(prometheus.address() as AddressInfo).port}`;
});
afterAll(async () => {
  await new Promise<void>((resolve) => prometheus.close(() => resolve()));
  tmp.cleanup();
});

describe('rcr sources', { timeout: 60_000 }, () => {
  it('adds, lists and removes allow-listed Prometheus sources in config.json (0600)', async () => {
    const add = await rcr('sources', 'add', 'prometheus', '--name', 'prod', '--url', `${promUrl}/`);
    expect(add).toMatchObject({ code: 0, stdout: `added data source prod (prometheus, ${promUrl})\n` });
    expect(fs.statSync(configFile).mode & 0o777).toBe(0o600);
    const second = await rcr(
      'sources',
      'add',
      'prometheus',
      '--name',
      'slow',
      '--url',
      'https://prom.example.com/x',
      '--timeout-ms',
      '20000',
    );
    expect(second.code).toBe(0);
    const list = await rcr('sources', 'list', '--json');
    expect(JSON.parse(list.stdout)).toEqual([
      { kind: 'prometheus', name: 'prod', url: promUrl },
      { kind: 'prometheus', name: 'slow', url: 'https://prom.example.com/x', timeoutMs: 20000 },
    ]);
    expect((await rcr('sources', 'list')).stdout).toBe(
      `prod\tprometheus\t${promUrl}\nslow\tprometheus\thttps://prom.example.com/x\n`,
    );
    const dup = await rcr('sources', 'add', 'prometheus', '--name', 'prod', '--url', promUrl);
    expect(dup.code).toBe(1);
    expect(dup.stderr).toMatch(/already exists/);
    expect(await rcr('sources', 'remove', 'slow')).toMatchObject({ code: 0 });
    expect(JSON.parse(fs.readFileSync(configFile, 'utf8')).dataSources).toEqual({
      prometheus: [{ name: 'prod', url: promUrl }],
    });
    const gone = await rcr('sources', 'remove', 'slow');
    expect(gone.code).toBe(1);
    expect(gone.stderr).toMatch(/no data source named "slow"/);
  });

  it('refuses URLs that could send a request elsewhere, naming why, and changes nothing', async () => {
    const before = fs.readFileSync(configFile, 'utf8');
    for (const [url, why] of [
      ['http://127.0.0.1:4302/internal/admin#', /fragment/],
      ['http://user:pw@prom:9090', /credentials/],
      ['http://prom:9090/?x=1', /query/],
      ['file:///etc/passwd', /only http and https/],
      ['not a url', /whitespace|not a URL/],
    ] as const) {
      const r = await rcr('sources', 'add', 'prometheus', '--name', 'x', '--url', url);
      expect(r.code, url).toBe(1);
      expect(r.stderr, url).toMatch(why);
    }
    expect(fs.readFileSync(configFile, 'utf8')).toBe(before);
    expect((await rcr('sources', 'add', 'prometheus', '--name', 'x')).code).toBe(2);
    expect((await rcr('sources', 'frob')).code).toBe(2);
  });

  it('check queries the source and tells the local user exactly what failed', async () => {
    const ok = await rcr('sources', 'check', 'prod');
    expect(ok).toMatchObject({ code: 0 });
    expect(ok.stdout).toMatch(/^ok: prod .* answered 1 points/);
    const bad = await rcr('sources', 'check', 'prod', '--query', 'bad(');
    expect(bad.code).toBe(1);
    expect(bad.stderr).toMatch(/\[api\].*parse error: unclosed left parenthesis/);
    const closed = http.createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const port = (closed.address() as AddressInfo).port;
    await new Promise<void>((resolve) => closed.close(() => resolve()));
    expect(
      (await rcr('sources', 'add', 'prometheus', '--name', 'down', '--url', `http://127.0.0.1:${port}`)).code,
    ).toBe(0);
    const down = await rcr('sources', 'check', 'down');
    expect(down.code).toBe(1);
    expect(down.stderr).toMatch(/\[network\].*ECONNREFUSED/);
  });

  it('a running core follows the allow-list as the local user edits it', async () => {
    const core = await openCore({ dataDir, startSync: false, resourcesDir: path.join(tmp.dir, 'none') });
    try {
      const names = async () => {
        const r = await core.invoke('sources.list', {});
        return r.ok ? r.value.map((s) => s.name) : r.error.message;
      };
      expect(await names()).toEqual(['prod', 'down']);
      expect(
        (await rcr('sources', 'add', 'prometheus', '--name', 'later', '--url', 'http://prom-later:9090'))
          .code,
      ).toBe(0);
      expect(await names()).toEqual(['prod', 'down', 'later']);
      expect((await rcr('sources', 'remove', 'later')).code).toBe(0);
      expect(await names()).toEqual(['prod', 'down']);
    } finally {
      await core.close();
    }
  });
});
