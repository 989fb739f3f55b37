import { randomBytes } from 'node:crypto';
import { Mailbox } from './mailbox.js';
import { freePort, newAppCredential, ready, start, stopped, testUserServiceEnv, USER_SERVICE_CLI } from './processes.js';
import { tokenTapEnv } from './redaction-check.js';

/** A user-service and web app of their own, for a spec that needs settings the shared harness must not have. */
export interface System {
  readonly webUrl: string;
  readonly apiUrl: string;
  readonly secret: string;
  readonly demoPassword: string;
  /** The real SMTP server this system's user-service mails to; its links point at `webUrl` (PUBLIC_APP_URL). */
  readonly mailbox: Mailbox;
  stop(): Promise<void>;
}

/**
 * Starts an in-memory user-service (5 s access tokens, like the shared harness) and the built web app in front of it,
 * with `apiEnv` on top — e.g. a short `STEP_UP_MAX_AGE`, so a spec can pass the step-up window in seconds without
 * changing it for every other admin flow — and `signup` as its SIGNUP (docs/accounts.md; the service's default,
 * invitations only, when not given). Its mail goes to a real SMTP server in this test process (`mailbox`), so a spec
 * reads the mail a user would get and follows its links. Logs go to `e2e/test-results/logs/<name>-*.log`.
 */
export async function startSystem(options: { name: string; signup?: 'invite' | 'open' | 'closed'; apiEnv?: Record<string, string> }): Promise<System> {
  const [apiPort, webPort] = [await freePort(), await freePort()];
  const demoPassword = process.env.E2E_DEMO_PASSWORD ?? 'e2e-demo-password';
  const secret = randomBytes(32).toString('base64url');
  const webUrl = `http://localhost:${webPort}`;
  const apiUrl = `http://127.0.0.1:${apiPort}`;
  const appCredential = newAppCredential();
  const mailbox = await Mailbox.start();

  const api = start(`${options.name}-user-service`, [USER_SERVICE_CLI], {
    ...testUserServiceEnv({ apiPort, webUrl, demoPassword, appCredential }),
    SMTP_URL: mailbox.smtpUrl,
    PUBLIC_APP_URL: webUrl,
    ...(options.signup === undefined ? {} : { SIGNUP: options.signup }),
    ...options.apiEnv,
    // docs/operations.md: what these processes issue is recorded too, so the run's redaction check covers their logs.
    ...tokenTapEnv(),
  });
  const web = start(`${options.name}-web`, ['apps/web/scripts/start.mjs'], {
    WEB_PORT: String(webPort),
    API_URL: apiUrl,
    NEXTAUTH_URL: webUrl,
    NEXTAUTH_SECRET: secret,
    DATA_DIR: 'memory://',
    PORTCULLIS_APP_CREDENTIAL: appCredential,
    // The app reads the service's MFA_REQUIRED_ROLES (admin pages want a multi-factor session when it names ADMIN).
    MFA_REQUIRED_ROLES: options.apiEnv?.MFA_REQUIRED_ROLES ?? '',
    // The sign-in page offers sign-up, and /signup its form, only where the service takes sign-ups.
    ...(options.signup === undefined ? {} : { SIGNUP: options.signup }),
    // Debug lines too: the run's redaction check then covers the most talkative setting.
    DEBUG: 'portcullis:*',
    ...tokenTapEnv(),
  });
  const stop = async (): Promise<void> => {
    await Promise.all([stopped(web), stopped(api)]);
    await mailbox.close();
  };
  try {
    await ready(`${options.name}-user-service`, `${apiUrl}/readyz`, api, 60_000);
    await ready(`${options.name}-web`, `${webUrl}/signin`, web, 60_000);
  } catch (error) {
    await stop();
    throw error;
  }
  return { webUrl, apiUrl, secret, demoPassword, mailbox, stop };
}
