#!/usr/bin/env node
// `npm run start:cluster`: N user-service instances (and N web instances when the web app is built) on this machine,
// against one PostgreSQL (DATABASE_URL) and one Redis (REDIS_URL), each tier behind a round-robin proxy.
//
//   DATABASE_URL=postgres://… REDIS_URL=redis://… npm run start:cluster [-- --instances 2 --no-build --no-web]
//
// API_PORT (4000) and WEB_PORT (3000) are the proxies; instance i listens on API_PORT+i and WEB_PORT+i.
// See docs/deployment.md for what this shows and how to run the same on real machines.
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { buildParts, USER_SERVICE_CLI } from './build-parts.mjs';
import { startRoundRobin } from './round-robin.mjs';

const root = new URL('..', import.meta.url).pathname;
const { values } = parseArgs({
  options: {
    instances: { type: 'string', default: process.env.INSTANCES ?? '2' },
    'no-build': { type: 'boolean', default: false },
    'no-web': { type: 'boolean', default: false },
  },
});

function fail(message) {
  console.error(`[cluster] ${message}`);
  process.exit(1);
}

const instances = Number(values.instances);
if (!Number.isInteger(instances) || instances < 1 || instances > 8) fail('--instances must be between 1 and 8');
const databaseUrl = process.env.DATABASE_URL;
// PGlite lives inside one process: instances can only share state through PostgreSQL.
if (!databaseUrl) fail('DATABASE_URL is required: instances share sessions, keys and users through PostgreSQL (e.g. postgres://root@127.0.0.1:5432/test)');
const redisUrl = process.env.REDIS_URL;
if (!redisUrl) console.warn('[cluster] REDIS_URL is not set: each instance throttles on its own counters (a client can spread guesses over instances).');
const apiPort = Number(process.env.API_PORT ?? '4000');
const webPort = Number(process.env.WEB_PORT ?? '3000');
const dataDir = resolve(root, process.env.DATA_DIR ?? '.data');
const demoPassword = process.env.DEMO_PASSWORD ?? 'portcullis-demo';

if (!values['no-build']) {
  buildParts(values['no-web'] ? { projects: ['services/user-service'] } : { projects: ['services/user-service', 'packages/next'], apps: ['@portcullis/web'] });
}
const withWeb = !values['no-web'] && existsSync(join(root, 'apps/web/.next/BUILD_ID'));

/** Web instances must share one session secret, or a cookie made by one is garbage to the other. */
function webSecret() {
  if (process.env.NEXTAUTH_SECRET) return process.env.NEXTAUTH_SECRET;
  const file = join(dataDir, 'nextauth-secret');
  if (existsSync(file)) return readFileSync(file, 'utf8').trim();
  mkdirSync(dataDir, { recursive: true });
  const secret = randomBytes(32).toString('base64url');
  writeFileSync(file, `${secret}\n`, { mode: 0o600 });
  chmodSync(file, 0o600);
  return secret;
}

// The web instances name each browser's address to the API with this credential; the API believes it from nobody else.
// One per run: every instance of both tiers starts with it.
const appCredential = process.env.PORTCULLIS_APP_CREDENTIAL ?? randomBytes(32).toString('base64url');

const children = new Set();
let stopping = false;

