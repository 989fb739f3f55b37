import { expect, type Locator, type Page } from '@playwright/test';
import { DEMO_USERS, harness, type DemoUser } from '../harness/env.js';

/** The approval popup: a manager signs in for this approval only, reviews, decides. */
export class ApprovalPopup {
  readonly email: Locator;
  readonly password: Locator;
  readonly signIn: Locator;
  readonly approve: Locator;
  readonly reject: Locator;
  /** Ours sit inside <main>; Next.js has its own (empty) role=alert route announcer outside it. */
  readonly alert: Locator;
  readonly done: Locator;
  /** What the approver sees before deciding: who asks, what, when. */
  readonly review: Locator;

  constructor(readonly page: Page) {
    const main = page.getByRole('main');
    this.email = main.getByLabel('Email');
    this.password = main.getByLabel('Password');
    this.signIn = main.getByRole('button', { name: 'Sign in to review' });
    this.approve = main.getByRole('button', { name: 'Approve' });
    this.reject = main.getByRole('button', { name: 'Reject' });
    this.alert = main.getByRole('alert');
    this.done = main.getByRole('status');
    this.review = main.getByRole('region', { name: 'Review the request' });
  }

  async submit(email: string, password: string): Promise<void> {
    await expect(this.signIn).toBeEnabled();
    await this.email.fill(email);
    await this.password.fill(password);
    await this.signIn.click();
  }

  async signInAs(user: DemoUser): Promise<void> {
    await this.submit(DEMO_USERS[user].email, harness.demoPassword);
  }
}
