#!/usr/bin/env node
// `npm start`: builds everything and runs the whole system on the embedded database with demo users.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';

const root = new URL('..', import.meta.url).pathname;
const dataDir = process.env.DATA_DIR ?? join(root, '.data');
const demoPassword = process.env.DEMO_PASSWORD ?? 'portcullis-demo';
const apiPort = process.env.PORT ?? '4000';
const webPort = process.env.WEB_PORT ?? '3000';

const build = spawnSync('npm', ['run', 'build'], { cwd: root, stdio: 'inherit' });
if (build.status !== 0) process.exit(build.status ?? 1);

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

start('user-service', 'node', ['services/user-service/dist/server.js'], {
  DATA_DIR: dataDir,
  PORT: apiPort,
  DEMO_PASSWORD: demoPassword,
  // The web app calls the API on behalf of browsers and forwards their address.
  TRUST_PROXY: process.env.TRUST_PROXY ?? '127.0.0.1,::1',
  CORS_ORIGINS: process.env.CORS_ORIGINS ?? `http://localhost:${webPort}`,
});
// The web app keeps its generated NEXTAUTH_SECRET in the same data directory.
start('web', 'npm', ['run', 'start', '-w', '@portcullis/web'], { DATA_DIR: dataDir, WEB_PORT: webPort, API_URL: `http://127.0.0.1:${apiPort}` });

console.log(`
Portcullis is starting (embedded database in ${dataDir}${existsSync(dataDir) ? '' : ', created now'}).
  web app       http://localhost:${webPort}
  user-service  http://127.0.0.1:${apiPort}
Demo users (password: ${demoPassword}):
  alice@example.com  USER
  maria@example.com  MANAGER
  adam@example.com   ADMIN
Stop with Ctrl+C.
`);
