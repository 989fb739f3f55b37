import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it, expect } from 'vitest';
import { commandEnvironment, REPO_ROOT, startServiceCommand } from '../test-support/service-command.js';

describe('npm run start:api', () => {
  it('builds the service alone and starts it, even with NODE_ENV=development in the environment', { timeout: 120_000 }, async () => {
    const dataDir = await mkdtemp(join(tmpdir(), 'portcullis-start-api-'));
    const service = await startServiceCommand('npm', ['run', 'start:api'], {
      cwd: REPO_ROOT,
      env: commandEnvironment({ NODE_ENV: 'development', PORT: '0', HOST: '127.0.0.1', DATA_DIR: dataDir }),
      timeoutMs: 90_000,
    });
    try {
      const health = await fetch(`${service.url}/healthz`);

      expect(health.status).toBe(200);
      // Only `tsc -b` ran before it: no Next.js app was built on the way.
      expect(service.output()).toContain('tsc -b services/user-service');
      expect(service.output()).not.toMatch(/next build|Creating an optimized production build/);
    } finally {
      await service.stop();
      await rm(dataDir, { recursive: true, force: true });
    }
  });
});
