import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { generateKeyPair } from 'jose';
import { decode } from 'next-auth/jwt';
import { NextRequest } from 'next/server';
import { createAuth, type Auth } from '../create-auth.js';
import type { CreateAuthOptions } from '../options.js';
import { ManualClock, silentLogger } from '../test-support/deferred.js';
import { CLIENT_ID, CLIENT_SECRET, FakeOidcProvider, type FakeSigningAlg } from '../test-support/fake-oidc-provider.js';
import { FakeUserService } from '../test-support/fake-user-service.js';
import { cookieHeaderOf, csrfPair, nextAuthCore, type CoreResponse } from '../test-support/nextauth-core.js';
import { sessionTokenSchema, type SessionToken } from '../tokens/session-token.js';

const APP = 'http://localhost:3001';
const SECRET = 'portal-test-secret-portal-test-secret-01';
const SESSION_COOKIE = '__Host-portal.session-token';
const CSRF_COOKIE = '__Host-portal.csrf-token';

let provider: FakeOidcProvider;
let userService: FakeUserService;
let clock: ManualClock;
let auth: Auth;
const savedUrl = process.env.NEXTAUTH_URL;

beforeAll(() => {
  // next-auth's core takes its own origin from NEXTAUTH_URL, as in the app.
  process.env.NEXTAUTH_URL = APP;
});
afterAll(() => {
  if (savedUrl === undefined) delete process.env.NEXTAUTH_URL;
  else process.env.NEXTAUTH_URL = savedUrl;
});

beforeEach(async () => {
  provider = new FakeOidcProvider();
  await provider.start();
  userService = new FakeUserService();
  await userService.start();
  // The revocation check on our own `sid`: alive while the provider's grant for it is.
  userService.override = (call, res) => {
    if (call.path !== '/v1/auth/session') return false;
    const bearer = String(call.headers.authorization ?? '').replace(/^Bearer /, '');
    const sid = (JSON.parse(Buffer.from(bearer.split('.')[1] ?? '', 'base64url').toString('utf8')) as { sid?: string }).sid ?? '';
    const grant = provider.grants.get(sid);
    res.writeHead(grant && !grant.revoked ? 200 : 401, { 'content-type': 'application/json' });
    res.end(JSON.stringify(grant && !grant.revoked ? { session: { id: sid } } : { error: 'invalid_token' }));
    return true;
  };
  clock = new ManualClock(Date.now());
  auth = build();
});
afterEach(async () => {
  await provider.stop();
  await userService.stop();
});

function build(extra: Partial<CreateAuthOptions> = {}): Auth {
  return createAuth(
    {
      backendUrl: userService.url,
      appUrl: APP,
      secret: SECRET,
      mode: 'oidc',
      oidc: { issuer: provider.issuer, clientId: CLIENT_ID, clientSecret: CLIENT_SECRET, postLogoutRedirectPath: '/' },
      cookiePrefix: 'portal',
      logger: silentLogger,
      now: clock.now,
      logoutRetryDelaysMs: [],
      ...extra,
    },
    { runtime: 'private', production: true, requestContext: { headers: async () => new Headers(), expireCookie: async () => {}, setCookie: async () => {} } },
  );
}

/** The browser presses "Sign in with Portcullis": NextAuth answers with the provider's authorization URL and check cookies. */
async function startSignIn(): Promise<{ url: URL; response: CoreResponse; cookies: string }> {
  const csrf = csrfPair(SECRET);
  const response = await nextAuthCore(
    auth.authOptions,
    new Request(`${APP}/api/auth/signin/portcullis`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', cookie: `${CSRF_COOKIE}=${csrf.cookieValue}` },
      body: JSON.stringify({ csrfToken: csrf.token, callbackUrl: `${APP}/sessions`, json: 'true' }),
    }),
  );
  if (!response.redirect) throw new Error('no redirect to the provider');
  return { url: new URL(response.redirect), response, cookies: cookieHeaderOf(response) };
}

/** The provider sends the browser back to the callback with `query`; the browser brings its cookies. */
function callback(query: Record<string, string>, cookies: string): Promise<CoreResponse> {
  return nextAuthCore(auth.authOptions, new Request(`${APP}/api/auth/callback/portcullis?${new URLSearchParams(query)}`, { headers: { cookie: cookies } }));
}

