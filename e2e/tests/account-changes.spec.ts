import { expect, type Browser, type BrowserContext } from '@playwright/test';
import { DEMO_USERS } from '../harness/env.js';
import { Mailbox } from '../harness/mailbox.js';
import { newAddress, newPassword, testOnOwnSystem } from '../harness/own-system.js';
import type { System } from '../harness/system.js';
import { MyAccountPage } from '../pages/my-account-page.js';
import { SignInPage } from '../pages/sign-in-page.js';

// docs/accounts.md: the signed-in changes on /account and the security notices, followed through the mail a real SMTP
// server received. One system for the file.
const test = testOnOwnSystem({ name: 'account-changes' });

async function api(system: System, path: string, body: unknown, token?: string): Promise<Response> {
  return fetch(`${system.apiUrl}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(token === undefined ? {} : { authorization: `Bearer ${token}` }) },
    body: JSON.stringify(body),
  });
}

/** An account of the test's own, made the way an admin's invitation makes one; the person's name is `name`. */
async function newAccount(system: System, name: string): Promise<{ email: string; password: string }> {
  const email = newAddress(name.toLowerCase());
  const password = newPassword();
  const admin = await api(system, '/v1/auth/login', { email: DEMO_USERS.adam.email, password: system.demoPassword });
  const { accessToken } = (await admin.json()) as { accessToken: string };
  expect((await api(system, '/v1/users/invitations', { email, role: 'USER' }, accessToken)).status).toBe(201);
  const token = new URL(Mailbox.link(await system.mailbox.receive(email, /invited/), 'accept-invitation')).searchParams.get('token');
  expect((await api(system, '/v1/auth/invitations/accept', { token, password, name })).status).toBe(204);
  return { email, password };
}

async function signedIn(browser: Browser, system: System, account: { email: string; password: string }, userAgent?: string): Promise<BrowserContext> {
  const context = await browser.newContext(userAgent === undefined ? {} : { userAgent });
  const page = await context.newPage();
  const signIn = new SignInPage(page, system.webUrl);
  await signIn.goto();
  await signIn.submitCredentials(account.email, account.password);
  await expect(page.getByRole('heading', { name: /^Signed in as/ })).toBeVisible();
  return context;
}

/** The app's answer to a signed-in browser's next visit of the home page: 200, or 303 to sign-in once its session ended. */
async function homeStatus(context: BrowserContext, system: System): Promise<number> {
  return (await context.request.get(`${system.webUrl}/`, { maxRedirects: 0 })).status();
}

test.describe('changing the email address, and security notices', () => {
  test('a change of email confirmed, then cancelled from the old address: signed out everywhere, old password gone, reset link mailed', async ({
    browser,
    page,
    system,
  }) => {
    const account = await newAccount(system, 'Mover');
    const newEmail = newAddress('moved');
    const laptop = await signedIn(browser, system, account);
    const phone = await signedIn(browser, system, account);
    try {
      const settings = new MyAccountPage(laptop.pages()[0] ?? (await laptop.newPage()), system.webUrl);
      await settings.goto();
      await settings.changeEmail(newEmail, account.password);
      await expect(settings.emailForm.getByRole('status')).toContainText('Check your new inbox');

      // The new address confirms by its link (a button press: opening the link spends nothing).
      await page.goto(Mailbox.link(await system.mailbox.receive(newEmail, /Confirm your new email/), 'confirm-email'));
      await page.getByRole('button', { name: 'Confirm my new email' }).click();
      await expect(page.locator('main').getByRole('status')).toContainText('Your email address is changed');
      await system.mailbox.receive(account.email, /email was changed/);

      // The owner of the old address did not ask for it: the cancel link from the first notice undoes it.
      const notice = await system.mailbox.receive(account.email, /email is about to change/);
      await page.goto(Mailbox.link(notice, 'cancel-email-change'));
      await page.getByRole('button', { name: 'Cancel the change' }).click();
      await expect(page.locator('main').getByRole('status')).toContainText('every device was signed out');

      for (const device of [laptop, phone]) {
        await expect.poll(() => homeStatus(device, system), { timeout: 5_000, intervals: [250] }).toBe(303);
      }
      const signIn = new SignInPage(page, system.webUrl);
      for (const email of [account.email, newEmail]) {
        await signIn.goto();
        await signIn.submitCredentials(email, account.password);
        await expect(signIn.alert).toContainText('Wrong email or password');
      }
      const reset = await system.mailbox.receive(account.email, /Reset your/);
      expect(Mailbox.link(reset, 'reset-password')).toContain(`${system.webUrl}/reset-password?token=`);
    } finally {
      await laptop.close();
      await phone.close();
    }
  });

  test('a sign-in from a second browser with another user agent mails a new-device notice; the first sign-in does not', async ({ browser, system }) => {
    const account = await newAccount(system, 'Traveller');
    const laptop = await signedIn(browser, system, account, 'Mozilla/5.0 (X11; Linux x86_64) LaptopBrowser/1.0');
    const phone = await signedIn(browser, system, account, 'Mozilla/5.0 (Linux; Android 14) PhoneBrowser/2.0');
    try {
      const mail = await system.mailbox.receive(account.email, /New sign-in/);
      expect(mail.text).toContain('PhoneBrowser/2.0');
      expect(system.mailbox.to(account.email).filter((received) => /New sign-in/.test(received.subject))).toHaveLength(1);
    } finally {
      await laptop.close();
      await phone.close();
    }
  });

  test('a password changed on /account keeps this browser signed in and signs the other one out', async ({ browser, system }) => {
    const account = await newAccount(system, 'Changer');
    const here = await signedIn(browser, system, account);
    const elsewhere = await signedIn(browser, system, account);
    try {
      const settings = new MyAccountPage(here.pages()[0] ?? (await here.newPage()), system.webUrl);
      await settings.goto();
      await settings.changePassword(account.password, newPassword());
      await expect(settings.passwordForm.getByRole('status')).toContainText('this one stays signed in');
      await expect.poll(() => homeStatus(elsewhere, system), { timeout: 5_000, intervals: [250] }).toBe(303);
      expect(await homeStatus(here, system)).toBe(200);
      await system.mailbox.receive(account.email, /password was changed/);
    } finally {
      await here.close();
      await elsewhere.close();
    }
  });
});
