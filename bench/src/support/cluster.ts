import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { once } from 'node:events';
import { rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { REPO_ROOT, waitFor } from './processes.js';

/** The demo users' password of the cluster this test process starts: random, so none is written into the repository. */
export const CLUSTER_DEMO_PASSWORD = randomBytes(18).toString('base64url');

async function portIsFree(port: number): Promise<boolean> {
  const server = createServer();
  try {
    server.listen(port, '127.0.0.1');
    await once(server, 'listening');
    return true;
  } catch {
    return false;
  } finally {
    server.close();
  }
}

/** A base port whose next `count` ports are free too (the cluster puts instance i on base + i). */
async function freePortRange(count: number): Promise<number> {
  for (let attempt = 0; attempt < 50; attempt += 1) {
    const base = 20_000 + Math.floor(Math.random() * 30_000);
    let free = true;
    for (let offset = 0; offset <= count && free; offset += 1) free = await portIsFree(base + offset);
    if (free) return base;
  }
  throw new Error('no free port range found');
}

export interface RunningCluster {
  readonly apiUrl: string;
  readonly instanceUrls: readonly string[];
  /** The web proxy and instances, when started with `web: true`. */
  readonly webUrl: string;
  readonly webInstanceUrls: readonly string[];
  readonly child: ChildProcess;
  output(): string;
  stop(): Promise<void>;
}

/** Starts `scripts/cluster.mjs` (already built, API tier only) and waits until its proxy answers. */
export async function startCluster(options: {
  databaseUrl: string;
  redisUrl: string;
  instances?: number;
  env?: Record<string, string>;
  web?: boolean;
}): Promise<RunningCluster> {
  const instances = options.instances ?? 2;
  const base = await freePortRange(instances);
  const webBase = options.web === true ? await freePortRange(instances) : 0;
  const dataDir = join(tmpdir(), `portcullis-cluster-${base}`);
  const child = spawn(process.execPath, ['scripts/cluster.mjs', '--no-build', ...(options.web === true ? [] : ['--no-web']), '--instances', String(instances)], {
    cwd: REPO_ROOT,
    env: {
      PATH: process.env.PATH ?? '',
      HOME: process.env.HOME ?? '',
      DATABASE_URL: options.databaseUrl,
      REDIS_URL: options.redisUrl,
      API_PORT: String(base),
      ...(options.web === true ? { WEB_PORT: String(webBase), NEXTAUTH_SECRET: randomBytes(32).toString('base64url'), DATA_DIR: dataDir } : {}),
      LOG_LEVEL: 'warn',
      NODE_ENV: 'test',
      DEMO_PASSWORD: CLUSTER_DEMO_PASSWORD,
      MFA_REQUIRED_ROLES: '',
      ...options.env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const lines: string[] = [];
  child.stdout?.on('data', (chunk: Buffer) => lines.push(chunk.toString('utf8')));
  child.stderr?.on('data', (chunk: Buffer) => lines.push(chunk.toString('utf8')));
  let exited = false;
  const exit = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  void exit.then(() => (exited = true));
  const apiUrl = `http://127.0.0.1:${base}`;
  try {
    await waitFor(
      'the cluster',
      async () => {
        if (exited) throw new Error(`cluster exited:\n${lines.join('').slice(-3000)}`);
        return lines.join('').includes('[cluster] ready');
      },
      { timeoutMs: 90_000, intervalMs: 100 },
    );
  } catch (error) {
    child.kill('SIGKILL');
    throw new Error(`${(error as Error).message}\n${lines.join('').slice(-3000)}`);
  }
  return {
    apiUrl,
    instanceUrls: Array.from({ length: instances }, (_, index) => `http://127.0.0.1:${base + index + 1}`),
    webUrl: `http://localhost:${webBase}`,
    webInstanceUrls: Array.from({ length: options.web === true ? instances : 0 }, (_, index) => `http://127.0.0.1:${webBase + index + 1}`),
    child,
    output: () => lines.join(''),
    async stop() {
      if (exited) return;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 5_000);
      await exit;
      clearTimeout(timer);
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}
