import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';

export const REPO_ROOT = fileURLToPath(new URL('../../../../', import.meta.url));

export interface RunningCommand {
  /** Where the service it started listens, as it logged it. */
  readonly url: string;
  /** Everything it wrote so far, stdout and stderr. */
  output(): string;
  stop(): Promise<void>;
}

// What only this run means: vitest's NODE_ENV, the CI databases, what `npm test` tells its children about this
// project (its folder, package and script), and what an enclosing `npx -p node@24` asked for (its package, its --yes);
// npm's other settings (registry, cache, certificates) stay.
const RUN_ONLY = new Set([
  'NODE_ENV',
  'DATABASE_URL',
  'REDIS_URL',
  'PORT',
  'INIT_CWD',
  'npm_command',
  'npm_config_local_prefix',
  'npm_config_prefix',
  'npm_config_package',
  'npm_config_yes',
  'npm_config_call',
]);
const RUN_ONLY_PREFIXES = ['npm_package_', 'npm_lifecycle_', 'npm_config_workspace'];

/** The environment a command gets: this one without what only this run means, then `overrides`, as a person would set them. */
export function commandEnvironment(overrides: Record<string, string>): Record<string, string> {
  const kept = Object.entries(process.env).filter(
    (entry): entry is [string, string] => entry[1] !== undefined && !RUN_ONLY.has(entry[0]) && !RUN_ONLY_PREFIXES.some((prefix) => entry[0].startsWith(prefix)),
  );
  return { ...Object.fromEntries(kept), ...overrides };
}

/**
 * Runs a command that starts the user-service (with PORT=0) in a process group of its own, so `npm` or `npx` and the
 * service under them stop together, and waits for the service to log the address it listens on.
 */
export async function startServiceCommand(
  command: string,
  args: readonly string[],
  options: { cwd: string; env: Record<string, string>; timeoutMs: number },
): Promise<RunningCommand> {
  const child = spawn(command, args, { cwd: options.cwd, env: options.env, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
  let output = '';
  const exited = once(child, 'exit');
  const stop = async (): Promise<void> => {
    if (child.exitCode !== null || child.signalCode !== null || child.pid === undefined) return;
    process.kill(-child.pid, 'SIGTERM');
    const killer = setTimeout(() => child.pid !== undefined && process.kill(-child.pid, 'SIGKILL'), 10_000);
    await exited;
    clearTimeout(killer);
  };
  const url = await new Promise<string>((resolve, reject) => {
    const deadline = setTimeout(() => reject(new Error(`${command} ${args.join(' ')}: no address logged in ${options.timeoutMs} ms\n${output}`)), options.timeoutMs);
    const read = (chunk: Buffer): void => {
      output += chunk.toString('utf8');
      const listening = /Server listening at (http:\/\/127\.0\.0\.1:\d+)/.exec(output);
      if (listening?.[1] === undefined) return;
      clearTimeout(deadline);
      resolve(listening[1]);
    };
    child.stdout.on('data', read);
    child.stderr.on('data', read);
    child.on('exit', (code, signal) => {
      clearTimeout(deadline);
      reject(new Error(`${command} ${args.join(' ')} exited (${signal ?? code}) before listening\n${output}`));
    });
  }).catch(async (error: unknown) => {
    await stop();
    throw error;
  });
  return { url, output: () => output, stop };
}
