import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createWriteStream, mkdirSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { createServer, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
/** The user-service's command, resolved through its package's `exports` (run with this Node). */
const SERVER = createRequire(import.meta.url).resolve('@portcullis/user-service/cli');
const READY_TIMEOUT_MS = 60_000;

/** A user-service of the fuzz's own: its port, its embedded database in a temp folder, its demo users and app credential. */
export interface UserServiceProcess {
  readonly baseUrl: string;
  readonly demoPassword: string;
  readonly appCredential: string;
  readonly logFile: string;
  stop(): Promise<void>;
}

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

async function stopped(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill('SIGTERM');
  await exited;
}

async function waitUntilReady(url: string, child: ChildProcess, logFile: string): Promise<void> {
  const deadline = Date.now() + READY_TIMEOUT_MS;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`the user-service exited with ${child.exitCode}; see ${logFile}`);
    try {
      if ((await fetch(url)).ok) return;
    } catch {
      // not listening yet
    }
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  throw new Error(`the user-service was not ready at ${url} after ${READY_TIMEOUT_MS} ms; see ${logFile}`);
}

/**
 * Starts the built service (`npm run build` first) as `npm run start:api` would, with limits that let one client send
 * thousands of requests: the throttles stay on (a 429 is a documented answer) but do not end the run in its first minute.
 */
export async function startUserService(): Promise<UserServiceProcess> {
  const port = await freePort();
  const dataDir = await mkdtemp(path.join(tmpdir(), 'portcullis-fuzz-'));
  const logDir = path.join(repoRoot, 'test-results');
  mkdirSync(logDir, { recursive: true });
  const logFile = path.join(logDir, 'openapi-fuzz-user-service.log');
  const demoPassword = randomBytes(18).toString('base64url');
  const appCredential = randomBytes(32).toString('base64url');
  const env: Record<string, string> = {
    ...process.env,
    NODE_ENV: 'test',
    HOST: '127.0.0.1',
    PORT: String(port),
    DATA_DIR: dataDir,
    // Its own embedded database, even where CI exports PostgreSQL and Redis for other suites.
    DATABASE_URL: '',
    REDIS_URL: '',
    DEMO_PASSWORD: demoPassword,
    // The fuzzer signs the demo admin in with a password alone, to reach the admin routes.
    MFA_REQUIRED_ROLES: '',
    APP_CREDENTIALS: appCredential,
    ACCESS_TOKEN_TTL: '1800',
    STEP_UP_MAX_AGE: '3600',
    LOGIN_MAX_ATTEMPTS_PER_IP: '100000',
    LOGIN_MAX_FAILURES_PER_EMAIL_IP: '100000',
    LOG_LEVEL: 'warn',
  };
  const child = spawn(process.execPath, [SERVER], { cwd: repoRoot, env, stdio: ['ignore', 'pipe', 'pipe'] });
  const log = createWriteStream(logFile);
  child.stdout?.pipe(log);
  child.stderr?.pipe(log);
  const baseUrl = `http://127.0.0.1:${port}`;
  const stop = async (): Promise<void> => {
    await stopped(child);
    await rm(dataDir, { recursive: true, force: true });
  };
  try {
    await waitUntilReady(`${baseUrl}/readyz`, child, logFile);
  } catch (error) {
    await stop();
    throw error;
  }
  return { baseUrl, demoPassword, appCredential, logFile, stop };
}
