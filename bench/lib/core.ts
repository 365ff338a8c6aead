/** Opens a control-room core on a fresh temporary data folder for a bench. */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { openCore, type AppCore } from '../../electron/core/app-core.ts';
import type { ProviderConfig } from '../../electron/core/config.ts';
import type { FlagProvider } from '../../electron/core/providers/provider.ts';
import { createProvider } from '../../electron/core/providers/registry.ts';

export interface BenchCore {
  core: AppCore;
  dataDir: string;
  /** Closes the core and deletes the data folder. */
  dispose(): Promise<void>;
}

export interface BenchCoreOptions {
  /** Providers in the config file. */
  providers: ProviderConfig[];
  /** Provider instances to use instead of building them from the config, by name. */
  inject?: Record<string, FlagProvider>;
  /** Wraps every provider built from the config (e.g. to time its calls). */
  wrap?: (p: FlagProvider) => FlagProvider;
  env?: NodeJS.ProcessEnv;
  /** The core's clock (ms since epoch); the real one when omitted. */
  now?: () => number;
}

/** A fresh data folder with the given providers; background polling off. */
export async function openBenchCore(options: BenchCoreOptions): Promise<BenchCore> {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'rcr-bench-'));
  fs.writeFileSync(
    path.join(dataDir, 'config.json'),
    JSON.stringify({ version: 1, syncIntervalMs: 15_000, actor: 'bench', providers: options.providers }),
    { mode: 0o600 },
  );
  const core = await openCore({
    dataDir,
    startSync: false,
    env: options.env ?? process.env,
    ...(options.now ? { now: options.now } : {}),
    providerFactory: (config, db, env, now) => {
      const injected = options.inject?.[config.name];
      const built = injected ?? createProvider(config, db, env, now);
      return options.wrap ? options.wrap(built) : built;
    },
  });
  return {
    core,
    dataDir,
    async dispose() {
      await core.close();
      fs.rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
