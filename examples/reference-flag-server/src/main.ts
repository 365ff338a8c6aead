/**
 * Runs the reference flag server standalone:
 *
 * ```sh
 * REFERENCE_FLAG_TOKEN=dev-token node src/main.ts [--port 8787] [--host 127.0.0.1] \
 *   [--seed seed.json] [--state state.json] [--read-only-token-env VAR] [--quiet]
 * ```
 *
 * Prints `REFERENCE_FLAG_SERVER_URL=<url>` once listening, then one access-log line
 * per request (unless `--quiet`). Stops on SIGINT/SIGTERM.
 */
import fs from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { FlagStore } from './store.ts';
import type { FlagSeed } from './store.ts';
import { startReferenceServer } from './server.ts';

const here = import.meta.dirname;

function fail(message: string): never {
  process.stderr.write(`reference-flag-server: ${message}\n`);
  process.exit(2);
}

const { values } = parseArgs({
  options: {
    port: { type: 'string', default: '8787' },
    host: { type: 'string', default: '127.0.0.1' },
    seed: { type: 'string', default: path.join(here, '..', 'seed.json') },
    state: { type: 'string' },
    'token-env': { type: 'string', default: 'REFERENCE_FLAG_TOKEN' },
    'read-only-token-env': { type: 'string' },
    quiet: { type: 'boolean', default: false },
  },
});

const token = process.env[values['token-env']];
if (!token) fail(`set the bearer token in the environment variable ${values['token-env']}`);
const readOnlyToken = values['read-only-token-env'] ? process.env[values['read-only-token-env']] : undefined;
const port = Number(values.port);
if (!Number.isInteger(port) || port < 0 || port > 65535) fail(`--port must be 0–65535, got "${values.port}"`);

let seed: FlagSeed[] = [];
try {
  seed = (JSON.parse(fs.readFileSync(values.seed, 'utf8')) as { flags: FlagSeed[] }).flags;
} catch (err) {
  fail(`cannot read the seed file ${values.seed}: ${(err as Error).message}`);
}

const server = await startReferenceServer({
  store: new FlagStore({ seed, statePath: values.state ?? null }),
  token,
  readOnlyToken,
  host: values.host,
  port,
  onExchange: values.quiet
    ? undefined
    : (e) => {
        const q = new URLSearchParams(e.query).toString();
        process.stdout.write(
          `${new Date().toISOString()} ${e.method} ${e.path}${q ? `?${q}` : ''} ${e.status} ${e.durationMs.toFixed(1)}ms\n`,
        );
      },
});
process.stdout.write(`REFERENCE_FLAG_SERVER_URL=${server.url}\n`);

for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    void server.close().then(() => process.exit(0));
  });
}
