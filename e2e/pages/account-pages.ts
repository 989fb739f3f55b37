import { expect, type Locator, type Page } from '@playwright/test';

/** The form that sets a password from a mail's link: /reset-password and /accept-invitation. */
export class NewPasswordPage {
  readonly name: Locator;
  readonly password: Locator;
  readonly confirmPassword: Locator;
  readonly status: Locator;
  readonly alert: Locator;

  constructor(readonly page: Page) {
    this.name = page.getByLabel('Your name');
    this.password = page.getByLabel('New password', { exact: true });
    this.confirmPassword = page.getByLabel('Confirm the new password');
    this.status = page.locator('main').getByRole('status');
    this.alert = page.locator('main').getByRole('alert');
  }

  /** Opens the link from the mail and returns the page's `Referrer-Policy`. */
  async open(link: string): Promise<string | undefined> {
    const response = await this.page.goto(link);
    await expect(this.password).toBeVisible();
    return (await response?.allHeaders())?.['referrer-policy'];
  }

  async choose(password: string, submit: string): Promise<void> {
    await this.password.fill(password);
    await this.confirmPassword.fill(password);
    await this.page.getByRole('button', { name: submit }).click();
  }
}

/** /signup (SIGNUP=open). */
export class SignUpPage {
  readonly status: Locator;

  constructor(
    readonly page: Page,
    readonly baseUrl: string,
  ) {
    this.status = page.locator('main').getByRole('status');
  }

  /** From the sign-in page, which offers sign-up only where the service takes sign-ups. */
  async signUp(person: { name: string; email: string; password: string }): Promise<void> {
    await this.page.goto(`${this.baseUrl}/signin`);
    await this.page.getByRole('link', { name: 'Sign up' }).click();
    await this.page.getByLabel('Your name').fill(person.name);
    await this.page.getByLabel('Email').fill(person.email);
    await this.page.getByLabel('New password', { exact: true }).fill(person.password);
    await this.page.getByLabel('Confirm the new password').fill(person.password);
    await this.page.getByRole('button', { name: 'Sign up' }).click();
  }
}

/** /forgot-password. */
export class ForgotPasswordPage {
  readonly status: Locator;

  constructor(
    readonly page: Page,
    readonly baseUrl: string,
  ) {
    this.status = page.locator('main').getByRole('status');
  }

  async ask(email: string): Promise<void> {
    await this.page.goto(`${this.baseUrl}/signin`);
    await this.page.getByRole('link', { name: 'Forgot your password?' }).click();
    // The sign-in page has an Email field too: wait for this page's own button, or the fill may land on the page being left.
    const send = this.page.getByRole('button', { name: 'Send me a link' });
    await expect(send).toBeVisible();
    await this.page.getByLabel('Email').fill(email);
    await send.click();
  }
}
