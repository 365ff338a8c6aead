/**
 * Starts PostgreSQL + a fresh Unleash for manual runs and e2e setup.
 *
 * Usage: `node test/support/unleash-cli.ts [--port N] [--verbose]`
 * Prints `UNLEASH_URL=<url> UNLEASH_TOKEN=<admin token>` on one stdout line
 * once `/health` answers, then runs until SIGTERM/SIGINT, when it stops the
 * server and drops its database. Exit code 1 if startup fails.
 */
import { startUnleash } from './unleash.ts';

function argValue(name: string): string | undefined {
  const i = process.argv.indexOf(name);
  return i >= 0 ? process.argv[i + 1] : undefined;
}

const port = argValue('--port');
const started = Date.now();
try {
  const unleash = await startUnleash({
    port: port ? Number(port) : undefined,
    verbose: process.argv.includes('--verbose'),
  });
  console.log(`UNLEASH_URL=${unleash.url} UNLEASH_TOKEN=${unleash.token}`);
  console.error(
    `rcr: Unleash ready in ${Date.now() - started} ms (database ${unleash.database}); SIGTERM to stop`,
  );
  const keepAlive = setInterval(() => undefined, 60_000);
  let stopping = false;
  const shutdown = () => {
    if (stopping) return;
    stopping = true;
    clearInterval(keepAlive);
    void unleash.stop().finally(() => process.exit(0));
  };
  process.on('SIGTERM', shutdown);
  process.on('SIGINT', shutdown);
} catch (err) {
  console.error(`rcr: could not start Unleash: ${err instanceof Error ? err.message : String(err)}`);
  process.exit(1);
}
