import { expect, type Locator, type Page } from '@playwright/test';
import { DEMO_USERS, harness, type DemoUser } from '../harness/env.js';

export class SignInPage {
  readonly email: Locator;
  readonly password: Locator;
  readonly submit: Locator;
  readonly alert: Locator;

  constructor(
    readonly page: Page,
    readonly baseUrl: string = harness.webUrl,
  ) {
    this.email = page.getByLabel('Email');
    this.password = page.getByLabel('Password');
    // Exact: with single sign-on configured the page also has "Sign in with single sign-on".
    this.submit = page.getByRole('button', { name: 'Sign in', exact: true });
    // Next.js has its own (empty) role=alert route announcer; ours sits inside the form.
    this.alert = page.locator('form').getByRole('alert');
  }

  async goto(query = ''): Promise<void> {
    await this.page.goto(`${this.baseUrl}/signin${query}`);
    await expect(this.submit).toBeEnabled();
  }

  async submitCredentials(email: string, password: string): Promise<void> {
    await this.email.fill(email);
    await this.password.fill(password);
    await this.submit.click();
  }

  /** Signs a demo user in and waits for the dashboard. */
  async signInAs(user: DemoUser): Promise<void> {
    await this.goto();
    await this.submitCredentials(DEMO_USERS[user].email, harness.demoPassword);
    await expect(this.page.getByRole('heading', { name: /^Signed in as/ })).toBeVisible();
  }
}
