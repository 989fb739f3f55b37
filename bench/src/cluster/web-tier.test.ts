import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startCluster, type RunningCluster } from '../support/cluster.js';
import { createPostgresDatabase, type BenchDatabase } from '../support/databases.js';
import { REPO_ROOT } from '../support/processes.js';
import { signInThroughApp } from '../support/web.js';

const databaseUrl = process.env.DATABASE_URL ?? '';
const redisUrl = process.env.REDIS_URL ?? '';
const webBuilt = existsSync(join(REPO_ROOT, 'apps/web/.next/BUILD_ID'));
const skipReason =
  databaseUrl === '' || redisUrl === '' ? 'DATABASE_URL and REDIS_URL must both be set (.ci/run sets them)' : webBuilt ? '' : 'apps/web is not built (npm run build)';
if (skipReason !== '') console.info(`[scale-out, web tier] SKIPPED: ${skipReason}`);

describe.skipIf(skipReason !== '')(`two web instances behind the round-robin proxy${skipReason === '' ? '' : ` — skipped: ${skipReason}`}`, () => {
  let database: BenchDatabase;
  let cluster: RunningCluster;

  beforeAll(async () => {
    database = await createPostgresDatabase(databaseUrl, 'portcullis_cluster');
    cluster = await startCluster({ databaseUrl: database.env.DATABASE_URL ?? '', redisUrl, web: true });
  });

  afterAll(async () => {
    await cluster?.stop();
    await database?.drop();
  });

  it('a session signed in through one web instance is served by both', async () => {
    const cookies = await signInThroughApp(cluster.webUrl, 'alice@example.com', 'cluster-demo-password');
    // Each web instance directly: the cookie one made (one NEXTAUTH_SECRET) opens the dashboard on the other.
    for (const instance of cluster.webInstanceUrls) {
      const page = await fetch(`${instance}/`, { redirect: 'manual', headers: { cookie: cookies.header(), host: new URL(cluster.webUrl).host } });
      expect(page.status).toBe(200);
      expect(await page.text()).toContain('alice@example.com');
    }
  });
});
