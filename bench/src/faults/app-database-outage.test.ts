import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { databaseOutageKinds, sessionsAfterOutage, type DatabaseOutage } from '../support/database-outages.js';
import { BENCH_DEMO_PASSWORD, SERVICE_METRICS_HEADERS, startUserService, UNTHROTTLED, waitFor, type RunningProcess } from '../support/processes.js';
import { showsSignedIn, showsUnavailable, startWebApp, visitPage, WEB_BUILT, type PageVisit, type RunningWebApp } from '../support/web-app.js';
import { metricValue, signInThroughApp, type Cookies } from '../support/web.js';

const kinds = databaseOutageKinds(process.env.DATABASE_URL ?? '').map((kind) => ({
  ...kind,
  skipReason: kind.skipReason !== '' ? kind.skipReason : WEB_BUILT ? '' : 'apps/web is not built (npm run build)',
}));
for (const kind of kinds) if (kind.skipReason !== '') console.info(`[faults] PostgreSQL outage seen through the app (${kind.name}) SKIPPED: ${kind.skipReason}`);

/** Short, so every browser's token falls due (and expires) while the database is away. */
const TTL_SECONDS = 5;
const BROWSERS = 8;
const ACCOUNTS = ['alice@example.com', 'maria@example.com', 'adam@example.com'] as const;

type Phase = 'before' | 'outage' | 'after';

interface Browser {
  readonly email: string;
  readonly cookies: Cookies;
  readonly visits: { phase: Phase; page: PageVisit }[];
}

describe.each(kinds)('PostgreSQL restarted while users browse through the app: $name', (kind) => {
  let outage: DatabaseOutage | undefined;
  let service: RunningProcess | undefined;
  let web: RunningWebApp | undefined;

  beforeAll(async () => {
    if (kind.skipReason !== '') return;
    outage = await kind.create();
    service = await startUserService({ env: { DATABASE_URL: outage.databaseUrl, ...UNTHROTTLED, ACCESS_TOKEN_TTL: String(TTL_SECONDS) } });
    web = await startWebApp({ apiUrl: service.url });
  }, 180_000);

  afterAll(async () => {
    await web?.stop();
    await service?.stop();
    await outage?.close();
  });

  it.skipIf(kind.skipReason !== '')(
    `signs nobody out meanwhile (503 pages at worst), and everyone continues afterwards with no session lost${kind.skipReason === '' ? '' : ` — skipped: ${kind.skipReason}`}`,
    async () => {
      const app = web?.appUrl ?? '';
      const serviceUrl = service?.url ?? '';
      const browsers: Browser[] = [];
      for (let index = 0; index < BROWSERS; index += 1) {
        const email = ACCOUNTS[index % ACCOUNTS.length] ?? ACCOUNTS[0];
        browsers.push({ email, cookies: await signInThroughApp(app, email, BENCH_DEMO_PASSWORD), visits: [] });
      }
      const reuseBefore = metricValue(
        await (await fetch(`${serviceUrl}/metrics`, { headers: SERVICE_METRICS_HEADERS })).text(),
        'portcullis_refresh_reuse_detected_total',
      );

      let phase: Phase = 'before';
      let stop = false;
      // Every browser loads the dashboard over and over, keeping whatever cookie the app sends back.
      const browsing = browsers.map(async (browser) => {
        for (let round = 0; round < 10_000 && !stop; round += 1) {
          const current = phase;
          browser.visits.push({ phase: current, page: await visitPage({ baseUrl: app, appUrl: app, cookies: browser.cookies }) });
          await new Promise((resolve) => setTimeout(resolve, 100));
        }
      });
      const seen = (wanted: Phase, check: (page: PageVisit) => boolean): boolean =>
        browsers.every((browser) => browser.visits.some((visit) => visit.phase === wanted && check(visit.page)));

      await waitFor('every browser to be served before the outage', async () => seen('before', (page) => page.status === 200), { timeoutMs: 30_000 });
      phase = 'outage';
      await outage?.begin();
      // Long enough for every token to fall due and expire with the database away: each browser meets the 503 page.
      await waitFor('every browser to meet the 503 page', async () => seen('outage', showsUnavailable), { timeoutMs: 60_000, intervalMs: 100 });
      phase = 'after';
      await outage?.end();
      await waitFor('every browser to be served again', async () => seen('after', (page) => page.status === 200), { timeoutMs: 60_000, intervalMs: 100 });
      stop = true;
      await Promise.all(browsing);

      for (const browser of browsers) {
        for (const { phase: when, page } of browser.visits) {
          // Never a sign-out, a redirect to sign-in or a 500: the signed-in page or the clear 503 page.
          expect(page.signedOut, `${browser.email} ${when}: signed out (${page.status} ${page.location ?? ''})`).toBe(false);
          expect(showsSignedIn(page, browser.email) || showsUnavailable(page), `${browser.email} ${when}: ${page.status} ${page.body.slice(0, 200)}`).toBe(true);
        }
        // Afterwards the browser goes on with the cookie it has, without signing in again.
        expect(showsSignedIn(await visitPage({ baseUrl: app, appUrl: app, cookies: browser.cookies }), browser.email)).toBe(true);
      }
      expect(
        metricValue(await (await fetch(`${serviceUrl}/metrics`, { headers: SERVICE_METRICS_HEADERS })).text(), 'portcullis_refresh_reuse_detected_total') - reuseBefore,
      ).toBe(0);
      // No session lost: none revoked, none forked.
      expect(await sessionsAfterOutage(outage?.checkUrl ?? '')).toEqual({ revoked: 0, forked: 0 });
    },
    240_000,
  );
});
