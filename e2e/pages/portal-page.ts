import { expect, type Locator, type Page } from '@playwright/test';

/** The portal (apps/portal): sign-in with one button, the profile page, sign-out. */
export class PortalPage {
  readonly singleSignOn: Locator;
  readonly heading: Locator;
  readonly email: Locator;
  readonly role: Locator;
  readonly signOut: Locator;

  constructor(
    readonly page: Page,
    readonly url: string,
  ) {
    this.singleSignOn = page.getByRole('button', { name: 'Sign in with Portcullis' });
    this.heading = page.getByRole('heading', { name: /^Portal: signed in as/ });
    this.email = page.getByTestId('email');
    this.role = page.getByTestId('role');
    this.signOut = page.getByRole('button', { name: 'Sign out' });
  }

  async gotoSignIn(): Promise<void> {
    await this.page.goto(`${this.url}/signin`);
    await expect(this.singleSignOn).toBeEnabled();
  }

  async gotoProfile(): Promise<void> {
    await this.page.goto(`${this.url}/`);
  }
}

/** The portal's "My sessions" page: the user's sessions at the user-service, each revocable. */
export class PortalSessionsPage {
  readonly currentRow: Locator;

  constructor(
    readonly page: Page,
    readonly url: string,
  ) {
    this.currentRow = page.locator('tr[data-current="true"]');
  }

  async goto(): Promise<void> {
    await this.page.goto(`${this.url}/sessions`);
    await expect(this.page.getByRole('heading', { name: 'My sessions' })).toBeVisible();
  }

  async revokeCurrent(): Promise<void> {
    await this.currentRow.getByRole('button', { name: /Revoke/ }).click();
  }
}
