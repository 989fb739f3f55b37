import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { POSTGRES_SKIP_REASON, testBackends } from '../test-support/databases.js';
import { ALICE, DEMO_PASSWORD, startTestInstance, type TestInstance } from '../test-support/harness.js';
import { discover, signInThroughProvider, TestBrowser, testClient, tokenRequest, type Discovery } from '../test-support/oidc-client.js';

const web = testClient('portcullis-web');
const portal = testClient('portcullis-portal');
const postgres = testBackends().find((backend) => backend.name === 'postgres');

/** Two user-services behind one issuer, sharing PostgreSQL and OIDC_COOKIE_KEYS, as a load balancer would see them. */
describe.skipIf(postgres === undefined)(`OpenID Provider on two instances sharing PostgreSQL${postgres === undefined ? ` (${POSTGRES_SKIP_REASON})` : ''}`, () => {
  let database: { env: Record<string, string>; drop(): Promise<void> };
  let first: TestInstance;
  let second: TestInstance;
  let discovery: Discovery;

  beforeAll(async () => {
    if (postgres === undefined) return;
    database = await postgres.create();
    const env = { OIDC_CLIENTS: JSON.stringify([web, portal]), OIDC_COOKIE_KEYS: 'k'.repeat(40) };
    first = await startTestInstance(postgres, env, { database });
    second = await startTestInstance(postgres, env, { database });
    discovery = await discover(first);
  });

  afterAll(async () => {
    await first?.close();
    await second?.close();
    await database?.drop();
  });

  it('signs in on one instance and serves the code, the refresh and the SSO cookie on the other', async () => {
    const atFirst = new TestBrowser(first);
    const { code, request } = await signInThroughProvider(atFirst, discovery, web, { email: ALICE, password: DEMO_PASSWORD });
    const exchanged = await tokenRequest(second, discovery, web, {
      grant_type: 'authorization_code',
      code,
      redirect_uri: web.redirect_uris[0] ?? '',
      code_verifier: request.verifier,
    });
    const tokens = (await exchanged.json()) as { access_token: string; refresh_token: string };
    expect(exchanged.status).toBe(200);
    expect((await first.request('/v1/me', { token: tokens.access_token })).status).toBe(200);
    expect((await tokenRequest(first, discovery, web, { grant_type: 'refresh_token', refresh_token: tokens.refresh_token })).status).toBe(200);

    // The same browser reaches the other instance for the second app: its SSO cookie is good there too.
    const atSecond = new TestBrowser(second, atFirst.cookies);
    const silent = await signInThroughProvider(atSecond, discovery, portal, null);
    expect(silent.code).toEqual(expect.any(String));
  });

  it('answers parallel refreshes of one token on both instances with one and the same successor', async () => {
    const browser = new TestBrowser(first);
    const { code, request } = await signInThroughProvider(browser, discovery, web, { email: ALICE, password: DEMO_PASSWORD });
    const exchanged = await tokenRequest(first, discovery, web, {
      grant_type: 'authorization_code',
      code,
      redirect_uri: web.redirect_uris[0] ?? '',
      code_verifier: request.verifier,
    });
    const { refresh_token: presented } = (await exchanged.json()) as { refresh_token: string };
    const answers = await Promise.all(
      Array.from({ length: 10 }, (_, index) => tokenRequest(index % 2 === 0 ? first : second, discovery, web, { grant_type: 'refresh_token', refresh_token: presented })),
    );
    expect(answers.map((answer) => answer.status)).toEqual(Array(10).fill(200));
    const successors = new Set(await Promise.all(answers.map(async (answer) => ((await answer.json()) as { refresh_token: string }).refresh_token)));
    expect(successors.size).toBe(1);
    const [successor] = [...successors] as [string];
    expect((await tokenRequest(second, discovery, web, { grant_type: 'refresh_token', refresh_token: successor })).status).toBe(200);
  });
});
