import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';

/** Where a benchmark's service keeps its data: a fresh PostgreSQL database, or a PGlite directory of its own. */
export interface BenchDatabase {
  readonly kind: 'pglite' | 'postgres';
  /** The service environment that selects it. */
  readonly env: Record<string, string>;
  readonly target: { kind: 'postgres'; url: string } | { kind: 'pglite'; dataDir: string };
  drop(): Promise<void>;
}

export async function createPostgresDatabase(adminUrl: string, prefix = 'portcullis_bench'): Promise<BenchDatabase> {
  const name = `${prefix}_${randomBytes(5).toString('hex')}`;
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  try {
    await admin.query(`create database ${name}`);
  } finally {
    await admin.end();
  }
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  return {
    kind: 'postgres',
    env: { DATABASE_URL: url.toString() },
    target: { kind: 'postgres', url: url.toString() },
    async drop() {
      const cleanup = new pg.Client({ connectionString: adminUrl });
      await cleanup.connect();
      try {
        await cleanup.query(`drop database if exists ${name} with (force)`);
      } finally {
        await cleanup.end();
      }
    },
  };
}

export async function createPgliteDatabase(): Promise<BenchDatabase> {
  const dataDir = await mkdtemp(join(tmpdir(), 'portcullis-bench-'));
  return {
    kind: 'pglite',
    env: { DATA_DIR: dataDir },
    target: { kind: 'pglite', dataDir },
    drop: () => rm(dataDir, { recursive: true, force: true }),
  };
}

export function createDatabase(kind: 'pglite' | 'postgres', adminUrl: string | undefined): Promise<BenchDatabase> {
  if (kind === 'pglite') return createPgliteDatabase();
  if (adminUrl === undefined) throw new Error('PostgreSQL needs DATABASE_URL');
  return createPostgresDatabase(adminUrl);
}
