import { expect, type Browser, type BrowserContext } from '@playwright/test';
import { DEMO_USERS } from '../harness/env.js';
import { Mailbox } from '../harness/mailbox.js';
import { newAddress, newPassword, testOnOwnSystem } from '../harness/own-system.js';
import type { System } from '../harness/system.js';
import { ForgotPasswordPage, NewPasswordPage, SignUpPage } from '../pages/account-pages.js';
import { SignInPage } from '../pages/sign-in-page.js';

// docs/accounts.md: invitations, open sign-up with a verified address, and the forgotten password, followed through the
// mail a real SMTP server received. One system for the file, with open sign-up (invitations work whatever SIGNUP says).
const test = testOnOwnSystem({ name: 'accounts', signup: 'open' });

async function adminToken(system: System): Promise<string> {
  const response = await fetch(`${system.apiUrl}/v1/auth/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ email: DEMO_USERS.adam.email, password: system.demoPassword }),
  });
  expect(response.status).toBe(200);
  return ((await response.json()) as { accessToken: string }).accessToken;
}

/** What an admin's invite does (the admin page calls the same route): an account without a password and a mail. */
async function invite(system: System, email: string): Promise<void> {
  const response = await fetch(`${system.apiUrl}/v1/users/invitations`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${await adminToken(system)}` },
    body: JSON.stringify({ email, role: 'USER' }),
  });
  expect(response.status).toBe(201);
}

async function signedIn(browser: Browser, system: System, email: string, password: string): Promise<BrowserContext> {
  const context = await browser.newContext();
  const page = await context.newPage();
  const signIn = new SignInPage(page, system.webUrl);
  await signIn.goto();
  await signIn.submitCredentials(email, password);
  await expect(page.getByRole('heading', { name: /^Signed in as/ })).toBeVisible();
  return context;
}

/** The app's answer to a signed-in browser's next visit of the home page: 200, or 303 to sign-in once its session ended. */
async function homeStatus(context: BrowserContext, system: System): Promise<number> {
  return (await context.request.get(`${system.webUrl}/`, { maxRedirects: 0 })).status();
}

test.describe('account lifecycle by mail', () => {
  test('an invited person sets a password from the invitation mail and signs in', async ({ page, system }) => {
    const email = newAddress('invitee');
    const password = newPassword();
    await invite(system, email);

    const mail = await system.mailbox.receive(email, /invited/);
    const form = new NewPasswordPage(page);
    // The token in the link must not travel to another site in a Referer.
    expect(await form.open(Mailbox.link(mail, 'accept-invitation'))).toBe('no-referrer');
    await form.name.fill('Ines Invited');
    await form.choose(password, 'Create my account');
    await expect(form.status).toContainText('Your account is ready');

    await page.getByRole('link', { name: 'Sign in' }).click();
    const signIn = new SignInPage(page, system.webUrl);
    await signIn.submitCredentials(email, password);
    await expect(page.getByRole('heading', { name: 'Signed in as Ines Invited' })).toBeVisible();
  });

  test('open sign-up: no sign-in before the address is confirmed, then the mailed link makes the account usable', async ({ page, system }) => {
    const email = newAddress('newcomer');
    const password = newPassword();
    const signUp = new SignUpPage(page, system.webUrl);
    await signUp.signUp({ name: 'Nora Newcomer', email, password });
    await expect(signUp.status).toContainText('Check your inbox');

    // The right password, but the address is not confirmed yet: the page says so and offers the link again.
    const signIn = new SignInPage(page, system.webUrl);
    await signIn.goto();
    await signIn.submitCredentials(email, password);
    await expect(signIn.alert).toContainText('Confirm your email address first');
    await expect(page.getByRole('form', { name: 'Send the confirmation link again' }).getByLabel('Email')).toHaveValue(email);

    const mail = await system.mailbox.receive(email, /Confirm your email/);
    const link = Mailbox.link(mail, 'verify-email');
    // Opening the link spends nothing (mail scanners open links too): only the button does.
    const opened = await page.goto(link);
    expect((await opened?.allHeaders())?.['referrer-policy']).toBe('no-referrer');
    await page.getByRole('button', { name: 'Confirm my email' }).click();
    await expect(page.locator('main').getByRole('status')).toContainText('Your email address is confirmed');

    // The link works once.
    await page.goto(link);
    await page.getByRole('button', { name: 'Confirm my email' }).click();
    await expect(page.locator('main').getByRole('alert')).toContainText('expired or was already used');

    await signIn.goto();
    await signIn.submitCredentials(email, password);
    await expect(page.getByRole('heading', { name: 'Signed in as Nora Newcomer' })).toBeVisible();
  });

  test("a forgotten password is reset from the mail, and every other browser's session ends within 5 s", async ({ browser, page, system }) => {
    const email = newAddress('forgetful');
    const oldPassword = newPassword();
    await invite(system, email);
    const invitation = new NewPasswordPage(page);
    await invitation.open(Mailbox.link(await system.mailbox.receive(email, /invited/), 'accept-invitation'));
    await invitation.name.fill('Fred Forgetful');
    await invitation.choose(oldPassword, 'Create my account');
    await expect(invitation.status).toContainText('Your account is ready');

    // Signed in on two devices before the reset.
    const laptop = await signedIn(browser, system, email, oldPassword);
    const phone = await signedIn(browser, system, email, oldPassword);
    try {
      await new ForgotPasswordPage(page, system.webUrl).ask(email);
      await expect(page.locator('main').getByRole('status')).toContainText('Check your inbox');

      const newPass = newPassword();
      const reset = new NewPasswordPage(page);
      expect(await reset.open(Mailbox.link(await system.mailbox.receive(email, /Reset your/), 'reset-password'))).toBe('no-referrer');
      await reset.choose(newPass, 'Set the new password');
      await expect(reset.status).toContainText('every device that was signed in to your account has been signed out');

      // The app checks a session with the user-service at most every 5 s: both devices are out by then.
      for (const device of [laptop, phone]) {
        await expect.poll(() => homeStatus(device, system), { timeout: 5_000, intervals: [250] }).toBe(303);
      }
      const laptopPage = laptop.pages()[0];
      await laptopPage?.goto(`${system.webUrl}/`);
      await expect(laptopPage ?? page).toHaveURL(/\/signin/);

      // The old password is gone, the new one works; the person is told by mail.
      const signIn = new SignInPage(page, system.webUrl);
      await signIn.goto();
      await signIn.submitCredentials(email, oldPassword);
      await expect(signIn.alert).toContainText('Wrong email or password');
      await signIn.submitCredentials(email, newPass);
      await expect(page.getByRole('heading', { name: 'Signed in as Fred Forgetful' })).toBeVisible();
      await system.mailbox.receive(email, /password was changed/);
    } finally {
      await laptop.close();
      await phone.close();
    }
  });
});
