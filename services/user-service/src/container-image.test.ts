import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { afterAll, describe, expect, it } from 'vitest';
import { REPO_ROOT } from './test-support/service-command.js';

/** Runs docker and returns its trimmed stdout; a failure throws with what docker said. */
function docker(args: readonly string[], timeoutMs = 60_000): string {
  const result = spawnSync('docker', args, { cwd: REPO_ROOT, encoding: 'utf8', timeout: timeoutMs });
  if (result.status !== 0) throw new Error(`docker ${args.join(' ')} failed: ${result.error?.message ?? result.stderr}`);
  return result.stdout.trim();
}

/** Why the image cannot be built and run here, or undefined when a Docker engine answers. */
function noDockerReason(): string | undefined {
  const info = spawnSync('docker', ['info'], { encoding: 'utf8', timeout: 20_000 });
  if (info.error !== undefined) return `the docker command is not available (${info.error.message})`;
  if (info.status === 0) return undefined;
  const said = info.stderr.trim().split('\n').at(-1) ?? `exit ${info.status}`;
  return `no Docker engine answers \`docker info\` on this machine (${said})`;
}

const skipped = noDockerReason();
// Said where a run's output shows it, not only in the skipped test's name.
if (skipped !== undefined) console.warn(`deploy/Dockerfile image test SKIPPED because ${skipped}`);
const title = skipped === undefined ? 'deploy/Dockerfile, user-service target' : `deploy/Dockerfile, user-service target: SKIPPED because ${skipped}`;

describe.skipIf(skipped !== undefined)(title, { timeout: 20 * 60_000 }, () => {
  const name = `portcullis-image-test-${randomBytes(4).toString('hex')}`;
  const image = `${name}:latest`;

  afterAll(() => {
    spawnSync('docker', ['rm', '--force', name]);
    spawnSync('docker', ['volume', 'rm', '--force', `${name}-data`]);
    spawnSync('docker', ['image', 'rm', '--force', image]);
  });

  it('builds an image that runs as a non-root user and reports healthy on a read-only root filesystem', async () => {
    docker(['build', '--file', 'deploy/Dockerfile', '--target', 'user-service', '--tag', image, '.'], 15 * 60_000);
    expect(docker(['image', 'inspect', '--format', '{{.Config.User}}', image])).toBe('node');

    // As deploy/compose.yaml runs it: nothing writable but the DATA_DIR volume.
    docker(['run', '--detach', '--name', name, '--read-only', '--volume', `${name}-data:/data`, '--publish', '127.0.0.1::4000', image]);
    const deadline = Date.now() + 120_000;
    let health = '';
    while (health !== 'healthy' && Date.now() < deadline) {
      health = docker(['inspect', '--format', '{{.State.Health.Status}}', name]);
      if (health === 'unhealthy') break;
      // The engine runs the health check on its own clock; there is nothing here to wait on but its answer.
      await new Promise((resolve) => setTimeout(resolve, 2_000));
    }
    expect(health, docker(['logs', name])).toBe('healthy');

    const address = docker(['port', name, '4000/tcp']).split('\n')[0] ?? '';
    expect((await fetch(`http://${address}/healthz`)).status).toBe(200);
    expect(docker(['exec', name, 'id', '-u'])).not.toBe('0');
  });
});
