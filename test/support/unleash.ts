/**
 * A real Unleash server (npm `unleash-server@8`) for integration and e2e tests.
 *
 * {@link startUnleash} installs the server into `.tools/unleash` when missing,
 * makes sure PostgreSQL runs ({@link ensurePostgres}), creates a fresh
 * database, and runs the server in a child process (`unleash-server.mjs`) so a
 * test can stop it mid-session. Usable from vitest and from Playwright's
 * global setup (no test-runner APIs here).
 */
import { spawn, execFile } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync } from 'node:fs';
import { createServer } from 'node:net';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { createDatabase, dropDatabase, ensurePostgres, testSql } from './postgres.ts';
import type { PgConnection, PostgresHandle } from './postgres.ts';

const here = dirname(fileURLToPath(import.meta.url));
/** Repository root (two levels above test/support). */
export const REPO_ROOT = resolve(here, '..', '..');
/** Where unleash-server is installed (`npm install --prefix`), outside package.json; env `RCR_UNLEASH_PREFIX` overrides. */
export const UNLEASH_PREFIX = process.env.RCR_UNLEASH_PREFIX ?? join(REPO_ROOT, '.tools', 'unleash');
/** The npm spec installed into {@link UNLEASH_PREFIX}. */
export const UNLEASH_PACKAGE = 'unleash-server@8';
const SERVER_IMPL = join(UNLEASH_PREFIX, 'node_modules', 'unleash-server', 'dist', 'lib', 'server-impl.js');
const ENTRY = join(here, 'unleash-server.mjs');

/** A running Unleash; `token` is an admin API token (`*:*.<hex>`), sent raw in `Authorization`. */
export interface UnleashHandle {
  /** Base URL, e.g. `http://127.0.0.1:43123` (no trailing slash). */
  url: string;
  token: string;
  /** Name of the database this server uses (dropped by `stop()`). */
  database: string;
  /** Child process id. */
  pid: number;
  /** Kills the server (SIGTERM, then SIGKILL after 5 s) and drops its database. Idempotent. */
  stop(): Promise<void>;
  /** Kills the server but keeps the database (to simulate an outage). Idempotent. */
  kill(): Promise<void>;
}

/** Options of {@link startUnleash}. */
export interface StartUnleashOptions {
  /** TCP port on 127.0.0.1; default: a free port. */
  port?: number;
  /** Max time to wait for `/health`, ms; default 180 000 (first start runs ~300 migrations). */
  startTimeoutMs?: number;
  /** Print the server's info/warn logs (or set env `RCR_UNLEASH_LOG=1`). */
  verbose?: boolean;
}

/**
 * Installs `unleash-server@8` (+ `pg`) into `.tools/unleash` if it is not there.
 *
 * Runs `npm install --no-save --no-package-lock --prefix .tools/unleash unleash-server@8 pg`.
 * @throws Error with npm's stderr when the registry cannot be reached.
 */
export async function ensureUnleashInstalled(): Promise<void> {
  if (existsSync(SERVER_IMPL)) return;
  mkdirSync(UNLEASH_PREFIX, { recursive: true });
  try {
    await promisify(execFile)(
      'npm',
      [
        'install',
        '--no-save',
        '--no-package-lock',
        '--no-audit',
        '--no-fund',
        '--prefix',
        UNLEASH_PREFIX,
        UNLEASH_PACKAGE,
        'pg',
      ],
      { maxBuffer: 64 * 1024 * 1024 },
    );
  } catch (err) {
    throw new Error(
      `could not install ${UNLEASH_PACKAGE} into ${UNLEASH_PREFIX}: ${(err as { stderr?: string }).stderr ?? err}`,
      {
        cause: err,
      },
    );
  }
  if (!existsSync(SERVER_IMPL)) throw new Error(`${UNLEASH_PACKAGE} installed but ${SERVER_IMPL} is missing`);
}

/** A free TCP port on 127.0.0.1 (bind to 0, read, close). */
export async function freePort(): Promise<number> {
  return new Promise((ok, fail) => {
    const srv = createServer();
    srv.unref();
    srv.on('error', fail);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      srv.close(() => (typeof addr === 'object' && addr ? ok(addr.port) : fail(new Error('no port'))));
    });
  });
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * Starts a fresh Unleash server backed by a new PostgreSQL database.
 *
 * Also drops databases left behind by earlier runs whose process is gone.
 * PostgreSQL is left running by `stop()` (other test files may share it).
 * Waits until `GET /health` answers 200 and the `production` environment is
 * enabled for the `default` project (enabling it through the Admin API if not).
 * The admin token is created at startup (`authentication.initApiTokens`, see
 * Unleash `src/lib/create-config.ts`).
 *
 * @returns url, token, `stop()` (kill + drop DB) and `kill()` (kill only).
 * @throws Error with the child's output tail if it exits or `/health` does not answer in time.
 */
