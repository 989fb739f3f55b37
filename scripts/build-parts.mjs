// What a start script builds before it runs: the TypeScript projects it needs (`tsc -b` follows their references)
// and the Next.js apps it serves, never the whole repository (three Next.js builds take minutes).
import { spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';

const root = new URL('..', import.meta.url).pathname;
const require = createRequire(import.meta.url);

/** The user-service's command, resolved through its package's `exports` (run it with `process.execPath`). */
export const USER_SERVICE_CLI = require.resolve('@portcullis/user-service/cli');

/**
 * Builds `projects` (folders with a tsconfig.json) and then each of `apps` (workspace names); exits with the failing
 * step's status, so a start script never runs what did not build.
 * @param {{ projects: string[], apps?: string[] }} parts
 */
export function buildParts({ projects, apps = [] }) {
  const steps = [[process.execPath, [require.resolve('typescript/bin/tsc'), '-b', ...projects]], ...apps.map((app) => ['npm', ['run', 'build', '-w', app]])];
  for (const [command, args] of steps) {
    const step = spawnSync(command, args, { cwd: root, stdio: 'inherit' });
    if (step.status !== 0) process.exit(step.status ?? 1);
  }
}
