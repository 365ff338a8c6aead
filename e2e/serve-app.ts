/**
 * Starts `rcr serve` in a child process on its own temporary data folder and
 * returns the URL it printed. Every e2e test gets a fresh control room.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Channel, ChannelInput, ChannelOutput, Result } from '../shared/contract.ts';

const ROOT = path.resolve(import.meta.dirname, '..');

/** A running control room in browser mode. */
export interface ServedApp {
  url: string;
  dataDir: string;
  /** The `rcr serve` process id (to kill it mid-action). */
  pid: number;
  /** Runs the CLI against the same data folder; returns stdout (throws on non-zero exit). */
  cli(args: string[]): Promise<{ code: number; stdout: string; stderr: string }>;
  stop(): Promise<void>;
}

/** Options: a config file to write first, and extra environment (e.g. provider tokens). */
export interface ServeOptions {
  config?: unknown;
  env?: Record<string, string>;
  /** Serve this existing data folder (kept on stop) instead of a new temporary one. */
  dataDir?: string;
}

function runNode(args: string[], env: NodeJS.ProcessEnv): ChildProcess {
  return spawn(
    process.execPath,
    ['--disable-warning=ExperimentalWarning', path.join(ROOT, 'electron/cli/rcr.ts'), ...args],
    {
      cwd: ROOT,
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
}

/** Starts `rcr serve --port 0`; resolves when it prints `RCR_URL=`. */
export async function serveApp(options: ServeOptions = {}): Promise<ServedApp> {
  const dataDir = options.dataDir ?? fs.mkdtempSync(path.join(os.tmpdir(), 'rcr-e2e-'));
  if (options.config)
    fs.writeFileSync(path.join(dataDir, 'config.json'), JSON.stringify(options.config), { mode: 0o600 });
  const env = { ...process.env, ...options.env };
  const child = runNode(['--data-dir', dataDir, 'serve', '--port', '0'], env);
  let stderr = '';
  child.stderr?.on('data', (d: Buffer) => (stderr += d.toString()));
  const url = await new Promise<string>((resolve, reject) => {
    let out = '';
    const timer = setTimeout(() => reject(new Error(`rcr serve did not start in 30 s: ${stderr}`)), 30_000);
    child.stdout?.on('data', (d: Buffer) => {
      out += d.toString();
      const m = /^RCR_URL=(\S+)$/m.exec(out);
      if (m?.[1]) {
        clearTimeout(timer);
        resolve(m[1]);
      }
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`rcr serve exited with ${code}: ${stderr}`));
    });
  });
  return {
    url,
    dataDir,
    pid: child.pid ?? -1,
    cli(args) {
      return new Promise((resolve) => {
        const c = runNode(['--data-dir', dataDir, ...args], env);
        let stdout = '';
        let err = '';
        c.stdout?.on('data', (d: Buffer) => (stdout += d.toString()));
        c.stderr?.on('data', (d: Buffer) => (err += d.toString()));
        c.once('exit', (code) => resolve({ code: code ?? 1, stdout, stderr: err }));
      });
    },
    async stop() {
      if (child.exitCode === null && child.signalCode === null) {
        const exited = new Promise((r) => child.once('exit', r));
        child.kill('SIGTERM');
        await exited;
      }
      if (!options.dataDir) fs.rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/** Calls a contract channel on a served app directly (what the renderer does), returning the `Result`. */
export async function invokeApi<C extends Channel>(
  app: ServedApp,
  channel: C,
  input: ChannelInput<C>,
): Promise<Result<ChannelOutput<C>>> {
  const url = new URL(app.url);
  const res = await fetch(`${url.origin}/api/invoke/${channel}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-rcr-token': url.searchParams.get('token') ?? '' },
    body: JSON.stringify(input),
  });
  return (await res.json()) as Result<ChannelOutput<C>>;
}

/** Like {@link invokeApi} but returns the value, throwing the error message on failure. */
export async function invokeValue<C extends Channel>(
  app: ServedApp,
  channel: C,
  input: ChannelInput<C>,
): Promise<ChannelOutput<C>> {
  const r = await invokeApi(app, channel, input);
  if (!r.ok) throw new Error(`${channel}: ${r.error.code}: ${r.error.message}`);
  return r.value;
}
