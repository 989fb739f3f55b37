import { type Locator, type Page } from '@playwright/test';
import { harness } from '../harness/env.js';

export class AdminPage {
  constructor(readonly page: Page) {}

  async goto(): Promise<void> {
    await this.page.goto(`${harness.webUrl}/admin`);
  }

  row(email: string): Locator {
    return this.page.locator(`tr[data-user-email="${email}"]`);
  }

  async changeRole(email: string, role: string): Promise<void> {
    await this.row(email).getByLabel(`Role of ${email}`).selectOption(role);
    await this.row(email).getByRole('button', { name: 'Change role' }).click();
  }
}
