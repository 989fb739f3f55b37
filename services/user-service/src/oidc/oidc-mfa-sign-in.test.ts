import { eq } from 'drizzle-orm';
import type { JWTPayload } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AmrValue, AuthenticationResponse } from '@portcullis/contracts';
import { sessions } from '../db/schema.js';
import { ApiError } from '../errors.js';
import { factorsOf } from '../mfa/mfa-factors.js';
import type { PasskeyCeremonies } from '../mfa/passkey-ceremonies.js';
import { createTestAccount, type TestAccount } from '../test-support/accounts.js';
import { testBackends } from '../test-support/databases.js';
import { startTestInstance, type TestInstance } from '../test-support/harness.js';
import { enrolTotpDirectly, totpCode } from '../test-support/mfa.js';
import {
  authorizationRequest,
  discover,
  signInThroughProvider,
  TestBrowser,
  testClient,
  tokenRequest,
  type AuthorizationRequest,
  type Discovery,
  type TestClient,
} from '../test-support/oidc-client.js';
import { setMfaRequired } from '../users/account-administration.js';

function decodePayload(jwt: string): JWTPayload & { amr?: string[]; acr?: string; auth_time?: number } {
  return JSON.parse(Buffer.from(jwt.split('.')[1] ?? '', 'base64url').toString('utf8')) as JWTPayload;
}

const MFA_COOKIE = '__Secure-portcullis-op-mfa';

