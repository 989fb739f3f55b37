import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    name: 'user-service',
    include: ['src/**/*.test.ts'],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    // Each file starts its own services and databases; two at a time suits a 2-core machine.
    maxWorkers: 2,
  },
});
