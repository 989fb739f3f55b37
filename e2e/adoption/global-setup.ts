import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { assertUserServiceBuilt, freePort, newAppCredential, ready, repoRoot, start, stopped, USER_SERVICE_CLI } from '../harness/processes.js';
import { createAdoptingApp, packLibrary } from './fresh-app.js';

// The files the quick start promises; the doc may add more, but without these the test would prove nothing.
const PROMISED_FILES = ['lib/auth.ts', 'proxy.ts', 'app/api/auth/[...nextauth]/route.ts', 'app/page.tsx', 'app/signin/page.tsx', 'server.mjs'];

/**
 * Plays a team adopting Portcullis: packs the library, makes a fresh Next.js app in a temporary folder outside this
 * repository, wires it from docs/next-library.md alone, builds it, and starts it with the doc's `server.mjs` against
 * a real user-service (this repository's build, its data in the temporary folder, 5 s access tokens so a refresh
 * comes within seconds). The spec reads the addresses from ADOPTION_* variables.
 */
export default async function globalSetup(): Promise<() => Promise<void>> {
  assertUserServiceBuilt();
  const workDir = mkdtempSync(path.join(tmpdir(), 'portcullis-adoption-'));
  if (!path.relative(repoRoot, workDir).startsWith('..')) throw new Error(`${workDir} is inside the repository: the app would find its packages`);
  const appDir = path.join(workDir, 'app');
  let tarballs: string[];
  let copied: string[];
  try {
    tarballs = await packLibrary(workDir);
    copied = await createAdoptingApp(appDir, tarballs);
    const missing = PROMISED_FILES.filter((file) => !copied.includes(file));
    if (missing.length > 0) throw new Error(`docs/next-library.md's Wiring section no longer holds ${missing.join(', ')}`);
  } catch (error) {
    console.error(`[adoption] the fresh app is left in ${appDir} to look at`);
    throw error;
  }
  console.log(`[adoption] ${path.basename(workDir)}: ${tarballs.map((file) => path.basename(file)).join(', ')}; from the doc: ${copied.join(', ')}`);

  const [apiPort, appPort] = [await freePort(), await freePort()];
  const appUrl = `http://localhost:${appPort}`;
  const demoPassword = randomBytes(12).toString('base64url');
  const secret = randomBytes(32).toString('base64');
  const appCredential = newAppCredential();

  const api = start('adoption-user-service', [USER_SERVICE_CLI], {
    HOST: '127.0.0.1',
    PORT: String(apiPort),
    DATA_DIR: path.join(workDir, 'user-service-data'),
    // The embedded database even where CI exports PostgreSQL and Redis for other suites.
    DATABASE_URL: '',
    REDIS_URL: '',
    DEMO_PASSWORD: demoPassword,
    APP_CREDENTIALS: appCredential,
    ACCESS_TOKEN_TTL: '5',
    LOG_LEVEL: 'info',
  });
  // The quick start's variables, nothing more: whatever else the app needs, the doc does not say.
  const app = start(
    'adoption-app',
    ['server.mjs'],
    {
      PORT: String(appPort),
      API_URL: `http://127.0.0.1:${apiPort}`,
      NEXTAUTH_URL: appUrl,
      NEXTAUTH_SECRET: secret,
      PORTCULLIS_APP_CREDENTIAL: appCredential,
      NEXT_TELEMETRY_DISABLED: '1',
    },
    appDir,
  );
  const stop = async (): Promise<void> => {
    await Promise.all([stopped(app), stopped(api)]);
  };
  try {
    await ready('adoption-user-service', `http://127.0.0.1:${apiPort}/readyz`, api, 60_000);
    await ready('adoption-app', `${appUrl}/signin`, app, 60_000);
  } catch (error) {
    await stop();
    throw error;
  }

  Object.assign(process.env, {
    ADOPTION_APP_URL: appUrl,
    ADOPTION_NEXTAUTH_SECRET: secret,
    ADOPTION_DEMO_PASSWORD: demoPassword,
  });

  return async () => {
    await stop();
    rmSync(workDir, { recursive: true, force: true });
  };
}
