import { expect, test } from '@playwright/test';
import { DEMO_USERS } from '../harness/env.js';
import { AdminPage } from '../pages/admin-page.js';
import { SignInPage } from '../pages/sign-in-page.js';

// docs/accounts.md, "The user directory (admins)": search, filters and per-user events, read-only on the demo users
// (resending, resetting and inviting are covered against the service in the user-service's tests).
test.describe('the user directory', () => {
  test.beforeEach(async ({ page }) => {
    await new SignInPage(page).signInAs('adam');
  });

  test('an admin searches by part of a name or email, case-insensitively, and sees each user’s status', async ({ page }) => {
    const admin = new AdminPage(page);
    await admin.goto();
    await admin.search('MARIA');
    await expect(page).toHaveURL(/[?&]q=MARIA/);
    expect(await admin.emails()).toEqual([DEMO_USERS.maria.email]);
    await expect(admin.status(DEMO_USERS.maria.email)).toHaveText('Active');
  });

  test('an admin filters by role and status; a filter nobody matches says so', async ({ page }) => {
    const admin = new AdminPage(page);
    await admin.goto();
    await admin.search('example.com', { role: 'ADMIN', status: 'active' });
    expect(await admin.emails()).toContain(DEMO_USERS.adam.email);
    expect(await admin.emails()).not.toContain(DEMO_USERS.alice.email);

    await admin.search('example.com', { role: 'MANAGER', status: 'invited' });
    await expect(page.getByText('No user matches.')).toBeVisible();
  });

  test("an admin opens a user's recent security events", async ({ page, browser }) => {
    // Alice signs in in a browser of her own, so she has a fresh event to show.
    const alices = await browser.newContext();
    await new SignInPage(await alices.newPage()).signInAs('alice');
    await alices.close();
    const admin = new AdminPage(page);
    await admin.goto(`?q=${encodeURIComponent(DEMO_USERS.alice.email)}`);
    await admin.openSecurityEvents(DEMO_USERS.alice.email);
    await expect(page.getByRole('heading', { name: `Security events of ${DEMO_USERS.alice.email}` })).toBeVisible();
    await expect(page.locator('tr[data-event-type="login.succeeded"]').first()).toBeVisible();
  });
});
