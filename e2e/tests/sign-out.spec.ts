import { expect, test } from '@playwright/test';
import { api, sessionOf, userByEmail } from '../harness/backend.js';
import { DEMO_USERS, harness } from '../harness/env.js';
import { AdminPage } from '../pages/admin-page.js';
import { DashboardPage } from '../pages/dashboard-page.js';
import { SessionsPage } from '../pages/sessions-page.js';
import { SignInPage } from '../pages/sign-in-page.js';

test.describe('sign-out and revocation', () => {
  test('sign-out revokes at the backend and clears every cookie; the old cookie replayed before its token expires no longer works', async ({
    page,
    context,
    browser,
  }) => {
    await new SignInPage(page).signInAs('alice');
    const dashboard = new DashboardPage(page);
    await dashboard.goto();
    const stolenCookies = await context.cookies();
    const session = await sessionOf(context);

    const signedOut = page.waitForResponse((response) => response.url().endsWith('/api/auth/signout'));
    await dashboard.signOut.click();
    expect((await (await signedOut).allHeaders())['clear-site-data']).toBe('"cookies"');
    await expect(page).toHaveURL(/\/signin\?signedOut=1/);
    expect((await context.cookies()).filter((cookie) => cookie.name.includes('next-auth'))).toEqual([]);

    const refused = await api('/v1/auth/refresh', { method: 'POST', body: { refreshToken: session.refreshToken } });
    expect(refused.status).toBe(401);
    expect(await refused.json()).toMatchObject({ error: 'invalid_grant' });

    const replay = await browser.newContext();
    await replay.addCookies(stolenCookies);
    const replayPage = await replay.newPage();
    await replayPage.goto(`${harness.webUrl}/`);
    expect(Date.now()).toBeLessThan(session.accessTokenExpiresAt);
    await expect(replayPage).toHaveURL(/\/signin/);
    await expect(replayPage.getByRole('heading', { name: /^Signed in as/ })).toHaveCount(0);
    await replay.close();
  });

  test('revoking the current device on /sessions signs me out', async ({ page }) => {
    await new SignInPage(page).signInAs('alice');
    const sessions = new SessionsPage(page);
    await sessions.goto();
    await expect(sessions.currentRow).toHaveCount(1);
    await sessions.revokeCurrent();
    await expect(page).toHaveURL(/\/signin\?signedOut=1/);
    await page.goto(`${harness.webUrl}/`);
    await expect(page).toHaveURL(/\/signin/);
  });

  test("an admin's role change ends the user's session in the app within seconds", async ({ browser }) => {
    const userContext = await browser.newContext();
    const userPage = await userContext.newPage();
    await new SignInPage(userPage).signInAs('maria');

    const adminContext = await browser.newContext();
    const adminPage = await adminContext.newPage();
    await new SignInPage(adminPage).signInAs('adam');
    const admin = new AdminPage(adminPage);
    await admin.goto();
    try {
      await admin.changeRole(DEMO_USERS.maria.email, 'USER');
      await expect.poll(async () => (await userByEmail(DEMO_USERS.maria.email)).role).toBe('USER');
      const changedAt = Date.now();
      await expect(async () => {
        await userPage.goto(`${harness.webUrl}/`);
        await expect(userPage).toHaveURL(/\/signin\?error=SessionExpired/, { timeout: 1_000 });
      }).toPass({ timeout: 20_000 });
      // The app checks the session at most every 5 s; the margin absorbs page loads on a busy 2-core machine.
      expect(Date.now() - changedAt).toBeLessThan(15_000);
    } finally {
      await admin.goto();
      await admin.changeRole(DEMO_USERS.maria.email, 'MANAGER');
      await expect.poll(async () => (await userByEmail(DEMO_USERS.maria.email)).role).toBe('MANAGER');
      await expect(admin.row(DEMO_USERS.maria.email).getByLabel(`Role of ${DEMO_USERS.maria.email}`)).toHaveValue('MANAGER');
      await adminContext.close();
      await userContext.close();
    }
  });
});
