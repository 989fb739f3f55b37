import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ATTESTATION_HEADER } from '../session/proxy-attestation.js';
import { APP_CREDENTIAL_HEADER, CLIENT_ADDRESS_HEADER } from '@portcullis/contracts';
import { APP_CREDENTIAL, AuthHarness, SESSION_COOKIE } from '../test-support/auth-harness.js';
import { classifyRoute } from './create-proxy.js';

let h: AuthHarness;
beforeEach(async () => {
  h = await new AuthHarness().start();
});
afterEach(async () => {
  await h.stop();
});

describe('proxy', () => {
  it('sends a visitor without a session to sign-in, with the way back', async () => {
    const response = await h.auth.proxy(h.request('/sessions?x=1'));
    expect(response.status).toBe(303);
    expect(response.headers.get('location')).toBe('http://localhost:3000/signin?callbackUrl=%2Fsessions%3Fx%3D1');
  });

  it('answers 401 JSON to an API call without a session', async () => {
    const response = await h.auth.proxy(h.request('/api/bff/me'));
    expect(response.status).toBe(401);
    expect(await response.json()).toMatchObject({ error: 'unauthenticated' });
  });

  it('lets public pages through and sets the security headers with a fresh nonce', async () => {
    const first = await h.auth.proxy(h.request('/signin'));
    const second = await h.auth.proxy(h.request('/signin'));
    expect(first.headers.get('x-middleware-next')).toBe('1');
    const csp = first.headers.get('content-security-policy') ?? '';
    expect(csp).toMatch(/script-src 'self' 'nonce-[^']+' 'strict-dynamic'/);
    expect(csp).toContain("frame-ancestors 'none'");
    expect(csp).not.toContain('unsafe-eval');
    expect(csp).not.toBe(second.headers.get('content-security-policy'));
    expect(first.headers.get('cross-origin-opener-policy')).toBe('same-origin-allow-popups');
    expect(first.headers.get('strict-transport-security')).toContain('max-age=');
    expect(AuthHarness.forwardedHeader(first, 'x-nonce')).toBeTruthy();
  });

  it("keeps the token of a mail's link from other sites: no Referer from a page whose URL carries one", async () => {
    const linked = await h.auth.proxy(h.request('/reset-password?token=abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG'));
    expect(linked.headers.get('referrer-policy')).toBe('no-referrer');
    expect((await h.auth.proxy(h.request('/signin'))).headers.get('referrer-policy')).toBe('strict-origin-when-cross-origin');
  });

  it('passes a live session on without refreshing, attested and uncacheable', async () => {
    const { cookie, token } = await h.signIn();
    const response = await h.auth.proxy(h.request('/', { cookie }));
    expect(response.headers.get('x-middleware-next')).toBe('1');
    expect(AuthHarness.setSessionCookie(response)).toBeUndefined();
    expect(response.headers.get('cache-control')).toBe('private, no-store');
    expect(AuthHarness.forwardedHeader(response, ATTESTATION_HEADER)).toMatch(/^v1\./);
    expect(h.backend.callsTo('/v1/auth/refresh')).toHaveLength(0);
    expect(h.backend.callsTo('/v1/auth/session')).toHaveLength(1);
    expect(token.sid).toBeTruthy();
  });

  it('checks the session with the backend at most every 5 seconds', async () => {
    h.backend.accessTokenTtlMs = 60_000;
    const { cookie } = await h.signIn();
    await h.auth.proxy(h.request('/', { cookie }));
    h.clock.advance(2_000);
    await h.auth.proxy(h.request('/', { cookie }));
    expect(h.backend.callsTo('/v1/auth/session')).toHaveLength(1);
    h.clock.advance(3_000);
    await h.auth.proxy(h.request('/', { cookie }));
    expect(h.backend.callsTo('/v1/auth/session')).toHaveLength(2);
  });

  it('refreshes a due token and writes the rotated cookie to the response and to the request pages read', async () => {
    const { cookie, token } = await h.signIn();
    h.clock.advance(4_000);
    const response = await h.auth.proxy(h.request('/', { cookie }));
    const written = AuthHarness.setSessionCookie(response);
    expect(written).toBeTruthy();
    const rotated = await h.codec.decode(written);
    expect(rotated?.refreshToken).not.toBe(token.refreshToken);
    expect(rotated?.sid).toBe(token.sid);
    expect(AuthHarness.forwardedHeader(response, 'cookie')).toContain(`${SESSION_COOKIE}=${written}`);
    const line = response.headers.getSetCookie().find((value) => value.startsWith(SESSION_COOKIE)) ?? '';
    expect(line).toMatch(/HttpOnly/i);
    expect(line).toMatch(/Secure/i);
    expect(line).toMatch(/SameSite=lax/i);
    expect(line).toMatch(/Path=\//);
    expect(line).not.toMatch(/Domain=/i);
    const refresh = h.backend.callsTo('/v1/auth/refresh')[0];
    expect(refresh?.headers[CLIENT_ADDRESS_HEADER]).toBe('198.51.100.7');
    expect(refresh?.headers[APP_CREDENTIAL_HEADER]).toBe(APP_CREDENTIAL);
    expect(refresh?.headers['x-forwarded-for']).toBeUndefined();
    expect(refresh?.headers['user-agent']).toBe('vitest-browser');
  });

  it('makes one backend refresh for 20 parallel requests with a due token, and all succeed', async () => {
    const { cookie } = await h.signIn();
    h.clock.advance(4_500);
    const responses = await Promise.all(Array.from({ length: 20 }, () => h.auth.proxy(h.request('/api/bff/me', { cookie }))));
    expect(h.backend.callsTo('/v1/auth/refresh')).toHaveLength(1);
    expect(responses.every((response) => response.headers.get('x-middleware-next') === '1')).toBe(true);
    const written = await Promise.all(responses.map((response) => h.codec.decode(AuthHarness.setSessionCookie(response))));
    expect(new Set(written.map((token) => token?.refreshToken)).size).toBe(1);
  });

  it('ends the session when the refresh token is refused: sign-in page for pages, 401 for APIs', async () => {
    const { cookie, token } = await h.signIn();
    const session = h.backend.sessions.get(token.sid);
    if (session) session.revoked = true;
    h.clock.advance(4_500);
    const page = await h.auth.proxy(h.request('/admin', { cookie }));
    expect(page.status).toBe(303);
    expect(page.headers.get('location')).toContain('/signin?error=SessionExpired');
    expect(AuthHarness.setSessionCookie(page)).toBe('');
    const api = await h.auth.proxy(h.request('/api/bff/me', { cookie }));
    expect(api.status).toBe(401);
    expect(await api.json()).toMatchObject({ error: 'session_expired' });
  });

  it('still says the session expired on the next page when a background request saw the refusal first', async () => {
    const { cookie, token } = await h.signIn();
    const session = h.backend.sessions.get(token.sid);
    if (session) session.revoked = true;
    h.clock.advance(4_500);
    // A prefetch ends the session and its response clears the cookie, leaving only the marker behind.
    const prefetch = await h.auth.proxy(h.request('/sessions', { cookie }));
    const marker = prefetch.headers.getSetCookie().find((line) => line.startsWith('__Host-portcullis.session-ended=1'));
    expect(marker).toContain('HttpOnly');
    // Another background fetch of the router is redirected with the reason too, but leaves the marker for the page.
    const background = await h.auth.proxy(h.request('/requests', { cookie: '__Host-portcullis.session-ended=1', headers: { rsc: '1', 'sec-fetch-dest': 'empty' } }));
    expect(background.headers.get('location')).toContain('/signin?error=SessionExpired');
    expect(background.headers.getSetCookie().some((line) => line.startsWith('__Host-portcullis.session-ended='))).toBe(false);
    const next = await h.auth.proxy(h.request('/', { cookie: '__Host-portcullis.session-ended=1', headers: { 'sec-fetch-dest': 'document' } }));
    expect(next.headers.get('location')).toContain('/signin?error=SessionExpired');
    expect(next.headers.getSetCookie().some((line) => /^__Host-portcullis\.session-ended=;/.test(line))).toBe(true);
    // Without the marker a visitor is simply asked to sign in.
    expect((await h.auth.proxy(h.request('/'))).headers.get('location')).not.toContain('error=');
  });

  it('ends a session revoked elsewhere within the check interval, before its access token expires', async () => {
    h.backend.accessTokenTtlMs = 60_000;
    const { cookie, token } = await h.signIn();
    await h.auth.proxy(h.request('/', { cookie }));
    const session = h.backend.sessions.get(token.sid);
    if (session) session.revoked = true;
    h.clock.advance(3_000);
    expect((await h.auth.proxy(h.request('/', { cookie }))).status).toBe(200);
    h.clock.advance(2_000);
    const after = await h.auth.proxy(h.request('/', { cookie }));
    expect(after.status).toBe(303);
    expect(after.headers.get('location')).toContain('error=SessionExpired');
  });

  it('keeps the session through an outage while the access token is valid, and shows 503 once it has expired', async () => {
    const { cookie } = await h.signIn();
    h.backend.override = (_call, res) => {
      res.writeHead(503).end();
      return true;
    };
    h.clock.advance(4_500);
    const stillValid = await h.auth.proxy(h.request('/', { cookie }));
    expect(stillValid.headers.get('x-middleware-next')).toBe('1');
    expect(AuthHarness.setSessionCookie(stillValid)).toBeUndefined();

    h.clock.advance(1_000);
    const expired = await h.auth.proxy(h.request('/', { cookie }));
    expect(expired.status).toBe(503);
    expect(await expired.text()).toContain('Temporarily unavailable');
    expect(AuthHarness.setSessionCookie(expired)).toBeUndefined();
    expect((await h.auth.proxy(h.request('/api/bff/me', { cookie }))).status).toBe(503);

    h.backend.override = undefined;
    const back = await h.auth.proxy(h.request('/', { cookie }));
    expect(back.headers.get('x-middleware-next')).toBe('1');
    expect(AuthHarness.setSessionCookie(back)).toBeTruthy();
  });

  it('drops an attestation header sent by the client', async () => {
    const response = await h.auth.proxy(h.request('/signin', { headers: { [ATTESTATION_HEADER]: 'v1.1.forged' } }));
    expect(AuthHarness.forwardedHeader(response, ATTESTATION_HEADER)).toBeNull();
  });

  it('clears a cookie it cannot decrypt', async () => {
    const response = await h.auth.proxy(h.request('/', { cookie: `${SESSION_COOKIE}=garbage` }));
    expect(response.status).toBe(303);
    expect(AuthHarness.setSessionCookie(response)).toBe('');
  });
});

describe('classifyRoute', () => {
  const kind = (pathname: string, headers: Record<string, string> = {}) => classifyRoute({ pathname, headers: new Headers(headers) }, ['/signin', '/forbidden']);
  it('tells NextAuth, public, API, action and page routes apart', () => {
    expect(kind('/api/auth/callback/credentials')).toBe('nextauth');
    expect(kind('/api/auth/session')).toBe('nextauth-session');
    expect(kind('/signin')).toBe('public');
    expect(kind('/signinx')).toBe('page');
    expect(kind('/api/bff/me')).toBe('api');
    expect(kind('/admin', { 'next-action': 'abc' })).toBe('action');
    expect(kind('/admin')).toBe('page');
  });
});