async function sessionOf(response: CoreResponse): Promise<SessionToken | null> {
  const cookie = response.cookies?.find((candidate) => candidate.name === SESSION_COOKIE);
  if (!cookie?.value) return null;
  return sessionTokenSchema.parse(await decode({ token: cookie.value, secret: SECRET }));
}

async function signedIn(): Promise<{ token: SessionToken; cookie: string }> {
  const { url, cookies } = await startSignIn();
  const { code, state } = provider.authorize(url.toString());
  const response = await callback({ code, state, iss: provider.issuer }, cookies);
  const token = await sessionOf(response);
  if (!token) throw new Error(`sign-in failed: ${response.redirect}`);
  const cookie = response.cookies?.find((candidate) => candidate.name === SESSION_COOKIE);
  return { token, cookie: `${SESSION_COOKIE}=${cookie?.value}` };
}

function request(path: string, cookie: string, init: { method?: string; headers?: Record<string, string>; body?: string } = {}): NextRequest {
  return new NextRequest(new URL(path, APP), { method: init.method ?? 'GET', headers: { cookie, 'user-agent': 'vitest', ...init.headers }, body: init.body });
}

describe('oidc mode: signing in at the provider', () => {
  it('sends the browser to the discovered authorization endpoint with PKCE S256, state, nonce, our scopes and the API resource', async () => {
    const { url, response } = await startSignIn();
    expect(`${url.origin}${url.pathname}`).toBe(`${provider.issuer}/oidc/auth`);
    expect(url.searchParams.get('client_id')).toBe(CLIENT_ID);
    expect(url.searchParams.get('redirect_uri')).toBe(`${APP}/api/auth/callback/portcullis`);
    expect(url.searchParams.get('response_type')).toBe('code');
    expect(url.searchParams.get('code_challenge_method')).toBe('S256');
    expect(url.searchParams.get('state')).toBeTruthy();
    expect(url.searchParams.get('nonce')).toBeTruthy();
    expect(url.searchParams.get('resource')).toBe('urn:portcullis:api');
    expect(url.searchParams.get('scope')?.split(' ')).toEqual(expect.arrayContaining(['openid', 'profile', 'email', 'offline_access', 'sessions:manage']));
    expect(url.searchParams.has('prompt')).toBe(false);
    // The checks live in this app's own __Host- cookies, so a sibling app on the same host cannot overwrite them.
    expect((response.cookies ?? []).map((cookie) => cookie.name).sort()).toEqual([
      '__Host-portal.nonce',
      '__Host-portal.pkce.code_verifier',
      '__Host-portal.state',
      '__Secure-portal.callback-url',
    ]);
  });

  it('exchanges the code with client_secret_basic, the PKCE verifier and the resource, and keeps the session the tokens describe', async () => {
    const receivedAt = clock.now();
    const { token } = await signedIn();
    const exchange = provider.tokenCalls[0];
    expect(exchange?.form.get('grant_type')).toBe('authorization_code');
    expect(exchange?.form.get('code_verifier')).toBeTruthy();
    expect(exchange?.form.get('resource')).toBe('urn:portcullis:api');
    expect(exchange?.form.has('client_secret')).toBe(false);
    expect(token).toMatchObject({ sub: 'u1', sid: 's1', email: 'maria@example.com', name: 'Maria', role: 'MANAGER', refreshToken: 'rt-1' });
    expect(token.scopes).toContain('approvals:grant');
    expect(token.oidc?.providerSid).toBe('provider-sid-1');
    expect(token.oidc?.idToken.split('.')).toHaveLength(3);
    // Expiry from expires_in, counted from receipt (±1 s: openid-client keeps whole seconds).
    expect(Math.abs(token.accessTokenExpiresAt - (receivedAt + provider.accessTokenTtlSeconds * 1000))).toBeLessThanOrEqual(1_000);
  });

  it('refuses a callback whose state does not match the state cookie (CSRF, RFC 9700 §4.7)', async () => {
    const { url, cookies } = await startSignIn();
    const { code } = provider.authorize(url.toString());
    const response = await callback({ code, state: 'tampered-state', iss: provider.issuer }, cookies);
    expect(response.redirect).toMatch(/error=OAuthCallback/);
    expect(await sessionOf(response)).toBeNull();
  });

  it('refuses a callback without the PKCE verifier cookie', async () => {
    const { url, cookies } = await startSignIn();
    const { code, state } = provider.authorize(url.toString());
    const withoutVerifier = cookies
      .split('; ')
      .filter((pair) => !pair.startsWith('__Host-portal.pkce'))
      .join('; ');
    const response = await callback({ code, state, iss: provider.issuer }, withoutVerifier);
    expect(response.redirect).toMatch(/error=OAuthCallback/);
    expect(provider.tokenCalls).toHaveLength(0);
  });

  it('refuses an ID token whose nonce is not the one this browser sent (replayed or injected ID token)', async () => {
    provider.forgedNonce = 'someone-elses-nonce';
    const { url, cookies } = await startSignIn();
    const { code, state } = provider.authorize(url.toString());
    const response = await callback({ code, state, iss: provider.issuer }, cookies);
    expect(response.redirect).toMatch(/error=OAuthCallback/);
    expect(await sessionOf(response)).toBeNull();
  });

  it('refuses a response that names another issuer (RFC 9207 mix-up defence)', async () => {
    const { url, cookies } = await startSignIn();
    const { code, state } = provider.authorize(url.toString());
    const response = await callback({ code, state, iss: 'https://evil.example' }, cookies);
    expect(response.redirect).toMatch(/error=OAuthCallback/);
    expect(provider.tokenCalls).toHaveLength(0);
  });

  it('refuses a code replayed into a second callback', async () => {
    const { url, cookies } = await startSignIn();
    const { code, state } = provider.authorize(url.toString());
    expect(await sessionOf(await callback({ code, state, iss: provider.issuer }, cookies))).not.toBeNull();
    const replay = await callback({ code, state, iss: provider.issuer }, cookies);
    expect(replay.redirect).toMatch(/error=OAuthCallback/);
  });
});

