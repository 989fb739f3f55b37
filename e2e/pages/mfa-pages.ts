import { expect, type Locator, type Page } from '@playwright/test';
import { AuthenticatorApp } from '../harness/totp.js';

/** The sign-in page's second step, after a right password: a passkey, a code from the app, or a recovery code. */
export class SecondFactorStep {
  readonly region: Locator;
  readonly usePasskey: Locator;
  readonly code: Locator;
  readonly verifyCode: Locator;
  readonly alert: Locator;

  constructor(readonly page: Page) {
    this.region = page.getByRole('region', { name: 'Second factor' });
    this.usePasskey = this.region.getByRole('button', { name: 'Use a passkey' });
    this.code = this.region.getByLabel('Code from your authenticator app');
    this.verifyCode = this.region.getByRole('button', { name: 'Verify code' });
    this.alert = this.region.getByRole('alert');
  }

  async expectShown(): Promise<void> {
    await expect(this.region.getByRole('heading', { name: 'Confirm it is you' })).toBeVisible();
  }

  async enterCode(code: string): Promise<void> {
    await this.code.fill(code);
    await this.verifyCode.click();
  }

  async enterRecoveryCode(code: string): Promise<void> {
    await this.region.getByText('Use a recovery code').click();
    await this.region.getByLabel('Recovery code').fill(code);
    await this.region.getByRole('button', { name: 'Verify recovery code' }).click();
  }
}

/**
 * Setting up an authenticator app, on the enrolment page or on /account/security: the person scans the QR code (here:
 * reads the setup key shown beside it) into their app and types back its code; ten recovery codes are then shown once.
 */
async function setUpAuthenticatorApp(scope: Locator): Promise<{ app: AuthenticatorApp; recoveryCodes: string[] }> {
  await scope.getByRole('button', { name: 'Set up an authenticator app' }).click();
  await expect(scope.getByRole('img', { name: 'QR code for your authenticator app' })).toBeVisible();
  const app = AuthenticatorApp.fromSecret(await scope.getByLabel('Setup key').innerText());
  await scope.getByLabel('Code from the app').fill(app.code());
  await scope.getByRole('button', { name: 'Turn on' }).click();
  const list = scope.getByRole('list', { name: 'Recovery codes' });
  await expect(list.getByRole('listitem')).toHaveCount(10);
  return { app, recoveryCodes: await list.getByRole('listitem').allInnerTexts() };
}

/** The page a user who must have a second factor lands on after their password, before any session exists. */
export class EnrolmentPage {
  readonly main: Locator;

  constructor(readonly page: Page) {
    this.main = page.getByRole('main');
  }

  async expectShown(): Promise<void> {
    await expect(this.main.getByRole('heading', { name: 'Set up a second factor' })).toBeVisible();
  }

  async setUpAuthenticatorApp(): Promise<{ app: AuthenticatorApp; recoveryCodes: string[] }> {
    return setUpAuthenticatorApp(this.main);
  }

  /** Once the recovery codes were saved: back to the sign-in, now with the new factor. */
  async continue(): Promise<void> {
    await this.main.getByRole('link', { name: 'Continue to sign in' }).click();
    await expect(this.page.getByRole('status').filter({ hasText: 'Your second factor is set up.' })).toBeVisible();
  }

  /** Creates a passkey of this browser's authenticator; back on the sign-in page the email field offers it. */
  async usePasskey(): Promise<void> {
    await this.main.getByRole('button', { name: 'Use a passkey' }).click();
  }
}

/** /account/security: the signed-in user's factors. */
export class AccountSecurityPage {
  readonly main: Locator;
  readonly passkeys: Locator;

  constructor(
    readonly page: Page,
    readonly baseUrl: string,
  ) {
    this.main = page.getByRole('main');
    this.passkeys = page.getByRole('region', { name: 'Passkeys' });
  }

  async goto(): Promise<void> {
    await this.page.goto(`${this.baseUrl}/`);
    await this.page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Sign-in security' }).click();
    await expect(this.page.getByRole('heading', { name: 'Sign-in security', level: 1 })).toBeVisible();
  }

  async addPasskey(name: string): Promise<void> {
    await this.passkeys.getByLabel('Passkey name').fill(name);
    await this.passkeys.getByRole('button', { name: 'Add a passkey' }).click();
    await expect(this.passkeyRow(name)).toBeVisible();
  }

  passkeyRow(name: string): Locator {
    return this.passkeys.locator(`tr[data-passkey-name="${name}"]`);
  }
}
