/**
 * Real PostgreSQL for integration and e2e tests (Debian `postgresql` package).
 *
 * Uses the machine's cluster (`pg_lsclusters` / `pg_ctlcluster`), installs the
 * `postgresql` package with apt-get when it is missing, and creates a test role
 * with a password so tests connect over TCP (127.0.0.1, scram-sha-256, the
 * Debian default `pg_hba.conf`). Superuser steps run `psql` as the `postgres`
 * OS user; everything else connects as the test role.
 */
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** How tests connect to PostgreSQL (TCP, password auth). */
export interface PgConnection {
  host: string;
  port: number;
  user: string;
  password: string;
}

/** A running PostgreSQL cluster; `stop()` stops it only if {@link ensurePostgres} started it. */
export interface PostgresHandle {
  connection: PgConnection;
  stop(): Promise<void>;
}

/** Test role created by {@link ensurePostgres} (LOGIN CREATEDB, not superuser). */
export const TEST_ROLE = { user: 'rcr_test', password: 'rcr_test' } as const;

interface Cluster {
  version: string;
  name: string;
  port: number;
  online: boolean;
}

async function sh(file: string, args: string[], env?: NodeJS.ProcessEnv): Promise<string> {
  try {
    const { stdout } = await run(file, args, {
      env: { ...process.env, ...env },
      maxBuffer: 16 * 1024 * 1024,
    });
    return stdout;
  } catch (err) {
    const e = err as { stderr?: string; message: string };
    throw new Error(`${file} ${args.join(' ')} failed: ${(e.stderr ?? '').trim() || e.message}`, {
      cause: err,
    });
  }
}

/** Runs a command as the `postgres` OS user (we are root, or already `postgres`, or have passwordless sudo). */
async function asPostgres(file: string, args: string[]): Promise<string> {
  const uid = process.getuid?.() ?? -1;
  if (uid === 0) return sh('runuser', ['-u', 'postgres', '--', file, ...args]);
  if (process.env.USER === 'postgres') return sh(file, args);
  return sh('sudo', ['-n', '-u', 'postgres', '--', file, ...args]);
}

async function asRoot(file: string, args: string[]): Promise<string> {
  const uid = process.getuid?.() ?? -1;
  return uid === 0 ? sh(file, args) : sh('sudo', ['-n', file, ...args]);
}

async function installPostgres(): Promise<void> {
  await asRoot('apt-get', ['update', '-q']);
  await asRoot('env', ['DEBIAN_FRONTEND=noninteractive', 'apt-get', 'install', '-y', '-q', 'postgresql']);
}

async function listClusters(): Promise<Cluster[]> {
  // `pg_lsclusters -h`: "15 main 5432 online postgres /var/lib/... /var/log/..."
  const out = await sh('pg_lsclusters', ['-h']);
  return out
    .split('\n')
    .map((l) => l.trim().split(/\s+/))
    .filter((f) => f.length >= 4 && f[0] !== '')
    .map((f) => ({ version: f[0]!, name: f[1]!, port: Number(f[2]), online: f[3]!.startsWith('online') }));
}

/** Sends a SQL statement as the `postgres` superuser (local socket, peer auth). */
async function superSql(port: number, sql: string): Promise<string> {
  return asPostgres('psql', ['-p', String(port), '-d', 'postgres', '-v', 'ON_ERROR_STOP=1', '-tAc', sql]);
}

/**
 * Makes sure a PostgreSQL cluster runs and the test role exists.
 *
 * Steps: apt-get install `postgresql` if `pg_ctlcluster` is absent; start the
 * first cluster (preferring 15/main) if it is down; `CREATE ROLE rcr_test LOGIN
 * CREATEDB PASSWORD 'rcr_test'` if the role is missing.
 *
 * @returns `connection` (host 127.0.0.1, the cluster's port, the test role) and
 *   `stop()`, which stops the cluster only when this call started it.
 * @throws Error with the failing command's stderr (no apt, no root/sudo, cluster won't start).
 */
