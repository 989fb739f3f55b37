import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createWriteStream, mkdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { createServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
export const logDir = path.join(repoRoot, 'e2e', 'test-results', 'logs');
const require = createRequire(import.meta.url);

/** The user-service's command, resolved through its package's `exports`; `start()` runs it with this Node. */
export const USER_SERVICE_CLI = require.resolve('@portcullis/user-service/cli');

/** Throws unless the user-service is built: its public entry point resolves only once `npm run build` made it. */
export function assertUserServiceBuilt(): void {
  try {
    require.resolve('@portcullis/user-service');
  } catch {
    throw new Error('the user-service is not built: run `npm run build` first');
  }
}

export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/** Starts `node <args>` from `cwd` (the repository root unless given), its output in `e2e/test-results/logs/<name>.log`. */
export function start(name: string, args: string[], env: Record<string, string>, cwd: string = repoRoot): ChildProcess {
  mkdirSync(logDir, { recursive: true });
  const log = createWriteStream(path.join(logDir, `${name}.log`));
  const child = spawn(process.execPath, args, { cwd, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  child.stdout?.pipe(log);
  child.stderr?.pipe(log);
  return child;
}

/** Asks a started process to stop (SIGTERM) and waits until it has exited. */
export async function stopped(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill('SIGTERM');
  await exited;
}

/** Polls `url` until it answers 2xx; the process dying or the deadline passing fails set-up. */
export async function ready(name: string, url: string, child: ChildProcess, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`${name} exited with ${child.exitCode}; see ${logDir}/${name}.log`);
    try {
      if ((await fetch(url, { redirect: 'manual' })).ok) return;
    } catch {
      // not listening yet
    }
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  throw new Error(`${name} not ready at ${url} after ${timeoutMs} ms; see ${logDir}/${name}.log`);
}

/** A fresh app credential: the apps send it as PORTCULLIS_APP_CREDENTIAL, the user-service knows it as APP_CREDENTIALS. */
export function newAppCredential(): string {
  return randomBytes(32).toString('base64url');
}

/**
 * The environment of a throwaway user-service for browser tests: in memory (even when CI exports DATABASE_URL and
 * REDIS_URL for other suites), 5 s access tokens, the apps' credential (as `npm start` runs it: no TRUST_PROXY, the
 * apps name each browser's address next to their credential), generous per-IP limits. No role is made to enrol a
 * second factor (MFA_REQUIRED_ROLES empty), so specs about other flows sign the demo admin and manager in with the
 * password alone; mfa.spec.ts starts its systems with the service's default (ADMIN,MANAGER) through `apiEnv`.
 */
export function testUserServiceEnv(options: {
  apiPort: number;
  webUrl: string;
  demoPassword: string;
  appCredential: string;
  accessTokenTtl?: string;
}): Record<string, string> {
  return {
    HOST: '127.0.0.1',
    PORT: String(options.apiPort),
    DATA_DIR: 'memory://',
    DATABASE_URL: '',
    REDIS_URL: '',
    DEMO_PASSWORD: options.demoPassword,
    APP_CREDENTIALS: options.appCredential,
    ACCESS_TOKEN_TTL: options.accessTokenTtl ?? '5',
    LOGIN_MAX_ATTEMPTS_PER_IP: '100000',
    CORS_ORIGINS: options.webUrl,
    MFA_REQUIRED_ROLES: '',
    LOG_LEVEL: 'info',
  };
}
