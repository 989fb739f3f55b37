import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TokenResponse } from '@portcullis/contracts';
import { CLUSTER_DEMO_PASSWORD, startCluster, type RunningCluster } from '../support/cluster.js';
import { createPostgresDatabase, type BenchDatabase } from '../support/databases.js';
import { BENCH_METRICS_TOKEN, SERVICE_METRICS_HEADERS } from '../support/processes.js';
import { openSessionCookie } from '../support/session-cookie.js';
import { randomAddress } from '../support/tokens.js';
import { showsSignedIn, visitPage, WEB_BUILT, type PageVisit } from '../support/web-app.js';
import { Cookies, metricValue, signInThroughApp } from '../support/web.js';

const databaseUrl = process.env.DATABASE_URL ?? '';
const redisUrl = process.env.REDIS_URL ?? '';
const skipReason =
  databaseUrl === '' || redisUrl === '' ? 'DATABASE_URL and REDIS_URL must both be set (.ci/run sets them)' : WEB_BUILT ? '' : 'apps/web is not built (npm run build)';
if (skipReason !== '') console.info(`[scale-out, web tier] SKIPPED: ${skipReason}`);

const PASSWORD = CLUSTER_DEMO_PASSWORD;
/** Short enough for the storm to wait for a due token, long enough that no refresh happens while revocation is watched. */
const TTL_SECONDS = 10;
/** How stale an instance's "session still active" answer may be (the library's `sessionCheckMaxAgeSeconds` default, ≤ 5 s). */
const REVOCATION_VISIBLE_WITHIN_MS = 5_000;

function until(at: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, Math.max(0, at - Date.now())));
}

