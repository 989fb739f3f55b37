// Serves a built Next app of this repo with its configuration resolved: its port and host, API_URL, NEXTAUTH_URL,
// NEXTAUTH_SECRET (generated once into DATA_DIR when unset), DATA_DIR, TRUST_PROXY and PORTCULLIS_APP_CREDENTIAL.
// Each app's scripts/start.mjs names what differs: its log prefix, port and host variables, secret file, required
// variables. The app runs under @portcullis/next/server, not `next start`: that server decides each browser's address
// from the socket (and from X-Forwarded-For only as far as TRUST_PROXY's proxies wrote it).
import { randomBytes } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const localHosts = new Set(['localhost', '127.0.0.1', '[::1]']);

/**
 * @param {object} options
 * @param {string} options.name log prefix, e.g. `web`
 * @param {string} options.appDir the app's folder, where `next start` runs
 * @param {string} options.portVariable e.g. `WEB_PORT`
 * @param {number} options.defaultPort
 * @param {string} options.hostVariable e.g. `WEB_HOST`: the interface to listen on, this machine only (127.0.0.1) by default
 * @param {string} options.secretFile file name of the generated NEXTAUTH_SECRET inside DATA_DIR
 * @param {{ names: string[], why: string }} [options.required] variables without which there is nothing to serve
 */
export async function startNextApp({ name, appDir, portVariable, defaultPort, hostVariable, secretFile, required }) {
  function fail(message) {
    console.error(`[${name}] ${message}`);
    process.exit(1);
  }

  const port = Number(process.env[portVariable] ?? String(defaultPort));
  if (!Number.isInteger(port) || port < 1 || port > 65535) fail(`Invalid ${portVariable}: ${process.env[portVariable]}`);
  const dataDir = process.env.DATA_DIR ?? path.join(repoRoot, '.data');
  const appUrl = process.env.NEXTAUTH_URL ?? `http://localhost:${port}`;

  for (const variable of required?.names ?? []) {
    if (!process.env[variable]) fail(`${variable} is required (${required.why})`);
  }

  /** The secret that encrypts this app's session cookies: its own, kept in DATA_DIR so sessions survive restarts. */
  function sessionSecret() {
    if (process.env.NEXTAUTH_SECRET) return process.env.NEXTAUTH_SECRET;
    // Behind a real domain the secret must be managed like any other (same on every instance, rotated on purpose).
    if (!localHosts.has(new URL(appUrl).hostname)) fail(`NEXTAUTH_SECRET is required when NEXTAUTH_URL is not local (${appUrl})`);
    if (dataDir.startsWith('memory://')) return randomBytes(32).toString('base64url');
    const file = path.join(path.resolve(repoRoot, dataDir), secretFile);
    if (existsSync(file)) return readFileSync(file, 'utf8').trim();
    mkdirSync(path.dirname(file), { recursive: true });
    const secret = randomBytes(32).toString('base64url');
    writeFileSync(file, `${secret}\n`, { mode: 0o600 });
    chmodSync(file, 0o600);
    console.log(`[${name}] generated NEXTAUTH_SECRET into ${file}`);
    return secret;
  }

  const secret = sessionSecret();
  // Behind a real domain the user-service must be able to tell browsers apart: without the app credential it would
  // count every browser as this app's own address (docs/next-library.md, "The browser's address").
  if (!process.env.PORTCULLIS_APP_CREDENTIAL && !localHosts.has(new URL(appUrl).hostname)) {
    fail(`PORTCULLIS_APP_CREDENTIAL is required when NEXTAUTH_URL is not local (${appUrl})`);
  }

  // The app reads these from process.env on its first request (lib/env.ts); Next reads NODE_ENV as it loads.
  Object.assign(process.env, {
    NODE_ENV: 'production',
    [portVariable]: String(port),
    API_URL: process.env.API_URL ?? 'http://127.0.0.1:4000',
    NEXTAUTH_URL: appUrl,
    NEXTAUTH_SECRET: secret,
    DATA_DIR: dataDir,
  });

  // Like the user-service: reachable from this machine only unless the host variable says otherwise.
  const hostname = process.env[hostVariable] || '127.0.0.1';
  process.chdir(appDir);
  const { serveNextApp } = await import('@portcullis/next/server');
  let running;
  try {
    running = await serveNextApp({ dir: appDir, port, hostname, trustProxy: process.env.TRUST_PROXY });
  } catch (error) {
    fail(`could not start: ${error instanceof Error ? error.message : String(error)}`);
  }
  console.log(`[${name}] listening on ${running.url} (${appUrl})`);
  let stopping = false;
  for (const signal of ['SIGINT', 'SIGTERM']) {
    process.on(signal, () => {
      if (stopping) return;
      stopping = true;
      void running.close().finally(() => process.exit(0));
    });
  }
}
