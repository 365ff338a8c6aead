/**
 * Contract fuzzing (fast-check): random and malformed payloads go to EVERY
 * channel of `shared/contract.ts` (enumerated from the contract map, so new
 * channels are covered without editing this file) through the core's
 * `invoke`, and a sample through the browser-mode HTTP server.
 *
 * Properties:
 * - `invoke` never throws or rejects; it returns a `Result`: `{ok: true,
 *   value}` whose value passes the channel's output schema, or `{ok: false,
 *   error: {code, message}}` with a known code and no stack trace;
 * - a payload the input schema rejects answers `BAD_INPUT` and changes no
 *   stored data (SQLite `total_changes()` per call, plus a content hash of
 *   every table and of the config and secrets files per channel);
 * - no payload pollutes `Object.prototype`;
 * - the HTTP server answers every malformed request with a JSON error
 *   (never a 5xx) and keeps serving.
 *
 * Runs: `RCR_FUZZ_RUNS` per channel (default 300), seed `RCR_FUZZ_SEED` (fixed by
 * default so a failure reproduces; set another to explore), so the whole
 * file stays well under a minute on two cores.
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  CHANNELS,
  ErrorCodeSchema,
  READ_ONLY_CHANNELS,
  contract,
  type Channel,
  type Result,
} from '../../shared/contract.ts';
import { openCore, type AppCore } from '../../electron/core/app-core.ts';
import { createEncryptedFileSecretStore, SECRETS_FILE } from '../../electron/core/secrets/secret-store.ts';
import { startHttpServer, type RunningServer } from '../../electron/server/http-server.ts';
import { UPLOAD_CHANNELS } from '../../electron/server/upload.ts';
import { tempDataDir } from '../support/temp-dir.ts';
import { testCipher } from '../support/security.ts';

const RUNS = Number(process.env.RCR_FUZZ_RUNS ?? 300);
const SEED = Number(process.env.RCR_FUZZ_SEED ?? 20_261_122);

/** Any JS value structured clone or JSON could carry, including the awkward ones. */
const anyValue = fc.anything({
  maxDepth: 4,
  withBigInt: true,
  withDate: true,
  withMap: true,
  withSet: true,
  withTypedArray: true,
  withSparseArray: true,
  withNullPrototype: true,
  withObjectString: true,
  withBoxedValues: true,
});

/** Hostile strings: huge, control characters, path traversal, SQL, prototype keys. */
const nastyString = fc.oneof(
  fc.string(),
  fc.string({ unit: 'binary', maxLength: 64 }),
  fc.constantFrom(
    '',
    ' ',
    '__proto__',
    'constructor',
    'prototype',
    '../../../../etc/passwd',
    '/dev/null',
    "'; DROP TABLE flag_cache; --",
    '\u0000',
    '\uD800',
    'local',
    'production',
    'x'.repeat(100_000),
  ),
);

const nastyValue = fc.oneof(
  anyValue,
  nastyString,
  fc.constantFrom(NaN, Infinity, -Infinity, -0, 2 ** 53, -1, 1e308, null, undefined, true, [], {}),
);

/** Top-level field names of a channel's input (when it is an object schema), to get past the outer check. */
function inputKeys(channel: Channel): string[] {
  const schema = contract[channel].input as unknown as {
    shape?: Record<string, unknown>;
    def?: { shape?: unknown };
  };
  const shape = schema.shape ?? (schema.def?.shape as Record<string, unknown> | undefined);
  return shape && typeof shape === 'object' ? Object.keys(shape) : [];
}

