import { defineConfig } from '@playwright/test';

/**
 * E2E tests drive the renderer in browser mode (`rcr serve`) with Debian's
 * Chromium (`/usr/bin/chromium`, or `CHROMIUM_PATH`); Playwright never downloads a browser.
 * One worker: the machine has 2 cores and the Unleash spec runs a real server.
 */
export default defineConfig({
  testDir: 'e2e',
  // Stops PostgreSQL at the end when this run started it.
  globalSetup: './test/support/postgres-global.ts',
  timeout: 90_000,
  expect: { timeout: 15_000 },
  workers: 1,
  retries: 0,
  reporter: 'list',
  use: {
    browserName: 'chromium',
    headless: true,
    launchOptions: {
      executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
      args: [
        '--no-sandbox',
        '--disable-gpu',
        '--disable-background-networking',
        '--disable-component-update',
        '--no-first-run',
      ],
    },
    trace: 'off',
    screenshot: 'only-on-failure',
  },
});
