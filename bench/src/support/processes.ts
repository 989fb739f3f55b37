import { randomBytes } from 'node:crypto';
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { createRequire } from 'node:module';
import { createServer } from 'node:net';
import { fileURLToPath } from 'node:url';

export const REPO_ROOT = fileURLToPath(new URL('../../../', import.meta.url));
/** The user-service's command, resolved through its package's `exports` and run with this Node. */
const USER_SERVICE_ENTRY = createRequire(import.meta.url).resolve('@portcullis/user-service/cli');
/** Compiled ceilings, from `src/support` and `dist/support` alike; `tsc -b bench` (global setup, `npm run bench`) builds them. */
export const CEILINGS_DIR = fileURLToPath(new URL('../../dist/ceilings/', import.meta.url));

/** Every child still running: killed when this process exits, however it exits, so a crash leaves no orphan. */
const live = new Set<ChildProcess>();
process.once('exit', () => {
  for (const child of live) child.kill('SIGKILL');
});

class ProcessError extends Error {
  override readonly name = 'ProcessError';
}

/** A free TCP port on the loopback interface (bound, then released for the child to take). */
export async function freePort(): Promise<number> {
  const server = createServer();
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const address = server.address();
  server.close();
  await once(server, 'close');
  if (address === null || typeof address === 'string') throw new ProcessError('no port');
  return address.port;
}

/** Polls `check` until it resolves true, at most `timeoutMs`; real processes give no callback, so we poll with a bound. */
export async function waitFor(what: string, check: () => Promise<boolean>, options: { timeoutMs: number; intervalMs?: number }): Promise<void> {
  const deadline = Date.now() + options.timeoutMs;
  for (let attempt = 0; attempt < 100_000; attempt += 1) {
    if (await check().catch(() => false)) return;
    if (Date.now() > deadline) throw new ProcessError(`timed out after ${options.timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, options.intervalMs ?? 50));
  }
}

export interface RunningProcess {
  readonly name: string;
  readonly url: string;
  readonly port: number;
  readonly child: ChildProcess;
  /** The last lines the process wrote, for error messages and log assertions. */
  output(): string;
  /** SIGTERM and wait for the exit (SIGKILL after `graceMs`). */
  stop(graceMs?: number): Promise<void>;
  /** `kill -9`: no shutdown hook runs, in-flight work is cut where it stands. */
  kill(): Promise<void>;
}

/** Starts a Node script on a port of its own and waits until `readyPath` answers 200. */
export async function startNodeProcess(options: {
  name: string;
  script: string;
  env: Record<string, string>;
  port?: number;
  readyPath: string;
  nodeArgs?: string[];
  timeoutMs?: number;
}): Promise<RunningProcess> {
  const port = options.port ?? (await freePort());
  const child = spawn(process.execPath, [...(options.nodeArgs ?? []), options.script], {
    cwd: REPO_ROOT,
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', ...options.env, PORT: String(port), HOST: '127.0.0.1' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const lines: string[] = [];
  const keep = (chunk: Buffer): void => {
    lines.push(chunk.toString('utf8'));
    if (lines.length > 400) lines.splice(0, lines.length - 400);
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  live.add(child);
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  void exited.then(() => live.delete(child));
  const url = `http://127.0.0.1:${port}`;
  let gone = false;
  void exited.then(() => (gone = true));
  try {
    await waitFor(
      `${options.name} on ${url}${options.readyPath}`,
      async () => {
        if (gone) throw new ProcessError(`${options.name} exited during start-up:\n${lines.join('').slice(-3000)}`);
        const response = await fetch(`${url}${options.readyPath}`);
        await response.arrayBuffer();
        return response.status === 200;
      },
      { timeoutMs: options.timeoutMs ?? 60_000, intervalMs: 100 },
    );
  } catch (error) {
    child.kill('SIGKILL');
    if (gone) throw new ProcessError(`${options.name} exited during start-up:\n${lines.join('').slice(-3000)}`);
    throw error;
  }
  return {
    name: options.name,
    url,
    port,
    child,
    output: () => lines.join(''),
    async stop(graceMs = 5_000) {
      if (gone) return;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
      await exited;
      clearTimeout(timer);
    },
    async kill() {
      if (gone) return;
      child.kill('SIGKILL');
      await exited;
    },
  };
}

/** The user-service's scrape token in benchmarks: behind TRUST_PROXY a loopback caller alone may not read /metrics. */
export const BENCH_METRICS_TOKEN = randomBytes(18).toString('base64url');
/** Headers of a benchmark's own /metrics read. */
export const SERVICE_METRICS_HEADERS = Object.freeze({ authorization: `Bearer ${BENCH_METRICS_TOKEN}` });

/** The web app's credential at the user-service in benchmarks (PORTCULLIS_APP_CREDENTIAL there, APP_CREDENTIALS here). */
export const BENCH_APP_CREDENTIAL = randomBytes(32).toString('base64url');

/**
 * Environment that lets a benchmark's single client address send as many requests as it wants, and lets it speak
 * for many users through X-Forwarded-For (the benchmark is the trusted proxy on loopback). A web app started with
 * BENCH_APP_CREDENTIAL names its browsers' addresses, as under `npm start`.
 */
export const UNTHROTTLED = Object.freeze({
  TRUST_PROXY: '127.0.0.1,::1',
  METRICS_TOKEN: BENCH_METRICS_TOKEN,
  APP_CREDENTIALS: BENCH_APP_CREDENTIAL,
  LOGIN_MAX_ATTEMPTS_PER_IP: '1000000000',
  REFRESH_MAX_PER_IP_PER_MINUTE: '1000000000',
});

export const BENCH_DEMO_PASSWORD = randomBytes(18).toString('base64url');

/** Starts the built user-service (its `portcullis-user-service` command) with demo users. */
export function startUserService(options: { name?: string; env: Record<string, string>; port?: number }): Promise<RunningProcess> {
  return startNodeProcess({
    name: options.name ?? 'user-service',
    script: USER_SERVICE_ENTRY,
    readyPath: '/readyz',
    ...(options.port === undefined ? {} : { port: options.port }),
    // No role must enrol a second factor: the scenarios sign the demo manager and admin in with a password, as before.
    env: { NODE_ENV: 'test', LOG_LEVEL: 'warn', DEMO_PASSWORD: BENCH_DEMO_PASSWORD, MFA_REQUIRED_ROLES: '', ...options.env },
  });
}
