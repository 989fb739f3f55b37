import { expect, type Locator, type Page } from '@playwright/test';
import { harness } from '../harness/env.js';

/** The requester's page: create a spending request, ask a manager, read the outcome. */
export class RequestsPage {
  readonly amount: Locator;
  readonly reason: Locator;
  readonly create: Locator;

  constructor(
    readonly page: Page,
    readonly baseUrl: string = harness.webUrl,
  ) {
    this.amount = page.getByLabel('New spending limit');
    this.reason = page.getByLabel('Reason');
    this.create = page.getByRole('button', { name: 'Create request' });
  }

  async goto(): Promise<void> {
    await this.page.goto(`${this.baseUrl}/requests`);
    await expect(this.page.getByRole('heading', { name: 'Spending requests' })).toBeVisible();
  }

  row(reason: string): Locator {
    return this.page.getByRole('row').filter({ hasText: reason });
  }

  /** The request's status as the table shows it: pending, approved or rejected. */
  status(reason: string): Locator {
    return this.row(reason).getByRole('cell').nth(3);
  }

  askButton(reason: string): Locator {
    return this.row(reason).getByRole('button', { name: 'Ask a manager to approve' });
  }

  /** The row's outcome line (role=status for information, role=alert for problems). */
  notice(reason: string): Locator {
    return this.row(reason).getByRole('status').or(this.row(reason).getByRole('alert'));
  }

  /** Creates a request and waits for its row; returns the request id. */
  async createRequest(amount: number, reason: string): Promise<string> {
    await this.amount.fill(String(amount));
    await this.reason.fill(reason);
    await this.create.click();
    await expect(this.status(reason)).toHaveText('pending');
    const id = await this.row(reason).getAttribute('data-request-id');
    if (!id) throw new Error('request row without an id');
    return id;
  }

  /** Clicks "Ask a manager to approve" and returns the approval popup. */
  async askForApproval(reason: string): Promise<Page> {
    const popup = this.page.waitForEvent('popup');
    await this.askButton(reason).click();
    return popup;
  }
}
