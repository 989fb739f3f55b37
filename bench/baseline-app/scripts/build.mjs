// Builds the benchmark baseline (`next build`) only when its sources or the Next.js, NextAuth or React versions
// changed since the last build: `npm run build` and every benchmark run call this, and a Next.js build costs a minute
// of a 2-core machine. A lock keeps two callers (e.g. `npm run build` and a smoke test) from building at once.
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { closeSync, existsSync, openSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const appDir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const stampFile = path.join(appDir, '.next', 'baseline-source-hash');
const lockFile = path.join(tmpdir(), `portcullis-baseline-build-${createHash('sha256').update(appDir).digest('hex').slice(0, 12)}.lock`);
const require = createRequire(import.meta.url);
// Generated or installed, not sources: next-env.d.ts is rewritten by every build.
const skipped = new Set(['.next', 'node_modules', 'next-env.d.ts', 'tsconfig.tsbuildinfo']);

function sourceFiles(dir) {
  return readdirSync(dir, { withFileTypes: true })
    .filter((entry) => !skipped.has(entry.name))
    .flatMap((entry) => (entry.isDirectory() ? sourceFiles(path.join(dir, entry.name)) : [path.join(dir, entry.name)]))
    .sort();
}

/** The installed version, found the way Node resolves it (next-auth does not export its package.json). */
function installedVersion(name) {
  for (let dir = appDir; ; dir = path.dirname(dir)) {
    const manifest = path.join(dir, 'node_modules', name, 'package.json');
    if (existsSync(manifest)) return JSON.parse(readFileSync(manifest, 'utf8')).version;
    if (path.dirname(dir) === dir) throw new Error(`[baseline] ${name} is not installed`);
  }
}

function sourceHash() {
  const hash = createHash('sha256');
  for (const name of ['next', 'next-auth', 'react']) hash.update(`${name}@${installedVersion(name)}\n`);
  for (const file of sourceFiles(appDir)) hash.update(`${path.relative(appDir, file)}\n`).update(readFileSync(file));
  return hash.digest('hex');
}

const upToDate = (hash) => existsSync(path.join(appDir, '.next', 'BUILD_ID')) && existsSync(stampFile) && readFileSync(stampFile, 'utf8') === hash;

function acquireLock() {
  const deadline = Date.now() + 10 * 60_000;
  for (;;) {
    try {
      closeSync(openSync(lockFile, 'wx'));
      return;
    } catch (error) {
      if (error.code !== 'EEXIST') throw error;
      // A lock older than a build could take was left by a killed build.
      if (Date.now() - statSync(lockFile, { throwIfNoEntry: false })?.mtimeMs > 10 * 60_000) rmSync(lockFile, { force: true });
      if (Date.now() > deadline) throw new Error(`[baseline] waited 10 minutes for ${lockFile}`);
      Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 500);
    }
  }
}

const hash = sourceHash();
if (upToDate(hash)) {
  console.log('[baseline] build is up to date');
  process.exit(0);
}
acquireLock();
try {
  // Someone else may have built it while we waited for the lock.
  if (!upToDate(hash)) {
    // A production build whatever NODE_ENV the caller's shell has (https://nextjs.org/docs/messages/non-standard-node-env).
    const env = { ...process.env, NEXT_TELEMETRY_DISABLED: '1', NODE_ENV: 'production' };
    const build = spawnSync(process.execPath, [require.resolve('next/dist/bin/next'), 'build'], { cwd: appDir, stdio: 'inherit', env });
    if (build.status === 0) writeFileSync(stampFile, hash);
    else process.exitCode = build.status ?? 1;
  }
} finally {
  rmSync(lockFile, { force: true });
}
