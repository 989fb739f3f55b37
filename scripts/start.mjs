#!/usr/bin/env node
// `npm start`: builds the user-service, the web app and the portal, and runs them on the embedded database with demo users.
import { randomBytes } from 'node:crypto';
import { spawn } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { buildParts, USER_SERVICE_CLI } from './build-parts.mjs';

const root = new URL('..', import.meta.url).pathname;
const dataDir = process.env.DATA_DIR ?? join(root, '.data');
const demoPassword = process.env.DEMO_PASSWORD ?? 'portcullis-demo';
const apiPort = process.env.PORT ?? '4000';
const webPort = process.env.WEB_PORT ?? '3000';
const portalPort = process.env.PORTAL_PORT ?? '3001';
const issuer = process.env.ISSUER ?? `http://localhost:${apiPort}`;
const webUrl = `http://localhost:${webPort}`;
// With no SMTP_URL the user-service sends to its development mailbox, kept in DATA_DIR/mailbox and read by the web
// app's /dev/mailbox (docs/mail.md); an in-memory DATA_DIR keeps it in the service's memory, where no page can read it.
const devMailboxDir = process.env.SMTP_URL || dataDir.startsWith('memory://') ? undefined : join(dataDir, 'mailbox');
const portalUrl = `http://localhost:${portalPort}`;
// The demo lets anyone sign up (then verify by the mailbox's link), so a person can walk every account flow
// (docs/accounts.md); a deployment's own default is `invite`.
const signup = process.env.SIGNUP ?? 'open';

/**
 * The apps' secrets at the user-service — both apps' client secrets, the key of the provider's SSO cookie and each app's
 * credential (APP_CREDENTIALS: only with it does the service believe the browser address an app names): generated
 * once into DATA_DIR (mode 600) so registrations and SSO sessions survive restarts; throwaway ones for an in-memory
 * database.
 */
function clientSecrets() {
  const secret = () => randomBytes(32).toString('base64url');
  const fresh = () => ({ web: secret(), portal: secret(), ssoCookieKey: secret(), webAppCredential: secret(), portalAppCredential: secret() });
  if (dataDir.startsWith('memory://')) return fresh();
  const file = join(dataDir, 'oidc-client-secrets.json');
  const stored = existsSync(file) ? JSON.parse(readFileSync(file, 'utf8')) : {};
  // A file from before a secret was kept here (the SSO cookie key, the app credentials) gains it; the others stay.
  const secrets = { ...fresh(), ...stored };
  if (Object.keys(secrets).every((name) => name in stored)) return secrets;
  mkdirSync(dataDir, { recursive: true });
  writeFileSync(file, `${JSON.stringify(secrets)}\n`, { mode: 0o600 });
  chmodSync(file, 0o600);
  console.log(`generated the single sign-on secrets into ${file}`);
  return secrets;
}
const secrets = clientSecrets();
const ourScopes = 'profile:read sessions:manage requests:write approvals:grant users:admin audit:read';
// The apps as clients of the user-service's OpenID Provider (docs/sso.md): exact redirect URIs, back-channel logout.
const oidcClients = [
  { id: 'portcullis-web', url: webUrl, secret: secrets.web, postLogout: `${webUrl}/signin` },
  { id: 'portcullis-portal', url: portalUrl, secret: secrets.portal, postLogout: `${portalUrl}/` },
].map((client) => ({
  client_id: client.id,
  client_secret: client.secret,
  redirect_uris: [`${client.url}/api/auth/callback/portcullis`],
  post_logout_redirect_uris: [client.postLogout],
  backchannel_logout_uri: `${client.url}/api/auth/backchannel-logout`,
  scope: `openid profile email offline_access ${ourScopes}`,
}));

buildParts({ projects: ['services/user-service', 'packages/next'], apps: ['@portcullis/web', '@portcullis/portal'] });

