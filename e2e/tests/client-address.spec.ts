import { APP_CREDENTIAL_HEADER, CLIENT_ADDRESS_HEADER, type AuditEvent, type TokenResponse } from '@portcullis/contracts';
import { expect, test } from '@playwright/test';
import { DEMO_USERS, harness } from '../harness/env.js';

/** The audit trail as an administrator reads it straight from the user-service. */
async function auditEvents(query: string): Promise<AuditEvent[]> {
  const login = await fetch(`${harness.apiUrl}/v1/auth/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ email: DEMO_USERS.adam.email, password: harness.demoPassword }),
  });
  const { accessToken } = (await login.json()) as TokenResponse;
  const response = await fetch(`${harness.apiUrl}/v1/audit?${query}`, { headers: { authorization: `Bearer ${accessToken}` } });
  expect(response.status).toBe(200);
  return ((await response.json()) as { events: AuditEvent[] }).events;
}

/**
 * One sign-in attempt as the browser's sign-in form posts it to NextAuth, with `forged` in every header a browser could
 * hope the app believes. Returns NextAuth's `error` for a refused attempt.
 */
async function signInWithForgedAddress(email: string, forged: string, password = 'wrong-password'): Promise<{ error: string | null; cookie: string }> {
  const csrf = await fetch(`${harness.webUrl}/api/auth/csrf`);
  const { csrfToken } = (await csrf.json()) as { csrfToken: string };
  const cookie = csrf.headers
    .getSetCookie()
    .map((line) => line.split(';', 1)[0])
    .join('; ');
  const answer = await fetch(`${harness.webUrl}/api/auth/callback/credentials`, {
    method: 'POST',
    redirect: 'manual',
    headers: {
      'content-type': 'application/x-www-form-urlencoded',
      origin: harness.webUrl,
      cookie,
      'x-forwarded-for': forged,
      'x-real-ip': forged,
      [CLIENT_ADDRESS_HEADER]: forged,
      [APP_CREDENTIAL_HEADER]: 'a-guess-at-the-app-credential',
    },
    body: new URLSearchParams({ csrfToken, email, password, callbackUrl: `${harness.webUrl}/` }),
  });
  expect(answer.status).toBe(302);
  const signedIn = answer.headers
    .getSetCookie()
    .map((line) => line.split(';', 1)[0])
    .join('; ');
  return { error: new URL(answer.headers.get('location') ?? '', harness.webUrl).searchParams.get('error'), cookie: signedIn };
}

const FORGED = /^198\.51\.100\./;
const LOOPBACK = /^(127\.0\.0\.1|0:0:0:0:0:0:0:1)$/;

test.describe("the browser's address through the built app", () => {
  test('forged X-Forwarded-For values neither reset sign-in throttling nor reach the audit trail', async () => {
    const email = `forger-${Date.now()}@example.com`;
    const errors: (string | null)[] = [];
    // A new made-up address per attempt: before, each one counted as a new client and was never throttled.
    for (let attempt = 1; attempt <= 6; attempt++) errors.push((await signInWithForgedAddress(email, `198.51.100.${attempt}`)).error);

    // Five failures from one client, whatever it claimed: the sixth is throttled (per email and address).
    expect(errors.slice(0, 5)).toEqual(Array(5).fill('CredentialsSignin'));
    expect(errors[5]).toMatch(/^RateLimited:\d+$/);

    const failed = await auditEvents(`type=login.failed&email=${encodeURIComponent(email)}`);
    const throttled = await auditEvents(`type=login.throttled&email=${encodeURIComponent(email)}`);
    expect(failed).toHaveLength(5);
    expect(throttled).toHaveLength(1);
    // The address the app's socket saw (this machine), never one the client wrote.
    for (const event of [...failed, ...throttled]) expect(event.ip).toMatch(LOOPBACK);
  });

  test("the proxy's token refresh passes on the address the app saw, not a forged one", async () => {
    const since = Date.now();
    const { error, cookie } = await signInWithForgedAddress(DEMO_USERS.alice.email, '198.51.100.77', harness.demoPassword);
    expect(error).toBeNull();
    // The access token lives seconds here: pages loaded with it soon make the proxy rotate the session.
    await expect
      .poll(
        async () => {
          await fetch(`${harness.webUrl}/`, { redirect: 'manual', headers: { cookie, 'x-forwarded-for': '198.51.100.78', [CLIENT_ADDRESS_HEADER]: '198.51.100.78' } });
          return (await auditEvents(`type=refresh.succeeded&since=${since}`)).length;
        },
        { timeout: 20_000, intervals: [500] },
      )
      .toBeGreaterThan(0);
    const events = [...(await auditEvents(`type=login.succeeded&since=${since}`)), ...(await auditEvents(`type=refresh.succeeded&since=${since}`))];
    for (const event of events) {
      expect(event.ip).not.toMatch(FORGED);
      expect(event.ip).toMatch(LOOPBACK);
    }
  });
});
