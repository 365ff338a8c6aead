/** `rcr serve [--port N]`: browser mode on 127.0.0.1 with a session token. */
import fs from 'node:fs';
import path from 'node:path';
import { openCore } from '../../core/app-core.ts';
import { startHttpServer } from '../../core/server/http-server.ts';
import { UsageError, type GlobalOptions } from '../cli-context.ts';

/** Folder of the built renderer (`npm run build:renderer`). */
export const RENDERER_DIR = path.resolve(import.meta.dirname, '../../../dist/renderer');

/** Runs until SIGINT/SIGTERM; prints `RCR_URL=<url>` on its own line for scripts. */
export async function serveCommand(g: GlobalOptions, a: { port?: string }): Promise<number> {
  const port = a.port === undefined ? 0 : Number(a.port);
  if (!Number.isInteger(port) || port < 0 || port > 65535)
    throw new UsageError(`--port must be 0–65535, not "${a.port}"`);
  if (!fs.existsSync(path.join(RENDERER_DIR, 'index.html')))
    throw new UsageError(
      `the renderer is not built (${RENDERER_DIR}); run \`npm run build:renderer\` or \`./run start\``,
    );
  const core = await openCore({ dataDir: g.dataDir, startSync: true });
  const server = await startHttpServer({ api: core, staticDir: RENDERER_DIR, port });
  process.stdout.write(
    `Rollout Control Room (browser mode) — data: ${g.dataDir}\nOpen: ${server.url}\nRCR_URL=${server.url}\n`,
  );
  await new Promise<void>((resolve) => {
    const stop = (): void => resolve();
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  });
  await server.close();
  await core.close();
  return 0;
}
