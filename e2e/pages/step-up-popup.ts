import { expect, type Locator, type Page } from '@playwright/test';

/** The step-up popup: the signed-in admin re-enters their password. */
export class StepUpPopup {
  readonly password: Locator;
  readonly confirm: Locator;
  readonly alert: Locator;

  constructor(readonly page: Page) {
    const main = page.getByRole('main');
    this.password = main.getByLabel('Password');
    this.confirm = main.getByRole('button', { name: 'Confirm' });
    this.alert = main.getByRole('alert');
  }

  async confirmWith(password: string): Promise<void> {
    await expect(this.confirm).toBeEnabled();
    await this.password.fill(password);
    await this.confirm.click();
  }
}
