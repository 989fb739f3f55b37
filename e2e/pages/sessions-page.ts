import { type Locator, type Page } from '@playwright/test';
import { harness } from '../harness/env.js';

export class SessionsPage {
  readonly currentRow: Locator;

  constructor(readonly page: Page) {
    this.currentRow = page.locator('tr[data-current="true"]');
  }

  async goto(): Promise<void> {
    await this.page.goto(`${harness.webUrl}/sessions`);
  }

  async revokeCurrent(): Promise<void> {
    await this.currentRow.getByRole('button', { name: /Revoke/ }).click();
  }
}
