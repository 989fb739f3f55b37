import { expect, test, type Page } from '@playwright/test';
import { api, auditEvents, sessionOf } from '../harness/backend.js';
import { harness, SESSION_COOKIE, setGateway } from '../harness/env.js';
import { DashboardPage } from '../pages/dashboard-page.js';
import { SignInPage } from '../pages/sign-in-page.js';

async function rotationsOf(sid: string, since: number): Promise<number> {
  return (await auditEvents('refresh.succeeded', since)).filter((event) => event.sid === sid).length;
}

/** Waits, in the browser, until the access token in the cookie is due for refresh. */
async function untilDue(page: Page): Promise<void> {
  const { refreshAt } = await sessionOf(page.context());
  await page.waitForFunction((at) => Date.now() >= at, refreshAt, { polling: 100 });
}

test.describe('token refresh', () => {
  test('the session outlives several access-token lifetimes while the user keeps working, rotations in the audit trail', async ({ page, context }) => {
    const since = Date.now() - 1_000;
    await new SignInPage(page).signInAs('alice');
    const { sid, refreshToken: first } = await sessionOf(context);
    const dashboard = new DashboardPage(page);
    for (let lifetime = 0; lifetime < 3; lifetime++) {
      await untilDue(page);
      await dashboard.goto();
      await dashboard.expectSignedIn();
    }
    expect((await sessionOf(context)).refreshToken).not.toBe(first);
    expect(await rotationsOf(sid, since)).toBeGreaterThanOrEqual(3);
    expect((await auditEvents('refresh.reuse_detected', since)).filter((event) => event.sid === sid)).toEqual([]);
  });

  test('20 parallel requests with a due token all succeed with one refresh at the backend and no reuse detection', async ({ page, context }) => {
    const since = Date.now() - 1_000;
    await new SignInPage(page).signInAs('alice');
    const { sid } = await sessionOf(context);
    const before = await rotationsOf(sid, since);
    await untilDue(page);
    const statuses = await page.evaluate(() => Promise.all(Array.from({ length: 20 }, async () => (await fetch('/api/bff/me')).status)));
    expect(statuses).toEqual(Array(20).fill(200));
    expect(await rotationsOf(sid, since)).toBe(before + 1);
    expect((await auditEvents('refresh.reuse_detected', since)).filter((event) => event.sid === sid)).toEqual([]);
    expect((await auditEvents('refresh.refused', since)).filter((event) => event.sid === sid)).toEqual([]);
    await new DashboardPage(page).goto();
    await new DashboardPage(page).expectSignedIn();
  });

  test('a stolen refresh token used again revokes the session and the browser ends at /signin?error=SessionExpired', async ({ page, context }) => {
    const since = Date.now() - 1_000;
    await new SignInPage(page).signInAs('alice');
    const { sid, refreshToken: stolen } = await sessionOf(context);
    const dashboard = new DashboardPage(page);
    // Two rotations: the stolen token's successor has been used, so it is dead (no grace).
    for (let rotation = 0; rotation < 2; rotation++) {
      await untilDue(page);
      await dashboard.goto();
      await dashboard.expectSignedIn();
    }
    const thief = await api('/v1/auth/refresh', { method: 'POST', body: { refreshToken: stolen } });
    expect(thief.status).toBe(401);
    expect((await auditEvents('refresh.reuse_detected', since)).some((event) => event.sid === sid)).toBe(true);

    await expect(async () => {
      await page.goto(`${harness.webUrl}/`);
      await expect(page).toHaveURL(/\/signin\?error=SessionExpired/, { timeout: 1_000 });
    }).toPass({ timeout: 15_000 });
    await expect(page.locator('form').getByRole('alert')).toHaveText('Your session has ended. Please sign in again.');
    expect((await context.cookies()).some((cookie) => cookie.name === SESSION_COOKIE)).toBe(false);
  });

  test('the user-service stopped during a refresh does not sign the user out; once it is back, work continues', async ({ page, context }) => {
    await new SignInPage(page).signInAs('alice');
    const { accessTokenExpiresAt } = await sessionOf(context);
    await setGateway('down');
    try {
      await page.waitForFunction((at) => Date.now() > at + 250, accessTokenExpiresAt, { polling: 100 });
      const response = await page.goto(`${harness.webUrl}/`);
      expect(response?.status()).toBe(503);
      await expect(page.getByRole('heading', { name: 'Temporarily unavailable' })).toBeVisible();
      expect((await context.cookies()).some((cookie) => cookie.name === SESSION_COOKIE)).toBe(true);
    } finally {
      await setGateway('up');
    }
    const dashboard = new DashboardPage(page);
    await dashboard.goto();
    await dashboard.expectSignedIn();
    expect((await sessionOf(context)).accessTokenExpiresAt).toBeGreaterThan(accessTokenExpiresAt);
  });
});
