import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TokenResponse } from '@portcullis/contracts';
import { CLUSTER_DEMO_PASSWORD, startCluster, type RunningCluster } from '../support/cluster.js';
import { createPostgresDatabase, type BenchDatabase } from '../support/databases.js';
import { waitFor } from '../support/processes.js';

const databaseUrl = process.env.DATABASE_URL ?? '';
const redisUrl = process.env.REDIS_URL ?? '';
const skipReason = databaseUrl === '' || redisUrl === '' ? 'DATABASE_URL and REDIS_URL must both be set (.ci/run sets them)' : '';
if (skipReason !== '') console.info(`[scale-out] SKIPPED: ${skipReason}`);

const PASSWORD = CLUSTER_DEMO_PASSWORD;
const ALICE = 'alice@example.com';

/**
 * A client address of its own for each test (IPv6 documentation range, 32 random bits), sent as X-Forwarded-For
 * (the instances trust the loopback proxy): counters in the shared Redis never mix with other tests' or runs'.
 */
function clientAddress(): string {
  const hex = randomBytes(4).toString('hex');
  // The random bits are in the /64 prefix: per-address limits count an IPv6 address by its /64.
  return `2001:db8:${hex.slice(0, 4)}:${hex.slice(4)}::1`;
}

async function call(base: string, path: string, init: { method?: string; json?: unknown; token?: string; ip: string }): Promise<Response> {
  return fetch(`${base}${path}`, {
    method: init.method ?? (init.json === undefined ? 'GET' : 'POST'),
    headers: {
      'x-forwarded-for': init.ip,
      ...(init.json === undefined ? {} : { 'content-type': 'application/json' }),
      ...(init.token === undefined ? {} : { authorization: `Bearer ${init.token}` }),
    },
    ...(init.json === undefined ? {} : { body: JSON.stringify(init.json) }),
  });
}

async function signIn(base: string, ip: string): Promise<TokenResponse> {
  const response = await call(base, '/v1/auth/login', { json: { email: ALICE, password: PASSWORD }, ip });
  expect(response.status).toBe(200);
  return (await response.json()) as TokenResponse;
}

describe.skipIf(skipReason !== '')(`two user-service instances on one PostgreSQL and one Redis${skipReason === '' ? '' : ` — skipped: ${skipReason}`}`, () => {
  let database: BenchDatabase;
  let cluster: RunningCluster;
  let sql: pg.Client;
  let first: string;
  let second: string;

  beforeAll(async () => {
    database = await createPostgresDatabase(databaseUrl, 'portcullis_cluster');
    cluster = await startCluster({ databaseUrl: database.env.DATABASE_URL ?? '', redisUrl });
    [first = '', second = ''] = cluster.instanceUrls;
    sql = new pg.Client({ connectionString: database.env.DATABASE_URL });
    await sql.connect();
  });

  afterAll(async () => {
    await sql?.end();
    await cluster?.stop();
    await database?.drop();
  });

  it('the proxy spreads requests over both instances', async () => {
    const seen = new Set<string>();
    for (let index = 0; index < 6; index += 1) {
      const response = await fetch(`${cluster.apiUrl}/healthz`);
      expect(response.status).toBe(200);
      seen.add(response.headers.get('x-portcullis-upstream') ?? '');
    }
    expect([...seen].sort()).toEqual(['0', '1']);
  });

  it('concurrent refreshes of one token on both instances return one successor and never fork the family', async () => {
    const ip = clientAddress();
    const login = await signIn(cluster.apiUrl, ip);
    const answers = await Promise.all(
      Array.from({ length: 12 }, (_, index) => call(index % 2 === 0 ? first : second, '/v1/auth/refresh', { json: { refreshToken: login.refreshToken }, ip })),
    );
    expect(answers.map((answer) => answer.status)).toEqual(Array.from({ length: 12 }, () => 200));
    const successors = new Set(await Promise.all(answers.map(async (answer) => ((await answer.json()) as TokenResponse).refreshToken)));
    expect(successors.size).toBe(1);
    const sid = JSON.parse(Buffer.from(login.accessToken.split('.')[1] ?? '', 'base64url').toString('utf8')) as { sid: string };
    const family = await sql.query<{ used: boolean }>('select used_at is not null as used from refresh_tokens where session_id = $1', [sid.sid]);
    expect(family.rows.map((row) => row.used).sort()).toEqual([false, true]);
    // The family goes on from the one successor, on either instance.
    const next = await call(second, '/v1/auth/refresh', { json: { refreshToken: [...successors][0] }, ip });
    expect(next.status).toBe(200);
  });

  it('reuse detected on one instance revokes the session on both', async () => {
    const ip = clientAddress();
    const login = await signIn(cluster.apiUrl, ip);
    // Both instances have the session cached as active.
    for (const instance of [first, second]) expect((await call(instance, '/v1/me', { token: login.accessToken, ip })).status).toBe(200);
    const middle = (await (await call(first, '/v1/auth/refresh', { json: { refreshToken: login.refreshToken }, ip })).json()) as TokenResponse;
    expect((await call(first, '/v1/auth/refresh', { json: { refreshToken: middle.refreshToken }, ip })).status).toBe(200);
    // The first token comes back after its successor was used: theft, detected on the first instance.
    const replay = await call(first, '/v1/auth/refresh', { json: { refreshToken: login.refreshToken }, ip });
    expect(replay.status).toBe(401);
    // At once: the detecting instance forgot its cached answer, and the fresh check the app uses sees it on both.
    expect((await call(first, '/v1/me', { token: login.accessToken, ip })).status).toBe(401);
    expect((await call(second, '/v1/auth/session', { token: login.accessToken, ip })).status).toBe(401);
    // The other instance's 2 s cache runs out on its own: poll (real processes have no clock to move), bounded.
    const started = Date.now();
    await waitFor('the second instance to refuse the revoked session', async () => (await call(second, '/v1/me', { token: middle.accessToken, ip })).status === 401, {
      timeoutMs: 5_000,
      intervalMs: 100,
    });
    expect(Date.now() - started).toBeLessThan(5_000);
    // Every refresh token of the family is dead on both instances.
    expect((await call(second, '/v1/auth/refresh', { json: { refreshToken: middle.refreshToken }, ip })).status).toBe(401);
  });

  it('shares login throttling counters: failures split across instances still reach 429', async () => {
    const ip = clientAddress();
    // LOGIN_MAX_FAILURES_PER_EMAIL_IP is 5: alternate the instances so neither alone has seen 5.
    for (let attempt = 0; attempt < 5; attempt += 1) {
      const response = await call(attempt % 2 === 0 ? first : second, '/v1/auth/login', {
        json: { email: ALICE, password: `wrong-${randomBytes(3).toString('hex')}` },
        ip,
      });
      expect(response.status).toBe(401);
    }
    for (const instance of [first, second]) {
      const response = await call(instance, '/v1/auth/login', { json: { email: ALICE, password: PASSWORD }, ip });
      expect(response.status).toBe(429);
      expect(response.headers.get('retry-after')).not.toBeNull();
    }
  });
});
