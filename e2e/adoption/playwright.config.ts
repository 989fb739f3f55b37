import { defineConfig } from '@playwright/test';
import browserTests from '../playwright.config.js';

// The adoption test: a fresh Next.js app outside this repository, wired only from docs/next-library.md, against a
// real user-service. global-setup packs, installs and builds it (about a minute); needs `npm run build` first.
export default defineConfig({
  testDir: '.',
  // Not Playwright's default (the repository's test-results/, emptied at start, where npm test keeps its reports).
  outputDir: '../test-results/adoption',
  testMatch: 'adoption.spec.ts',
  globalSetup: './global-setup.ts',
  workers: 1,
  retries: 0,
  timeout: 60_000,
  expect: { timeout: 10_000 },
  reporter: 'list',
  // Debian's Chromium with the browser tests' flags.
  use: browserTests.use,
});
