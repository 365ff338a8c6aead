/**
 * The development-only `?mock` page mode: an in-memory API over the test fakes (test/fakes/), so
 * the screens can be tried without a core. main.tsx imports this module dynamically, and only
 * under `import.meta.env.DEV`, so production builds leave it (and the fakes) out. ESLint lets this
 * file, like the renderer's tests, import from test/ (eslint.config.js).
 */
import type { RcrApi } from '../shared/contract.ts';
import { createMockApi } from '../test/fakes/fake-api.ts';
import { makeMockFleet } from '../test/fakes/fake-fleet.ts';
import { makeMockMetrics } from '../test/fakes/fake-metrics.ts';
import { makeMockPredictionLogs } from '../test/fakes/fake-simulator.ts';

/**
 * The `?mock` page's API: a 2,000-flag fleet, with prediction logs and demo metrics for
 * chat-beta-1 (local / production, threshold 0.7, rollout 25 %), answering after 200 ms.
 */
export function mockApi(): RcrApi {
  const fleet = makeMockFleet(2000);
  const row = fleet.rows[9]!;
  const flag = { provider: row.provider, environment: row.environment, key: row.key };
  return createMockApi({
    ...fleet,
    predictions: makeMockPredictionLogs(flag),
    metrics: makeMockMetrics(flag),
    latencyMs: 200,
  });
}
