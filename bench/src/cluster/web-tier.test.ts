import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startCluster, type RunningCluster } from '../support/cluster.js';
import { createPostgresDatabase, type BenchDatabase } from '../support/databases.js';
import { REPO_ROOT } from '../support/processes.js';

const databaseUrl = process.env.DATABASE_URL ?? '';
const redisUrl = process.env.REDIS_URL ?? '';
const webBuilt = existsSync(join(REPO_ROOT, 'apps/web/.next/BUILD_ID'));
const skipReason =
  databaseUrl === '' || redisUrl === '' ? 'DATABASE_URL and REDIS_URL must both be set (.ci/run sets them)' : webBuilt ? '' : 'apps/web is not built (npm run build)';
if (skipReason !== '') console.info(`[scale-out, web tier] SKIPPED: ${skipReason}`);

/** A cookie jar of name=value pairs, enough for NextAuth's cookies between our own requests. */
class Cookies {
  readonly #values = new Map<string, string>();

  take(response: Response): void {
    for (const line of response.headers.getSetCookie()) {
      const [pair = ''] = line.split(';');
      const index = pair.indexOf('=');
      if (index > 0) this.#values.set(pair.slice(0, index), pair.slice(index + 1));
    }
  }

  header(): string {
    return [...this.#values].map(([name, value]) => `${name}=${value}`).join('; ');
  }
}

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
    const cookies = new Cookies();
    const csrf = await fetch(`${cluster.webUrl}/api/auth/csrf`);
    cookies.take(csrf);
    const { csrfToken } = (await csrf.json()) as { csrfToken: string };
    const signIn = await fetch(`${cluster.webUrl}/api/auth/callback/credentials`, {
      method: 'POST',
      redirect: 'manual',
      headers: { 'content-type': 'application/x-www-form-urlencoded', origin: cluster.webUrl, cookie: cookies.header() },
      body: new URLSearchParams({ csrfToken, email: 'alice@example.com', password: 'cluster-demo-password', callbackUrl: `${cluster.webUrl}/` }),
    });
    expect(signIn.status).toBe(302);
    cookies.take(signIn);
    // Each web instance directly: the cookie one made (one NEXTAUTH_SECRET) opens the dashboard on the other.
    for (const instance of cluster.webInstanceUrls) {
      const page = await fetch(`${instance}/`, { redirect: 'manual', headers: { cookie: cookies.header(), host: new URL(cluster.webUrl).host } });
      expect(page.status).toBe(200);
      expect(await page.text()).toContain('alice@example.com');
    }
  });
});
