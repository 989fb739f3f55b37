import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDatabase, type BenchDatabase } from '../support/databases.js';
import { BENCH_DEMO_PASSWORD, startUserService, waitFor, type RunningProcess } from '../support/processes.js';
import { TcpProxy } from '../support/tcp-proxy.js';
import { ALICE } from '../support/tokens.js';

const redisUrl = process.env.REDIS_URL ?? '';
const adminUrl = process.env.DATABASE_URL === '' ? undefined : process.env.DATABASE_URL;
const skipReason = redisUrl === '' ? 'REDIS_URL is not set (.ci/run sets it)' : '';
if (skipReason !== '') console.info(`[faults] Redis outage test SKIPPED: ${skipReason}`);

/**
 * A client address of its own (TRUST_PROXY), so the shared Redis counters never mix with other tests' or earlier runs':
 * the random bits are in the /64 prefix, since per-address limits count an IPv6 address by its /64.
 */
function clientAddress(): string {
  const hex = randomBytes(4).toString('hex');
  return `2001:db8:${hex.slice(0, 4)}:${hex.slice(4)}::1`;
}

describe.skipIf(skipReason !== '')(`Redis down under a running user-service${skipReason === '' ? '' : ` — skipped: ${skipReason}`}`, () => {
  let database: BenchDatabase;
  let proxy: TcpProxy;
  let service: RunningProcess | undefined;

  beforeAll(async () => {
    database = await createDatabase(adminUrl === undefined ? 'pglite' : 'postgres', adminUrl);
    const direct = new URL(redisUrl);
    proxy = new TcpProxy(direct.hostname, Number(direct.port || '6379'));
    const proxied = new URL(direct);
    proxied.hostname = '127.0.0.1';
    proxied.port = String(await proxy.start());
    service = await startUserService({ env: { ...database.env, REDIS_URL: proxied.toString(), TRUST_PROXY: '127.0.0.1,::1' } });
  });

  afterAll(async () => {
    await service?.stop();
    await proxy?.close();
    await database?.drop();
  });

  async function attempt(ip: string, password: string): Promise<number> {
    const response = await fetch(`${service?.url ?? ''}/v1/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-forwarded-for': ip },
      body: JSON.stringify({ email: ALICE, password }),
    });
    await response.arrayBuffer();
    return response.status;
  }

  it('falls back to per-instance memory limits with an alert: never a 500, never unlimited; shares again once Redis is back', async () => {
    await proxy.cut();
    const ip = clientAddress();
    // LOGIN_MAX_FAILURES_PER_EMAIL_IP is 5: five wrong passwords are answered 401, then even the right one gets 429.
    const statuses: number[] = [];
    for (let index = 0; index < 5; index += 1) statuses.push(await attempt(ip, 'wrong-password'));
    statuses.push(await attempt(ip, BENCH_DEMO_PASSWORD));
    expect(statuses).toEqual([401, 401, 401, 401, 401, 429]);
    await waitFor('the alert in the log', async () => service?.output().includes('alert.redis_unavailable') ?? false, { timeoutMs: 5_000 });

    await proxy.restore();
    await waitFor('the recovery notice in the log', async () => service?.output().includes('alert.redis_recovered') ?? false, { timeoutMs: 15_000, intervalMs: 100 });
    // Back on the shared counters: a fresh address is throttled the same way, and nothing answered 500 meanwhile.
    const after = clientAddress();
    const again: number[] = [];
    for (let index = 0; index < 6; index += 1) again.push(await attempt(after, index < 5 ? 'wrong-password' : BENCH_DEMO_PASSWORD));
    expect(again).toEqual([401, 401, 401, 401, 401, 429]);
  });
});
