import { expect, type Locator, type Page } from '@playwright/test';

/** The user-service's sign-in page of the OpenID Provider (`/oidc/interaction/:uid`). */
export class ProviderSignInPage {
  readonly email: Locator;
  readonly password: Locator;
  readonly submit: Locator;

  constructor(
    readonly page: Page,
    readonly issuer: string,
  ) {
    this.email = page.getByLabel('Email');
    this.password = page.getByLabel('Password');
    this.submit = page.getByRole('button', { name: 'Sign in', exact: true });
  }

  async expectShown(): Promise<void> {
    await expect(this.page).toHaveURL(new RegExp(`^${this.issuer}/oidc/interaction/`));
    await expect(this.password).toBeVisible();
  }

  async signIn(email: string, password: string): Promise<void> {
    await this.expectShown();
    await this.email.fill(email);
    await this.password.fill(password);
    await this.submit.click();
  }
}
