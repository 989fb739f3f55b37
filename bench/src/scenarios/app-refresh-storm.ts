import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createDatabase } from '../support/databases.js';
import { BENCH_DEMO_PASSWORD, freePort, REPO_ROOT, startNodeProcess, startUserService, UNTHROTTLED, type RunningProcess } from '../support/processes.js';
import type { BenchProfile, Reporter, ScenarioResult } from '../support/report-model.js';
import { ALICE } from '../support/tokens.js';
import { metricValue, signInThroughApp } from '../support/web.js';

export const APP_REFRESH_STORM_ID = '1';
// The library refreshes an access token a fifth of its lifetime before it expires (at most 60 s before): with short
// tokens a session falls due seconds after signing in, so the storm does not wait a quarter of an hour.
function schedule(profile: BenchProfile): { ttlSeconds: number; dueAfterMs: number } {
  const ttlSeconds = profile.mode === 'smoke' ? 5 : 10;
  return { ttlSeconds, dueAfterMs: ttlSeconds * 800 + 300 };
}

interface Counters {
  refreshes: number;
  graceRetries: number;
  reuse: number;
}

async function counters(serviceUrl: string): Promise<Counters> {
  const text = await (await fetch(`${serviceUrl}/metrics`)).text();
  return {
    refreshes: metricValue(text, 'portcullis_refresh_total', { outcome: 'succeeded' }),
    graceRetries: metricValue(text, 'portcullis_refresh_total', { outcome: 'grace_retry' }),
    reuse: metricValue(text, 'portcullis_refresh_reuse_detected_total'),
  };
}

/**
 * Scenario 1 (Portcullis side): sign in through the app, let the access token fall due, then fire N requests at
 * once with the same cookie. Counts backend refreshes (the service's own metrics), failed page answers, sessions
 * ended by reuse detection. Target (issue 6): one refresh per app instance, no failure. The seed's baseline app is
 * not built yet (docs/benchmarks.md, "Not done yet").
 */
export async function runAppRefreshStorm(options: {
  profile: BenchProfile;
  backend: 'pglite' | 'postgres';
  adminUrl: string | undefined;
  reporter: Reporter;
  sizes?: readonly number[];
}): Promise<ScenarioResult> {
  const { reporter, backend, profile } = options;
  const sizes = options.sizes ?? (profile.mode === 'smoke' ? [20] : [20, 200]);
  const { ttlSeconds, dueAfterMs } = schedule(profile);
  const result: ScenarioResult = {
    id: APP_REFRESH_STORM_ID,
    title: 'Refresh storm through the app (Portcullis library; baseline not built yet)',
    parameters: {
      backend,
      'web app': 'apps/web production build (next start), one instance',
      'parallel requests with one cookie (GET /)': sizes.join(' and '),
      'access token lifetime (s)': ttlSeconds,
      'wait before the storm (ms)': `${dueAfterMs} (past the library's refresh point, a fifth of the lifetime before expiry)`,
    },
    measurements: [],
    facts: [],
    notes: ['Backend refreshes are counted by the user-service itself (portcullis_refresh_total): succeeded rotations and grace retries.'],
  };
  const database = await createDatabase(backend, options.adminUrl);
  const dataDir = await mkdtemp(join(tmpdir(), 'portcullis-bench-web-'));
  const running: RunningProcess[] = [];
  try {
    reporter.step(`scenario 1 · ${backend}: starting the user-service and the web app`);
    const webPort = await freePort();
    const appUrl = `http://localhost:${webPort}`;
    const service = await startUserService({ env: { ...database.env, ...UNTHROTTLED, CORS_ORIGINS: appUrl, ACCESS_TOKEN_TTL: String(ttlSeconds) } });
    running.push(service);
    const web = await startNodeProcess({
      name: 'web',
      script: join(REPO_ROOT, 'apps/web/scripts/start.mjs'),
      port: webPort,
      readyPath: '/signin',
      env: { WEB_PORT: String(webPort), API_URL: service.url, NEXTAUTH_URL: appUrl, NEXTAUTH_SECRET: randomBytes(32).toString('base64url'), DATA_DIR: dataDir },
    });
    running.push(web);
    for (const size of sizes) {
      const cookies = await signInThroughApp(appUrl, ALICE, BENCH_DEMO_PASSWORD);
      // Real processes keep real time: the token has to age into the refresh lead.
      await new Promise((resolve) => setTimeout(resolve, dueAfterMs));
      const before = await counters(service.url);
      reporter.progress(`1 · ${backend} · ${size} requests at once`, 0);
      const answers = await Promise.allSettled(
        Array.from({ length: size }, async () => {
          const response = await fetch(`${web.url}/`, { redirect: 'manual', headers: { cookie: cookies.header(), host: `localhost:${webPort}` } });
          await response.arrayBuffer();
          return response.status;
        }),
      );
      const after = await counters(service.url);
      const failed = answers.filter((answer) => answer.status === 'rejected' || answer.value !== 200).length;
      const refreshes = after.refreshes - before.refreshes;
      const graceRetries = after.graceRetries - before.graceRetries;
      const reuse = after.reuse - before.reuse;
      for (const [label, value] of [
        [`N=${size}: backend refreshes (rotations + grace retries)`, `${refreshes} + ${graceRetries}`],
        [`N=${size}: failed requests`, failed],
        [`N=${size}: sessions ended by reuse detection`, reuse],
        [`N=${size}: target (1 refresh, 0 failures)`, refreshes === 1 && graceRetries === 0 && failed === 0 && reuse === 0 ? 'met' : 'MISSED'],
      ] as const) {
        result.facts.push({ label, value, backend });
        reporter.fact(APP_REFRESH_STORM_ID, label, value);
      }
    }
  } finally {
    for (const process of running.reverse()) await process.stop();
    await database.drop();
    await rm(dataDir, { recursive: true, force: true });
  }
  return result;
}
