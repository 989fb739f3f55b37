import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { REPO_ROOT, startNodeProcess, type RunningProcess } from './processes.js';

/** The deliberately naive NextAuth app that scenario 1 measures beside Portcullis (not product code). */
const BASELINE_APP_DIR = join(REPO_ROOT, 'bench/baseline-app');

class BaselineBuildError extends Error {
  override readonly name = 'BaselineBuildError';
}

/**
 * Builds the baseline with its own script, which runs `next build` only when the sources or the Next.js, NextAuth or
 * React versions changed since the last build (a stamp in `.next/`), and waits for a build already under way.
 */
export async function buildBaselineApp(): Promise<void> {
  const child = spawn(process.execPath, [join(BASELINE_APP_DIR, 'scripts/build.mjs')], { cwd: BASELINE_APP_DIR, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  const keep = (chunk: Buffer): void => {
    output = `${output}${chunk.toString('utf8')}`.slice(-4000);
  };
  child.stdout.on('data', keep);
  child.stderr.on('data', keep);
  const code = await new Promise<number | null>((resolve) => child.once('close', resolve));
  if (code !== 0) throw new BaselineBuildError(`building bench/baseline-app failed (${code}):\n${output}`);
}

/** Starts the built baseline (`next start`) on `port`, its NextAuth origin `appUrl`, against the user-service `apiUrl`. */
export function startBaselineApp(options: { port: number; appUrl: string; apiUrl: string; secret: string }): Promise<RunningProcess> {
  return startNodeProcess({
    name: 'baseline app',
    script: join(BASELINE_APP_DIR, 'scripts/start.mjs'),
    port: options.port,
    readyPath: '/api/auth/csrf',
    env: { API_URL: options.apiUrl, NEXTAUTH_URL: options.appUrl, NEXTAUTH_SECRET: options.secret },
  });
}
