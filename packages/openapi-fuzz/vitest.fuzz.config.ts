import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

// `npm run test:fuzz`: the user-service fuzzed against its OpenAPI document (needs `npm run build` first).
export default defineConfig({
  root: fileURLToPath(new URL('.', import.meta.url)),
  test: { name: 'openapi-fuzz (user-service)', include: ['fuzz/**/*.fuzz.ts'], hookTimeout: 120_000 },
});
