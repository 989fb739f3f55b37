import { NextRequest } from 'next/server';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Auth } from '../create-auth.js';
import { APP, AuthHarness } from '../test-support/auth-harness.js';
import { lazyAuth } from './app-auth.js';
import { lazyAuthRoute } from './lazy-auth-route.js';
import { lazyBffRoute } from './lazy-bff-route.js';

let h: AuthHarness;
let builds: number;
let auth: () => Auth;
beforeEach(async () => {
  h = await new AuthHarness().start();
  builds = 0;
  auth = lazyAuth(() => {
    builds += 1;
    return h.auth;
  });
});
afterEach(async () => {
  await h.stop();
});

describe('route modules of an app that builds its auth instance on first use', () => {
  it('read no environment while `next build` imports them, and build the instance once on the first request', async () => {
    const authRoute = lazyAuthRoute(auth);
    const bffRoute = lazyBffRoute(auth);
    expect(builds).toBe(0);

    const anonymous = await bffRoute.GET(new NextRequest(`${APP}/api/bff/me`), { params: Promise.resolve({ path: ['me'] }) });
    expect(anonymous.status).toBe(401);
    // NextAuth's POST endpoints pass the instance's origin check first.
    const crossSite = await authRoute.POST(new NextRequest(`${APP}/api/auth/callback/credentials`, { method: 'POST', headers: { origin: 'https://evil.example' } }), {
      params: Promise.resolve({ nextauth: ['callback', 'credentials'] }),
    });
    expect(crossSite.status).toBe(403);
    expect(h.backend.calls).toHaveLength(0);
    expect(builds).toBe(1);
  });
});
