import { expect, type Locator, type Page } from '@playwright/test';
import { harness } from '../harness/env.js';

export class DashboardPage {
  readonly heading: Locator;
  readonly role: Locator;
  readonly signOut: Locator;

  constructor(readonly page: Page) {
    this.heading = page.getByRole('heading', { name: /^Signed in as/ });
    this.role = page.getByTestId('role');
    this.signOut = page.getByRole('button', { name: 'Sign out' });
  }

  async goto(): Promise<void> {
    await this.page.goto(`${harness.webUrl}/`);
  }

  async expectSignedIn(): Promise<void> {
    await expect(this.heading).toBeVisible();
  }
}
