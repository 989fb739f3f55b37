import type { Locator, Page } from '@playwright/test';

/** /account: the signed-in user's password and email address. */
export class MyAccountPage {
  readonly passwordForm: Locator;
  readonly emailForm: Locator;

  constructor(
    readonly page: Page,
    readonly baseUrl: string,
  ) {
    this.passwordForm = page.getByRole('form', { name: 'Change your password' });
    this.emailForm = page.getByRole('form', { name: 'Change your email address' });
  }

  async goto(): Promise<void> {
    await this.page.goto(`${this.baseUrl}/`);
    await this.page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'My account' }).click();
    await this.page.getByRole('heading', { name: 'My account' }).waitFor();
  }

  async changePassword(current: string, next: string): Promise<void> {
    await this.passwordForm.getByLabel('Current password').fill(current);
    await this.passwordForm.getByLabel('New password', { exact: true }).fill(next);
    await this.passwordForm.getByLabel('Confirm the new password').fill(next);
    await this.passwordForm.getByRole('button', { name: 'Change the password' }).click();
  }

  async changeEmail(newEmail: string, password: string): Promise<void> {
    await this.emailForm.getByLabel('New email address').fill(newEmail);
    await this.emailForm.getByLabel('Password').fill(password);
    await this.emailForm.getByRole('button', { name: 'Send the confirmation link' }).click();
  }
}
