import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { PGlite } from '@electric-sql/pglite';
import { sql } from 'drizzle-orm';
import { drizzle as drizzlePglite } from 'drizzle-orm/pglite';
import { migrate as migratePglite } from 'drizzle-orm/pglite/migrator';
import { drizzle as drizzlePostgres } from 'drizzle-orm/node-postgres';
import { migrate as migratePostgres } from 'drizzle-orm/node-postgres/migrator';
import type { PgDatabase, PgQueryResultHKT } from 'drizzle-orm/pg-core';
import pg from 'pg';
import type { Config } from '../config.js';
import { schema } from './schema.js';

export type Db = PgDatabase<PgQueryResultHKT, typeof schema>;
/** The handle inside `db.transaction(...)`: writes through it commit or roll back together. */
export type DbTransaction = Parameters<Parameters<Db['transaction']>[0]>[0];

export interface Database {
  readonly kind: 'pglite' | 'postgres';
  readonly db: Db;
  /** Resolves when the database answers a trivial query; used by `/readyz`. */
  ping(): Promise<void>;
  close(): Promise<void>;
}

const migrationsFolder = fileURLToPath(new URL('../../drizzle', import.meta.url));
// Any constant works; all instances must agree so that only one migrates at a time.
const MIGRATION_LOCK_ID = 7_214_001;

export interface OpenDatabaseOptions {
  /** Called when the PostgreSQL pool loses a connection in the background (a restart, a network cut). */
  onBackgroundError?: (error: Error) => void;
}

/** Opens PGlite in the data directory, or PostgreSQL when configured, and brings the schema up to date. */
export async function openDatabase(target: Config['database'], options: OpenDatabaseOptions = {}): Promise<Database> {
  return target.kind === 'postgres' ? openPostgres(target.url, options) : openPglite(target.dataDir);
}

async function openPglite(dataDir: string): Promise<Database> {
  const inMemory = dataDir.startsWith('memory://');
  const location = inMemory ? 'memory://' : join(dataDir, 'pglite');
  if (!inMemory) mkdirSync(location, { recursive: true });
  const client = await PGlite.create(location);
  const db = drizzlePglite({ client, schema });
  await migratePglite(db, { migrationsFolder });
  return {
    kind: 'pglite',
    db,
    ping: async () => {
      await db.execute(sql`select 1`);
    },
    close: () => client.close(),
  };
}

async function openPostgres(url: string, options: OpenDatabaseOptions): Promise<Database> {
  const pool = new pg.Pool({
    connectionString: url,
    max: 10,
    // Fail fast while PostgreSQL is away so callers get 503 instead of a hang.
    connectionTimeoutMillis: 2_000,
    query_timeout: 10_000,
  });
  pool.on('error', (error) => options.onBackgroundError?.(error));
  const migrationClient = await pool.connect();
  try {
    await migrationClient.query('select pg_advisory_lock($1)', [MIGRATION_LOCK_ID]);
    await migratePostgres(drizzlePostgres({ client: migrationClient, schema }), { migrationsFolder });
  } finally {
    await migrationClient.query('select pg_advisory_unlock($1)', [MIGRATION_LOCK_ID]).catch(() => undefined);
    migrationClient.release();
  }
  const db = drizzlePostgres({ client: pool, schema });
  return {
    kind: 'postgres',
    db,
    ping: async () => {
      await db.execute(sql`select 1`);
    },
    close: () => pool.end(),
  };
}

const UNAVAILABLE_NODE_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'ENOTFOUND', 'EAI_AGAIN']);

/**
 * True when an error means "the database cannot answer right now" (connection lost, server shutting down), as opposed
 * to a bug. Such errors become 503 `unavailable`, never 500, so clients keep their sessions and retry.
 */
export function isDatabaseUnavailable(error: unknown): boolean {
  for (let current: unknown = error, depth = 0; current instanceof Error && depth < 5; depth += 1) {
    const code = (current as { code?: unknown }).code;
    if (typeof code === 'string') {
      // SQLSTATE class 08 (connection exception), 57P0x (operator intervention: shutdown), 53 (insufficient resources).
      if (code.startsWith('08') || code.startsWith('57P') || code.startsWith('53') || UNAVAILABLE_NODE_CODES.has(code)) return true;
    }
    if (/Connection terminated|timeout exceeded when trying to connect|Query read timeout|Client has encountered a connection error/i.test(current.message)) {
      return true;
    }
    current = current.cause;
  }
  return false;
}