describe('oidc mode: refresh through the provider', () => {
  it('refreshes a due session at the token endpoint (refresh_token grant, client_secret_basic) and writes the rotated cookie', async () => {
    const { token, cookie } = await signedIn();
    clock.advance(token.refreshAt - clock.now() + 1);
    const response = await auth.proxy(request('/', cookie));
    expect(response.status).toBe(200);
    const refresh = provider.tokenCalls.find((call) => call.form.get('grant_type') === 'refresh_token');
    expect(refresh?.form.get('refresh_token')).toBe('rt-1');
    expect(refresh?.form.get('resource')).toBe('urn:portcullis:api');
    expect(refresh?.authorization).toBe(`Basic ${Buffer.from(`${CLIENT_ID}:${CLIENT_SECRET}`).toString('base64')}`);
    const written = response.headers.getSetCookie().find((line) => line.startsWith(`${SESSION_COOKIE}=`));
    const rotated = sessionTokenSchema.parse(await decode({ token: written?.split(';')[0]?.slice(SESSION_COOKIE.length + 1) ?? '', secret: SECRET }));
    expect(rotated.refreshToken).toBe('rt-2');
    expect(rotated.oidc?.providerSid).toBe('provider-sid-1');
    expect(rotated.email).toBe('maria@example.com');
  });

  it('makes one token-endpoint call for 20 parallel requests with one due cookie, and none of them fails', async () => {
    const { token, cookie } = await signedIn();
    clock.advance(token.refreshAt - clock.now() + 1);
    const responses = await Promise.all(Array.from({ length: 20 }, () => auth.proxy(request('/', cookie))));
    expect(responses.map((response) => response.status)).toEqual(Array.from({ length: 20 }, () => 200));
    expect(provider.tokenCalls.filter((call) => call.form.get('grant_type') === 'refresh_token')).toHaveLength(1);
  });

  it('ends the session when the provider answers invalid_grant', async () => {
    const { token, cookie } = await signedIn();
    for (const grant of provider.grants.values()) grant.revoked = true;
    clock.advance(token.refreshAt - clock.now() + 1);
    const response = await auth.proxy(request('/', cookie));
    expect(response.status).toBe(303);
    expect(response.headers.get('location')).toContain('error=SessionExpired');
  });

  it('keeps the session when the token endpoint fails with a 5xx', async () => {
    const { token, cookie } = await signedIn();
    clock.advance(token.refreshAt - clock.now() + 1);
    provider.override = (path, res) => {
      if (path !== '/oidc/token') return false;
      res.writeHead(503).end();
      return true;
    };
    const response = await auth.proxy(request('/', cookie));
    expect(response.status).toBe(200);
    expect(response.headers.getSetCookie().some((line) => line.startsWith(`${SESSION_COOKIE}=;`))).toBe(false);
  });
});

