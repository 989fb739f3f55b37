import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPgliteDatabase, type BenchDatabase } from '../support/databases.js';
import { BENCH_DEMO_PASSWORD, SERVICE_METRICS_HEADERS, startUserService, UNTHROTTLED, type RunningProcess } from '../support/processes.js';
import { ALICE } from '../support/tokens.js';
import { shownTime, showsSignedIn, startWebApp, visitPage, WEB_BUILT, type PageVisit, type RunningWebApp } from '../support/web-app.js';
import { metricValue, signInThroughApp, type Cookies } from '../support/web.js';

const skipReason = WEB_BUILT ? '' : 'apps/web is not built (npm run build)';
if (skipReason !== '') console.info(`[faults] clock skew between app and user-service SKIPPED: ${skipReason}`);

const TTL_SECONDS = 5;
/** The library refreshes a fifth of the lifetime before expiry (its 60 s lead is capped at a fifth). */
const REFRESH_AFTER_MS = TTL_SECONDS * 800;
const SKEWS_MS = [120_000, -120_000] as const;

function until(at: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, Math.max(0, at - Date.now())));
}

async function rotations(serviceUrl: string): Promise<{ succeeded: number; graceRetries: number; reuse: number }> {
  const text = await (await fetch(`${serviceUrl}/metrics`, { headers: SERVICE_METRICS_HEADERS })).text();
  return {
    succeeded: metricValue(text, 'portcullis_refresh_total', { outcome: 'succeeded' }),
    graceRetries: metricValue(text, 'portcullis_refresh_total', { outcome: 'grace_retry' }),
    reuse: metricValue(text, 'portcullis_refresh_reuse_detected_total'),
  };
}

describe.skipIf(skipReason !== '')(`clock skew of ±2 minutes between the app and the user-service${skipReason === '' ? '' : ` — skipped: ${skipReason}`}`, () => {
  let database: BenchDatabase;
  let service: RunningProcess | undefined;
  const apps = new Map<number, RunningWebApp>();

  beforeAll(async () => {
    database = await createPgliteDatabase();
    service = await startUserService({ env: { ...database.env, ...UNTHROTTLED, ACCESS_TOKEN_TTL: String(TTL_SECONDS) } });
    const apiUrl = service.url;
    // One app per skew, its wall clock shifted by a preload; the user-service and this test keep the real time.
    await Promise.all(
      SKEWS_MS.map(async (skew) => apps.set(skew, await startWebApp({ apiUrl, clockOffsetMs: skew, name: `web ${skew > 0 ? '+' : ''}${skew / 1000}s` }))),
    );
  }, 180_000);

  afterAll(async () => {
    for (const app of apps.values()) await app.stop();
    await service?.stop();
    await database?.drop();
  });

  it.each(SKEWS_MS)(
    'app clock %i ms off: refreshes once per due token, from the lifetime the backend returned, and never signs out',
    async (skew) => {
      const appUrl = apps.get(skew)?.appUrl ?? '';
      const serviceUrl = service?.url ?? '';
      const start = await rotations(serviceUrl);
      const refreshedSince = async (): Promise<number> => (await rotations(serviceUrl)).succeeded - start.succeeded;
      const pages: PageVisit[] = [];
      const visit = async (cookies: Cookies): Promise<PageVisit> => {
        const page = await visitPage({ baseUrl: appUrl, appUrl, cookies });
        pages.push(page);
        return page;
      };

      const signInStartedAt = Date.now();
      const cookies = await signInThroughApp(appUrl, ALICE, BENCH_DEMO_PASSWORD);
      const signedInAt = Date.now();

      // Fresh token: three page loads, no refresh (with the backend's expiry read against a clock two minutes ahead,
      // every load would find the token "expired" and refresh: a loop).
      const first = await visit(cookies);
      await visit(cookies);
      await visit(cookies);
      expect(await refreshedSince()).toBe(0);
      // The app schedules from the lifetime the backend returned (5 s), on its own clock, from when it got the tokens.
      const receivedFrom = signInStartedAt + skew;
      const receivedBy = signedInAt + skew;
      expect(shownTime(first, 'access-expires')).toBeGreaterThanOrEqual(receivedFrom + TTL_SECONDS * 1000 - 1_000);
      expect(shownTime(first, 'access-expires')).toBeLessThanOrEqual(receivedBy + TTL_SECONDS * 1000);
      expect(shownTime(first, 'refresh-at')).toBeGreaterThanOrEqual(receivedFrom + REFRESH_AFTER_MS - 1_000);
      expect(shownTime(first, 'refresh-at')).toBeLessThanOrEqual(receivedBy + REFRESH_AFTER_MS);

      // Past the refresh point: six loads (three at once, three in a row) make exactly one rotation (with the expiry
      // read against a clock two minutes behind, the app would wait until long after the token died at the backend).
      await until(signedInAt + REFRESH_AFTER_MS + 300);
      await Promise.all([visit(cookies), visit(cookies), visit(cookies)]);
      const rotatedAt = Date.now();
      await visit(cookies);
      await visit(cookies);
      await visit(cookies);
      expect(await refreshedSince()).toBe(1);

      // The successor falls due in turn: one more rotation, not one per load.
      await until(rotatedAt + REFRESH_AFTER_MS + 300);
      await visit(cookies);
      await visit(cookies);
      await visit(cookies);
      expect(await refreshedSince()).toBe(2);

      for (const page of pages) {
        expect(showsSignedIn(page, ALICE), `${page.status} ${page.location ?? ''}`).toBe(true);
        expect(page.signedOut).toBe(false);
      }
      const end = await rotations(serviceUrl);
      expect(end.graceRetries - start.graceRetries).toBe(0);
      expect(end.reuse - start.reuse).toBe(0);
    },
    60_000,
  );
});
