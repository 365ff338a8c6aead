/**
 * A real Prometheus server (Debian `prometheus` package) for integration tests.
 *
 * {@link startPrometheus} installs the package with apt-get when `/usr/bin/prometheus` is
 * missing (CI machines start fresh), writes a config and a data dir into a fresh temp dir,
 * runs `/usr/bin/prometheus` as a child process on a free 127.0.0.1 port, and waits for
 * `/-/ready`. Usable from vitest and plain Node (no test-runner APIs here).
 */
import { execFile, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** The binary the Debian package installs; env `RCR_PROMETHEUS_BIN` overrides. */
export const PROMETHEUS_BIN = process.env.RCR_PROMETHEUS_BIN ?? '/usr/bin/prometheus';

/** Options of {@link startPrometheus}. */
export interface StartPrometheusOptions {
  /** Scrape targets as `host:port` (loopback), all in one job `rcr-fixture`. */
  scrapeTargets: string[];
  /** Scrape (and evaluation) interval in seconds; default 1. */
  scrapeIntervalSeconds?: number;
  /** Max time to wait for `/-/ready`, ms; default 60 000. */
  startTimeoutMs?: number;
  /** Print Prometheus's log (or set env `RCR_PROMETHEUS_LOG=1`). */
  verbose?: boolean;
}

/** A running Prometheus. */
export interface PrometheusHandle {
  /** Base URL, e.g. `http://127.0.0.1:43123` (no trailing slash). */
  url: string;
  port: number;
  /** Child process id. */
  pid: number;
  /** ms from spawn until `/-/ready` answered 200. */
  startupMs: number;
  /** Kills Prometheus (SIGTERM, SIGKILL after 5 s) and removes its temp dir. Idempotent. */
  stop(): Promise<void>;
}

async function sh(file: string, args: string[]): Promise<string> {
  try {
    const { stdout } = await run(file, args, { maxBuffer: 16 * 1024 * 1024 });
    return stdout;
  } catch (err) {
    const e = err as { stderr?: string; message: string };
    throw new Error(`${file} ${args.join(' ')} failed: ${(e.stderr ?? '').trim() || e.message}`, {
      cause: err,
    });
  }
}

async function asRoot(file: string, args: string[]): Promise<string> {
  const uid = process.getuid?.() ?? -1;
  return uid === 0 ? sh(file, args) : sh('sudo', ['-n', file, ...args]);
}

/**
 * Installs the Debian `prometheus` package (`apt-get update && apt-get install -y
 * --no-install-recommends prometheus`) when {@link PROMETHEUS_BIN} is absent.
 * @throws Error with apt-get's stderr (no root/sudo, no network).
 */
export async function ensurePrometheusInstalled(): Promise<void> {
  if (existsSync(PROMETHEUS_BIN)) return;
  await asRoot('apt-get', ['update', '-q']);
  await asRoot('env', [
    'DEBIAN_FRONTEND=noninteractive',
    'apt-get',
    'install',
    '-y',
    '-q',
    '--no-install-recommends',
    'prometheus',
  ]);
  if (!existsSync(PROMETHEUS_BIN)) {
    throw new Error(`apt-get installed prometheus but ${PROMETHEUS_BIN} does not exist`);
  }
}

/** A free TCP port on 127.0.0.1 (bound then released; tiny race window). */
export async function freePort(): Promise<number> {
  const srv = createServer();
  await new Promise<void>((resolve, reject) => {
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', resolve);
  });
  const port = (srv.address() as AddressInfo).port;
  await new Promise<void>((resolve) => srv.close(() => resolve()));
  return port;
}

/** The Prometheus config: one job scraping `targets` every `intervalSeconds`. */
export function prometheusConfig(targets: string[], intervalSeconds: number): string {
  const list = targets.map((t) => `'${t}'`).join(', ');
  return [
    'global:',
    `  scrape_interval: ${intervalSeconds}s`,
    `  scrape_timeout: ${intervalSeconds}s`,
    `  evaluation_interval: ${intervalSeconds}s`,
    'scrape_configs:',
    '  - job_name: rcr-fixture',
    '    static_configs:',
    `      - targets: [${list}]`,
    '',
  ].join('\n');
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Starts Prometheus on a free 127.0.0.1 port, scraping `scrapeTargets`.
 * @throws Error when the install fails, the process exits early (its log tail is in the
 *   message), or `/-/ready` does not answer within `startTimeoutMs`.
 */
export async function startPrometheus(opts: StartPrometheusOptions): Promise<PrometheusHandle> {
  const interval = opts.scrapeIntervalSeconds ?? 1;
  const startTimeoutMs = opts.startTimeoutMs ?? 60_000;
  const verbose = opts.verbose ?? process.env.RCR_PROMETHEUS_LOG === '1';
  await ensurePrometheusInstalled();

  const dir = await mkdtemp(join(tmpdir(), 'rcr-prometheus-'));
  const configFile = join(dir, 'prometheus.yml');
  await writeFile(configFile, prometheusConfig(opts.scrapeTargets, interval));
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;

  const t0 = performance.now();
  const child = spawn(
    PROMETHEUS_BIN,
    [
      `--config.file=${configFile}`,
      `--storage.tsdb.path=${join(dir, 'data')}`,
      `--web.listen-address=127.0.0.1:${port}`,
      '--storage.tsdb.retention.time=1h',
      `--log.level=${verbose ? 'info' : 'warn'}`,
    ],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let log = '';
  const onData = (chunk: Buffer) => {
    const s = chunk.toString();
    log = (log + s).slice(-4000);
    if (verbose) process.stderr.write(`[prometheus] ${s}`);
  };
  child.stdout.on('data', onData);
  child.stderr.on('data', onData);
  let exited: { code: number | null; signal: NodeJS.Signals | null } | undefined;
  const exitPromise = new Promise<void>((resolve) => {
    child.once('exit', (code, signal) => {
      exited = { code, signal };
      resolve();
    });
  });
  let spawnError: Error | undefined;
  child.once('error', (err) => {
    spawnError = err;
  });
  // Never leave an orphan Prometheus behind if the test process dies.
  const killOnExit = () => child.kill('SIGKILL');
  process.once('exit', killOnExit);

  let stopping: Promise<void> | undefined;
  const stop = (): Promise<void> => {
    stopping ??= (async () => {
      process.off('exit', killOnExit);
      if (!exited && !spawnError) {
        child.kill('SIGTERM');
        const killer = setTimeout(() => child.kill('SIGKILL'), 5000);
        await exitPromise;
        clearTimeout(killer);
      }
      await rm(dir, { recursive: true, force: true });
    })();
    return stopping;
  };

  const deadline = Date.now() + startTimeoutMs;
  for (;;) {
    if (spawnError || exited) {
      await stop();
      const why = spawnError ? spawnError.message : `exited with ${exited?.code ?? exited?.signal}`;
      throw new Error(`prometheus ${why} before it was ready; log tail:\n${log}`);
    }
    try {
      const res = await fetch(`${url}/-/ready`, { signal: AbortSignal.timeout(1000) });
      if (res.ok) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) {
      await stop();
      throw new Error(`prometheus not ready at ${url} after ${startTimeoutMs} ms; log tail:\n${log}`);
    }
    await sleep(100);
  }
  const startupMs = Math.round(performance.now() - t0);
  return { url, port, pid: child.pid!, startupMs, stop };
}

/**
 * Waits until every active target of the Prometheus at `url` reports `health: "up"`
 * (`GET /api/v1/targets`).
 * @throws Error listing the targets' health and last errors on timeout.
 */
export async function waitForTargetsUp(url: string, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let last = '';
  for (;;) {
    try {
      const res = await fetch(`${url}/api/v1/targets?state=active`, { signal: AbortSignal.timeout(1000) });
      const body = (await res.json()) as {
        data?: { activeTargets?: Array<{ scrapeUrl: string; health: string; lastError: string }> };
      };
      const targets = body.data?.activeTargets ?? [];
      last = targets.map((t) => `${t.scrapeUrl}: ${t.health} ${t.lastError}`).join('; ');
      if (targets.length > 0 && targets.every((t) => t.health === 'up')) return;
    } catch (err) {
      last = String(err);
    }
    if (Date.now() > deadline) throw new Error(`Prometheus targets not up after ${timeoutMs} ms: ${last}`);
    await sleep(200);
  }
}
