import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createWriteStream, existsSync, mkdirSync } from 'node:fs';
import { createServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Gateway } from './gateway.js';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const logDir = path.join(repoRoot, 'e2e', 'test-results', 'logs');

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

function start(name: string, args: string[], env: Record<string, string>): ChildProcess {
  mkdirSync(logDir, { recursive: true });
  const log = createWriteStream(path.join(logDir, `${name}.log`));
  const child = spawn(process.execPath, args, { cwd: repoRoot, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  child.stdout?.pipe(log);
  child.stderr?.pipe(log);
  return child;
}

/** Polls `url` until it answers 2xx; the process dying or the deadline passing fails set-up. */
async function ready(name: string, url: string, child: ChildProcess, timeoutMs: number): Promise<void> {
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

/**
 * Starts a fresh system for the browser tests: an in-memory user-service with short-lived access tokens, a
 * switchable gateway in front of it, and the built web app (`next start`) in production mode. Tests read
 * the addresses from E2E_* variables, which Playwright passes to its workers.
 */
export default async function globalSetup(): Promise<() => Promise<void>> {
  for (const file of ['services/user-service/dist/server.js', 'apps/web/.next/BUILD_ID']) {
    if (!existsSync(path.join(repoRoot, file))) throw new Error(`${file} is missing: run \`npm run build\` first`);
  }
  const [apiPort, webPort] = [await freePort(), await freePort()];
  const demoPassword = process.env.E2E_DEMO_PASSWORD ?? 'e2e-demo-password';
  const secret = randomBytes(32).toString('base64url');
  const webUrl = `http://localhost:${webPort}`;

  const api = start('user-service', ['services/user-service/dist/server.js'], {
    HOST: '127.0.0.1',
    PORT: String(apiPort),
    DATA_DIR: 'memory://',
    // A fresh in-memory database for every run, even when CI exports DATABASE_URL/REDIS_URL for other suites.
    DATABASE_URL: '',
    REDIS_URL: '',
    DEMO_PASSWORD: demoPassword,
    TRUST_PROXY: '127.0.0.1,::1',
    ACCESS_TOKEN_TTL: process.env.E2E_ACCESS_TOKEN_TTL ?? '5',
    LOGIN_MAX_ATTEMPTS_PER_IP: '100000',
    CORS_ORIGINS: webUrl,
    LOG_LEVEL: 'info',
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
  });
  await ready('web', `${webUrl}/signin`, web, 60_000);

  Object.assign(process.env, {
    E2E_WEB_URL: webUrl,
    E2E_API_URL: `http://127.0.0.1:${apiPort}`,
    E2E_GATEWAY_CONTROL: `http://127.0.0.1:${controlPort}`,
    E2E_NEXTAUTH_SECRET: secret,
    E2E_DEMO_PASSWORD: demoPassword,
  });

  return async () => {
    await gateway.up();
    for (const child of [web, api]) child.kill('SIGTERM');
    await gateway.close();
  };
}