describe.skipIf(skipReason !== '')(`two web instances behind the round-robin proxy${skipReason === '' ? '' : ` — skipped: ${skipReason}`}`, () => {
  let database: BenchDatabase;
  let cluster: RunningCluster;
  let webA: string;
  let webB: string;
  const webSecret = randomBytes(32).toString('base64url');

  beforeAll(async () => {
    database = await createPostgresDatabase(databaseUrl, 'portcullis_cluster');
    cluster = await startCluster({
      databaseUrl: database.env.DATABASE_URL ?? '',
      redisUrl,
      web: true,
      env: { ACCESS_TOKEN_TTL: String(TTL_SECONDS), NEXTAUTH_SECRET: webSecret, METRICS_TOKEN: BENCH_METRICS_TOKEN },
    });
    [webA = '', webB = ''] = cluster.webInstanceUrls;
  });

  afterAll(async () => {
    await cluster?.stop();
    await database?.drop();
  });

  const visit = (instance: string, cookies: Cookies): Promise<PageVisit> => visitPage({ baseUrl: instance, appUrl: cluster.webUrl, cookies });

  /** The refresh token inside the app's session cookie (the test knows the web tier's NEXTAUTH_SECRET). */
  async function refreshTokenIn(cookies: Cookies): Promise<string> {
    const session = await openSessionCookie(cookies.header(), webSecret);
    if (typeof session.refreshToken !== 'string') throw new Error('no refresh token in the session cookie');
    return session.refreshToken;
  }

  /** The refresh counters of every user-service instance, added up. */
  async function refreshCounters(): Promise<{ rotations: number; graceRetries: number; reuse: number }> {
    const texts = await Promise.all(cluster.instanceUrls.map(async (instance) => (await fetch(`${instance}/metrics`, { headers: SERVICE_METRICS_HEADERS })).text()));
    const sum = (name: string, labels: Record<string, string> = {}): number => texts.reduce((total, text) => total + metricValue(text, name, labels), 0);
    return {
      rotations: sum('portcullis_refresh_total', { outcome: 'succeeded' }),
      graceRetries: sum('portcullis_refresh_total', { outcome: 'grace_retry' }),
      reuse: sum('portcullis_refresh_reuse_detected_total'),
    };
  }

  /**
   * Asks `instance` for the dashboard every 100 ms with a copy of the session's cookies until it ends the session,
   * and returns every look with the moment it was sent.
   */
  async function looksUntilSignedOut(instance: string, cookieHeader: string, giveUpAt: number): Promise<{ sentAt: number; signedOut: boolean }[]> {
    const looks: { sentAt: number; signedOut: boolean }[] = [];
    while (Date.now() < giveUpAt) {
      const sentAt = Date.now();
      const page = await visit(instance, Cookies.from(cookieHeader));
      looks.push({ sentAt, signedOut: page.signedOut });
      if (page.signedOut) {
        expect(new URL(page.location ?? '', cluster.webUrl).searchParams.get('error')).toBe('SessionExpired');
        break;
      }
      expect(showsSignedIn(page, '@example.com')).toBe(true);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    return looks;
  }

  /**
   * "The app sees it within 5 s", measured from the moment the revocation was acknowledged: every page B was asked
   * for 5 s or more after it is refused. Earlier ones may still be served from B's cached "active" answer, which is
   * at most 5 s old (the library's `sessionCheckMaxAgeSeconds`). Sending times, not answer times, so a slow machine
   * delays the looks but cannot fail the check.
   */
  function expectRefusedWithin5s(looks: readonly { sentAt: number; signedOut: boolean }[], revokedAt: number): void {
    expect(looks.at(-1)?.signedOut, 'web instance B never refused the revoked session').toBe(true);
    expect(looks.filter((look) => look.sentAt - revokedAt >= REVOCATION_VISIBLE_WITHIN_MS && !look.signedOut)).toEqual([]);
  }

  it('a session signed in through one web instance is served by both', async () => {
    const cookies = await signInThroughApp(cluster.webUrl, 'alice@example.com', PASSWORD);
    // Each web instance directly: the cookie one made (one NEXTAUTH_SECRET) opens the dashboard on the other.
    for (const instance of cluster.webInstanceUrls) expect(showsSignedIn(await visit(instance, cookies), 'alice@example.com')).toBe(true);
  });

  it('a refresh storm with one cookie split over both web instances: no failure, no reuse, one refresh per instance at most', async () => {
    const cookies = await signInThroughApp(cluster.webUrl, 'alice@example.com', PASSWORD);
    const signedInAt = Date.now();
    // Past the library's refresh point (a fifth of the lifetime before expiry): every request below finds the token due.
    await until(signedInAt + TTL_SECONDS * 800 + 300);
    const before = await refreshCounters();
    const storm = await Promise.all(Array.from({ length: 40 }, (_, index) => visit(index % 2 === 0 ? webA : webB, cookies)));
    const after = await refreshCounters();

    expect(storm.filter((page) => !showsSignedIn(page, 'alice@example.com') || page.signedOut).map((page) => page.status)).toEqual([]);
    // Each instance's single-flight sends the token once; the second instance's call, if any, is the backend's grace retry.
    expect(after.rotations - before.rotations).toBe(1);
    expect(after.graceRetries - before.graceRetries).toBeLessThanOrEqual(1);
    expect(after.reuse - before.reuse).toBe(0);
    // Whichever rotated cookie the browser kept, the session goes on on both instances.
    for (const instance of [webA, webB]) expect(showsSignedIn(await visit(instance, cookies), 'alice@example.com')).toBe(true);
  });

  it('reuse detected on user-service instance 1 ends the session on web instance B within 5 s', async () => {
    const ip = randomAddress();
    const cookies = await signInThroughApp(cluster.webUrl, 'maria@example.com', PASSWORD);
    // B has checked the session just now and holds "active" for up to its cache age: the slowest case.
    expect(showsSignedIn(await visit(webB, cookies), 'maria@example.com')).toBe(true);
    // Someone who got hold of the session's refresh token rotates it twice, then the first one comes back: theft.
    const stolen = await refreshTokenIn(cookies);
    const [apiOne = ''] = cluster.instanceUrls;
    const refresh = (refreshToken: string): Promise<Response> =>
      fetch(`${apiOne}/v1/auth/refresh`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-forwarded-for': ip },
        body: JSON.stringify({ refreshToken }),
      });
    const first = await refresh(stolen);
    expect(first.status).toBe(200);
    expect((await refresh(((await first.json()) as TokenResponse).refreshToken)).status).toBe(200);
    const reuseBefore = (await refreshCounters()).reuse;
    expect((await refresh(stolen)).status).toBe(401);
    const revokedAt = Date.now();
    expect((await refreshCounters()).reuse - reuseBefore).toBe(1);
    expectRefusedWithin5s(await looksUntilSignedOut(webB, cookies.header(), revokedAt + 3 * REVOCATION_VISIBLE_WITHIN_MS), revokedAt);
  });

  it('a sign-out through web instance A ends a copy of the cookie on web instance B within 5 s', async () => {
    const cookies = await signInThroughApp(cluster.webUrl, 'adam@example.com', PASSWORD);
    expect(showsSignedIn(await visit(webB, cookies), 'adam@example.com')).toBe(true);
    // A copy of the cookie as it was (another tab, or a thief) outlives the sign-out in the browser.
    const copy = cookies.header();
    const csrf = await fetch(`${webA}/api/auth/csrf`, { headers: { cookie: copy, host: new URL(cluster.webUrl).host } });
    const { csrfToken } = (await csrf.json()) as { csrfToken: string };
    const signOut = await fetch(`${webA}/api/auth/signout`, {
      method: 'POST',
      redirect: 'manual',
      headers: { 'content-type': 'application/x-www-form-urlencoded', cookie: copy, origin: cluster.webUrl, host: new URL(cluster.webUrl).host },
      body: new URLSearchParams({ csrfToken }),
    });
    expect(signOut.status).toBe(303);
    // From A's answer to the sign-out: the backend revocation is done by then.
    const signedOutAt = Date.now();
    expectRefusedWithin5s(await looksUntilSignedOut(webB, copy, signedOutAt + 3 * REVOCATION_VISIBLE_WITHIN_MS), signedOutAt);
  });
});
