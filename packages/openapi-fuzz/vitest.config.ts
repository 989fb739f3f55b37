import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: { name: 'openapi-fuzz', include: ['src/**/*.test.ts', 'fuzz/**/*.test.ts'], testTimeout: 30_000 },
});
