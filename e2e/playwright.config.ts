import { defineConfig, devices } from '@playwright/test';

// Self-contained: global-setup starts a fresh user-service (in memory, 5 s access tokens) behind a
// switchable gateway and the built web app in production mode, on free ports. Needs `npm run build` first.
export default defineConfig({
  testDir: './tests',
  // Traces and screenshots here, not in the repository's test-results/ (Playwright's default, which it empties at start)
  // where npm test keeps every stage's report.
  outputDir: './test-results/artifacts',
  globalSetup: './harness/global-setup.ts',
  // One worker: tests share one backend and one gateway, and the outage test switches it off for everyone.
  workers: 1,
  fullyParallel: false,
  retries: 0,
  timeout: 60_000,
  expect: { timeout: 10_000 },
  reporter: process.env.CI ? [['list'], ['html', { open: 'never' }]] : 'list',
  use: {
    ...devices['Desktop Chrome'],
    trace: 'retain-on-failure',
    launchOptions: {
      // Debian's Chromium; never `npx playwright install` (no downloads on these machines).
      executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
      args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    },
  },
});
