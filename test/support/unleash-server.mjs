// Child-process entry that runs a real unleash-server for tests (started by
// test/support/unleash.ts). Plain ESM JavaScript so any Node >= 22 runs it
// without type stripping.
//
// Input: env RCR_UNLEASH_OPTIONS = JSON {serverImpl, db, port, token}.
// Output: one line `RCR_UNLEASH_READY <port>` on stdout once listening.
// Exits on SIGTERM/SIGINT, or when the parent's IPC channel closes (parent died).
import { pathToFileURL } from 'node:url';

const opts = JSON.parse(process.env.RCR_UNLEASH_OPTIONS ?? '{}');
const { start } = await import(pathToFileURL(opts.serverImpl).href);

const quiet = () => {};
const verbose = process.env.RCR_UNLEASH_LOG === '1';
const getLogger = (category) => ({
  debug: quiet,
  info: verbose ? (...a) => console.log(`[unleash ${category}]`, ...a) : quiet,
  warn: verbose ? (...a) => console.error(`[unleash ${category}]`, ...a) : quiet,
  error: (...a) => console.error(`[unleash ${category}]`, ...a),
  fatal: (...a) => console.error(`[unleash ${category}]`, ...a),
});

let unleash;
let stopping = false;
async function shutdown(code) {
  if (stopping) return;
  stopping = true;
  const force = setTimeout(() => process.exit(code), 5000);
  force.unref();
  try {
    await unleash?.stop();
  } catch {
    // exiting anyway
  }
  process.exit(code);
}
process.on('SIGTERM', () => void shutdown(0));
process.on('SIGINT', () => void shutdown(0));
process.on('disconnect', () => void shutdown(0));

try {
  unleash = await start({
    db: { ...opts.db, ssl: false },
    server: { port: opts.port, host: '127.0.0.1', gracefulShutdownEnable: false, enableRequestLogger: false },
    authentication: {
      type: 'open-source',
      createAdminUser: true,
      initApiTokens: [
        { environment: '*', projects: ['*'], secret: opts.token, type: 'admin', tokenName: 'rcr-test' },
      ],
    },
    versionCheck: { enable: false },
    telemetry: false,
    getLogger,
  });
  console.log(`RCR_UNLEASH_READY ${opts.port}`);
} catch (err) {
  console.error('[unleash] failed to start:', err);
  process.exit(1);
}
