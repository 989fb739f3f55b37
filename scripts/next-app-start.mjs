// Serves a built Next app of this repo (`next start`) with its configuration resolved: its port, API_URL,
// NEXTAUTH_URL, NEXTAUTH_SECRET (generated once into DATA_DIR when unset) and DATA_DIR. Each app's
// scripts/start.mjs names what differs: its log prefix, port and host variables, secret file, required variables.
import { randomBytes } from 'node:crypto';
import { spawn } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
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
 * @param {string} options.hostVariable e.g. `WEB_HOST` (passed to `next start --hostname` when set)
 * @param {string} options.secretFile file name of the generated NEXTAUTH_SECRET inside DATA_DIR
 * @param {{ names: string[], why: string }} [options.required] variables without which there is nothing to serve
 */
export function startNextApp({ name, appDir, portVariable, defaultPort, hostVariable, secretFile, required }) {
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

  const env = {
    ...process.env,
    NODE_ENV: 'production',
    [portVariable]: String(port),
    API_URL: process.env.API_URL ?? 'http://127.0.0.1:4000',
    NEXTAUTH_URL: appUrl,
    NEXTAUTH_SECRET: sessionSecret(),
    DATA_DIR: dataDir,
  };

  // Resolved from the app's folder: `next` is the app's dependency, not the repo root's.
  const nextBin = createRequire(path.join(appDir, 'package.json')).resolve('next/dist/bin/next');
  const args = [nextBin, 'start', '--port', String(port)];
  if (process.env[hostVariable]) args.push('--hostname', process.env[hostVariable]);
  const child = spawn(process.execPath, args, { cwd: appDir, env, stdio: 'inherit' });
  for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => child.kill(signal));
  child.on('exit', (code, signal) => process.exit(signal ? 1 : (code ?? 0)));
}
