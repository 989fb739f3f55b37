import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createDatabase } from '../support/databases.js';
import { runLoad, type LoadOptions, type LoadResult } from '../support/load.js';
import {
  BENCH_APP_CREDENTIAL,
  BENCH_DEMO_PASSWORD,
  freePort,
  REPO_ROOT,
  startNodeProcess,
  startUserService,
  UNTHROTTLED,
  type RunningProcess,
} from '../support/processes.js';
import type { BenchProfile, Measurement, Reporter, ScenarioResult } from '../support/report-model.js';
import { ALICE } from '../support/tokens.js';
import { signInThroughApp } from '../support/web.js';

const APP_SESSION_READ_ID = '4';
export const WEB_APP_BUILT = existsSync(join(REPO_ROOT, 'apps/web/.next/BUILD_ID'));

/**
 * Scenario 4: what reading the session costs a page of the app. The signed-in dashboard (proxy, getServerSession,
 * the revocation check with its cache, a call to the user-service) against the sign-in page rendered for a visitor
 * without a session — the app has no page that renders the same content both ways, so the ratio bounds the cost of
 * authentication plus the dashboard's own data from above.
 */
export async function runAppSessionRead(options: {
  profile: BenchProfile;
  backend: 'pglite' | 'postgres';
  adminUrl: string | undefined;
  reporter: Reporter;
}): Promise<ScenarioResult> {
  const { profile, reporter, backend } = options;
  const connections = Math.max(2, Math.round(profile.connections / 2));
  const result: ScenarioResult = {
    id: APP_SESSION_READ_ID,
    title: 'App session read: an authenticated page vs a page without authentication',
    parameters: {
      backend,
      'web app': 'apps/web production build (next start), one instance; user-service one process',
      'authenticated page': 'GET / (dashboard) with the NextAuth session cookie of alice',
      'page without authentication': 'GET /signin without a cookie',
      connections,
      'duration per run (s)': profile.durationSeconds,
      'rounds (alternating; best of each kept)': profile.rounds,
    },
    measurements: [],
    facts: [],
    notes: [],
  };
  const database = await createDatabase(backend, options.adminUrl);
  const dataDir = await mkdtemp(join(tmpdir(), 'portcullis-bench-web-'));
  const running: RunningProcess[] = [];
  try {
    reporter.step(`scenario 4 · ${backend}: starting the user-service and the web app`);
    const webPort = await freePort();
    const appUrl = `http://localhost:${webPort}`;
    const service = await startUserService({ env: { ...database.env, ...UNTHROTTLED, CORS_ORIGINS: appUrl } });
    running.push(service);
    const web = await startNodeProcess({
      name: 'web',
      script: join(REPO_ROOT, 'apps/web/scripts/start.mjs'),
      port: webPort,
      readyPath: '/signin',
      env: {
        WEB_PORT: String(webPort),
        API_URL: service.url,
        NEXTAUTH_URL: appUrl,
        NEXTAUTH_SECRET: randomBytes(32).toString('base64url'),
        DATA_DIR: dataDir,
        PORTCULLIS_APP_CREDENTIAL: BENCH_APP_CREDENTIAL,
      },
    });
    running.push(web);
    const cookies = await signInThroughApp(appUrl, ALICE, BENCH_DEMO_PASSWORD);
    const host = { host: `localhost:${webPort}` };
    const pages: Array<{ label: string; options: Omit<LoadOptions, 'durationSeconds' | 'onTick'> }> = [
      { label: 'GET / signed in', options: { url: `${web.url}/`, connections, headers: { ...host, cookie: cookies.header() } } },
      { label: 'GET /signin without a session', options: { url: `${web.url}/signin`, connections, headers: host } },
    ];
    const best: Array<LoadResult | undefined> = [undefined, undefined];
    for (let round = 1; round <= profile.rounds; round += 1) {
      for (const [index, page] of pages.entries()) {
        if (round === 1 && profile.warmupSeconds > 0) await runLoad({ ...page.options, durationSeconds: profile.warmupSeconds });
        const capped = profile.rateCap === undefined ? page.options : { ...page.options, overallRate: profile.rateCap };
        const load = await runLoad({
          ...capped,
          durationSeconds: profile.durationSeconds,
          onTick: (fraction) => reporter.progress(`4 · ${backend} · ${page.label} (round ${round})`, fraction),
        });
        const previous = best[index];
        best[index] = previous === undefined || load.rps > previous.rps ? load : previous;
      }
    }
    const [signedIn, anonymous] = best;
    if (signedIn === undefined || anonymous === undefined) throw new Error('no rounds');
    const row: Measurement = {
      label: 'GET / (dashboard) signed in',
      backend,
      load: signedIn,
      ceiling: { label: 'GET /signin without a session', load: anonymous },
      ratio: anonymous.rps > 0 ? signedIn.rps / anonymous.rps : 0,
    };
    result.measurements.push(row);
    reporter.measured(APP_SESSION_READ_ID, row);
  } finally {
    for (const process of running.reverse()) await process.stop();
    await database.drop();
    await rm(dataDir, { recursive: true, force: true });
  }
  return result;
}
