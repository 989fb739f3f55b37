import pg from 'pg';
import { createPostgresDatabase } from './databases.js';
import { PrivatePostgres, privatePostgresUnavailable } from './private-postgres.js';
import { TcpProxy } from './tcp-proxy.js';

/** A PostgreSQL server a fault test can take away and give back while the service uses it. */
export interface DatabaseOutage {
  /** What the service connects to. */
  readonly databaseUrl: string;
  /** A connection straight to the database, for the test's own checks after the outage. */
  readonly checkUrl: string;
  begin(): Promise<void>;
  end(): Promise<void>;
  close(): Promise<void>;
}

export interface DatabaseOutageKind {
  readonly name: string;
  /** Why it cannot run on this machine, or ''. */
  readonly skipReason: string;
  create(): Promise<DatabaseOutage>;
}

/** Both ways a database goes away: the connections cut (a network fault), and a real server restart. */
export function databaseOutageKinds(adminUrl: string): DatabaseOutageKind[] {
  return [
    {
      name: 'connections to the shared PostgreSQL cut and refused by a relay',
      skipReason: adminUrl === '' ? 'DATABASE_URL is not set (.ci/run sets it)' : '',
      async create() {
        const database = await createPostgresDatabase(adminUrl, 'portcullis_fault');
        const direct = new URL(database.env.DATABASE_URL ?? '');
        const proxy = new TcpProxy(direct.hostname, Number(direct.port || '5432'));
        const proxied = new URL(direct);
        proxied.hostname = '127.0.0.1';
        proxied.port = String(await proxy.start());
        return {
          databaseUrl: proxied.toString(),
          checkUrl: direct.toString(),
          begin: () => proxy.cut(),
          end: () => proxy.restore(),
          async close() {
            await proxy.close();
            await database.drop();
          },
        };
      },
    },
    {
      // The server itself stops (`pg_ctl stop -m fast`: every session ends with 57P01) and starts again later.
      name: 'a PostgreSQL server of the test’s own stopped and started again',
      skipReason: privatePostgresUnavailable(),
      async create() {
        const server = await PrivatePostgres.create();
        return {
          databaseUrl: server.url,
          checkUrl: server.url,
          begin: () => server.stop(),
          end: () => server.start(),
          close: () => server.destroy(),
        };
      },
    },
  ];
}

/** What "no session lost" means in the database: none revoked, none forked (at most one unused refresh token each). */
export async function sessionsAfterOutage(checkUrl: string): Promise<{ revoked: number; forked: number }> {
  const check = new pg.Client({ connectionString: checkUrl });
  await check.connect();
  try {
    const revoked = await check.query('select id from sessions where revoked_at is not null');
    const forked = await check.query('select session_id from refresh_tokens where used_at is null group by session_id having count(*) > 1');
    return { revoked: revoked.rowCount ?? 0, forked: forked.rowCount ?? 0 };
  } finally {
    await check.end();
  }
}