function start(name, script, env) {
  const child = spawn(process.execPath, [script], { cwd: root, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  const prefix = (stream, target) => {
    let rest = '';
    stream.on('data', (chunk) => {
      const lines = (rest + chunk.toString('utf8')).split('\n');
      rest = lines.pop() ?? '';
      for (const line of lines) target.write(`[${name}] ${line}\n`);
    });
  };
  prefix(child.stdout, process.stdout);
  prefix(child.stderr, process.stderr);
  children.add(child);
  // One instance stopping is what the other instances are for: report it, keep the cluster up.
  child.on('exit', (code, signal) => {
    children.delete(child);
    if (!stopping) console.error(`[cluster] ${name} stopped (${signal ?? code}); the proxy now skips it.`);
  });
  return child;
}

async function waitReady(url, deadlineMs) {
  const deadline = Date.now() + deadlineMs;
  while (Date.now() < deadline) {
    try {
      const response = await fetch(url);
      await response.arrayBuffer();
      if (response.status < 500) return true;
    } catch {
      // not listening yet
    }
    await new Promise((done) => setTimeout(done, 200));
  }
  return false;
}

const proxies = [];
async function shutdown(code) {
  if (stopping) return;
  stopping = true;
  for (const proxy of proxies) await proxy.close();
  for (const child of children) child.kill('SIGTERM');
  setTimeout(() => process.exit(code), 1500).unref();
  if (children.size === 0) process.exit(code);
  for (const child of children) child.on('exit', () => children.size === 0 && process.exit(code));
}
process.on('SIGINT', () => void shutdown(0));
process.on('SIGTERM', () => void shutdown(0));

const apiUpstreams = [];
for (let index = 1; index <= instances; index += 1) {
  const port = apiPort + index;
  start(`api-${index}`, USER_SERVICE_CLI, {
    // Demo users, which production refuses: development, whatever NODE_ENV the shell has.
    NODE_ENV: 'development',
    DATABASE_URL: databaseUrl,
    ...(redisUrl ? { REDIS_URL: redisUrl } : {}),
    PORT: String(port),
    HOST: '127.0.0.1',
    DEMO_PASSWORD: demoPassword,
    // The round-robin proxy in front appends its caller to X-Forwarded-For: trusted, it tells an API client's address.
    // A browser's address comes from the web instances, believed only next to their credential.
    TRUST_PROXY: process.env.TRUST_PROXY ?? '127.0.0.1,::1',
    APP_CREDENTIALS: appCredential,
    CORS_ORIGINS: process.env.CORS_ORIGINS ?? `http://localhost:${webPort}`,
  });
  apiUpstreams.push(`http://127.0.0.1:${port}`);
}
for (const upstream of apiUpstreams) {
  if (!(await waitReady(`${upstream}/readyz`, 60_000))) {
    console.error(`[cluster] ${upstream} did not become ready`);
    await shutdown(1);
  }
}
const apiProxy = await startRoundRobin({ upstreams: apiUpstreams, port: apiPort, name: 'api' });
proxies.push(apiProxy);

let webProxy;
if (withWeb) {
  const secret = webSecret();
  const webUpstreams = [];
  for (let index = 1; index <= instances; index += 1) {
    const port = webPort + index;
    start(`web-${index}`, 'apps/web/scripts/start.mjs', {
      WEB_PORT: String(port),
      API_URL: apiProxy.url,
      // Links, redirects and cookies name the address browsers use: the proxy's.
      NEXTAUTH_URL: process.env.NEXTAUTH_URL ?? `http://localhost:${webPort}`,
      NEXTAUTH_SECRET: secret,
      DATA_DIR: dataDir,
      // Browsers reach the instances through the round-robin proxy on loopback, which appends the address it saw.
      TRUST_PROXY: process.env.TRUST_PROXY ?? '127.0.0.1,::1',
      PORTCULLIS_APP_CREDENTIAL: appCredential,
    });
    webUpstreams.push(`http://127.0.0.1:${port}`);
  }
  for (const upstream of webUpstreams) {
    if (!(await waitReady(`${upstream}/signin`, 90_000))) console.error(`[cluster] ${upstream} did not become ready`);
  }
  webProxy = await startRoundRobin({ upstreams: webUpstreams, port: webPort, name: 'web' });
  proxies.push(webProxy);
}

console.log(`
[cluster] ready: ${instances} user-service instance(s) behind ${apiProxy.url} (${apiUpstreams.join(', ')})${
  webProxy
    ? `\n[cluster]        ${instances} web instance(s) behind http://localhost:${webPort}`
    : `\n[cluster]        web tier not started (${values['no-web'] ? '--no-web' : 'apps/web is not built: npm run build'})`
}
[cluster] PostgreSQL ${new URL(databaseUrl).host}, Redis ${redisUrl ? new URL(redisUrl).host : 'none (per-instance throttling)'}; demo password: ${demoPassword}
[cluster] Stop with Ctrl+C.`);
