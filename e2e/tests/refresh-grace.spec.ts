import { expect, type APIRequestContext, type APIResponse } from '@playwright/test';
import type { AuditEvent } from '@portcullis/contracts';
import { decode } from 'next-auth/jwt';
import { DEMO_USERS } from '../harness/env.js';
import { testOnOwnSystem } from '../harness/own-system.js';
import type { System } from '../harness/system.js';

// The app's own post-rotation cache may never answer for a rotated refresh token longer than the user-service's grace
// window, nor for another browser (RFC 9700 §4.14.2, docs/next-library.md). This spec runs its own user-service with a
// 2-second grace, so a replay a few seconds after a rotation is past the grace but inside what the app used to cache
// (10 s). It speaks HTTP to the built app like a browser would (Playwright's request client, a cookie jar of its own):
// no page needs rendering, only the proxy's answer to a cookie.
const REFRESH_REUSE_GRACE = 2;

const test = testOnOwnSystem({ name: 'refresh-grace', apiEnv: { REFRESH_REUSE_GRACE: String(REFRESH_REUSE_GRACE) } });

interface Session {
  sid: string;
  refreshToken: string;
  refreshAt: number;
}

/** Name=value pairs as a browser keeps them for one site; `__Host-` cookies are sent to http://localhost like Chromium does. */
class CookieJar {
  readonly values = new Map<string, string>();

  take(response: APIResponse): void {
    for (const { name, value } of response.headersArray().filter((header) => header.name.toLowerCase() === 'set-cookie')) {
      void name;
      const [pair = '', ...attributes] = value.split(';');
      const index = pair.indexOf('=');
      const cookieName = pair.slice(0, index).trim();
      const expired = attributes.some((attribute) => /^\s*max-age=0\s*$/i.test(attribute)) || pair.slice(index + 1) === '';
      if (expired) this.values.delete(cookieName);
      else this.values.set(cookieName, pair.slice(index + 1));
    }
  }

  copy(): CookieJar {
    const copy = new CookieJar();
    for (const [name, value] of this.values) copy.values.set(name, value);
    return copy;
  }

  header(): string {
    return [...this.values].map(([name, value]) => `${name}=${value}`).join('; ');
  }

  async session(secret: string): Promise<Session> {
    const value = [...this.values].find(([name]) => /next-auth\.session-token$/.test(name))?.[1];
    if (value === undefined) throw new Error('no session cookie');
    const payload = await decode({ token: value, secret });
    if (!payload) throw new Error('session cookie does not decrypt');
    return payload as unknown as Session;
  }
}

/** One browser: its own user agent, its own cookies. */
class Client {
  constructor(
    private readonly http: APIRequestContext,
    private readonly system: System,
    readonly jar = new CookieJar(),
  ) {}

  async get(path: string): Promise<APIResponse> {
    const response = await this.http.get(`${this.system.webUrl}${path}`, { headers: { cookie: this.jar.header() }, maxRedirects: 0 });
    this.jar.take(response);
    return response;
  }

  async signIn(email: string): Promise<void> {
    const csrf = await this.get('/api/auth/csrf');
    const { csrfToken } = (await csrf.json()) as { csrfToken: string };
    const response = await this.http.post(`${this.system.webUrl}/api/auth/callback/credentials`, {
      headers: { cookie: this.jar.header(), origin: this.system.webUrl },
      form: { csrfToken, email, password: this.system.demoPassword, callbackUrl: `${this.system.webUrl}/` },
      maxRedirects: 0,
    });
    expect(response.status()).toBe(302);
    expect(response.headers().location).not.toContain('error=');
    this.jar.take(response);
  }
}

async function reuseDetections(system: System, sid: string, since: number): Promise<AuditEvent[]> {
  const login = await fetch(`${system.apiUrl}/v1/auth/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ email: DEMO_USERS.adam.email, password: system.demoPassword }),
  });
  const { accessToken } = (await login.json()) as { accessToken: string };
  const response = await fetch(`${system.apiUrl}/v1/audit?type=refresh.reuse_detected&since=${since}&limit=500`, { headers: { authorization: `Bearer ${accessToken}` } });
  return ((await response.json()) as { events: AuditEvent[] }).events.filter((event) => event.sid === sid);
}

async function until(moment: number): Promise<void> {
  await expect.poll(() => Date.now(), { intervals: [100], timeout: 30_000 }).toBeGreaterThanOrEqual(moment);
}

/**
 * The victim signs in, the thief copies the cookies, and the victim's next page (its access token due) makes the app
 * rotate the refresh token. Returns the stolen cookies, the session and when the rotation was asked for.
 */
async function victimRotatesAfterTheft(victim: Client, system: System): Promise<{ stolen: CookieJar; session: Session; rotatedAt: number }> {
  await victim.signIn(DEMO_USERS.alice.email);
  const stolen = victim.jar.copy();
  const session = await victim.jar.session(system.secret);
  await until(session.refreshAt);
  const rotatedAt = Date.now();
  expect((await victim.get('/')).status()).toBe(200);
  const rotated = await victim.jar.session(system.secret);
  expect(rotated.sid).toBe(session.sid);
  expect(rotated.refreshToken).not.toBe(session.refreshToken);
  return { stolen, session, rotatedAt };
}

function expectSentToSignInExpired(response: APIResponse): void {
  expect(response.status()).toBeGreaterThanOrEqual(300);
  expect(response.status()).toBeLessThan(400);
  expect(new URL(response.headers().location ?? '', 'http://localhost').pathname).toBe('/signin');
  expect(new URL(response.headers().location ?? '', 'http://localhost').searchParams.get('error')).toBe('SessionExpired');
}

test.describe('the app never answers a rotated cookie beyond the backend grace, nor for another browser', () => {
  test('a stolen cookie replayed past the grace (inside the old 10 s cache) is sent to SessionExpired and the family revoked', async ({ playwright, system }) => {
    const since = Date.now() - 1_000;
    const userAgent = 'Mozilla/5.0 SameBrowser';
    const victim = new Client(await playwright.request.newContext({ userAgent }), system);
    const { stolen, session, rotatedAt } = await victimRotatesAfterTheft(victim, system);
    // Past the 2 s grace, well inside the old cache's 10 s: the same user agent, the same address.
    await until(rotatedAt + (REFRESH_REUSE_GRACE + 1) * 1000);
    const thief = new Client(await playwright.request.newContext({ userAgent }), system, stolen);
    const replay = await thief.get('/');
    expect(Date.now()).toBeLessThan(rotatedAt + 9_000);
    expectSentToSignInExpired(replay);
    expect(await reuseDetections(system, session.sid, since)).toHaveLength(1);
    // The victim's family is over as well: its next refresh is refused.
    await until((await victim.jar.session(system.secret)).refreshAt);
    expectSentToSignInExpired(await victim.get('/'));
  });

  test('another browser replaying the cookie right after the rotation goes to the backend, which ends the family', async ({ playwright, system }) => {
    const since = Date.now() - 1_000;
    const victim = new Client(await playwright.request.newContext({ userAgent: 'Mozilla/5.0 VictimBrowser' }), system);
    const { stolen, session } = await victimRotatesAfterTheft(victim, system);
    const thief = new Client(await playwright.request.newContext({ userAgent: 'Mozilla/5.0 ThiefBrowser' }), system, stolen);
    expectSentToSignInExpired(await thief.get('/'));
    expect(await reuseDetections(system, session.sid, since)).toHaveLength(1);
  });
});
