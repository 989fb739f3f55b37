import { defineConfig } from '@playwright/test';
import base from './playwright.config.js';

// The single-sign-on tests once more, against a provider signing ID, logout and access tokens with ES256
// (SIGNING_ALG): the apps take the algorithm from the provider's discovery document, so both must work.
// Workers load this file too, so the variable reaches startSsoSystem wherever it runs.
process.env.E2E_SIGNING_ALG = 'ES256';

export default defineConfig({
  ...base,
  testMatch: 'single-sign-on.spec.ts',
  // Beside the first run's results and logs, not over them.
  outputDir: './test-results/es256',
  reporter: process.env.CI ? [['list'], ['html', { open: 'never', outputFolder: 'playwright-report-es256' }]] : 'list',
});
