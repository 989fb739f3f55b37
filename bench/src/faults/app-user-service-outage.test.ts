import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPgliteDatabase, type BenchDatabase } from '../support/databases.js';
import { BENCH_DEMO_PASSWORD, SERVICE_METRICS_HEADERS, startUserService, UNTHROTTLED, type RunningProcess } from '../support/processes.js';
import { TcpProxy } from '../support/tcp-proxy.js';
import { shownTime, showsSignedIn, showsUnavailable, startWebApp, visitPage, WEB_BUILT, type PageVisit, type RunningWebApp } from '../support/web-app.js';
import { metricValue, signInThroughApp, type Cookies } from '../support/web.js';

const skipReason = WEB_BUILT ? '' : 'apps/web is not built (npm run build)';
if (skipReason !== '') console.info(`[faults] app under a user-service outage SKIPPED: ${skipReason}`);

/** Access-token lifetime: long enough to look at a browser between its refresh point and expiry, short enough for a quick test. */
const TTL_SECONDS = 10;
const BROWSERS = 20;
// Three demo accounts; every browser holds a session of its own.
const ACCOUNTS = ['alice@example.com', 'maria@example.com', 'adam@example.com'] as const;

interface Browser {
  readonly email: string;
  readonly cookies: Cookies;
}

function until(at: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, Math.max(0, at - Date.now())));
}

async function refreshCounters(serviceUrl: string): Promise<{ rotations: number; graceRetries: number; reuse: number }> {
  const text = await (await fetch(`${serviceUrl}/metrics`, { headers: SERVICE_METRICS_HEADERS })).text();
  return {
    rotations: metricValue(text, 'portcullis_refresh_total', { outcome: 'succeeded' }),
    graceRetries: metricValue(text, 'portcullis_refresh_total', { outcome: 'grace_retry' }),
    reuse: metricValue(text, 'portcullis_refresh_reuse_detected_total'),
  };
}

describe.skipIf(skipReason !== '')(`the app under a user-service outage longer than an access token lives${skipReason === '' ? '' : ` — skipped: ${skipReason}`}`, () => {
  let database: BenchDatabase;
  let service: RunningProcess | undefined;
  let proxy: TcpProxy;
  let web: RunningWebApp | undefined;

  beforeAll(async () => {
    database = await createPgliteDatabase();
    service = await startUserService({
      // Each sign-in reserves a failure of its email+IP streak until it succeeds: 20 at once need more than 5.
      env: { ...database.env, ...UNTHROTTLED, LOGIN_MAX_FAILURES_PER_EMAIL_IP: '100', ACCESS_TOKEN_TTL: String(TTL_SECONDS) },
    });
    // The app reaches the user-service only through a relay the test can cut, as a crashed or unreachable service.
    proxy = new TcpProxy('127.0.0.1', service.port);
    web = await startWebApp({ apiUrl: `http://127.0.0.1:${await proxy.start()}` });
  });

  afterAll(async () => {
    await web?.stop();
    await proxy?.close();
    await service?.stop();
    await database?.drop();
  });

  it(`keeps ${BROWSERS} browsers signed in while their tokens are valid, shows the 503 page after, and serves them all again when the service is back`, async () => {
    const app = web?.appUrl ?? '';
    const serviceUrl = service?.url ?? '';
    const visit = (browser: Browser): Promise<PageVisit> => visitPage({ baseUrl: app, appUrl: app, cookies: browser.cookies });

    // All at once, so a slow machine cannot age the first sessions while the last ones sign in.
    const browsers: Browser[] = await Promise.all(
      Array.from({ length: BROWSERS }, async (_, index) => {
        const email = ACCOUNTS[index % ACCOUNTS.length] ?? ACCOUNTS[0];
        return { email, cookies: await signInThroughApp(app, email, BENCH_DEMO_PASSWORD) };
      }),
    );
    const before = await refreshCounters(serviceUrl);

    await proxy.cut();
    const cutAt = Date.now();
    // Each browser on its own timeline, since each got its tokens at its own moment. Real processes keep real
    // time, so the test waits for the tokens to age; it never waits for an answer.
    const timelines = await Promise.all(
      browsers.map(async (browser) => {
        const fresh = await visit(browser);
        // The dashboard prints when the app will refresh and when the token expires (this app's clock is the
        // test's): look once between the two (the refresh fails, the still valid token carries the page) and
        // twice after expiry (nothing can be shown, nobody is signed out).
        const refreshAt = shownTime(fresh, 'refresh-at');
        const expiresAt = shownTime(fresh, 'access-expires');
        await until((refreshAt + expiresAt) / 2);
        const dueSentAt = Date.now();
        const due = await visit(browser);
        await until(expiresAt + 500);
        const expired = [await visit(browser), await visit(browser)];
        return { browser, fresh, due, dueInTime: dueSentAt < expiresAt, expired };
      }),
    );
    // Longer than an access token lives, however quickly the browsers above were done.
    await until(cutAt + TTL_SECONDS * 1000 + 1_000);
    await proxy.restore();

    for (const { browser, fresh, due, dueInTime, expired } of timelines) {
      expect(showsSignedIn(fresh, browser.email), `fresh token, ${browser.email}: ${fresh.status}`).toBe(true);
      // The machine kept up: the "due" look was sent while the token was still valid (else the step proves nothing).
      expect(dueInTime).toBe(true);
      expect(showsSignedIn(due, browser.email), `token due, refresh failing, ${browser.email}: ${due.status}`).toBe(true);
      for (const page of expired) {
        expect(showsUnavailable(page), `expired token, ${browser.email}: ${page.status} ${page.body.slice(0, 200)}`).toBe(true);
        expect(page.retryAfter).toBe('5');
      }
      for (const page of [fresh, due, ...expired]) {
        expect(page.signedOut).toBe(false);
        expect(page.rotated).toBe(false);
      }
    }

    // The service is back: every browser is served again with the cookie it already has (no new sign-in).
    const recovered = await Promise.all(browsers.map(async (browser) => ({ browser, first: await visit(browser), second: await visit(browser) })));
    for (const { browser, first, second } of recovered) {
      expect(showsSignedIn(first, browser.email), `after the outage, ${browser.email}: ${first.status}`).toBe(true);
      expect(first.rotated).toBe(true);
      expect(showsSignedIn(second, browser.email)).toBe(true);
      expect([first.signedOut, second.signedOut]).toEqual([false, false]);
    }
    // One rotation per browser, all after the outage (nothing reached the service during it); no reuse.
    const after = await refreshCounters(serviceUrl);
    expect(after.rotations - before.rotations).toBe(BROWSERS);
    expect(after.graceRetries - before.graceRetries).toBe(0);
    expect(after.reuse - before.reuse).toBe(0);
  }, 180_000);
});
