/**
 * Global setup/teardown for test runs that may start PostgreSQL (vitest's integration project,
 * Playwright): remembers whether the cluster was online at the start and stops it at the end of
 * the run when the run started it ({@link stopClusterIfStartedSince}).
 */
import { clusterOnline, stopClusterIfStartedSince } from './postgres.ts';

/** vitest / Playwright global setup; returns the teardown. */
export default async function setup(): Promise<() => Promise<void>> {
  const wasOnline = await clusterOnline().catch(() => null);
  return async () => {
    if (await stopClusterIfStartedSince(wasOnline))
      console.log('[postgres] stopped the cluster this test run started');
  };
}