/** Payloads for a channel: anything at all, or objects with the right keys holding wrong values. */
function payloads(channel: Channel): fc.Arbitrary<unknown> {
  const keys = inputKeys(channel);
  const protoKeys = fc.constantFrom('__proto__', 'constructor', 'prototype');
  const shaped = keys.length
    ? fc.dictionary(fc.oneof(fc.constantFrom(...keys), protoKeys, fc.string()), nastyValue, {
        maxKeys: keys.length + 2,
      })
    : fc.dictionary(fc.oneof(protoKeys, fc.string()), nastyValue, { maxKeys: 3 });
  const refLike = fc.record(
    Object.fromEntries(
      keys.map((k) => [
        k,
        fc.oneof(
          nastyValue,
          fc.record({ provider: nastyString, environment: nastyString, key: nastyString }),
        ),
      ]),
    ),
    { requiredKeys: [] },
  );
  const jsonParsed = fc.json().map((j) => JSON.parse(j) as unknown);
  const protoJson = fc.constantFrom(
    JSON.parse('{"__proto__": {"polluted": true}}') as unknown,
    JSON.parse('{"constructor": {"prototype": {"polluted": true}}}') as unknown,
    JSON.parse(
      '{"ref": {"__proto__": {"polluted": true}}, "patch": {"__proto__": {"polluted": true}}}',
    ) as unknown,
  );
  return fc.oneof(nastyValue, shaped, refLike, jsonParsed, protoJson);
}

/** Content hash of every table plus the config and secrets files. */
function storedState(core: AppCore, dataDir: string): string {
  const h = crypto.createHash('sha256');
  const tables = core.db
    .prepare("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")
    .all() as Array<{ name: string }>;
  for (const { name } of tables) {
    h.update(`\n#${name}\n`);
    const rows = core.db
      .prepare(`SELECT * FROM "${name.replace(/"/g, '""')}"`)
      .raw()
      .all() as unknown[][];
    const lines = rows.map((r) =>
      JSON.stringify(r, (_k, v: unknown) =>
        typeof v === 'bigint' ? `${v}n` : Buffer.isBuffer(v) ? v.toString('base64') : v,
      ),
    );
    for (const line of lines.sort()) h.update(line);
  }
  for (const f of ['config.json', SECRETS_FILE]) {
    const p = path.join(dataDir, f);
    h.update(fs.existsSync(p) ? fs.readFileSync(p) : '(none)');
  }
  return h.digest('hex');
}

const totalChanges = (core: AppCore): number =>
  (core.db.prepare('SELECT total_changes() AS n').get() as { n: number }).n;

/** Checks the shape of a Result and returns a description of what is wrong, or null. */
function resultProblem(channel: Channel, result: unknown): string | null {
  if (typeof result !== 'object' || result === null) return 'not an object';
  const r = result as Result<unknown>;
  if (r.ok === true) {
    const checked = contract[channel].output.safeParse(r.value);
    return checked.success ? null : `value breaks the output schema: ${checked.error.message.slice(0, 300)}`;
  }
  if (r.ok !== false) return 'ok is not boolean';
  if (!ErrorCodeSchema.safeParse(r.error?.code).success) return `unknown error code ${String(r.error?.code)}`;
  if (typeof r.error.message !== 'string') return 'message is not a string';
  if (/\n\s+at .+:\d+:\d+/.test(r.error.message)) return 'message carries a stack trace';
  return null;
}

