import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: { name: 'next-lib', include: ['src/**/*.test.ts'] },
});
