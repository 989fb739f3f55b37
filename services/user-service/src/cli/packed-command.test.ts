import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { configVariables } from '../config.js';
import { commandEnvironment, REPO_ROOT, startServiceCommand } from '../test-support/service-command.js';

const run = promisify(execFile);

// As a stranger gets it: the packed tarballs of the service and its contracts, installed by npm from the registry into
// a folder outside the repository (no workspace), run with `npx`. `--no-install`: npx must never fetch a package of
// that name from the registry instead of the one installed here.
describe('the packed @portcullis/user-service', { timeout: 240_000 }, () => {
  let folder = '';

  beforeAll(async () => {
    folder = await mkdtemp(join(tmpdir(), 'portcullis-packed-service-'));
    const env = commandEnvironment({});
    const { stdout } = await run('npm', ['pack', '-w', '@portcullis/contracts', '-w', '@portcullis/user-service', '--pack-destination', folder, '--json'], {
      cwd: REPO_ROOT,
      env,
    });
    const tarballs = (JSON.parse(stdout) as Array<{ filename: string }>).map((packed) => `./${packed.filename}`);
    await writeFile(join(folder, 'package.json'), `${JSON.stringify({ name: 'packed-service-check', private: true })}\n`);
    await run('npm', ['install', '--no-audit', '--no-fund', '--prefer-offline', ...tarballs], { cwd: folder, env });
  }, 240_000);

  afterAll(async () => {
    if (folder !== '') await rm(folder, { recursive: true, force: true });
  });

  it('lists every variable of the configuration with its default and description in --help', async () => {
    const { stdout } = await run('npx', ['--no-install', '@portcullis/user-service', '--help'], { cwd: folder, env: commandEnvironment({}) });

    for (const { name, defaultValue, description } of configVariables()) {
      expect(stdout).toContain(`  ${name}${defaultValue === undefined ? '  (unset by default)' : `=${defaultValue}`}\n      ${description}\n`);
    }
  });

  it('starts with the environment npm run start:api takes and answers /healthz', async () => {
    const dataDir = join(folder, 'data');
    const service = await startServiceCommand('npx', ['--no-install', '@portcullis/user-service'], {
      cwd: folder,
      env: commandEnvironment({ NODE_ENV: 'development', PORT: '0', HOST: '127.0.0.1', DATA_DIR: dataDir }),
      timeoutMs: 90_000,
    });
    try {
      const health = await fetch(`${service.url}/healthz`);

      expect(health.status).toBe(200);
    } finally {
      await service.stop();
    }
  });
});
