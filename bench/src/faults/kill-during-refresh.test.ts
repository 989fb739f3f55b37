import { createHash } from 'node:crypto';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TokenResponse } from '@portcullis/contracts';
import { createPostgresDatabase, type BenchDatabase } from '../support/databases.js';
import { freePort, startUserService, UNTHROTTLED, type RunningProcess } from '../support/processes.js';
import { login } from '../support/tokens.js';

const adminUrl = process.env.DATABASE_URL ?? '';
const skipReason = adminUrl === '' ? 'DATABASE_URL is not set (.ci/run sets it); PGlite makes no durability promise to a killed process' : '';
if (skipReason !== '') console.info(`[faults] kill -9 test SKIPPED: ${skipReason}`);

const CLIENTS = 16;
const hash = (token: string): string => createHash('sha256').update(token, 'utf8').digest('base64url');

/** One signed-in device refreshing in a loop, keeping every token the service acknowledged with a 200. */
interface Device {
  current: string;
  readonly acknowledged: string[];
  /** A request was in flight when the process died: the service may or may not have rotated `current`. */
  uncertain: boolean;
  refusals: number;
}

async function refresh(base: string, token: string): Promise<Response> {
  return fetch(`${base}/v1/auth/refresh`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ refreshToken: token }) });
}

describe.skipIf(skipReason !== '')(`kill -9 of a user-service in the middle of a refresh storm${skipReason === '' ? '' : ` — skipped: ${skipReason}`}`, () => {
  let database: BenchDatabase;
  let service: RunningProcess | undefined;
  let sql: pg.Client;

  beforeAll(async () => {
    database = await createPostgresDatabase(adminUrl, 'portcullis_fault');
    sql = new pg.Client({ connectionString: database.env.DATABASE_URL });
    await sql.connect();
  });

  afterAll(async () => {
    await service?.kill();
    await sql?.end();
    await database?.drop();
  });

  it('every session continues after the restart, none forks, and no acknowledged token is lost', async () => {
    const port = await freePort();
    service = await startUserService({ env: { ...database.env, ...UNTHROTTLED }, port });
    const devices: Device[] = [];
    for (let index = 0; index < CLIENTS; index += 1) {
      const tokens: TokenResponse = await login(service.url);
      devices.push({ current: tokens.refreshToken, acknowledged: [tokens.refreshToken], uncertain: false, refusals: 0 });
    }

    let killed = false;
    let answered = 0;
    const storm = devices.map(async (device, index) => {
      for (let round = 0; round < 2_000 && !killed; round += 1) {
        // Every fourth round two tabs present the same token at once: the grace rule must give both one successor.
        const copies = (round + index) % 4 === 0 ? 2 : 1;
        const settled = await Promise.allSettled(Array.from({ length: copies }, () => refresh(service?.url ?? '', device.current)));
        const successors = new Set<string>();
        for (const outcome of settled) {
          if (outcome.status === 'rejected') {
            device.uncertain = true;
            continue;
          }
          if (outcome.value.status === 200) successors.add(((await outcome.value.json()) as TokenResponse).refreshToken);
          else device.refusals += 1;
        }
        expect(successors.size).toBeLessThanOrEqual(1);
        const [successor] = successors;
        if (successor !== undefined) {
          device.acknowledged.push(successor);
          device.current = successor;
          answered += 1;
        }
        if (device.uncertain) return;
      }
    });
    // Pull the plug once the storm is well under way (bounded: at most 10 s).
    const deadline = Date.now() + 10_000;
    while (answered < 150 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 20));
    await service.kill();
    killed = true;
    await Promise.all(storm);
    expect(answered).toBeGreaterThan(0);
    expect(devices.every((device) => device.refusals === 0)).toBe(true);

    service = await startUserService({ env: { ...database.env, ...UNTHROTTLED }, port });
    // Every device continues from the last token it was given: a rotation whose answer was lost is repeated by the
    // grace rule (same successor), one that never committed simply happens now.
    for (const device of devices) {
      const resumed = await refresh(service.url, device.current);
      expect(resumed.status).toBe(200);
      const next = ((await resumed.json()) as TokenResponse).refreshToken;
      device.acknowledged.push(next);
      const again = await refresh(service.url, next);
      expect(again.status).toBe(200);
      device.acknowledged.push(((await again.json()) as TokenResponse).refreshToken);
    }

    // The database agrees: no session revoked, at most one unused token per session, every used token has exactly
    // one successor row, no token is the successor of two, and every acknowledged token is there.
    expect((await sql.query('select id from sessions where revoked_at is not null')).rowCount).toBe(0);
    expect((await sql.query('select session_id from refresh_tokens where used_at is null group by session_id having count(*) > 1')).rowCount).toBe(0);
    expect(
      (await sql.query('select t.id from refresh_tokens t left join refresh_tokens s on s.id = t.successor_id where t.used_at is not null and s.id is null')).rowCount,
    ).toBe(0);
    expect((await sql.query('select successor_id from refresh_tokens where successor_id is not null group by successor_id having count(*) > 1')).rowCount).toBe(0);
    const acknowledged = [...new Set(devices.flatMap((device) => device.acknowledged))];
    const stored = await sql.query<{ n: string }>('select count(*)::text as n from refresh_tokens where token_hash = any($1)', [acknowledged.map(hash)]);
    expect(Number(stored.rows[0]?.n)).toBe(acknowledged.length);
  });
});