export async function startUnleash(opts: StartUnleashOptions = {}): Promise<UnleashHandle> {
  await ensureUnleashInstalled();
  const pg: PostgresHandle = await ensurePostgres();
  await dropOrphanDatabases(pg.connection);
  const database = `rcr_unleash_${process.pid}_${randomBytes(4).toString('hex')}`;
  await createDatabase(pg.connection, database);
  const port = opts.port ?? (await freePort());
  const token = `*:*.${randomBytes(16).toString('hex')}`;
  const url = `http://127.0.0.1:${port}`;

  const child = spawn(process.execPath, [ENTRY], {
    stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
    env: {
      ...process.env,
      TZ: 'UTC',
      ...(opts.verbose ? { RCR_UNLEASH_LOG: '1' } : {}),
      RCR_UNLEASH_OPTIONS: JSON.stringify({
        serverImpl: SERVER_IMPL,
        port,
        token,
        db: { ...pg.connection, database },
      }),
    },
  });
  // Do not keep the parent alive just for the child (Playwright/vitest exit cleanly).
  child.unref();
  child.channel?.unref();
  let output = '';
  const keep = (chunk: Buffer) => {
    output = (output + chunk.toString()).slice(-8000);
    if (opts.verbose || process.env.RCR_UNLEASH_LOG === '1') process.stderr.write(chunk);
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  (child.stdout as unknown as { unref?: () => void } | null)?.unref?.();
  (child.stderr as unknown as { unref?: () => void } | null)?.unref?.();

  let exited = false;
  const exitPromise = new Promise<void>((r) => child.once('exit', () => ((exited = true), r())));

  let dropped = false;
  const kill = async () => {
    await terminate(child, exitPromise, () => exited);
  };
  const stop = async () => {
    await kill();
    if (!dropped) {
      dropped = true;
      await dropDatabase(pg.connection, database).catch(() => undefined);
    }
  };

  try {
    await waitForHealth(
      url,
      opts.startTimeoutMs ?? 180_000,
      () => exited,
      () => output,
    );
    await ensureProductionEnabled(url, token);
  } catch (err) {
    await stop();
    throw err;
  }
  return { url, token, database, pid: child.pid ?? -1, stop, kill };
}

/** Drops `rcr_unleash_<pid>_*` databases whose creating process is gone (a run that crashed before `stop()`). */
async function dropOrphanDatabases(connection: PgConnection): Promise<void> {
  const names = (
    await testSql(connection, "SELECT datname FROM pg_database WHERE datname LIKE 'rcr\\_unleash\\_%'")
  )
    .split('\n')
    .map((l) => l.trim())
    .filter(Boolean);
  for (const name of names) {
    const pid = Number(/^rcr_unleash_(\d+)_/.exec(name)?.[1]);
    if (!pid || pid === process.pid) continue;
    let alive = true;
    try {
      process.kill(pid, 0);
    } catch (err) {
      alive = (err as NodeJS.ErrnoException).code === 'EPERM';
    }
    if (!alive) await dropDatabase(connection, name).catch(() => undefined);
  }
}

async function terminate(
  child: ChildProcess,
  exitPromise: Promise<void>,
  exited: () => boolean,
): Promise<void> {
  if (exited()) return;
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
  await exitPromise;
  clearTimeout(timer);
}

async function waitForHealth(
  url: string,
  timeoutMs: number,
  exited: () => boolean,
  output: () => string,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (exited()) throw new Error(`unleash-server exited during startup:\n${output()}`);
    try {
      const res = await fetch(`${url}/health`, { signal: AbortSignal.timeout(2000) });
      if (res.ok) return;
    } catch {
      // not listening yet
    }
    await sleep(250);
  }
  throw new Error(`unleash-server did not answer ${url}/health within ${timeoutMs} ms:\n${output()}`);
}

// ---------------------------------------------------------------------------
// Admin helpers: talk to Unleash's own Admin API directly (to arrange state and
// to verify results "through Unleash itself").
// ---------------------------------------------------------------------------

/** A strategy variant as Unleash stores it (`create-strategy-variant-schema.ts`). */
export interface UnleashVariant {
  name: string;
  weight: number;
  weightType: 'variable' | 'fix';
  stickiness: string;
  payload?: { type: 'json' | 'string' | 'csv' | 'number'; value: string };
}

/**
 * Calls the Unleash Admin API with the raw token; returns the parsed JSON body (or `null` when empty).
 * @throws Error `"<METHOD> <path> → <status>: <body>"` on a non-2xx answer.
 */
