import { type Locator, type Page } from '@playwright/test';
import { harness } from '../harness/env.js';

export class AdminPage {
  constructor(
    readonly page: Page,
    readonly baseUrl: string = harness.webUrl,
  ) {}

  async goto(search = ''): Promise<void> {
    await this.page.goto(`${this.baseUrl}/admin${search}`);
  }

  /** Searches the directory by email or name, with optional role and status filters (a GET form: the query lands in the URL). */
  async search(text: string, filters: { role?: string; status?: string } = {}): Promise<void> {
    const form = this.page.getByRole('search', { name: 'Search users' });
    await form.getByLabel('Search').fill(text);
    if (filters.role !== undefined) await form.getByLabel('Role').selectOption(filters.role);
    if (filters.status !== undefined) await form.getByLabel('Status').selectOption(filters.status);
    await form.getByRole('button', { name: 'Search' }).click();
  }

  /** The emails of the rows shown, in order. */
  async emails(): Promise<string[]> {
    return this.page.locator('tr[data-user-email]').evaluateAll((rows) => rows.map((row) => row.getAttribute('data-user-email') ?? ''));
  }

  status(email: string): Locator {
    return this.row(email).locator('td[data-status]');
  }

  async openSecurityEvents(email: string): Promise<void> {
    await this.row(email).getByRole('link', { name: 'Security events' }).click();
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
