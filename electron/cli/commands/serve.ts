/**
 * `rcr serve [--port N] [--host H (--tls-cert F --tls-key F | --insecure)] [--read-only]`:
 * browser mode with a session token.
 *
 * - Binds 127.0.0.1 by default. Another `--host` (a LAN address, `0.0.0.0`)
 *   needs `--tls-cert/--tls-key` (HTTPS + WSS) or `--insecure`, which prints a
 *   loud warning: the session token and every change would travel in clear text.
 * - `--read-only`: a wall display. Only the read-only channels are routed; the
 *   core refuses the others too, and the renderer hides its action buttons. The
 *   core writes nothing: a read-only SQLite connection, no sync, no monitor, no
 *   outbox, no Prometheus polling (it shows what the other processes stored).
 * - A busy-database error escaping a background task (another process held the
 *   write lock) is reported on stderr and survived ({@link surviveBusyDatabase}).
 * - Tokens come from the environment (`tokenEnv`) or a 0600 file named by
 *   `<tokenEnv>_FILE`; browser mode cannot store tokens.
 */
import fs from 'node:fs';
import path from 'node:path';
import { openCore } from '../../core/app-core.ts';
import { startHttpServer } from '../../server/http-server.ts';
import { exposureProblem, isLoopbackHost } from '../../server/request-guard.ts';
import { surviveBusyDatabase, UsageError, type GlobalOptions } from '../cli-context.ts';

/** Folder of the built renderer (`npm run build:renderer`). */
export const RENDERER_DIR = path.resolve(import.meta.dirname, '../../../dist/renderer');

/** Options of `rcr serve` (strings as parsed from argv). */
export interface ServeArgs {
  port?: string;
  host?: string;
  tlsCert?: string;
  tlsKey?: string;
  insecure?: boolean;
  readOnly?: boolean;
}

/** Reads a PEM file named by `flag`; a usage error names the flag and file when it cannot be read. */
function readPem(flag: string, file: string): Buffer {
  try {
    return fs.readFileSync(file);
  } catch (error) {
    throw new UsageError(
      `${flag}: cannot read ${file} (${(error as NodeJS.ErrnoException).code ?? 'error'})`,
    );
  }
}

/** Runs until SIGINT/SIGTERM; prints `RCR_URL=<url>` on its own line for scripts. */
export async function serveCommand(g: GlobalOptions, a: ServeArgs): Promise<number> {
  const port = a.port === undefined ? 0 : Number(a.port);
  if (!Number.isInteger(port) || port < 0 || port > 65535)
    throw new UsageError(`--port must be 0–65535, not "${a.port}"`);
  const host = a.host ?? '127.0.0.1';
  if ((a.tlsCert === undefined) !== (a.tlsKey === undefined))
    throw new UsageError('--tls-cert and --tls-key go together');
  const tls =
    a.tlsCert !== undefined && a.tlsKey !== undefined
      ? { cert: readPem('--tls-cert', a.tlsCert), key: readPem('--tls-key', a.tlsKey) }
      : undefined;
  const problem = exposureProblem(host, tls !== undefined, a.insecure === true);
  if (problem) throw new UsageError(problem);
  if (!fs.existsSync(path.join(RENDERER_DIR, 'index.html')))
    throw new UsageError(
      `the renderer is not built (${RENDERER_DIR}); run \`npm run build:renderer\` or \`./run start\``,
    );
  if (!tls && !isLoopbackHost(host))
    process.stderr.write(
      [
        '',
        '!!! WARNING: --insecure: serving plain HTTP on a network interface !!!',
        `!!! Anyone on the network path to ${host} can read the session token and every flag,`,
        '!!! and with it turn production features on or off. Use --tls-cert/--tls-key instead.',
        '',
      ].join('\n'),
    );
  const unguard = surviveBusyDatabase('serve');
  const core = await openCore({
    dataDir: g.dataDir,
    startSync: a.readOnly !== true,
    readOnly: a.readOnly === true,
    actor: g.actor,
  }).catch((error: unknown) => {
    unguard();
    throw error;
  });
  let server;
  try {
    server = await startHttpServer({
      api: core,
      staticDir: RENDERER_DIR,
      port,
      host,
      tls,
      insecure: a.insecure === true,
      readOnly: a.readOnly === true,
      // Browser-mode imports upload their bytes here (deleted after each import).
      uploadDir: path.join(g.dataDir, 'imports'),
    });
  } catch (error) {
    await core.close();
    unguard();
    throw error;
  }
  const mode = server.readOnly ? ', read-only' : '';
  process.stdout.write(
    `Rollout Control Room (browser mode${mode}) — data: ${g.dataDir}\nOpen: ${server.url}\nRCR_URL=${server.url}\n`,
  );
  await new Promise<void>((resolve) => {
    const stop = (): void => resolve();
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  });
  await server.close();
  await core.close();
  unguard();
  return 0;
}