describe('oidc mode: single logout', () => {
  async function backchannel(body: string, contentType = 'application/x-www-form-urlencoded'): Promise<Response> {
    return auth.backchannelLogoutRoute.POST(new Request(`${APP}/api/auth/backchannel-logout`, { method: 'POST', headers: { 'content-type': contentType }, body }));
  }

  it('ends the session of a provider sid named by a valid logout token at its next request', async () => {
    const { cookie } = await signedIn();
    expect((await auth.proxy(request('/', cookie))).status).toBe(200);
    const response = await backchannel(`logout_token=${await provider.logoutToken()}`);
    expect(response.status).toBe(200);
    expect(response.headers.get('cache-control')).toBe('no-store');
    const next = await auth.proxy(request('/', cookie));
    expect(next.status).toBe(303);
    expect(next.headers.get('location')).toContain('error=SessionExpired');
  });

  it.each([
    ['a nonce (an ID token is not a logout token)', { claims: { nonce: 'n' } }],
    ['another audience', { claims: { aud: 'portcullis-web' } }],
    ['another issuer', { claims: { iss: 'https://evil.example' } }],
    ['no logout event', { claims: { events: { other: {} } } }],
    ['neither sid nor sub', { claims: { sid: undefined, sub: undefined } }],
    ['an old iat', { claims: { iat: Math.floor(Date.now() / 1000) - 3600 } }],
    ['the typ of an access token', { header: { typ: 'at+jwt' } }],
  ])('refuses a logout token with %s: 400 invalid_request, session untouched', async (_name, forged) => {
    const { cookie } = await signedIn();
    const response = await backchannel(`logout_token=${await provider.logoutToken(forged)}`);
    expect(response.status).toBe(400);
    expect(response.headers.get('cache-control')).toBe('no-store');
    expect(await response.json()).toEqual({ error: 'invalid_request' });
    expect((await auth.proxy(request('/', cookie))).status).toBe(200);
  });

  it('refuses a logout token signed by a key that is not in the provider JWKS', async () => {
    const { privateKey } = await generateKeyPair('EdDSA', { crv: 'Ed25519' });
    const response = await backchannel(`logout_token=${await provider.logoutToken({ key: privateKey })}`);
    expect(response.status).toBe(400);
  });

  it('refuses a replayed logout token and a request without one', async () => {
    const token = await provider.logoutToken();
    expect((await backchannel(`logout_token=${token}`)).status).toBe(200);
    expect((await backchannel(`logout_token=${token}`)).status).toBe(400);
    expect((await backchannel('')).status).toBe(400);
    expect((await backchannel(JSON.stringify({ logout_token: token }), 'application/json')).status).toBe(400);
  });

  it('signs out locally, revokes the refresh token and sends the browser to the end-session endpoint with id_token_hint', async () => {
    const { token, cookie } = await signedIn();
    const response = await auth.handlers.POST(
      new Request(`${APP}/api/auth/signout`, { method: 'POST', headers: { cookie, origin: APP, 'sec-fetch-site': 'same-origin' } }),
      { params: Promise.resolve({ nextauth: ['signout'] }) },
    );
    expect(response.status).toBe(303);
    const target = new URL(response.headers.get('location') ?? '');
    expect(`${target.origin}${target.pathname}`).toBe(`${provider.issuer}/oidc/session/end`);
    expect(target.searchParams.get('id_token_hint')).toBe(token.oidc?.idToken);
    expect(target.searchParams.get('post_logout_redirect_uri')).toBe(`${APP}/`);
    expect(provider.revoked).toEqual([token.refreshToken]);
    // The provider's session cookie must survive until the end-session request: no Clear-Site-Data here.
    expect(response.headers.get('clear-site-data')).toBeNull();
    expect(response.headers.getSetCookie().some((line) => line.startsWith(`${SESSION_COOKIE}=;`))).toBe(true);
    expect((await auth.proxy(request('/', cookie))).status).toBe(303);
  });
});

