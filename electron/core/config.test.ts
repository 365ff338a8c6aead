import fs from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { ConfigError, defaultConfig, loadConfig } from './config.ts';
import { tempDataDir } from '../../test/support/temp-dir.ts';

describe('loadConfig', () => {
  const tmp = tempDataDir();
  afterEach(() => tmp.cleanup());
  const file = (): string => path.join(tmp.dir, 'config.json');

  it('creates the default config (embedded provider only) with mode 0600', () => {
    expect(loadConfig(file())).toEqual(defaultConfig());
    expect(fs.statSync(file()).mode & 0o777).toBe(0o600);
  });

  it('names the file and the bad field', () => {
    fs.mkdirSync(tmp.dir, { recursive: true });
    fs.writeFileSync(
      file(),
      JSON.stringify({
        version: 1,
        providers: [{ name: 'u', kind: 'unleash', url: 'not a url', tokenEnv: 'T' }],
      }),
    );
    expect(() => loadConfig(file())).toThrow(ConfigError);
    expect(() => loadConfig(file())).toThrow(/config\.json: providers\.0\.url: must be a URL/);
  });

  it('rejects malformed JSON, unknown keys and duplicate names with the field path', () => {
    fs.mkdirSync(tmp.dir, { recursive: true });
    fs.writeFileSync(file(), '{"version": 1, "providers": [');
    expect(() => loadConfig(file())).toThrow(/not valid JSON/);
    fs.writeFileSync(file(), JSON.stringify({ version: 1, providers: [], token: 'secret' }));
    expect(() => loadConfig(file())).toThrow(/token/);
    fs.writeFileSync(
      file(),
      JSON.stringify({
        version: 1,
        providers: [
          { name: 'a', kind: 'local' },
          { name: 'a', kind: 'local' },
        ],
      }),
    );
    expect(() => loadConfig(file())).toThrow(/providers\.1\.name: duplicate provider "a"/);
  });

  it('holds the data-source allow-list, with strictly parsed URLs and unique names', () => {
    fs.mkdirSync(tmp.dir, { recursive: true });
    const write = (prometheus: unknown[]): void =>
      fs.writeFileSync(file(), JSON.stringify({ version: 1, providers: [], dataSources: { prometheus } }));
    write([{ name: 'prod', url: 'http://prometheus:9090', timeoutMs: 2000 }]);
    expect(loadConfig(file()).dataSources).toEqual({
      prometheus: [{ name: 'prod', url: 'http://prometheus:9090', timeoutMs: 2000 }],
    });
    write([{ name: 'prod', url: 'http://127.0.0.1:4302/internal/admin#' }]);
    expect(() => loadConfig(file())).toThrow(/dataSources\.prometheus\.0\.url: .*fragment/);
    write([{ name: 'prod', url: 'http://u:p@prometheus:9090' }]);
    expect(() => loadConfig(file())).toThrow(/credentials/);
    write([
      { name: 'a', url: 'http://p1:9090' },
      { name: 'a', url: 'http://p2:9090' },
    ]);
    expect(() => loadConfig(file())).toThrow(/dataSources\.prometheus\.1\.name: duplicate data source "a"/);
  });
});
