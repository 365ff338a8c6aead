/**
 * Starts the metrics fixture service + a Prometheus scraping it, for manual runs.
 *
 * Usage: `node test/support/prometheus-cli.ts [--rps N] [--interval S] [--verbose]`
 * Prints `PROMETHEUS_URL=<url> FIXTURE_URL=<url>` on one stdout line once Prometheus is
 * ready and scraping, then runs until SIGTERM/SIGINT, when it stops both. Exit code 1 if
 * startup fails.
 */
import { startFixtureService } from './metrics-fixture-service.ts';
import { startPrometheus, waitForTargetsUp } from './prometheus.ts';

function argValue(name: string): string | undefined {
  const i = process.argv.indexOf(name);
  return i >= 0 ? process.argv[i + 1] : undefined;
}

const rps = argValue('--rps');
const interval = argValue('--interval');
try {
  const fixture = await startFixtureService({ requestsPerSecond: rps ? Number(rps) : undefined });
  const prom = await startPrometheus({
    scrapeTargets: [fixture.target],
    scrapeIntervalSeconds: interval ? Number(interval) : undefined,
    verbose: process.argv.includes('--verbose'),
  }).catch(async (err: unknown) => {
    await fixture.stop();
    throw err;
  });
  await waitForTargetsUp(prom.url);
  console.log(`PROMETHEUS_URL=${prom.url} FIXTURE_URL=${fixture.url}`);
  console.error(`rcr: Prometheus ready in ${prom.startupMs} ms (pid ${prom.pid}); SIGTERM to stop`);
  const keepAlive = setInterval(() => undefined, 60_000);
  let stopping = false;
  const shutdown = () => {
    if (stopping) return;
    stopping = true;
    clearInterval(keepAlive);
    void Promise.all([prom.stop(), fixture.stop()]).finally(() => process.exit(0));
  };
  process.on('SIGTERM', shutdown);
  process.on('SIGINT', shutdown);
} catch (err) {
  console.error(`rcr: could not start Prometheus: ${err instanceof Error ? err.message : String(err)}`);
  process.exit(1);
}