export async function unleashApi<T = unknown>(
  url: string,
  token: string,
  method: string,
  path: string,
  body?: unknown,
): Promise<T> {
  const res = await fetch(`${url}${path}`, {
    method,
    headers: { Authorization: token, 'Content-Type': 'application/json', Accept: 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
    signal: AbortSignal.timeout(10_000),
  });
  const text = await res.text();
  if (!res.ok) throw new Error(`${method} ${path} → ${res.status}: ${text}`);
  return (text ? JSON.parse(text) : null) as T;
}

/** Enables the `production` environment on the `default` project if it is not (Unleash OSS has it by default). */
export async function ensureProductionEnabled(
  url: string,
  token: string,
  project = 'default',
): Promise<void> {
  const p = await unleashApi<{ environments?: Array<{ environment: string } | string> }>(
    url,
    token,
    'GET',
    `/api/admin/projects/${project}/overview`,
  );
  const names = (p.environments ?? []).map((e) => (typeof e === 'string' ? e : e.environment));
  if (!names.includes('production')) {
    await unleashApi(url, token, 'POST', `/api/admin/projects/${project}/environments`, {
      environment: 'production',
    });
  }
}

/** Options of {@link createFeatureWithRollout}. */
export interface CreateFeatureOptions {
  name: string;
  /** Default `production`. */
  environment?: string;
  /** Rollout % of the flexibleRollout strategy (0–100); default 25. */
  rollout?: number;
  /** JSON payload of a single `treatment` variant, e.g. `{modelVersion:'v2.4', minConfidence:0.8}`. */
  variantPayload?: Record<string, unknown>;
  /** Enable the environment after adding the strategy; default true. */
  enabled?: boolean;
  project?: string;
  /** Unleash feature type; default `release`. */
  type?: string;
  description?: string;
}

/**
 * Creates a feature with one flexibleRollout strategy (stickiness `default`, groupId = name) in one environment.
 *
 * Requests: `POST /api/admin/projects/{p}/features`, `POST …/environments/{env}/strategies`,
 * then `POST …/environments/{env}/on` when `enabled`.
 * @returns the created strategy's id.
 */
export async function createFeatureWithRollout(
  url: string,
  token: string,
  o: CreateFeatureOptions,
): Promise<{ strategyId: string }> {
  const project = o.project ?? 'default';
  const env = o.environment ?? 'production';
  const base = `/api/admin/projects/${project}/features`;
  await unleashApi(url, token, 'POST', base, {
    name: o.name,
    type: o.type ?? 'release',
    description: o.description ?? '',
  });
  const variants: UnleashVariant[] = o.variantPayload
    ? [
        {
          name: 'treatment',
          weight: 1000,
          weightType: 'variable',
          stickiness: 'default',
          payload: { type: 'json', value: JSON.stringify(o.variantPayload) },
        },
      ]
    : [];
  const strategy = await unleashApi<{ id: string }>(
    url,
    token,
    'POST',
    `${base}/${o.name}/environments/${env}/strategies`,
    {
      name: 'flexibleRollout',
      constraints: [],
      parameters: { rollout: String(o.rollout ?? 25), stickiness: 'default', groupId: o.name },
      variants,
    },
  );
  if (o.enabled ?? true) await unleashApi(url, token, 'POST', `${base}/${o.name}/environments/${env}/on`);
  return { strategyId: strategy.id };
}

/** A feature as `GET /api/admin/projects/{p}/features/{name}` returns it (fields tests use). */
export interface UnleashFeature {
  name: string;
  type: string;
  project: string;
  environments: Array<{
    name: string;
    enabled: boolean;
    strategies: Array<{
      id: string;
      name: string;
      title?: string | null;
      disabled?: boolean | null;
      parameters: Record<string, string>;
      constraints: unknown[];
      variants?: UnleashVariant[];
    }>;
  }>;
}

/** Reads a feature through Unleash's Admin API. */
export async function getFeature(
  url: string,
  token: string,
  name: string,
  project = 'default',
): Promise<UnleashFeature> {
  return unleashApi<UnleashFeature>(url, token, 'GET', `/api/admin/projects/${project}/features/${name}`);
}

/**
 * Sets the rollout % of the first flexibleRollout strategy of `name` in `environment`, directly in Unleash
 * (`PUT …/strategies/{id}` with the full strategy and `parameters.rollout` as a string).
 */
export async function setRollout(
  url: string,
  token: string,
  name: string,
  environment: string,
  rollout: number,
  project = 'default',
): Promise<void> {
  const f = await getFeature(url, token, name, project);
  const s = f.environments
    .find((e) => e.name === environment)
    ?.strategies.find((x) => x.name === 'flexibleRollout');
  if (!s) throw new Error(`${name} has no flexibleRollout strategy in ${environment}`);
  const { id, ...rest } = s;
  await unleashApi(
    url,
    token,
    'PUT',
    `/api/admin/projects/${project}/features/${name}/environments/${environment}/strategies/${id}`,
    {
      ...rest,
      parameters: { ...s.parameters, rollout: String(rollout) },
    },
  );
}

/** Turns a feature on or off in one environment directly in Unleash. */
export async function setEnabled(
  url: string,
  token: string,
  name: string,
  environment: string,
  enabled: boolean,
  project = 'default',
): Promise<void> {
  await unleashApi(
    url,
    token,
    'POST',
    `/api/admin/projects/${project}/features/${name}/environments/${environment}/${enabled ? 'on' : 'off'}`,
  );
}