describe.each(testBackends())("the OpenID Provider's sign-in asks for the second factor, on $name", (backend) => {
  let service: TestInstance;
  let discovery: Discovery;
  let web: TestClient;
  /** Passkey ceremonies the test stands in for (the real ones have tests of their own): one user has a passkey. */
  let passkeyOwner = '';
  const challenges: string[] = [];

  beforeAll(async () => {
    web = testClient('portcullis-web');
    service = await startTestInstance(backend, { OIDC_CLIENTS: JSON.stringify([web]) });
    discovery = await discover(service);
    const ceremonies: PasskeyCeremonies = {
      countOf: (userId) => Promise.resolve(userId === passkeyOwner ? 1 : 0),
      requestOptions: ({ userId, purpose, boundTo }) => {
        challenges.push(`${purpose}:${boundTo}`);
        return Promise.resolve({ challenge: `challenge-for-${userId ?? 'anyone'}`, allowCredentials: [], userVerification: 'required' });
      },
      verifyAssertion: ({ userId, response }) =>
        response.id === 'the-right-passkey' && userId === passkeyOwner
          ? Promise.resolve({ userId, amr: ['hwk', 'user'] as AmrValue[] })
          : Promise.reject(new ApiError('invalid_mfa', 'No passkey can be used here.')),
    };
    Object.assign(service.context, { passkeys: ceremonies });
  });

  afterAll(async () => {
    await service.close();
  });

  /** Up to the password: the sign-in page, the password form, and where the browser is sent next. */
  async function passwordStep(browser: TestBrowser, account: TestAccount): Promise<{ request: AuthorizationRequest; interaction: string; answer: Response }> {
    const request = authorizationRequest(discovery, web);
    const page = await browser.follow(await browser.get(request.url));
    if (page instanceof URL) throw new Error('expected the sign-in page');
    const interaction = new URL(page.url).pathname;
    const answer = await browser.postForm(`${interaction}/login`, { email: account.email, password: account.password });
    return { request, interaction, answer };
  }

  /** Posts a second-factor form and follows the answer: the app's redirect URI with a code, or a page. */
  async function secondStep(browser: TestBrowser, interaction: string, form: Record<string, string>): Promise<Response | URL> {
    return browser.follow(await browser.postForm(`${interaction}/mfa`, form));
  }

  async function tokensFor(request: AuthorizationRequest, callback: URL): Promise<{ access_token: string; id_token: string }> {
    const response = await tokenRequest(service, discovery, web, {
      grant_type: 'authorization_code',
      code: callback.searchParams.get('code') ?? '',
      redirect_uri: web.redirect_uris[0] ?? '',
      code_verifier: request.verifier,
    });
    expect(response.status).toBe(200);
    return (await response.json()) as { access_token: string; id_token: string };
  }

  async function sessionRowsOf(userId: string) {
    return service.context.database.db.select().from(sessions).where(eq(sessions.userId, userId));
  }

  it('after the password, keeps the pending sign-in in an httpOnly cookie of the interaction and shows the second-factor page', async () => {
    const account = await createTestAccount(service);
    await enrolTotpDirectly(service, account);
    const browser = new TestBrowser(service);
    const { interaction, answer } = await passwordStep(browser, account);

    expect(answer.status).toBe(303);
    expect(answer.headers.get('location')).toBe(`${interaction}/mfa`);
    const cookie = answer.headers.getSetCookie().find((line) => line.startsWith(`${MFA_COOKIE}=`)) ?? '';
    expect(cookie).toMatch(/; HttpOnly/);
    expect(cookie).toMatch(/; Secure/);
    expect(cookie).toMatch(/; SameSite=Strict/);
    expect(cookie).toContain(`; Path=${interaction};`);
    const mfaToken = cookie.slice(MFA_COOKIE.length + 1).split(';')[0] ?? '';

    const page = await browser.follow(answer);
    if (page instanceof URL) throw new Error('expected the second-factor page');
    expect(page.status).toBe(200);
    expect(page.headers.get('content-security-policy')).toMatch(/connect-src 'self'/);
    expect(page.headers.get('cache-control')).toBe('no-store');
    const html = await page.text();
    expect(html).toContain('name="totp"');
    expect(html).toContain('autocomplete="one-time-code"');
    // The token stays with the browser's cookie jar: the page, its scripts and its links never see it.
    expect(html).not.toContain(mfaToken);
    // No passkey, no passkey button; no recovery codes generated, no recovery form.
    expect(html).not.toContain('passkey-button');
    expect(html).not.toContain('name="recoveryCode"');
  });

  it('issues nothing between the two steps: no SSO session, no session row, no code', async () => {
    const account = await createTestAccount(service);
    await enrolTotpDirectly(service, account);
    const browser = new TestBrowser(service);
    const { request } = await passwordStep(browser, account);

    expect(browser.cookies.names()).not.toContain('__Host-portcullis-op-session');
    expect(await sessionRowsOf(account.id)).toEqual([]);
    // Starting over from the app lands on the password page again, not at the app with a code.
    const again = await browser.follow(await browser.get(authorizationRequest(discovery, web, { state: request.state }).url));
    if (again instanceof URL) throw new Error(`expected the sign-in page, got a redirect to ${again.toString()}`);
    expect(await again.text()).toContain('name="password"');
  });

  it('finishes with a TOTP code: the ID token and access token carry amr pwd+otp+mfa, the mfa acr and the time of the code', async () => {
    const account = await createTestAccount(service);
    const secret = await enrolTotpDirectly(service, account);
    const browser = new TestBrowser(service);
    const { request, interaction, answer } = await passwordStep(browser, account);
    await browser.follow(answer);

    service.clock.advance(20_000);
    const callback = await secondStep(browser, interaction, { totp: totpCode(service, secret) });
    if (!(callback instanceof URL)) throw new Error(`expected a redirect to the app, got ${callback.status}: ${await callback.text()}`);
    expect(callback.searchParams.get('state')).toBe(request.state);
    expect(browser.cookies.names()).not.toContain(MFA_COOKIE);

    const tokens = await tokensFor(request, callback);
    const [row] = await sessionRowsOf(account.id);
    expect(row?.amr).toEqual(['pwd', 'otp', 'mfa']);
    const proven = { amr: ['pwd', 'otp', 'mfa'], acr: 'urn:portcullis:acr:mfa', auth_time: Math.floor((row?.authTime.getTime() ?? 0) / 1000) };
    expect(decodePayload(tokens.id_token)).toMatchObject(proven);
    expect(decodePayload(tokens.access_token)).toMatchObject(proven);
    expect((await service.request('/v1/me', { token: tokens.access_token })).status).toBe(200);

    // Single sign-on later: no password, no code, and the app is still told both factors were proven, and when.
    service.clock.advance(60_000);
    const sso = await signInThroughProvider(browser, discovery, web, null);
    expect(decodePayload((await tokensFor(sso.request, sso.callback)).id_token)).toMatchObject(proven);
  });

  it('shows a wrong code on the page (401), keeps the step open, and audits mfa.failed', async () => {
    const account = await createTestAccount(service);
    const secret = await enrolTotpDirectly(service, account);
    const browser = new TestBrowser(service);
    const { interaction, answer } = await passwordStep(browser, account);
    await browser.follow(answer);

    const right = totpCode(service, secret);
    const wrong = right === '000000' ? '111111' : '000000';
    const refused = await secondStep(browser, interaction, { totp: wrong });
    if (refused instanceof URL) throw new Error('a wrong code must not sign in');
    expect(refused.status).toBe(401);
    expect(await refused.text()).toMatch(/role="alert">The code or passkey was not accepted/);
    const events = await service.context.audit.list({ userId: account.id, limit: 5 });
    expect(events.map((event) => event.type)).toContain('mfa.failed');

    expect(await secondStep(browser, interaction, { totp: right })).toBeInstanceOf(URL);
  });

  it('stops guessing of codes long before 10^6 tries: past MFA_MAX_FAILURES_PER_ACCOUNT the page answers 429 with Retry-After', async () => {
    const account = await createTestAccount(service);
    const secret = await enrolTotpDirectly(service, account);
    const browser = new TestBrowser(service);
    const { interaction, answer } = await passwordStep(browser, account);
    await browser.follow(answer);
    const right = totpCode(service, secret);
    const statuses: number[] = [];
    for (let guess = 0; guess < 6; guess += 1) {
      const page = await browser.postForm(`${interaction}/mfa`, { totp: String((Number(right) + 1 + guess) % 1_000_000).padStart(6, '0') });
      statuses.push(page.status);
      if (page.status === 429) expect(Number(page.headers.get('retry-after'))).toBeGreaterThan(0);
    }
    expect(statuses).toEqual([401, 401, 401, 401, 401, 429]);
    // Even the right code waits now: the throttle does not tell right from wrong.
    expect((await browser.postForm(`${interaction}/mfa`, { totp: right })).status).toBe(429);
  });

  it('finishes with a recovery code, offered only to a user who has some', async () => {
    const account = await createTestAccount(service);
    await enrolTotpDirectly(service, account);
    const codes = await service.context.database.db.transaction((tx) => factorsOf(service.context).recoveryCodes.regenerate(tx, account.id));
    const browser = new TestBrowser(service);
    const { request, interaction, answer } = await passwordStep(browser, account);
    const page = await browser.follow(answer);
    if (page instanceof URL) throw new Error('expected the second-factor page');
    expect(await page.text()).toContain('name="recoveryCode"');

    const callback = await secondStep(browser, interaction, { recoveryCode: codes[0] ?? '' });
    if (!(callback instanceof URL)) throw new Error(`expected a redirect to the app, got ${callback.status}`);
    expect(decodePayload((await tokensFor(request, callback)).id_token).amr).toEqual(['pwd', 'otp', 'mfa']);
  });

  it('finishes with a passkey: the button fetches options bound to this pending sign-in, the assertion is posted back as JSON', async () => {
    const account = await createTestAccount(service);
    passkeyOwner = account.id;
    const browser = new TestBrowser(service);
    const { request, interaction, answer } = await passwordStep(browser, account);
    const page = await browser.follow(answer);
    if (page instanceof URL) throw new Error('expected the second-factor page');
    const html = await page.text();
    expect(html).toContain('id="passkey-button"');
    expect(html).toMatch(/<script nonce="[^"]+">/);
    expect(html).toContain(`data-options="${interaction}/mfa/passkey-options"`);

    const options = await browser.postForm(`${interaction}/mfa/passkey-options`, {});
    expect(options.status).toBe(200);
    expect(await options.json()).toMatchObject({ challenge: `challenge-for-${account.id}` });
    expect(challenges.at(-1)).toMatch(/^second_factor:/);

    const assertion = (id: string): AuthenticationResponse => ({
      id,
      rawId: id,
      type: 'public-key',
      response: { clientDataJSON: 'e30', authenticatorData: 'AA', signature: 'AA' },
      clientExtensionResults: {},
    });
    const refused = await secondStep(browser, interaction, { webauthn: JSON.stringify(assertion('another-passkey')) });
    expect(refused instanceof URL ? 303 : refused.status).toBe(401);
    const notJson = await secondStep(browser, interaction, { webauthn: '{not json' });
    expect(notJson instanceof URL ? 303 : notJson.status).toBe(400);

    const callback = await secondStep(browser, interaction, { webauthn: JSON.stringify(assertion('the-right-passkey')) });
    if (!(callback instanceof URL)) throw new Error(`expected a redirect to the app, got ${callback.status}`);
    expect(decodePayload((await tokensFor(request, callback)).id_token)).toMatchObject({ amr: ['pwd', 'hwk', 'user', 'mfa'], acr: 'urn:portcullis:acr:mfa' });
  });

  it('is bound to the browser that typed the password: without its cookie, or from another user agent, the step has expired', async () => {
    const account = await createTestAccount(service);
    const secret = await enrolTotpDirectly(service, account);
    const browser = new TestBrowser(service);
    const { interaction, answer } = await passwordStep(browser, account);
    await browser.follow(answer);
    const withCookie = browser.cookies.header();

    // The interaction's cookies without the mfa cookie: what a second tab of an attacker who fixed the interaction has.
    const withoutMfa = withCookie
      .split('; ')
      .filter((pair) => !pair.startsWith(`${MFA_COOKIE}=`))
      .join('; ');
    const post = (cookie: string, headers: Record<string, string> = {}) =>
      fetch(`${service.url}${interaction}/mfa`, {
        method: 'POST',
        redirect: 'manual',
        headers: { 'content-type': 'application/x-www-form-urlencoded', cookie, ...headers },
        body: new URLSearchParams({ totp: totpCode(service, secret) }).toString(),
      });
    expect((await post(withoutMfa)).status).toBe(400);
    expect((await post(withCookie, { 'user-agent': 'another browser' })).status).toBe(400);
    // A cross-site form post is refused before anything is checked.
    expect((await post(withCookie, { origin: 'https://evil.example' })).status).toBe(400);
    expect(await sessionRowsOf(account.id)).toEqual([]);

    // The browser itself still finishes.
    expect(await secondStep(browser, interaction, { totp: totpCode(service, secret) })).toBeInstanceOf(URL);
  });

  it('sends a user who must enrol and has no factor to the web app first, and signs nobody in', async () => {
    const account = await createTestAccount(service);
    await setMfaRequired(service.context, account.id, true);
    const browser = new TestBrowser(service);
    const { answer } = await passwordStep(browser, account);

    expect(answer.status).toBe(403);
    const html = await answer.text();
    expect(html).toContain('href="http://localhost:3000/account/security"');
    expect(browser.cookies.names()).not.toContain(MFA_COOKIE);
    expect(await sessionRowsOf(account.id)).toEqual([]);
  });

  it('signs in a user without a factor (and none required) with the password alone, amr pwd', async () => {
    const account = await createTestAccount(service);
    const browser = new TestBrowser(service);
    const { request, answer } = await passwordStep(browser, account);
    const callback = await browser.follow(answer);
    if (!(callback instanceof URL)) throw new Error(`expected a redirect to the app, got ${callback.status}`);
    expect(decodePayload((await tokensFor(request, callback)).id_token)).toMatchObject({ amr: ['pwd'], acr: 'urn:portcullis:acr:1fa' });
  });
});
