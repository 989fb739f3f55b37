// Serves the built portal (`next start`) with its configuration resolved: PORTAL_PORT, API_URL, NEXTAUTH_URL,
// NEXTAUTH_SECRET (generated once into DATA_DIR when unset), OIDC_ISSUER, OIDC_CLIENT_ID, OIDC_CLIENT_SECRET.
import { randomBytes } from 'node:crypto';
import { spawn } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const appDir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const repoRoot = path.resolve(appDir, '../..');

function fail(message) {
  console.error(`[portal] ${message}`);
  process.exit(1);
}

const port = Number(process.env.PORTAL_PORT ?? '3001');
if (!Number.isInteger(port) || port < 1 || port > 65535) fail(`Invalid PORTAL_PORT: ${process.env.PORTAL_PORT}`);
const dataDir = process.env.DATA_DIR ?? path.join(repoRoot, '.data');

const appUrl = process.env.NEXTAUTH_URL ?? `http://localhost:${port}`;
const localHosts = new Set(['localhost', '127.0.0.1', '[::1]']);

for (const name of ['OIDC_ISSUER', 'OIDC_CLIENT_ID', 'OIDC_CLIENT_SECRET']) {
  // The portal signs in only through the provider: without its registration there is nothing to serve.
  if (!process.env[name]) fail(`${name} is required (npm start generates the portal's client registration)`);
}

/** The secret that encrypts the portal's session cookies: its own, kept in DATA_DIR so sessions survive restarts. */
function sessionSecret() {
  if (process.env.NEXTAUTH_SECRET) return process.env.NEXTAUTH_SECRET;
  if (!localHosts.has(new URL(appUrl).hostname)) fail(`NEXTAUTH_SECRET is required when NEXTAUTH_URL is not local (${appUrl})`);
  if (dataDir.startsWith('memory://')) return randomBytes(32).toString('base64url');
  const file = path.join(path.resolve(repoRoot, dataDir), 'portal-nextauth-secret');
  if (existsSync(file)) return readFileSync(file, 'utf8').trim();
  mkdirSync(path.dirname(file), { recursive: true });
  const secret = randomBytes(32).toString('base64url');
  writeFileSync(file, `${secret}\n`, { mode: 0o600 });
  chmodSync(file, 0o600);
  console.log(`[portal] generated NEXTAUTH_SECRET into ${file}`);
  return secret;
}

const env = {
  ...process.env,
  NODE_ENV: 'production',
  PORTAL_PORT: String(port),
  API_URL: process.env.API_URL ?? 'http://127.0.0.1:4000',
  NEXTAUTH_URL: appUrl,
  NEXTAUTH_SECRET: sessionSecret(),
  DATA_DIR: dataDir,
};

const nextBin = createRequire(import.meta.url).resolve('next/dist/bin/next');
const args = [nextBin, 'start', '--port', String(port)];
if (process.env.PORTAL_HOST) args.push('--hostname', process.env.PORTAL_HOST);
const child = spawn(process.execPath, args, { cwd: appDir, env, stdio: 'inherit' });
for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => child.kill(signal));
child.on('exit', (code, signal) => process.exit(signal ? 1 : (code ?? 0)));
