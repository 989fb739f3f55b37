import { expect, type Browser, type BrowserContext, type Page } from '@playwright/test';
import { decode } from 'next-auth/jwt';
import { sessionOf } from '../harness/backend.js';
import { DEMO_USERS, SESSION_COOKIE, type DemoUser } from '../harness/env.js';
import { testOnOwnSystem } from '../harness/own-system.js';
import { startSsoSystem } from '../harness/sso-system.js';
import { startSystem, type System } from '../harness/system.js';
import { VirtualAuthenticator } from '../harness/virtual-authenticator.js';
import { AdminPage } from '../pages/admin-page.js';
import { AccountSecurityPage, EnrolmentPage, SecondFactorStep } from '../pages/mfa-pages.js';
import { PortalPage } from '../pages/portal-page.js';
import { ProviderSignInPage } from '../pages/provider-sign-in-page.js';
import { SignInPage } from '../pages/sign-in-page.js';

// docs/mfa.md. These systems run with the service's default MFA_REQUIRED_ROLES (ADMIN,MANAGER): the demo admin and
// manager must set up a second factor at their first sign-in. The other specs run with it empty (e2e/harness/processes.ts).
const MFA_ENV = { MFA_REQUIRED_ROLES: 'ADMIN,MANAGER' };

const test = testOnOwnSystem({ name: 'mfa', apiEnv: MFA_ENV });
// One system, one set of demo users: each test goes on from where the one before left them.
test.describe.configure({ mode: 'serial' });

/** The authentication methods (RFC 8176) and level an access token says its user was proven with. */
function claimsOf(accessToken: string): { amr: string[]; acr: string | undefined } {
  const claims = JSON.parse(Buffer.from(accessToken.split('.')[1] ?? '', 'base64url').toString('utf8')) as { amr?: string[]; acr?: string };
  return { amr: claims.amr ?? [], acr: claims.acr };
}

async function browserWithPasskeys(browser: Browser): Promise<{ context: BrowserContext; page: Page; authenticator: VirtualAuthenticator }> {
  const context = await browser.newContext();
  const page = await context.newPage();
  return { context, page, authenticator: await VirtualAuthenticator.attach(page) };
}

async function hasSessionCookie(context: BrowserContext): Promise<boolean> {
  return (await context.cookies()).some((cookie) => cookie.name === SESSION_COOKIE);
}

async function expectSignedIn(page: Page, who: DemoUser): Promise<void> {
  const name = { alice: 'Alice', maria: 'Maria', adam: 'Adam' }[who];
  await expect(page.getByRole('heading', { name: new RegExp(`^Signed in as ${name}`) })).toBeVisible();
}

async function signOut(page: Page): Promise<void> {
  await page.getByRole('navigation', { name: 'Main' }).getByRole('button', { name: 'Sign out' }).click();
  await expect(page).toHaveURL(/\/signin/);
}

async function passwordStep(page: Page, system: System, who: DemoUser): Promise<void> {
  const signIn = new SignInPage(page, system.webUrl);
  await signIn.goto();
  await signIn.submitCredentials(DEMO_USERS[who].email, system.demoPassword);
}

let adamsRecoveryCodes: string[] = [];

