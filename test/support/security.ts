/**
 * Helpers of the security tests: a stand-in for Electron's `safeStorage`, a
 * provider server that echoes the token it receives, and a recursive grep of a
 * folder for secrets (raw, URL-, JSON- and base64-encoded).
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import type { AddressInfo } from 'node:net';
import type { SecretCipher } from '../../electron/core/secrets/secret-store.ts';

/**
 * A real cipher (AES-256-GCM with a random in-memory key) in place of
 * `safeStorage`, which needs an Electron binary and an OS keychain. The core's
 * store only sees {@link SecretCipher}, so this exercises the same code path.
 */
export function testCipher(): SecretCipher & { available: boolean } {
  const key = crypto.randomBytes(32);
  return {
    description: 'test keychain',
    available: true,
    unavailableReason() {
      return this.available ? null : 'no keychain in this test';
    },
    encrypt(plain) {
      const iv = crypto.randomBytes(12);
      const c = crypto.createCipheriv('aes-256-gcm', key, iv);
      const body = Buffer.concat([c.update(plain, 'utf8'), c.final()]);
      return Buffer.concat([iv, c.getAuthTag(), body]);
    },
    decrypt(data) {
      const d = crypto.createDecipheriv('aes-256-gcm', key, data.subarray(0, 12));
      d.setAuthTag(data.subarray(12, 28));
      return Buffer.concat([d.update(data.subarray(28)), d.final()]).toString('utf8');
    },
  };
}

/** Every form a secret could be written in. */
export function secretForms(secret: string): string[] {
  return [
    secret,
    encodeURIComponent(secret),
    JSON.stringify(secret).slice(1, -1),
    Buffer.from(secret).toString('base64'),
    Buffer.from(secret).toString('hex'),
    Buffer.from(secret, 'utf16le').toString('latin1'),
  ];
}

/** Files under `dir` (recursively) whose bytes contain any form of any secret: `[file, secret]` pairs. */
export function grepFolder(dir: string, secrets: readonly string[]): Array<[string, string]> {
  const hits: Array<[string, string]> = [];
  const walk = (d: string): void => {
    for (const entry of fs.readdirSync(d, { withFileTypes: true })) {
      const p = path.join(d, entry.name);
      if (entry.isDirectory()) walk(p);
      else if (entry.isFile()) {
        const bytes = fs.readFileSync(p).toString('latin1');
        for (const s of secrets) if (secretForms(s).some((f) => bytes.includes(f))) hits.push([p, s]);
      }
    }
  };
  walk(dir);
  return hits;
}

/** Secrets found in a string (any form). */
export function grepText(text: string, secrets: readonly string[]): string[] {
  return secrets.filter((s) => secretForms(s).some((f) => text.includes(f)));
}

/**
 * An HTTP server that plays a hostile or buggy provider: every request is
 * answered with `status` and a JSON body that repeats the `Authorization`
 * header it received, in `message` and in `details`.
 */
export async function echoingProviderServer(
  status = 401,
): Promise<{ url: string; requests: number; close(): Promise<void> }> {
  const state = { requests: 0 };
  const server = http.createServer((req, res) => {
    state.requests++;
    const auth = req.headers.authorization ?? '';
    res.writeHead(status, { 'content-type': 'application/json' });
    res.end(
      JSON.stringify({
        message: `token ${auth} is not valid`,
        details: [{ message: `received Authorization: ${auth}` }],
      }),
    );
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    get requests() {
      return state.requests;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** Captures everything written to console.* and process.stdout/stderr until `stop()`. */
export function captureLogs(): { text(): string; stop(): void } {
  const chunks: string[] = [];
  const methods = ['log', 'info', 'warn', 'error', 'debug'] as const;
  const saved = methods.map((m) => console[m]);
  for (const m of methods) {
    console[m] = (...args: unknown[]) => {
      chunks.push(
        args
          .map((a) =>
            a instanceof Error ? `${a.message}\n${a.stack}` : typeof a === 'string' ? a : safeJson(a),
          )
          .join(' '),
      );
    };
  }
  const out = process.stdout.write.bind(process.stdout);
  const err = process.stderr.write.bind(process.stderr);
  const tap =
    (orig: typeof process.stdout.write) =>
    (chunk: unknown, ...rest: unknown[]): boolean => {
      chunks.push(typeof chunk === 'string' ? chunk : Buffer.from(chunk as Uint8Array).toString('utf8'));
      return (orig as (c: unknown, ...r: unknown[]) => boolean)(chunk, ...rest);
    };
  process.stdout.write = tap(out) as typeof process.stdout.write;
  process.stderr.write = tap(err) as typeof process.stderr.write;
  return {
    text: () => chunks.join('\n'),
    stop() {
      methods.forEach((m, i) => (console[m] = saved[i]!));
      process.stdout.write = out;
      process.stderr.write = err;
    },
  };
}

function safeJson(v: unknown): string {
  try {
    return JSON.stringify(v);
  } catch {
    return String(v);
  }
}
