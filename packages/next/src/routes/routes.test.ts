import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { APP, AuthHarness, SESSION_COOKIE } from '../test-support/auth-harness.js';

let h: AuthHarness;
beforeEach(async () => {
  h = await new AuthHarness().start();
});
afterEach(async () => {
  await h.stop();
});

const nextauth = (...segments: string[]) => ({ params: Promise.resolve({ nextauth: segments }) });
const bffPath = (...segments: string[]) => ({ params: Promise.resolve({ path: segments }) });

describe('sign-out route', () => {
  it('revokes the session at the backend before clearing every cookie, with Clear-Site-Data', async () => {
    const { cookie, token } = await h.signIn();
    const request = new Request(`${APP}/api/auth/signout`, {
      method: 'POST',
      headers: { cookie: `${cookie}; __Host-next-auth.csrf-token=x`, origin: APP, 'sec-fetch-site': 'same-origin' },
    });
    const response = await h.auth.handlers.POST(request, nextauth('signout'));
    expect(response.status).toBe(303);
    expect(response.headers.get('location')).toBe(`${APP}/signin?signedOut=1`);
    expect(response.headers.get('clear-site-data')).toBe('"cookies"');
    expect(h.backend.callsTo('/v1/auth/logout')[0]?.body).toEqual({ refreshToken: token.refreshToken });
    const cleared = response.headers.getSetCookie();
    for (const name of [SESSION_COOKIE, '__Host-next-auth.csrf-token', '__Secure-next-auth.callback-url']) {
      expect(cleared.some((line) => line.startsWith(`${name}=;`) && /Max-Age=0/.test(line))).toBe(true);
    }
  });

  it('refuses a cross-site sign-out (logout CSRF) without revoking anything', async () => {
    const { cookie } = await h.signIn();
    const request = new Request(`${APP}/api/auth/signout`, { method: 'POST', headers: { cookie, origin: 'https://evil.example', 'sec-fetch-site': 'cross-site' } });
    const response = await h.auth.handlers.POST(request, nextauth('signout'));
    expect(response.status).toBe(403);
    expect(h.backend.callsTo('/v1/auth/logout')).toHaveLength(0);
  });

  it('makes the proxy refuse the old cookie right after sign-out', async () => {
    h.backend.accessTokenTtlMs = 60_000;
    const { cookie } = await h.signIn();
    expect((await h.auth.proxy(h.request('/', { cookie }))).status).toBe(200);
    await h.auth.handlers.POST(new Request(`${APP}/api/auth/signout`, { method: 'POST', headers: { cookie, origin: APP } }), nextauth('signout'));
    const replay = await h.auth.proxy(h.request('/', { cookie }));
    expect(replay.status).toBe(303);
    expect(replay.headers.get('location')).toContain('error=SessionExpired');
  });
});

describe('backend-for-frontend route', () => {
  it('calls the backend with the user access token, which never reaches the browser', async () => {
    const { cookie, token } = await h.signIn();
    h.requestHeaders = new Headers({ cookie });
    const response = await h.auth.bff.GET(new Request(`${APP}/api/bff/me`), bffPath('me'));
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ user: expect.objectContaining({ id: 'u1', role: 'USER' }) });
    expect(h.backend.callsTo('/v1/me')[0]?.headers.authorization).toBe(`Bearer ${token.accessToken}`);
  });

  it('refuses a cross-site state-changing call', async () => {
    const { cookie } = await h.signIn();
    h.requestHeaders = new Headers({ cookie });
    const response = await h.auth.bff.DELETE(
      new Request(`${APP}/api/bff/auth/sessions/x`, { method: 'DELETE', headers: { origin: 'https://evil.example', 'sec-fetch-site': 'cross-site' } }),
      bffPath('auth', 'sessions', 'x'),
    );
    expect(response.status).toBe(403);
    expect(await response.json()).toEqual({ error: 'csrf_rejected', message: 'Cross-site request refused.' });
  });

  it('reaches only allow-listed backend paths', async () => {
    const { cookie } = await h.signIn();
    h.requestHeaders = new Headers({ cookie });
    expect((await h.auth.bff.GET(new Request(`${APP}/api/bff/users`), bffPath('users'))).status).toBe(404);
    expect((await h.auth.bff.GET(new Request(`${APP}/api/bff/..`), bffPath('..'))).status).toBe(400);
  });

  it('answers 401 without a session', async () => {
    h.requestHeaders = new Headers();
    expect((await h.auth.bff.GET(new Request(`${APP}/api/bff/me`), bffPath('me'))).status).toBe(401);
  });
});

describe('credentials sign-in', () => {
  it('refuses a POST to NextAuth from another origin before NextAuth sees it', async () => {
    const response = await h.auth.handlers.POST(
      new Request(`${APP}/api/auth/callback/credentials`, { method: 'POST', headers: { origin: 'https://evil.example' } }),
      nextauth('callback', 'credentials'),
    );
    expect(response.status).toBe(403);
    expect(h.backend.calls).toHaveLength(0);
  });
});
