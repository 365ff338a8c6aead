import { defineConfig } from 'vitest/config';

/** Two projects: fast `unit` tests, and `integration` tests against real services (Unleash + PostgreSQL). */
export default defineConfig({
  test: {
    projects: [
      {
        test: {
          name: 'unit',
          include: [
            'electron/**/*.test.ts',
            'shared/**/*.test.ts',
            'renderer/**/*.test.{ts,tsx}',
            'bench/**/*.test.ts',
            'examples/**/*.test.ts',
            'test/security/**/*.test.ts',
            'test/lint/**/*.test.ts',
          ],
          environment: 'node',
        },
      },
      {
        test: {
          name: 'integration',
          include: ['test/integration/**/*.test.ts'],
          environment: 'node',
          testTimeout: 60_000,
          hookTimeout: 240_000,
          fileParallelism: false,
          // Stops PostgreSQL at the end when this run started it.
          globalSetup: ['test/support/postgres-global.ts'],
        },
      },
    ],
  },
});