test.describe('multi-factor sign-in', () => {
  test('an ADMIN without a second factor is made to set one up after the password, before any session; codes come from the secret the page shows', async ({
    browser,
    system,
  }) => {
    const { context, page } = await browserWithPasskeys(browser);
    await passwordStep(page, system, 'adam');
    const enrolment = new EnrolmentPage(page);
    await enrolment.expectShown();
    // The right password alone made no session: the app's pages still send this browser to sign-in.
    expect(await hasSessionCookie(context)).toBe(false);
    expect((await context.request.get(`${system.webUrl}/admin`, { maxRedirects: 0 })).status()).toBe(303);

    const { app, recoveryCodes } = await enrolment.setUpAuthenticatorApp();
    expect(new Set(recoveryCodes).size).toBe(10);
    expect(await hasSessionCookie(context)).toBe(false);

    // Then the sign-in with both: the password, and a code from the app.
    await enrolment.continue();
    await new SignInPage(page, system.webUrl).submitCredentials(DEMO_USERS.adam.email, system.demoPassword);
    const second = new SecondFactorStep(page);
    await second.expectShown();
    expect(await hasSessionCookie(context)).toBe(false);
    await second.enterCode(app.staleCode());
    await expect(second.alert).toHaveText('That code or passkey was not accepted. Try again.');
    await second.enterCode(app.code());
    await expectSignedIn(page, 'adam');
    const claims = claimsOf((await sessionOf(context, system.secret)).accessToken);
    expect(claims.amr).toEqual(expect.arrayContaining(['pwd', 'otp', 'mfa']));
    expect(claims.acr).toBe('urn:portcullis:acr:mfa');
    adamsRecoveryCodes = recoveryCodes;
    await context.close();
  });

  test('a recovery code signs in once; the same code again is refused', async ({ browser, system }) => {
    const [code] = adamsRecoveryCodes;
    if (code === undefined) throw new Error('runs after the enrolment test');
    const { context, page } = await browserWithPasskeys(browser);
    await passwordStep(page, system, 'adam');
    const second = new SecondFactorStep(page);
    await second.expectShown();
    await second.enterRecoveryCode(code);
    await expectSignedIn(page, 'adam');

    await signOut(page);
    await passwordStep(page, system, 'adam');
    await second.expectShown();
    await second.enterRecoveryCode(code);
    await expect(second.alert).toHaveText('That code or passkey was not accepted. Try again.');
    expect(await hasSessionCookie(context)).toBe(false);
    await context.close();
  });

  test('an admin resets the factors of a manager who lost hers: her next sign-in asks her to set one up again', async ({ browser, system }) => {
    const code = adamsRecoveryCodes[1];
    if (code === undefined) throw new Error('runs after the enrolment test');
    // maria sets up an authenticator app at her first sign-in, then loses her phone.
    const maria = await browserWithPasskeys(browser);
    await passwordStep(maria.page, system, 'maria');
    await new EnrolmentPage(maria.page).setUpAuthenticatorApp();
    await maria.context.close();

    const { context, page } = await browserWithPasskeys(browser);
    await passwordStep(page, system, 'adam');
    const second = new SecondFactorStep(page);
    await second.expectShown();
    await second.enterRecoveryCode(code);
    await expectSignedIn(page, 'adam');
    const admin = new AdminPage(page, system.webUrl);
    await admin.goto();
    await admin.openSecurityEvents(DEMO_USERS.maria.email);
    const factors = page.getByRole('region', { name: 'Second factors' });
    await expect(factors.locator('[data-factor="totp"]')).toHaveText('Yes');
    await factors.getByRole('button', { name: 'Reset factors' }).click();
    await expect(factors.getByRole('status')).toHaveText(`Every second factor of ${DEMO_USERS.maria.email} was removed.`);
    await context.close();

    const again = await browserWithPasskeys(browser);
    await passwordStep(again.page, system, 'maria');
    await new EnrolmentPage(again.page).expectShown();
    await again.context.close();
  });

  test('a passkey added on /account/security signs in without a password, serves as the second factor after the password, and is removed there', async ({
    browser,
    system,
  }) => {
    const { context, page, authenticator } = await browserWithPasskeys(browser);
    // alice is a USER: no second factor is required of her, so her password alone signs her in, until she adds one.
    await passwordStep(page, system, 'alice');
    await expectSignedIn(page, 'alice');
    const security = new AccountSecurityPage(page, system.webUrl);
    await security.goto();
    await security.addPasskey('Work laptop');
    await expect(security.passkeyRow('Work laptop')).toContainText('Never');
    expect(await authenticator.credentials()).toHaveLength(1);

    // Back on the sign-in page, the email field offers the passkey (conditional UI); picking it signs her in, no password.
    const autofilled = page.waitForRequest((request) => request.url().includes('/api/auth/callback/credentials'));
    await page.getByRole('navigation', { name: 'Main' }).getByRole('button', { name: 'Sign out' }).click();
    await autofilled;
    await expectSignedIn(page, 'alice');
    // User verification makes the passkey two factors by itself (RFC 8176: a key, and the user verified by it).
    const passwordless = claimsOf((await sessionOf(context, system.secret)).accessToken);
    expect(passwordless.amr).toEqual(expect.arrayContaining(['user', 'mfa']));
    expect(passwordless.amr).not.toContain('pwd');
    expect(passwordless.acr).toBe('urn:portcullis:acr:mfa');

    // Or she types her password, leaving the suggestion; then the passkey is her second factor.
    await authenticator.setPresence(false);
    await signOut(page);
    await new SignInPage(page, system.webUrl).submitCredentials(DEMO_USERS.alice.email, system.demoPassword);
    const second = new SecondFactorStep(page);
    await second.expectShown();
    expect(await hasSessionCookie(context)).toBe(false);
    await authenticator.setPresence(true);
    await second.usePasskey.click();
    await expectSignedIn(page, 'alice');
    expect(claimsOf((await sessionOf(context, system.secret)).accessToken).amr).toEqual(expect.arrayContaining(['pwd', 'mfa']));
    await security.goto();
    await expect(security.passkeyRow('Work laptop')).not.toContainText('Never');

    // Just signed in with both factors, she may remove it without another check; then she has no second factor.
    await security.passkeys.getByRole('button', { name: 'Remove passkey Work laptop' }).click();
    await expect(security.passkeyRow('Work laptop')).toHaveCount(0);
    await expect(security.passkeys.getByText('No passkeys yet.')).toBeVisible();
    await context.close();
  });

  test('a MANAGER sets up a passkey of this browser at her first sign-in, then signs in with it alone', async ({ browser, system }) => {
    const { context, page, authenticator } = await browserWithPasskeys(browser);
    await passwordStep(page, system, 'maria');
    const enrolment = new EnrolmentPage(page);
    await enrolment.expectShown();
    await enrolment.usePasskey();
    // Back at the sign-in page the email field offers the new passkey, and picking it signs her in.
    await expectSignedIn(page, 'maria');
    expect(await authenticator.credentials()).toHaveLength(1);
    expect(claimsOf((await sessionOf(context, system.secret)).accessToken).amr).toEqual(expect.arrayContaining(['user', 'mfa']));
    await context.close();
  });
});

