/**
 * Token sources and the encrypted secrets file: precedence, the 0600 check on
 * token files, ciphertext-only storage, and redaction at the provider boundary.
 */
import fs from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createEncryptedFileSecretStore, SECRETS_FILE } from '../../electron/core/secrets/secret-store.ts';
import { createTokenSource, REDACTED } from '../../electron/core/secrets/token-source.ts';
import { withTokenRedaction } from '../../electron/core/secrets/redacting-provider.ts';
import { missingTokenMessage, readProviderToken } from '../../electron/core/providers/provider-token.ts';
import { ProviderError, type FlagProvider } from '../../electron/core/providers/provider.ts';
import { tempDataDir } from '../support/temp-dir.ts';
import { grepFolder, testCipher } from '../support/security.ts';

const cfg = { name: 'prod-unleash', tokenEnv: 'RCR_TEST_TOKEN' };
const TOKEN = 'tok-SECRET-d1e2f3a4b5c6-env';

describe('token source', () => {
  const tmp = tempDataDir('rcr-secrets-');
  afterEach(() => {
    for (const f of fs.readdirSync(tmp.dir))
      fs.rmSync(path.join(tmp.dir, f), { recursive: true, force: true });
  });

  it('reads the environment variable, else a 0600 file named by <tokenEnv>_FILE', () => {
    const warnings: string[] = [];
    expect(createTokenSource({ env: { RCR_TEST_TOKEN: TOKEN } }).read(cfg)).toBe(TOKEN);
    const file = path.join(tmp.dir, 'token');
    fs.writeFileSync(file, `${TOKEN}-file\n`, { mode: 0o600 });
    fs.chmodSync(file, 0o600);
    const src = createTokenSource({ env: { RCR_TEST_TOKEN_FILE: file }, warn: (m) => warnings.push(m) });
    expect(src.read(cfg)).toBe(`${TOKEN}-file`);
    expect(warnings).toEqual([]);
    // The variable wins over the file.
    expect(createTokenSource({ env: { RCR_TEST_TOKEN: TOKEN, RCR_TEST_TOKEN_FILE: file } }).read(cfg)).toBe(
      TOKEN,
    );
    expect(createTokenSource({ env: {} }).read(cfg)).toBeNull();
  });

  it.skipIf(process.platform === 'win32')(
    'warns once, naming the file and its mode, when the token file is readable by others',
    () => {
      const warnings: string[] = [];
      const file = path.join(tmp.dir, 'loose-token');
      fs.writeFileSync(file, TOKEN);
      fs.chmodSync(file, 0o644);
      const src = createTokenSource({ env: { RCR_TEST_TOKEN_FILE: file }, warn: (m) => warnings.push(m) });
      expect(src.read(cfg)).toBe(TOKEN);
      expect(src.read(cfg)).toBe(TOKEN);
      expect(warnings).toHaveLength(1);
      expect(warnings[0]).toContain(file);
      expect(warnings[0]).toContain('0644');
      expect(warnings[0]).toContain('chmod 600');
      expect(warnings[0]).not.toContain(TOKEN);
      fs.chmodSync(file, 0o640);
      const w2: string[] = [];
      createTokenSource({ env: { RCR_TEST_TOKEN_FILE: file }, warn: (m) => w2.push(m) }).read(cfg);
      expect(w2[0]).toContain('0640');
    },
  );

  it('reports a missing token file without throwing', () => {
    const warnings: string[] = [];
    const file = path.join(tmp.dir, 'nope');
    const src = createTokenSource({ env: { RCR_TEST_TOKEN_FILE: file }, warn: (m) => warnings.push(m) });
    expect(src.read(cfg)).toBeNull();
    expect(warnings[0]).toMatch(/nope.*ENOENT/);
  });

  it('prefers the secret store, and says where it looked when nothing is set', () => {
    const store = createEncryptedFileSecretStore({
      file: path.join(tmp.dir, SECRETS_FILE),
      cipher: testCipher(),
    });
    store.set(cfg.name, `${TOKEN}-stored`);
    const src = createTokenSource({ env: { RCR_TEST_TOKEN: TOKEN }, secretStore: store });
    expect(src.read(cfg)).toBe(`${TOKEN}-stored`);
    const msg = createTokenSource({ env: {}, secretStore: store }).describe({ name: 'x', tokenEnv: 'X_T' });
    expect(msg).toMatch(/X_T .*is not set/);
    expect(msg).toContain('X_T_FILE');
    expect(msg).toContain('test keychain');
  });

  it('readProviderToken accepts the core token source or a plain environment (compatibility)', () => {
    expect(readProviderToken(cfg, { RCR_TEST_TOKEN: TOKEN })).toBe(TOKEN);
    expect(readProviderToken(cfg, createTokenSource({ env: { RCR_TEST_TOKEN: TOKEN } }))).toBe(TOKEN);
    expect(readProviderToken(cfg, { kind: 'token-source' })).toBeNull();
    expect(missingTokenMessage(cfg)).toMatch(/RCR_TEST_TOKEN .*is not set/);
  });

  it('redacts every token it handed out, in raw, URL, JSON and base64 form', () => {
    const src = createTokenSource({ env: { RCR_TEST_TOKEN: 'a/b+c"d-TOKEN' } });
    expect(src.redact('a/b+c"d-TOKEN')).toBe('a/b+c"d-TOKEN'); // nothing handed out yet
    src.read(cfg);
    for (const form of [
      'a/b+c"d-TOKEN',
      encodeURIComponent('a/b+c"d-TOKEN'),
      JSON.stringify('a/b+c"d-TOKEN').slice(1, -1),
      Buffer.from('a/b+c"d-TOKEN').toString('base64'),
    ]) {
      expect(src.redact(`x ${form} y`)).toBe(`x ${REDACTED} y`);
      expect(src.leaks(`x ${form} y`)).toBe(true);
    }
  });
});

