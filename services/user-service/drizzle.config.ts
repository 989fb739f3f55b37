import { defineConfig } from 'drizzle-kit';

// Only used by `npx drizzle-kit generate` when the schema changes; the service applies the generated SQL itself.
export default defineConfig({
  dialect: 'postgresql',
  schema: './src/db/schema.ts',
  out: './drizzle',
});
