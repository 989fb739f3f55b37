// Serves the built baseline (`next start`) on PORT (the benchmark picks a free one) with API_URL, NEXTAUTH_URL and
// NEXTAUTH_SECRET from the environment. Benchmark use only: see lib/auth-options.ts.
import { spawn } from 'node:child_process';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const appDir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
for (const name of ['PORT', 'API_URL', 'NEXTAUTH_URL', 'NEXTAUTH_SECRET']) {
  if (!process.env[name]) {
    console.error(`[baseline] ${name} is required`);
    process.exit(1);
  }
}

const nextBin = createRequire(import.meta.url).resolve('next/dist/bin/next');
const args = [nextBin, 'start', '--port', process.env.PORT];
const child = spawn(process.execPath, args, { cwd: appDir, env: { ...process.env, NODE_ENV: 'production' }, stdio: 'inherit' });
for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => child.kill(signal));
child.on('exit', (code, signal) => process.exit(signal ? 1 : (code ?? 0)));
