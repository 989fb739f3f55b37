import { type Locator, type Page } from '@playwright/test';
import { harness } from '../harness/env.js';

export class AdminPage {
  constructor(
    readonly page: Page,
    readonly baseUrl: string = harness.webUrl,
  ) {}

  async goto(): Promise<void> {
    await this.page.goto(`${this.baseUrl}/admin`);
  }

  row(email: string): Locator {
    return this.page.locator(`tr[data-user-email="${email}"]`);
  }

  async changeRole(email: string, role: string): Promise<void> {
    await this.row(email).getByLabel(`Role of ${email}`).selectOption(role);
    await this.row(email).getByRole('button', { name: 'Change role' }).click();
  }

  async revokeAllSessions(email: string): Promise<void> {
    await this.row(email).getByRole('button', { name: 'Revoke all sessions' }).click();
  }

  /** Shown when the backend asked for a fresh password check (step-up) before the action. */
  confirmPasswordButton(email: string): Locator {
    return this.row(email).getByRole('button', { name: 'Confirm password' });
  }

  /** Clicks "Confirm password" and returns the step-up popup. */
  async startStepUp(email: string): Promise<Page> {
    const popup = this.page.waitForEvent('popup');
    await this.confirmPasswordButton(email).click();
    return popup;
  }
}