describe('contract fuzzing', () => {
  const tmp = tempDataDir('rcr-fuzz-');
  const dataDir = path.join(tmp.dir, 'data');
  let core: AppCore;
  let server: RunningServer;
  beforeAll(async () => {
    core = await openCore({
      dataDir,
      env: {},
      startSync: false,
      secretStore: createEncryptedFileSecretStore({
        file: path.join(dataDir, SECRETS_FILE),
        cipher: testCipher(),
      }),
    });
    await core.sync.syncAll();
    server = await startHttpServer({ api: core, staticDir: tmp.dir });
  });
  afterAll(async () => {
    await server.close();
    await core.close();
    tmp.cleanup();
  });

  it('enumerates every channel of the contract', () => {
    expect(CHANNELS.length).toBeGreaterThanOrEqual(10);
    expect(CHANNELS).toEqual(Object.keys(contract));
  });

  it.each(CHANNELS)(
    '%s: random payloads get a Result; invalid ones get BAD_INPUT and change nothing',
    async (channel) => {
      const spec = contract[channel];
      const before = storedState(core, dataDir);
      let invalid = 0;
      await fc.assert(
        fc.asyncProperty(payloads(channel), async (payload) => {
          const isValid = spec.input.safeParse(payload).success;
          const changesBefore = totalChanges(core);
          const result = await core.invoke(channel, payload as never);
          const problem = resultProblem(channel, result);
          if (problem) throw new Error(`${channel}: ${problem}`);
          if (!isValid) {
            invalid++;
            expect(result).toMatchObject({ ok: false, error: { code: 'BAD_INPUT' } });
            expect(totalChanges(core), 'an invalid payload wrote to SQLite').toBe(changesBefore);
          }
          expect(({} as Record<string, unknown>).polluted).toBeUndefined();
        }),
        { numRuns: RUNS, seed: SEED + CHANNELS.indexOf(channel), endOnFailure: true },
      );
      expect(invalid).toBeGreaterThan(0);
      // Valid random payloads could legitimately change data (e.g. `sync.now` with `{}`); only
      // compare the full content when every payload of this run was invalid for a writing channel.
      if (invalid === RUNS) expect(storedState(core, dataDir)).toBe(before);
    },
  );

  it('full-content hash: a batch of invalid payloads to every channel changes no stored data', async () => {
    const before = storedState(core, dataDir);
    for (const channel of CHANNELS) {
      const samples = fc.sample(
        payloads(channel).filter((p) => !contract[channel].input.safeParse(p).success),
        { numRuns: 40, seed: SEED },
      );
      for (const payload of samples) {
        const result = await core.invoke(channel, payload as never);
        expect(result, channel).toMatchObject({ ok: false, error: { code: 'BAD_INPUT' } });
      }
    }
    expect(storedState(core, dataDir)).toBe(before);
  });

  it('HTTP: malformed bodies and random payloads never get a 5xx, and the server keeps serving', async () => {
    const post = (channel: string, body: string, type = 'application/json') =>
      fetch(`http://127.0.0.1:${server.port}/api/invoke/${encodeURIComponent(channel)}`, {
        method: 'POST',
        headers: { 'content-type': type, 'x-rcr-token': server.token },
        body,
      });
    const before = storedState(core, dataDir);
    const bodies = fc.sample(
      fc.oneof(
        fc.string({ unit: 'binary' }),
        fc.json(),
        fc.constantFrom('{', '[', '{"a":', 'null', '"str"', '1e999', '{"__proto__":{"x":1}}', '\u0000'),
      ),
      { numRuns: Math.max(100, RUNS), seed: SEED },
    );
    let i = 0;
    for (const body of bodies) {
      const channel = CHANNELS[i++ % CHANNELS.length]!;
      const invalid = (() => {
        try {
          return !contract[channel].input.safeParse(body ? JSON.parse(body) : {}).success;
        } catch {
          return true;
        }
      })();
      // A valid body may legitimately change data on a writing channel: not part of this check.
      if (!invalid && !READ_ONLY_CHANNELS.has(channel)) continue;
      const res = await post(channel, body);
      expect(res.status, `${channel} ${JSON.stringify(body).slice(0, 80)}`).toBeLessThan(500);
      const json = (await res.json()) as Result<unknown>;
      expect(resultProblem(channel, json)).toBeNull();
      // Channels that take a server path are refused over HTTP whatever the body (upload instead).
      if (UPLOAD_CHANNELS.has(channel))
        expect(json).toMatchObject({ ok: false, error: { code: 'FORBIDDEN' } });
      else if (invalid) expect(json).toMatchObject({ ok: false, error: { code: 'BAD_INPUT' } });
    }
    const oddChannels = fc.sample(fc.string({ unit: 'binary', maxLength: 40 }), { numRuns: 50, seed: SEED });
    for (const channel of [...oddChannels, '__proto__', 'constructor', 'toString', 'hasOwnProperty']) {
      const res = await post(channel, '{}');
      expect(res.status).toBeLessThan(500);
    }
    expect(storedState(core, dataDir)).toBe(before);
    const alive = await post('fleet.list', '{}');
    expect(alive.status).toBe(200);
  });
});
