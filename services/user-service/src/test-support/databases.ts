import { randomBytes } from 'node:crypto';
import pg from 'pg';

export interface TestBackend {
  readonly name: 'pglite' | 'postgres';
  /** Environment for the service: an in-memory PGlite, or a fresh PostgreSQL database. */
  create(): Promise<{ env: Record<string, string>; drop(): Promise<void> }>;
}

const pgliteBackend: TestBackend = {
  name: 'pglite',
  create: async () => ({ env: { DATA_DIR: 'memory://' }, drop: async () => undefined }),
};

/** A database of its own for each test file, dropped afterwards, on the PostgreSQL that DATABASE_URL names. */
function postgresBackend(adminUrl: string): TestBackend {
  return {
    name: 'postgres',
    async create() {
      const name = `portcullis_test_${randomBytes(6).toString('hex')}`;
      const admin = new pg.Client({ connectionString: adminUrl });
      await admin.connect();
      await admin.query(`create database ${name}`);
      await admin.end();
      const url = new URL(adminUrl);
      url.pathname = `/${name}`;
      return {
        env: { DATABASE_URL: url.toString() },
        async drop() {
          const cleanup = new pg.Client({ connectionString: adminUrl });
          await cleanup.connect();
          await cleanup.query(`drop database if exists ${name} with (force)`);
          await cleanup.end();
        },
      };
    },
  };
}

/**
 * The storage back-ends to run a suite on: always PGlite, and PostgreSQL when DATABASE_URL is set.
 * When it is not, the PostgreSQL runs are reported as skipped with the reason.
 */
export function testBackends(): TestBackend[] {
  const url = process.env.DATABASE_URL;
  return url === undefined || url === '' ? [pgliteBackend] : [pgliteBackend, postgresBackend(url)];
}

export const POSTGRES_SKIP_REASON = 'DATABASE_URL is not set: PostgreSQL runs skipped (set it, as .ci/run does, to run them)';
