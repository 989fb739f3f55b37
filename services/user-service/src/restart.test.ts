import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TokenResponse } from '@portcullis/contracts';
import { afterAll, describe, expect, it } from 'vitest';
import type { TestBackend } from './test-support/databases.js';
import { ALICE, startTestInstance } from './test-support/harness.js';

describe("a restart on PGlite's data directory", () => {
  const directories: string[] = [];

  afterAll(async () => {
    for (const directory of directories) await rm(directory, { recursive: true, force: true });
  });

  it('keeps users, sessions and signing keys', async () => {
    const dataDir = await mkdtemp(join(tmpdir(), 'portcullis-restart-'));
    directories.push(dataDir);
    const onDisk: TestBackend = { name: 'pglite', create: async () => ({ env: { DATA_DIR: dataDir }, drop: async () => undefined }) };

    const before = await startTestInstance(onDisk);
    const login = await before.login(ALICE);
    const jwksBefore = await (await before.request('/.well-known/jwks.json')).json();
    await before.close();

    const after = await startTestInstance(onDisk);
    try {
      // The access token signed before the restart still verifies: the key survived.
      expect((await after.request('/v1/me', { token: login.accessToken })).status).toBe(200);
      expect(await (await after.request('/.well-known/jwks.json')).json()).toEqual(jwksBefore);
      const refreshed = await after.refresh(login.refreshToken);
      expect(refreshed.status).toBe(200);
      const body = (await refreshed.json()) as TokenResponse;
      expect(body.user.email).toBe(ALICE);
      const sessions = await after.request('/v1/auth/sessions', { token: body.accessToken });
      expect(((await sessions.json()) as { sessions: unknown[] }).sessions.length).toBeGreaterThanOrEqual(1);
    } finally {
      await after.close();
    }
  });
});
