import { expect, test, type Request } from '@playwright/test';
import { auditEvents, sessionOf, userByEmail } from '../harness/backend.js';
import { DEMO_USERS, harness } from '../harness/env.js';
import { AdminPage } from '../pages/admin-page.js';
import { SignInPage } from '../pages/sign-in-page.js';

test.describe('authorization', () => {
  test('USER opening /admin gets 403 and the denial is audited', async ({ page, context }) => {
    const since = Date.now() - 1_000;
    await new SignInPage(page).signInAs('alice');
    const { sub } = await sessionOf(context);
    const response = await page.goto(`${harness.webUrl}/admin`);
    expect(response?.status()).toBe(403);
    await expect(page.getByRole('heading', { name: '403 — Forbidden' })).toBeVisible();
    const denials = await auditEvents('authz.denied', since);
    expect(denials.some((event) => event.userId === sub && JSON.stringify(event).includes('/admin'))).toBe(true);
  });

  test('/forbidden is served with status 403', async ({ page }) => {
    const response = await page.goto(`${harness.webUrl}/forbidden`);
    expect(response?.status()).toBe(403);
  });

  test("replaying an admin server action with a USER's cookie is refused and audited", async ({ browser }) => {
    // The admin's browser: capture a real "change role" action call and stop it before it reaches the server.
    const adminContext = await browser.newContext();
    const adminPage = await adminContext.newPage();
    await new SignInPage(adminPage).signInAs('adam');
    let captured: { headers: Record<string, string>; body: string } | undefined;
    await adminPage.route(`${harness.webUrl}/admin`, async (route) => {
      const request: Request = route.request();
      if (request.method() === 'POST' && request.headers()['next-action']) {
        captured = { headers: request.headers(), body: request.postData() ?? '' };
        await route.abort();
      } else {
        await route.continue();
      }
    });
    const admin = new AdminPage(adminPage);
    await admin.goto();
    await admin.changeRole(DEMO_USERS.maria.email, 'ADMIN');
    await expect.poll(() => captured !== undefined).toBe(true);
    await adminContext.close();
    if (!captured) throw new Error('no action captured');
    const replay = captured;

    // The same action id and body, sent from alice's signed-in browser.
    const since = Date.now() - 1_000;
    const aliceContext = await browser.newContext();
    const alicePage = await aliceContext.newPage();
    await new SignInPage(alicePage).signInAs('alice');
    const { sub } = await sessionOf(aliceContext);
    const answer = await alicePage.evaluate(async ({ headers, body }) => {
      const response = await fetch('/admin', {
        method: 'POST',
        headers: { 'next-action': headers['next-action'] ?? '', 'content-type': headers['content-type'] ?? '', accept: 'text/x-component' },
        body,
      });
      return { status: response.status, text: await response.text() };
    }, replay);
    expect(answer.text).toContain('"error":"forbidden"');
    expect((await userByEmail(DEMO_USERS.maria.email)).role).toBe('MANAGER');
    const denials = await auditEvents('authz.denied', since);
    expect(denials.some((event) => event.userId === sub && JSON.stringify(event).includes('action:users.changeRole'))).toBe(true);
    await aliceContext.close();
  });

  for (const value of ['proxy:proxy:proxy:proxy:proxy', 'middleware:middleware:middleware:middleware:middleware', 'src/proxy', '1']) {
    test(`x-middleware-subrequest: ${value} does not bypass protection`, async ({ browser }) => {
      const anonymous = await browser.newContext({ extraHTTPHeaders: { 'x-middleware-subrequest': value } });
      const page = await anonymous.newPage();
      await page.goto(`${harness.webUrl}/`);
      await expect(page).toHaveURL(/\/signin/);
      await expect(page.getByRole('heading', { name: /^Signed in as/ })).toHaveCount(0);
      await anonymous.close();

      const user = await browser.newContext({ extraHTTPHeaders: { 'x-middleware-subrequest': value } });
      const userPage = await user.newPage();
      await new SignInPage(userPage).signInAs('alice');
      const response = await userPage.goto(`${harness.webUrl}/admin`);
      expect(response?.status()).toBe(403);
      await user.close();
    });
  }

  test('state-changing calls to the backend-for-frontend route are refused cross-site and without an origin', async ({ page, request }) => {
    await new SignInPage(page).signInAs('alice');
    const cookie = (await page.context().cookies()).map((c) => `${c.name}=${c.value}`).join('; ');
    const target = `${harness.webUrl}/api/bff/auth/sessions/some-id`;
    const crossSite = await request.delete(target, { headers: { cookie, origin: 'https://evil.example', 'sec-fetch-site': 'cross-site' } });
    expect(crossSite.status()).toBe(403);
    expect(await crossSite.json()).toMatchObject({ error: 'csrf_rejected' });
    const noOrigin = await request.delete(target, { headers: { cookie } });
    expect(noOrigin.status()).toBe(403);
    // The same call from the app's own page goes through to the backend (404: not one of alice's sessions).
    const sameOrigin = await page.evaluate(async () => (await fetch('/api/bff/auth/sessions/some-id', { method: 'DELETE' })).status);
    expect(sameOrigin).toBe(404);
  });
});