test.describe('step-up with a passkey', () => {
  test('an admin whose authentication went stale confirms it is them with a passkey in the popup, and the action goes through', async ({ browser }) => {
    test.setTimeout(180_000);
    // A system of its own with a short step-up window, so the test passes it in seconds.
    const stepUpMaxAge = 6;
    const system = await startSystem({ name: 'mfa-step-up', apiEnv: { ...MFA_ENV, STEP_UP_MAX_AGE: String(stepUpMaxAge) } });
    try {
      const { context, page, authenticator } = await browserWithPasskeys(browser);
      // adam sets up his authenticator app at his first sign-in, signs in with it, and adds a passkey right away.
      await passwordStep(page, system, 'adam');
      const enrolment = new EnrolmentPage(page);
      const { app } = await enrolment.setUpAuthenticatorApp();
      await authenticator.setPresence(false);
      await enrolment.continue();
      await new SignInPage(page, system.webUrl).submitCredentials(DEMO_USERS.adam.email, system.demoPassword);
      await new SecondFactorStep(page).enterCode(app.code());
      await expectSignedIn(page, 'adam');
      await authenticator.setPresence(true);
      const security = new AccountSecurityPage(page, system.webUrl);
      await security.goto();
      await security.addPasskey('Admin laptop');
      const signedInAt = Date.now();
      await expect.poll(() => Date.now(), { timeout: (stepUpMaxAge + 10) * 1000, intervals: [250] }).toBeGreaterThan(signedInAt + (stepUpMaxAge + 2) * 1000);

      const admin = new AdminPage(page, system.webUrl);
      await admin.goto();
      const alice = DEMO_USERS.alice.email;
      await admin.changeRole(alice, 'MANAGER');
      await expect(admin.confirmPasswordButton(alice)).toBeVisible();
      const popupPage = await admin.startStepUp(alice);
      expect(new URL(popupPage.url()).pathname).toBe('/step-up');
      // The admin's device is there for the popup too.
      await authenticator.copyTo(popupPage);
      const popup = popupPage.getByRole('main');
      await expect(popup.getByRole('heading', { name: 'Confirm it is you' })).toBeVisible();
      // A user with a passkey is not offered the password alone (the service would refuse it).
      await expect(popup.getByLabel('Password')).toHaveCount(0);
      const closed = popupPage.waitForEvent('close');
      await popup.getByRole('button', { name: 'Use a passkey' }).click();
      await closed;
      await expect(admin.row(alice).getByLabel(`Role of ${alice}`)).toHaveValue('MANAGER');
      await admin.goto();
      await expect(admin.row(alice).getByLabel(`Role of ${alice}`)).toHaveValue('MANAGER');
      await context.close();
    } finally {
      await system.stop();
    }
  });
});

test.describe('single sign-on after a multi-factor sign-in', () => {
  test("the portal's session, made without a password, carries amr with mfa", async ({ browser }) => {
    test.setTimeout(240_000);
    const sso = await startSsoSystem({ accessTokenTtl: '30', apiEnv: MFA_ENV });
    try {
      const { context, page } = await browserWithPasskeys(browser);
      // maria sets up her authenticator app at the web app's password form, her first sign-in.
      await page.goto(`${sso.web.url}/signin`);
      await new SignInPage(page, sso.web.url).submitCredentials(DEMO_USERS.maria.email, sso.demoPassword);
      const enrolment = new EnrolmentPage(page);
      await enrolment.expectShown();
      const { app } = await enrolment.setUpAuthenticatorApp();
      await enrolment.continue();

      // Single sign-on at the provider: the password, then the second factor on the provider's own page.
      await page.getByRole('button', { name: 'Sign in with single sign-on' }).click();
      await new ProviderSignInPage(page, sso.issuer).signIn(DEMO_USERS.maria.email, sso.demoPassword);
      await expect(page.getByRole('heading', { name: 'Confirm it is you' })).toBeVisible();
      await page.getByLabel('Code from your authenticator app').fill(app.code());
      await page.getByRole('button', { name: 'Verify', exact: true }).click();
      await expectSignedIn(page, 'maria');

      const portal = new PortalPage(page, sso.portal.url);
      await portal.gotoSignIn();
      await portal.singleSignOn.click();
      await expect(portal.heading).toBeVisible();
      const cookie = (await context.cookies()).find((candidate) => candidate.name === sso.portal.sessionCookie);
      if (!cookie) throw new Error('no portal session cookie');
      const session = (await decode({ token: cookie.value, secret: sso.portal.secret })) as { accessToken?: string } | null;
      if (!session?.accessToken) throw new Error('the portal session cookie does not decrypt');
      const claims = claimsOf(session.accessToken);
      expect(claims.amr).toEqual(expect.arrayContaining(['pwd', 'otp', 'mfa']));
      expect(claims.acr).toBe('urn:portcullis:acr:mfa');
      await context.close();
    } finally {
      await sso.stop();
    }
  });
});
