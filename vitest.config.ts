import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    // Test files start their own services and databases; two at a time suits a 2-core machine.
    maxWorkers: 2,
    projects: ['packages/*/vitest.config.ts', 'services/*/vitest.config.ts', 'apps/*/vitest.config.ts', 'bench/vitest.config.{ts,mts}', 'scripts/vitest.config.ts'],
  },
});