describe('encrypted secrets file', () => {
  const tmp = tempDataDir('rcr-secrets-file-');
  afterEach(() => {
    for (const f of fs.readdirSync(tmp.dir))
      fs.rmSync(path.join(tmp.dir, f), { recursive: true, force: true });
  });

  it('holds only ciphertext, mode 0600, and round-trips set/get/delete', () => {
    const file = path.join(tmp.dir, SECRETS_FILE);
    const store = createEncryptedFileSecretStore({ file, cipher: testCipher() });
    expect(store.get('p')).toBeNull();
    store.set('p', TOKEN);
    store.set('q', `${TOKEN}-q`);
    expect(store.get('p')).toBe(TOKEN);
    expect(store.has('q')).toBe(true);
    expect(grepFolder(tmp.dir, [TOKEN, `${TOKEN}-q`])).toEqual([]);
    const json = JSON.parse(fs.readFileSync(file, 'utf8')) as { tokens: Record<string, string> };
    expect(Object.keys(json.tokens).sort()).toEqual(['p', 'q']);
    if (process.platform !== 'win32') expect(fs.statSync(file).mode & 0o777).toBe(0o600);
    expect(store.delete('p')).toBe(true);
    expect(store.delete('p')).toBe(false);
    expect(store.get('p')).toBeNull();
    expect(store.get('q')).toBe(`${TOKEN}-q`);
  });

  it('refuses to store when the OS offers no encryption, and treats undecryptable entries as absent', () => {
    const file = path.join(tmp.dir, SECRETS_FILE);
    const cipher = testCipher();
    const warnings: string[] = [];
    const store = createEncryptedFileSecretStore({ file, cipher, warn: (m) => warnings.push(m) });
    cipher.available = false;
    expect(() => store.set('p', TOKEN)).toThrow(/cannot be stored securely/);
    expect(fs.existsSync(file)).toBe(false);
    cipher.available = true;
    store.set('p', TOKEN);
    // Another key (keychain reset): the entry no longer decrypts.
    const other = createEncryptedFileSecretStore({
      file,
      cipher: testCipher(),
      warn: (m) => warnings.push(m),
    });
    expect(other.get('p')).toBeNull();
    expect(warnings.join('\n')).toMatch(/cannot be decrypted/);
    expect(warnings.join('\n')).not.toContain(TOKEN);
    fs.writeFileSync(file, '{not json');
    expect(store.get('p')).toBeNull();
    fs.writeFileSync(file, JSON.stringify({ version: 1, tokens: { p: TOKEN } })); // plaintext is not base64
    expect(store.get('p')).toBeNull();
  });
});

describe('provider redaction', () => {
  it('scrubs tokens from thrown errors (class and status kept) and from returned values', async () => {
    const src = createTokenSource({ env: { RCR_TEST_TOKEN: TOKEN } });
    src.read(cfg);
    const inner = {
      name: 'echo',
      kind: 'unleash',
      url: `https://h/?t=${TOKEN}`,
      capabilities: () => ({
        kill: true,
        rollout: true,
        threshold: true,
        modelVersion: true,
        allowBlock: true,
        history: true,
      }),
      health: async () => ({ ok: false, latencyMs: 1, message: `bad token ${TOKEN}` }),
      listFlags: async () => {
        throw new ProviderError(`HTTP 401: token ${TOKEN} rejected`, 401);
      },
      getFlag: async () => {
        throw new Error(`nested`, { cause: new Error(`cause ${TOKEN}`) });
      },
      planChange: async () => ({ description: [TOKEN], requests: [{ method: 'GET', url: `/x?${TOKEN}` }] }),
      executePlan: async () => ({ responses: [{ echo: { [TOKEN]: TOKEN } }] }),
      historySince: async () => ({ events: [], cursor: null }),
    } as unknown as FlagProvider;
    const p = withTokenRedaction(inner, src);
    expect(p.url).not.toContain(TOKEN);
    expect((await p.health()).message).toBe(`bad token ${REDACTED}`);
    const err = await p.listFlags().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ProviderError);
    expect((err as ProviderError).status).toBe(401);
    expect((err as Error).message).toBe(`HTTP 401: token ${REDACTED} rejected`);
    expect((err as Error).stack).not.toContain(TOKEN);
    const nested = (await p.getFlag('e', 'k').catch((e: unknown) => e)) as Error;
    expect(String((nested.cause as Error).message)).not.toContain(TOKEN);
    const plan = await p.planChange({} as never, {}, 'r', 'a');
    expect(JSON.stringify(plan)).not.toContain(TOKEN);
    expect(JSON.stringify(await p.executePlan(plan, 'r', 'a'))).not.toContain(TOKEN);
    expect(await p.historySince(null)).toEqual({ events: [], cursor: null });
  });
});
