/**
 * Runs the local LaunchDarkly-API server (test/support/launchdarkly-server.ts) standalone,
 * for manual runs against `rcr serve`.
 *
 * Usage: `node test/support/launchdarkly-server-cli.ts [--port N] [--flags N] [--token T]`
 * Seeds `--flags` AI flags (default 3: `ld-ai-0` …) in `production`, `staging`, `test`
 * of project `default`, prints `LD_URL=<url> LD_TOKEN=<token>` on one stdout line, and
 * runs until SIGTERM/SIGINT.
 */
import { startLaunchDarklyServer } from './launchdarkly-server.ts';

function argValue(name: string): string | undefined {
  const i = process.argv.indexOf(name);
  return i >= 0 ? process.argv[i + 1] : undefined;
}

const port = argValue('--port');
const count = Number(argValue('--flags') ?? 3);
const server = await startLaunchDarklyServer({
  port: port ? Number(port) : undefined,
  token: argValue('--token'),
});
server.addFlags(
  Array.from({ length: count }, (_, i) => ({ key: `ld-ai-${i}`, name: `LaunchDarkly AI flag ${i}` })),
);
console.log(`LD_URL=${server.url} LD_TOKEN=${server.token}`);
console.error(
  `rcr: local LaunchDarkly API with ${count} flags in project "${server.project}"; SIGTERM to stop`,
);
const shutdown = () => void server.close().finally(() => process.exit(0));
process.on('SIGTERM', shutdown);
process.on('SIGINT', shutdown);