const children = [];
function start(name, command, args, env) {
  const child = spawn(command, args, { cwd: root, stdio: 'inherit', env: { ...process.env, ...env } });
  child.on('exit', (code, signal) => {
    console.error(`${name} stopped (${signal ?? code}); stopping the rest.`);
    shutdown(code ?? 1);
  });
  children.push(child);
}

let stopping = false;
function shutdown(code) {
  if (stopping) return;
  stopping = true;
  for (const child of children) child.kill('SIGTERM');
  setTimeout(() => process.exit(code), 500).unref();
}
process.on('SIGINT', () => shutdown(0));
process.on('SIGTERM', () => shutdown(0));

start('user-service', process.execPath, [USER_SERVICE_CLI], {
  // The demo system has demo users, which production refuses: development, whatever NODE_ENV the shell has.
  NODE_ENV: 'development',
  DATA_DIR: dataDir,
  PORT: apiPort,
  DEMO_PASSWORD: demoPassword,
  // The apps call the API on behalf of browsers and name each browser's address next to their credential; nothing
  // else may (no TRUST_PROXY: every other caller is counted by its own socket address).
  APP_CREDENTIALS: [secrets.webAppCredential, secrets.portalAppCredential].join(','),
  CORS_ORIGINS: process.env.CORS_ORIGINS ?? `http://localhost:${webPort}`,
  ISSUER: issuer,
  OIDC_CLIENTS: JSON.stringify(oidcClients),
  OIDC_COOKIE_KEYS: process.env.OIDC_COOKIE_KEYS ?? secrets.ssoCookieKey,
  // Links in mail lead to the web app's pages.
  PUBLIC_APP_URL: webUrl,
  SIGNUP: signup,
});
// The web app keeps its generated NEXTAUTH_SECRET in the same data directory.
start('web', 'npm', ['run', 'start', '-w', '@portcullis/web'], {
  DATA_DIR: dataDir,
  WEB_PORT: webPort,
  API_URL: `http://127.0.0.1:${apiPort}`,
  OIDC_ISSUER: issuer,
  OIDC_CLIENT_ID: 'portcullis-web',
  OIDC_CLIENT_SECRET: secrets.web,
  PORTCULLIS_APP_CREDENTIAL: secrets.webAppCredential,
  SIGNUP: signup,
  ...(devMailboxDir === undefined ? {} : { DEV_MAILBOX_DIR: devMailboxDir }),
});
// The second app: single sign-on only, its own cookie names and NEXTAUTH_SECRET (also in DATA_DIR).
start('portal', 'npm', ['run', 'start', '-w', '@portcullis/portal'], {
  DATA_DIR: dataDir,
  PORTAL_PORT: portalPort,
  API_URL: `http://127.0.0.1:${apiPort}`,
  OIDC_ISSUER: issuer,
  OIDC_CLIENT_ID: 'portcullis-portal',
  OIDC_CLIENT_SECRET: secrets.portal,
  PORTCULLIS_APP_CREDENTIAL: secrets.portalAppCredential,
});

function devMailbox() {
  if (process.env.SMTP_URL) return `none: mail goes to SMTP_URL`;
  if (devMailboxDir === undefined) return "in the user-service's memory (DATA_DIR=memory://): set DATA_DIR to a directory to read it";
  return `${webUrl}/dev/mailbox  (the mail the user-service sends: sign-up, invitations, password resets)`;
}

console.log(`
Portcullis is starting (embedded database in ${dataDir}${existsSync(dataDir) ? '' : ', created now'}).
  web app       ${webUrl}  (password or single sign-on; sign-up ${signup === 'open' ? 'open to anyone' : `is ${signup}`})
  portal        ${portalUrl}  (single sign-on only)
  user-service  http://127.0.0.1:${apiPort}
  mailbox       ${devMailbox()}
Each app decides a browser's address from its own socket (no proxy in front) and names it to the user-service with
its app credential.
Demo users (password: ${demoPassword}):
  alice@example.com  USER
  maria@example.com  MANAGER
  adam@example.com   ADMIN
Stop with Ctrl+C.
`);
