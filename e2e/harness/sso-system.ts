import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { assertUserServiceBuilt, freePort, newAppCredential, ready, repoRoot, start, stopped, testUserServiceEnv, USER_SERVICE_CLI } from './processes.js';
import { tokenTapEnv } from './redaction-check.js';

/** Two apps on one host signed in through the user-service's OpenID Provider (docs/sso.md). */
export interface SsoSystem {
  readonly issuer: string;
  readonly web: SsoApp;
  readonly portal: SsoApp;
  readonly demoPassword: string;
  stop(): Promise<void>;
}

export interface SsoApp {
  readonly url: string;
  readonly clientId: string;
  /** NEXTAUTH_SECRET, to read the app's session cookie in tests. */
  readonly secret: string;
  /** The app's session cookie name (each app has its own prefix: cookies ignore ports). */
  readonly sessionCookie: string;
}

const SCOPES = 'openid profile email offline_access profile:read sessions:manage requests:write approvals:grant users:admin audit:read';

/**
 * Starts an in-memory user-service whose OpenID Provider knows the web app and the portal as clients, the built web
 * app (password form and single sign-on) and the built portal (single sign-on only), all on `localhost` with free
 * ports — so, like `npm start`, the apps and the provider share one cookie jar. `apiEnv` goes on top of the
 * service's environment (mfa.spec.ts: MFA_REQUIRED_ROLES). Logs go to `e2e/test-results/logs/sso-*.log`.
 */
export async function startSsoSystem(options: { accessTokenTtl?: string; apiEnv?: Record<string, string> } = {}): Promise<SsoSystem> {
  assertUserServiceBuilt();
  for (const file of ['apps/web/.next/BUILD_ID', 'apps/portal/.next/BUILD_ID']) {
    if (!existsSync(path.join(repoRoot, file))) throw new Error(`${file} is missing: run \`npm run build\` first`);
  }
  const [apiPort, webPort, portalPort] = [await freePort(), await freePort(), await freePort()];
  const demoPassword = process.env.E2E_DEMO_PASSWORD ?? 'e2e-demo-password';
  const issuer = `http://localhost:${apiPort}`;
  const app = (port: number, clientId: string, prefix: string, postLogoutPath: string) => ({
    url: `http://localhost:${port}`,
    clientId,
    clientSecret: randomBytes(32).toString('base64url'),
    secret: randomBytes(32).toString('base64url'),
    sessionCookie: `__Host-${prefix}.session-token`,
    postLogoutPath,
  });
  const appCredential = newAppCredential();
  const web = app(webPort, 'portcullis-web', 'next-auth', '/signin');
  const portal = app(portalPort, 'portcullis-portal', 'portal', '/');
  const clients = [web, portal].map((client) => ({
    client_id: client.clientId,
    client_secret: client.clientSecret,
    redirect_uris: [`${client.url}/api/auth/callback/portcullis`],
    post_logout_redirect_uris: [`${client.url}${client.postLogoutPath}`],
    backchannel_logout_uri: `${client.url}/api/auth/backchannel-logout`,
    scope: SCOPES,
  }));

  const api = start('sso-user-service', [USER_SERVICE_CLI], {
    ...testUserServiceEnv({ apiPort, webUrl: web.url, demoPassword, appCredential, accessTokenTtl: options.accessTokenTtl ?? '30' }),
    ISSUER: issuer,
    OIDC_CLIENTS: JSON.stringify(clients),
    // playwright.es256.config.ts runs the single-sign-on tests again with the provider signing with ES256.
    ...(process.env.E2E_SIGNING_ALG === undefined ? {} : { SIGNING_ALG: process.env.E2E_SIGNING_ALG }),
    ...options.apiEnv,
    // docs/operations.md: what these processes issue is recorded too, so the run's redaction check covers their logs.
    ...tokenTapEnv(),
  });
  const oidcEnv = (client: typeof web) => ({
    API_URL: `http://127.0.0.1:${apiPort}`,
    NEXTAUTH_URL: client.url,
    NEXTAUTH_SECRET: client.secret,
    DATA_DIR: 'memory://',
    OIDC_ISSUER: issuer,
    OIDC_CLIENT_ID: client.clientId,
    OIDC_CLIENT_SECRET: client.clientSecret,
    PORTCULLIS_APP_CREDENTIAL: appCredential,
    // The service's MFA_REQUIRED_ROLES, which the web app reads too (admin pages want a multi-factor session for ADMIN).
    MFA_REQUIRED_ROLES: options.apiEnv?.MFA_REQUIRED_ROLES ?? '',
    ...tokenTapEnv(),
  });
  const webProcess = start('sso-web', ['apps/web/scripts/start.mjs'], { ...oidcEnv(web), WEB_PORT: String(webPort) });
  const portalProcess = start('sso-portal', ['apps/portal/scripts/start.mjs'], { ...oidcEnv(portal), PORTAL_PORT: String(portalPort) });
  const children = [webProcess, portalProcess, api];
  const stop = async (): Promise<void> => {
    await Promise.all(children.map((child) => stopped(child)));
  };
  try {
    await ready('sso-user-service', `http://127.0.0.1:${apiPort}/readyz`, api, 60_000);
    await ready('sso-web', `${web.url}/signin`, webProcess, 60_000);
    await ready('sso-portal', `${portal.url}/signin`, portalProcess, 60_000);
  } catch (error) {
    await stop();
    throw error;
  }
  const view = ({ url, clientId, secret, sessionCookie }: typeof web): SsoApp => ({ url, clientId, secret, sessionCookie });
  return { issuer, web: view(web), portal: view(portal), demoPassword, stop };
}
