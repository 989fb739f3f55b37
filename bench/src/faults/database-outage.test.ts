import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TokenResponse } from '@portcullis/contracts';
import { databaseOutageKinds, sessionsAfterOutage, type DatabaseOutage } from '../support/database-outages.js';
import { startUserService, UNTHROTTLED, waitFor, type RunningProcess } from '../support/processes.js';
import { login } from '../support/tokens.js';

const kinds = databaseOutageKinds(process.env.DATABASE_URL ?? '');
for (const kind of kinds) if (kind.skipReason !== '') console.info(`[faults] PostgreSQL outage (${kind.name}) SKIPPED: ${kind.skipReason}`);

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

describe.each(kinds)('PostgreSQL restarted under load: $name', (kind) => {
  let database: DatabaseOutage | undefined;
  let service: RunningProcess | undefined;

  beforeAll(async () => {
    if (kind.skipReason !== '') return;
    database = await kind.create();
    service = await startUserService({ env: { DATABASE_URL: database.databaseUrl, ...UNTHROTTLED } });
  }, 60_000);

  afterAll(async () => {
    await service?.stop();
    await database?.close();
  });

  it.skipIf(kind.skipReason !== '')(
    `answers 503 unavailable at once (no 500, no hang), recovers by itself, and loses no session${kind.skipReason === '' ? '' : ` — skipped: ${kind.skipReason}`}`,
    async () => {
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
        answers.push({
          phase: current,
          path,
          status: response.status,
          error: body.error,
          retryAfter: response.headers.get('retry-after'),
          elapsedMs: Date.now() - started,
        });
        return response.status === 200 ? new Response(JSON.stringify(body)) : null;
      }

      // Each device reads its profile and refreshes, over and over, keeping its tokens only when answered 200.
      const load = devices.map(async (device) => {
        for (let round = 0; round < 5_000 && !stop; round += 1) {
          await call('/v1/me', { headers: { authorization: `Bearer ${device.access}` } });
          const refreshed = await call('/v1/auth/refresh', {
            method: 'POST',
            headers: { 'content-type': 'application/json' },
            body: JSON.stringify({ refreshToken: device.refresh }),
          });
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
      await database?.begin();
      await waitFor('503s during the outage', async () => answers.filter((answer) => answer.phase === 'outage' && answer.status === 503).length >= 20, {
        timeoutMs: 15_000,
      });
      phase = 'after';
      await database?.end();
      await waitFor('the service to recover by itself', async () => (await fetch(`${base}/readyz`)).status === 200, { timeoutMs: 15_000, intervalMs: 100 });
      await waitFor(
        'refreshes to succeed again',
        async () => answers.filter((answer) => answer.phase === 'after' && answer.path === '/v1/auth/refresh' && answer.status === 200).length >= devices.length * 2,
        { timeoutMs: 15_000 },
      );
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
        const response = await fetch(`${base}/v1/auth/refresh`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ refreshToken: device.refresh }),
        });
        expect(response.status).toBe(200);
      }
      // No session lost: none revoked, none forked.
      expect(await sessionsAfterOutage(database?.checkUrl ?? '')).toEqual({ revoked: 0, forked: 0 });
    },
  );
});