describe('oidc mode: signing algorithms from the discovery document', () => {
  /** Replaces the provider with one signing with `alg`, and the app with one that trusts it. */
  async function providerSigningWith(alg: FakeSigningAlg, advertised?: string[]): Promise<void> {
    await provider.stop();
    provider = new FakeOidcProvider({ alg });
    provider.advertisedAlgs = advertised;
    await provider.start();
    auth = build();
  }

  async function backchannel(token: string): Promise<Response> {
    return auth.backchannelLogoutRoute.POST(
      new Request(`${APP}/api/auth/backchannel-logout`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: `logout_token=${token}`,
      }),
    );
  }

  async function signInOutcome(): Promise<CoreResponse> {
    const { url, cookies } = await startSignIn();
    const { code, state } = provider.authorize(url.toString());
    return callback({ code, state, iss: provider.issuer }, cookies);
  }

  it('signs in with an ID token and ends the session with a logout token signed with ES256 when the provider advertises it', async () => {
    await providerSigningWith('ES256');
    const { token, cookie } = await signedIn();
    expect(token.oidc?.providerSid).toBe('provider-sid-1');
    expect((await backchannel(await provider.logoutToken())).status).toBe(200);
    expect((await auth.proxy(request('/', cookie))).headers.get('location')).toContain('error=SessionExpired');
  });

  it('refuses an ID token and a logout token signed with an algorithm the provider does not advertise', async () => {
    await providerSigningWith('ES256', ['EdDSA']);
    const response = await signInOutcome();
    expect(response.redirect).toMatch(/error=OAuthCallback/);
    expect(await sessionOf(response)).toBeNull();
    expect((await backchannel(await provider.logoutToken())).status).toBe(400);
  });

  it.each(['HS256', 'none'] as const)('refuses an ID token signed with %s even when the provider advertises it', async (alg) => {
    provider.advertisedAlgs = [alg, 'EdDSA'];
    provider.forgedIdTokenAlg = alg;
    const response = await signInOutcome();
    expect(response.redirect).toMatch(/error=OAuthCallback/);
    expect(await sessionOf(response)).toBeNull();
  });

  it.each(['HS256', 'none'] as const)('refuses a logout token signed with %s even when the provider advertises it: 400, session untouched', async (alg) => {
    const { cookie } = await signedIn();
    provider.advertisedAlgs = [alg, 'EdDSA'];
    const response = await backchannel(await provider.logoutToken({ forgedAlg: alg }));
    expect(response.status).toBe(400);
    expect((await auth.proxy(request('/', cookie))).status).toBe(200);
  });

  it('signs nobody in when the provider advertises only symmetric or no algorithms', async () => {
    provider.advertisedAlgs = ['HS256', 'none'];
    const response = await signInOutcome();
    expect(response.redirect).toMatch(/error=OAuthCallback/);
    expect(await sessionOf(response)).toBeNull();
    expect(provider.tokenCalls).toHaveLength(0);
  });
});

describe('oidc mode: security headers', () => {
  it("lets forms (the sign-out form's redirect) reach the provider's origin and no other", async () => {
    const { cookie } = await signedIn();
    const csp = (await auth.proxy(request('/', cookie))).headers.get('content-security-policy') ?? '';
    expect(csp).toContain(`form-action 'self' ${provider.issuer}`);
  });
});

describe('oidc mode: options', () => {
  it('requires the provider settings for oidc and both', () => {
    expect(() => build({ oidc: undefined })).toThrow(/"oidc"/);
    expect(() => build({ mode: 'both', oidc: undefined })).toThrow(/"oidc"/);
  });

  it("has no back-channel logout endpoint and keeps NextAuth's cookie names in credentials mode", async () => {
    const credentialsOnly = build({ mode: 'credentials', oidc: undefined, cookiePrefix: undefined });
    const response = await credentialsOnly.backchannelLogoutRoute.POST(
      new Request(`${APP}/api/auth/backchannel-logout`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: 'logout_token=x' }),
    );
    expect(response.status).toBe(404);
    expect(credentialsOnly.cookies.sessionToken).toBe('__Host-next-auth.session-token');
    expect(auth.cookies).toMatchObject({ sessionToken: SESSION_COOKIE, csrfToken: CSRF_COOKIE, callbackUrl: '__Secure-portal.callback-url' });
  });

  it('offers the password form and single sign-on side by side in both mode', () => {
    expect(build({ mode: 'both' }).authOptions.providers.map((candidate) => candidate.id)).toEqual(['credentials', 'portcullis']);
    expect(auth.authOptions.providers.map((candidate) => candidate.id)).toEqual(['portcullis']);
  });
});
