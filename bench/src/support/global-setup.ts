import { spawnSync } from 'node:child_process';
import { REPO_ROOT } from './processes.js';

/**
 * Builds the bench (and, through its project references, the contracts and the user-service) once before its
 * tests: they start the compiled service and ceilings as real processes. This also type-checks every bench file.
 */
export default function setup(): void {
  const build = spawnSync(process.execPath, [`${REPO_ROOT}node_modules/typescript/bin/tsc`, '-b', 'bench'], { cwd: REPO_ROOT, encoding: 'utf8' });
  if (build.status !== 0) throw new Error(`tsc -b bench failed:\n${build.stdout}${build.stderr}`);
}
