import { expect, type BrowserContext, type Page } from '@playwright/test';
import { sessionOf } from '../harness/backend.js';
import { DEMO_USERS, type DemoUser } from '../harness/env.js';
import { testOnOwnSystem } from '../harness/own-system.js';
import type { System } from '../harness/system.js';
import { AdminPage } from '../pages/admin-page.js';
import { SignInPage } from '../pages/sign-in-page.js';
import { StepUpPopup } from '../pages/step-up-popup.js';

// docs/approvals.md, step-up (RFC 9470): admin actions need a password check younger than STEP_UP_MAX_AGE. This spec runs
// its own user-service with a 6-second window, so the shared harness keeps the default (10 minutes) and the other
// admin flows never meet a step-up.
const STEP_UP_MAX_AGE = 6;

const test = testOnOwnSystem({ name: 'step-up', apiEnv: { STEP_UP_MAX_AGE: String(STEP_UP_MAX_AGE) } });

function claims(accessToken: string): { auth_time: number; sid: string } {
  return JSON.parse(Buffer.from(accessToken.split('.')[1] ?? '', 'base64url').toString('utf8')) as { auth_time: number; sid: string };
}

async function signedIn(browser: { newContext(): Promise<BrowserContext> }, system: System, user: DemoUser): Promise<{ context: BrowserContext; page: Page }> {
  const context = await browser.newContext();
  const page = await context.newPage();
  await new SignInPage(page, system.webUrl).signInAs(user);
  return { context, page };
}

/**
 * Waits until the session's last password check is older than the step-up window, and until the proxy has rotated
 * the access token at least once since sign-in — so the test also shows that a refresh never makes authentication
 * look fresher: the new token carries the old `auth_time`, and the backend still asks for the password.
 */
async function letAuthenticationGoStale(context: BrowserContext, admin: AdminPage, system: System): Promise<void> {
  const atSignIn = await sessionOf(context, system.secret);
  const authTime = claims(atSignIn.accessToken).auth_time;
  await expect.poll(() => Date.now(), { timeout: (STEP_UP_MAX_AGE + 10) * 1000, intervals: [250] }).toBeGreaterThan((authTime + STEP_UP_MAX_AGE + 1) * 1000);
  await admin.goto();
  const now = await sessionOf(context, system.secret);
  expect(now.sid).toBe(atSignIn.sid);
  expect(now.accessToken).not.toBe(atSignIn.accessToken);
  expect(claims(now.accessToken).auth_time).toBe(authTime);
}

test.describe('step-up for admin actions', () => {
  test('a role change after the window asks for the password in a popup, then goes through', async ({ browser, system }) => {
    const { context, page } = await signedIn(browser, system, 'adam');
    const admin = new AdminPage(page, system.webUrl);
    await letAuthenticationGoStale(context, admin, system);
    const maria = DEMO_USERS.maria.email;

    await admin.changeRole(maria, 'USER');
    await expect(admin.confirmPasswordButton(maria)).toBeVisible();
    await expect(admin.row(maria).getByRole('alert')).toHaveText('Confirm your password to continue.');
    // Refused, not done: after a reload the role is unchanged.
    await admin.goto();
    await expect(admin.row(maria).getByLabel(`Role of ${maria}`)).toHaveValue('MANAGER');

    await admin.changeRole(maria, 'USER');
    const popupPage = await admin.startStepUp(maria);
    expect(new URL(popupPage.url()).pathname).toBe('/step-up');
    const popup = new StepUpPopup(popupPage);
    await popup.confirmWith('not-the-password');
    await expect(popup.alert).toHaveText('Wrong password.');
    const closed = popupPage.waitForEvent('close');
    await popup.confirmWith(system.demoPassword);
    await closed;

    // The action was sent again and went through; the row shows the new role.
    await expect(admin.row(maria).getByLabel(`Role of ${maria}`)).toHaveValue('USER');
    await expect(admin.confirmPasswordButton(maria)).toHaveCount(0);
    await admin.goto();
    await expect(admin.row(maria).getByLabel(`Role of ${maria}`)).toHaveValue('USER');

    // Right after the step-up the window is fresh again: the next admin action needs no popup.
    await admin.changeRole(maria, 'MANAGER');
    await expect(admin.row(maria).getByLabel(`Role of ${maria}`)).toHaveValue('MANAGER');
    await admin.goto();
    await expect(admin.row(maria).getByLabel(`Role of ${maria}`)).toHaveValue('MANAGER');
    await expect(admin.confirmPasswordButton(maria)).toHaveCount(0);
    await context.close();
  });

  test("revoking all of another user's sessions needs a fresh password too, and then ends them", async ({ browser, system }) => {
    const alice = await signedIn(browser, system, 'alice');
    const { context, page } = await signedIn(browser, system, 'adam');
    const admin = new AdminPage(page, system.webUrl);
    await letAuthenticationGoStale(context, admin, system);
    const email = DEMO_USERS.alice.email;

    await admin.revokeAllSessions(email);
    const popupPage = await admin.startStepUp(email);
    const closed = popupPage.waitForEvent('close');
    await new StepUpPopup(popupPage).confirmWith(system.demoPassword);
    await closed;
    await expect(admin.row(email).getByRole('status')).toHaveText(/^Ended [1-9]\d* session\(s\)\.$/);

    // alice's browser is signed out within seconds (the proxy checks the backend session).
    await expect(async () => {
      await alice.page.goto(`${system.webUrl}/`);
      await expect(alice.page).toHaveURL(/\/signin/);
    }).toPass({ timeout: 15_000 });
    await alice.context.close();
    await context.close();
  });

  test('a step-up popup closed without a password: the page says so and nothing changes', async ({ browser, system }) => {
    const { context, page } = await signedIn(browser, system, 'adam');
    const admin = new AdminPage(page, system.webUrl);
    await letAuthenticationGoStale(context, admin, system);
    const maria = DEMO_USERS.maria.email;

    await admin.changeRole(maria, 'ADMIN');
    const popupPage = await admin.startStepUp(maria);
    await expect(new StepUpPopup(popupPage).confirm).toBeVisible();
    await popupPage.close();
    await expect(admin.row(maria).getByRole('alert').last()).toHaveText('The password window was closed before the password was confirmed. Nothing changed.');
    await admin.goto();
    await expect(admin.row(maria).getByLabel(`Role of ${maria}`)).toHaveValue('MANAGER');
    await context.close();
  });
});
