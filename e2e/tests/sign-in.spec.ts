import { expect, test } from '@playwright/test';
import { DEMO_USERS, harness, type DemoUser } from '../harness/env.js';
import { DashboardPage } from '../pages/dashboard-page.js';
import { SignInPage } from '../pages/sign-in-page.js';

test.describe('sign-in', () => {
  for (const user of Object.keys(DEMO_USERS) as DemoUser[]) {
    test(`${user} signs in and sees their role`, async ({ page }) => {
      await page.goto(`${harness.webUrl}/`);
      await expect(page).toHaveURL(/\/signin\?callbackUrl=%2F$/);
      await new SignInPage(page).submitCredentials(DEMO_USERS[user].email, harness.demoPassword);
      const dashboard = new DashboardPage(page);
      await dashboard.expectSignedIn();
      await expect(dashboard.role).toHaveText(DEMO_USERS[user].role);
      await expect(page.getByTestId('email')).toHaveText(DEMO_USERS[user].email);
    });
  }

  test('a wrong password is shown on the form, without saying which part was wrong', async ({ page }) => {
    const signIn = new SignInPage(page);
    await signIn.goto();
    await signIn.submitCredentials(DEMO_USERS.maria.email, 'not-the-password');
    await expect(signIn.alert).toHaveText('Wrong email or password.');
    await expect(page).toHaveURL(/\/signin/);
  });

  test('throttling is shown on the form with the wait', async ({ page }) => {
    const signIn = new SignInPage(page);
    await signIn.goto();
    // A fresh address per run: the backend throttles per email + IP after 5 failures.
    const email = `nobody-${Date.now()}@example.com`;
    let message = '';
    for (let attempt = 0; attempt < 8 && !message.startsWith('Too many'); attempt++) {
      const answered = page.waitForResponse((response) => response.url().includes('/api/auth/callback/credentials'));
      await signIn.submitCredentials(email, 'wrong-password');
      await answered;
      await expect(signIn.submit).toBeEnabled();
      message = (await signIn.alert.textContent()) ?? '';
    }
    expect(message).toMatch(/^Too many sign-in attempts\. Try again in \d+ seconds\.$/);
  });

  test('callbackUrl pointing off-site does not redirect off-site', async ({ page }) => {
    const signIn = new SignInPage(page);
    await signIn.goto('?callbackUrl=https%3A%2F%2Fevil.example%2Fphish');
    await signIn.submitCredentials(DEMO_USERS.alice.email, harness.demoPassword);
    await new DashboardPage(page).expectSignedIn();
    expect(new URL(page.url()).origin).toBe(harness.webUrl);
    expect(page.url()).toBe(`${harness.webUrl}/`);
  });

  test('callbackUrl on the app is honoured after sign-in', async ({ page }) => {
    await page.goto(`${harness.webUrl}/sessions`);
    await expect(page).toHaveURL(/callbackUrl=%2Fsessions/);
    await new SignInPage(page).submitCredentials(DEMO_USERS.alice.email, harness.demoPassword);
    await expect(page.getByRole('heading', { name: 'My devices' })).toBeVisible();
  });
});
