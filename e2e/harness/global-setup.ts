import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { Gateway } from './gateway.js';
import { Mailbox } from './mailbox.js';
import { assertLogsRedacted, exited, startTokenTap } from './redaction-check.js';
import { assertUserServiceBuilt, freePort, newAppCredential, ready, repoRoot, start, testUserServiceEnv, USER_SERVICE_CLI } from './processes.js';

/**
 * Starts a fresh system for the browser tests: an in-memory user-service with short-lived access tokens, a
 * switchable gateway in front of it, and the built web app (as `npm start` serves it) in production mode. Tests read
 * the addresses from E2E_* variables, which Playwright passes to its workers.
 */
export default async function globalSetup(): Promise<() => Promise<void>> {
  assertUserServiceBuilt();
  for (const file of ['apps/web/.next/BUILD_ID']) {
    if (!existsSync(path.join(repoRoot, file))) throw new Error(`${file} is missing: run \`npm run build\` first`);
  }
  const [apiPort, webPort] = [await freePort(), await freePort()];
  const demoPassword = process.env.E2E_DEMO_PASSWORD ?? 'e2e-demo-password';
  const secret = randomBytes(32).toString('base64url');
  const webUrl = `http://localhost:${webPort}`;
  // docs/operations.md: both processes record every secret they issue (token-tap.mjs) for the redaction check in teardown.
  const tap = startTokenTap();
  const metricsToken = randomBytes(24).toString('base64url');
  const appCredential = newAppCredential();
  // The shared service's mail (sign-in notices) is delivered, not left failing; specs that read mail start their own
  // system (system.ts), whose inbox lives in the test worker.
  const mailbox = await Mailbox.start();

  const api = start('user-service', [USER_SERVICE_CLI], {
    ...testUserServiceEnv({ apiPort, webUrl, demoPassword, appCredential, accessTokenTtl: process.env.E2E_ACCESS_TOKEN_TTL ?? '5' }),
    // Alerts within a second, at thresholds a short e2e run reaches (monitoring.spec.ts).
    ALERT_SCAN_INTERVAL: '1',
    ALERT_FAILED_LOGINS_PER_ACCOUNT: '4',
    ALERT_FAILED_LOGINS_PER_IP: '5',
    SMTP_URL: mailbox.smtpUrl,
    PUBLIC_APP_URL: webUrl,
    ...tap,
  });
  await ready('user-service', `http://127.0.0.1:${apiPort}/readyz`, api, 60_000);

  const gateway = new Gateway(apiPort);
  await gateway.up(0);
  const controlPort = await gateway.startControl();

  const web = start('web', ['apps/web/scripts/start.mjs'], {
    WEB_PORT: String(webPort),
    API_URL: `http://127.0.0.1:${gateway.port}`,
    NEXTAUTH_URL: webUrl,
    NEXTAUTH_SECRET: secret,
    DATA_DIR: 'memory://',
    WEB_METRICS_TOKEN: metricsToken,
    PORTCULLIS_APP_CREDENTIAL: appCredential,
    // As the user-service (processes.ts): no role owes a second factor, so the admin pages take a password session.
    MFA_REQUIRED_ROLES: '',
    // Debug lines too: the redaction check in teardown then covers the most talkative setting.
    DEBUG: 'portcullis:*',
    ...tap,
  });
  await ready('web', `${webUrl}/signin`, web, 60_000);

  Object.assign(process.env, {
    E2E_WEB_URL: webUrl,
    E2E_API_URL: `http://127.0.0.1:${apiPort}`,
    E2E_GATEWAY_CONTROL: `http://127.0.0.1:${controlPort}`,
    E2E_NEXTAUTH_SECRET: secret,
    E2E_DEMO_PASSWORD: demoPassword,
    E2E_WEB_METRICS_TOKEN: metricsToken,
  });

  return async () => {
    await gateway.up();
    for (const child of [web, api]) child.kill('SIGTERM');
    await gateway.close();
    await mailbox.close();
    // With both processes gone their logs are complete: prove no password, token or cookie reached them.
    await Promise.all([web, api].map((child) => exited(child)));
    const checked = assertLogsRedacted({ password: demoPassword });
    console.log(`[e2e] redaction check: ${checked.files} log files, ${checked.lines} lines, ${checked.secrets} issued secrets, none leaked`);
  };
}
