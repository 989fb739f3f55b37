import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const startScript = fileURLToPath(new URL('./start.mjs', import.meta.url));

describe('npm run start:web', () => {
  it('refuses to serve a real domain without NEXTAUTH_SECRET instead of generating one', () => {
    const { NEXTAUTH_SECRET: _unset, ...environment } = process.env;
    const result = spawnSync(process.execPath, [startScript], {
      env: { ...environment, NEXTAUTH_URL: 'https://app.example.com', DATA_DIR: 'memory://' },
      encoding: 'utf8',
      timeout: 20_000,
    });
    expect(result.status).toBe(1);
    expect(result.stderr).toContain('NEXTAUTH_SECRET is required when NEXTAUTH_URL is not local');
  });
});
