import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TokenResponse } from '@portcullis/contracts';
import { createPostgresDatabase, type BenchDatabase } from '../support/databases.js';
import { startUserService, UNTHROTTLED, waitFor, type RunningProcess } from '../support/processes.js';
import { TcpProxy } from '../support/tcp-proxy.js';
import { login } from '../support/tokens.js';

const adminUrl = process.env.DATABASE_URL ?? '';
const skipReason = adminUrl === '' ? 'DATABASE_URL is not set (.ci/run sets it)' : '';
if (skipReason !== '') console.info(`[faults] PostgreSQL outage test SKIPPED: ${skipReason}`);

interface Answer {
  readonly phase: 'before' | 'outage' | 'after';
  readonly path: string;
  readonly status: number;
  readonly error: string | undefined;
  readonly retryAfter: string | null;
  readonly elapsedMs: number;
}

interface Device {
  access: string;
  refresh: string;
}

describe.skipIf(skipReason !== '')(`PostgreSQL restarted under load${skipReason === '' ? '' : ` — skipped: ${skipReason}`}`, () => {
  let database: BenchDatabase;
  let proxy: TcpProxy;
  let service: RunningProcess | undefined;

  beforeAll(async () => {
    database = await createPostgresDatabase(adminUrl, 'portcullis_fault');
    const direct = new URL(database.env.DATABASE_URL ?? '');
    proxy = new TcpProxy(direct.hostname, Number(direct.port || '5432'));
    const proxied = new URL(direct);
    proxied.hostname = '127.0.0.1';
    proxied.port = String(await proxy.start());
    service = await startUserService({ env: { DATABASE_URL: proxied.toString(), ...UNTHROTTLED } });
  });

  afterAll(async () => {
    await service?.stop();
    await proxy?.close();
    await database?.drop();
  });

  it('answers 503 unavailable at once (no 500, no hang), recovers by itself, and loses no session', async () => {
    const base = service?.url ?? '';
    const devices: Device[] = [];
    for (let index = 0; index < 6; index += 1) {
      const tokens: TokenResponse = await login(base);
      devices.push({ access: tokens.accessToken, refresh: tokens.refreshToken });
    }
    const answers: Answer[] = [];
    let phase: Answer['phase'] = 'before';
    let stop = false;

    async function call(path: string, init: RequestInit): Promise<Response | null> {
      const started = Date.now();
      const current = phase;
      const response = await fetch(`${base}${path}`, { ...init, signal: AbortSignal.timeout(15_000) });
      const body = (await response.json().catch(() => ({}))) as { error?: string };
      answers.push({ phase: current, path, status: response.status, error: body.error, retryAfter: response.headers.get('retry-after'), elapsedMs: Date.now() - started });
      return response.status === 200 ? new Response(JSON.stringify(body)) : null;
    }

    // Each device reads its profile and refreshes, over and over, keeping its tokens only when answered 200.
    const load = devices.map(async (device) => {
      for (let round = 0; round < 5_000 && !stop; round += 1) {
        await call('/v1/me', { headers: { authorization: `Bearer ${device.access}` } });
        const refreshed = await call('/v1/auth/refresh', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ refreshToken: device.refresh }) });
        if (refreshed !== null) {
          const tokens = (await refreshed.json()) as TokenResponse;
          device.access = tokens.accessToken;
          device.refresh = tokens.refreshToken;
        }
        await new Promise((resolve) => setTimeout(resolve, 10));
      }
    });

    await waitFor('traffic before the outage', async () => answers.filter((answer) => answer.status === 200).length >= 30, { timeoutMs: 10_000 });
    phase = 'outage';
    await proxy.cut();
    await waitFor('503s during the outage', async () => answers.filter((answer) => answer.phase === 'outage' && answer.status === 503).length >= 20, { timeoutMs: 15_000 });
    phase = 'after';
    await proxy.restore();
    await waitFor('the service to recover by itself', async () => (await fetch(`${base}/readyz`)).status === 200, { timeoutMs: 15_000, intervalMs: 100 });
    await waitFor('refreshes to succeed again', async () => answers.filter((answer) => answer.phase === 'after' && answer.path === '/v1/auth/refresh' && answer.status === 200).length >= devices.length * 2, { timeoutMs: 15_000 });
    stop = true;
    await Promise.all(load);

    // Only 200 and 503 `unavailable` (with Retry-After), never a 500 or a refusal of a good session.
    expect(new Set(answers.map((answer) => answer.status))).toEqual(new Set([200, 503]));
    for (const answer of answers.filter((candidate) => candidate.status === 503)) {
      expect(answer.error).toBe('unavailable');
      expect(answer.retryAfter).not.toBeNull();
    }
    // Fast: a refused connection fails at once, a hanging one after the pool's 2 s connection timeout.
    const outage = answers.filter((answer) => answer.phase === 'outage');
    expect(Math.max(...outage.map((answer) => answer.elapsedMs))).toBeLessThan(5_000);

    // No session lost: each device's last token still works (a rotation whose answer was lost is repeated by grace).
    for (const device of devices) {
      const response = await fetch(`${base}/v1/auth/refresh`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ refreshToken: device.refresh }) });
      expect(response.status).toBe(200);
    }
    const check = new pg.Client({ connectionString: database.env.DATABASE_URL });
    await check.connect();
    try {
      expect((await check.query('select id from sessions where revoked_at is not null')).rowCount).toBe(0);
      expect((await check.query('select session_id from refresh_tokens where used_at is null group by session_id having count(*) > 1')).rowCount).toBe(0);
    } finally {
      await check.end();
    }
  });
});