export async function ensurePostgres(): Promise<PostgresHandle> {
  if (!existsSync('/usr/bin/pg_ctlcluster')) await installPostgres();
  let clusters = await listClusters();
  if (clusters.length === 0)
    throw new Error('PostgreSQL is installed but has no cluster (pg_lsclusters is empty)');
  const cluster = clusters.find((c) => c.version === '15' && c.name === 'main') ?? clusters[0]!;
  let startedHere = false;
  if (!cluster.online) {
    try {
      await asRoot('pg_ctlcluster', [cluster.version, cluster.name, 'start']);
      startedHere = true;
    } catch (err) {
      // Another process may have started it at the same moment.
      clusters = await listClusters();
      if (!clusters.find((c) => c.version === cluster.version && c.name === cluster.name)?.online) throw err;
    }
  }
  const exists = await superSql(cluster.port, `SELECT 1 FROM pg_roles WHERE rolname = '${TEST_ROLE.user}'`);
  if (exists.trim() !== '1') {
    try {
      await superSql(
        cluster.port,
        `CREATE ROLE ${TEST_ROLE.user} LOGIN CREATEDB PASSWORD '${TEST_ROLE.password}'`,
      );
    } catch (err) {
      if (!String(err).includes('already exists')) throw err;
    }
  }
  return {
    connection: { host: '127.0.0.1', port: cluster.port, user: TEST_ROLE.user, password: TEST_ROLE.password },
    async stop() {
      if (startedHere) await asRoot('pg_ctlcluster', [cluster.version, cluster.name, 'stop']);
    },
  };
}

/** Runs SQL as the test role over TCP (`psql -h 127.0.0.1`); returns psql's unaligned output. */
export async function testSql(connection: PgConnection, sql: string, database = 'postgres'): Promise<string> {
  return sh(
    'psql',
    [
      '-h',
      connection.host,
      '-p',
      String(connection.port),
      '-U',
      connection.user,
      '-d',
      database,
      '-v',
      'ON_ERROR_STOP=1',
      '-tAc',
      sql,
    ],
    { PGPASSWORD: connection.password },
  );
}

/** Creates an empty database owned by the test role. `name` must be a plain identifier. */
export async function createDatabase(connection: PgConnection, name: string): Promise<void> {
  assertIdent(name);
  await testSql(connection, `CREATE DATABASE ${name}`);
}

/** Drops a database, disconnecting its sessions first (`WITH (FORCE)`, PostgreSQL ≥ 13). */
export async function dropDatabase(connection: PgConnection, name: string): Promise<void> {
  assertIdent(name);
  await testSql(connection, `DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
}

function assertIdent(name: string): void {
  if (!/^[a-z_][a-z0-9_]{0,62}$/.test(name)) throw new Error(`not a plain database name: ${name}`);
}

/** Whether the cluster {@link ensurePostgres} uses (15/main, else the first) is online; null without PostgreSQL. */
export async function clusterOnline(): Promise<boolean | null> {
  if (!existsSync('/usr/bin/pg_lsclusters')) return null;
  const clusters = await listClusters();
  const cluster = clusters.find((c) => c.version === '15' && c.name === 'main') ?? clusters[0];
  return cluster ? cluster.online : null;
}

/**
 * Stops the cluster when it was not online before this run (`wasOnline`, from
 * {@link clusterOnline}) and is online now: test runs stop what they started. Several test files
 * (and workers) share the cluster during a run, so it is stopped once, at the end of the run —
 * by the runners' global teardown (vitest.config.ts, playwright.config.ts) or the bench script.
 */
export async function stopClusterIfStartedSince(wasOnline: boolean | null): Promise<boolean> {
  if (wasOnline !== false) return false;
  const clusters = await listClusters();
  const cluster = clusters.find((c) => c.version === '15' && c.name === 'main') ?? clusters[0];
  if (!cluster?.online) return false;
  await asRoot('pg_ctlcluster', [cluster.version, cluster.name, 'stop']);
  return true;
}
