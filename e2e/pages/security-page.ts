import { expect, type Locator, type Page } from '@playwright/test';
import { harness } from '../harness/env.js';

/** /admin/security: alerts, charts, failure sources, sessions and the event table. */
export class SecurityPage {
  readonly heading: Locator;
  readonly alerts: Locator;
  readonly events: Locator;
  readonly filters: Locator;
  readonly sessions: Locator;

  constructor(readonly page: Page) {
    this.heading = page.getByRole('heading', { name: 'Security', level: 1 });
    this.alerts = page.getByRole('region', { name: 'Alerts' });
    this.events = page.getByRole('region', { name: 'Latest events' });
    this.filters = page.getByRole('form', { name: 'Event filters' });
    this.sessions = page.getByRole('table', { name: 'Active sessions by role' });
  }

  async goto(search = ''): Promise<void> {
    await this.page.goto(`${harness.webUrl}/admin/security${search}`);
    await expect(this.heading).toBeVisible();
  }

  /** The row of an alert of `type` about `subject` (an email, an IP, a session id). */
  alertRow(type: string, subject: string): Locator {
    return this.alerts.getByRole('row').filter({ hasText: type }).filter({ hasText: subject });
  }

  /** A chart's figure by its title, e.g. "Sign-ins". */
  chart(title: string): Locator {
    return this.page.getByRole('figure', { name: new RegExp(`^${title} per `) });
  }

  /**
   * The points a chart draws for one series in buckets from `from` to `to` (epoch ms), each with its bucket
   * start and count. The points are SVG markers, so they are found by their data attributes.
   */
  async plotted(title: string, series: string, from: number, to: number): Promise<Array<{ at: number; count: number }>> {
    const points = this.chart(title).locator(`[data-series="${series}"] .chart-point`);
    const values = await points.evaluateAll((elements) =>
      elements.map((element) => ({ at: Number(element.getAttribute('data-bucket')), count: Number(element.getAttribute('data-count')) })),
    );
    return values.filter((point) => point.at >= from && point.at <= to);
  }

  /** The number a chart's table shows for one bucket (label as shown, e.g. "14:03") and series column (e.g. "Failed"); 0 if the bucket has no row. */
  async tableValue(title: string, bucketLabel: string, column: string): Promise<number> {
    const table = this.chart(title).getByRole('table');
    const columns = await table.getByRole('columnheader').allTextContents();
    const row = table.getByRole('row').filter({ has: this.page.getByRole('rowheader', { name: bucketLabel, exact: true }) });
    if ((await row.count()) === 0) return 0;
    // Cells exclude the row header, which is the first column.
    return Number(
      await row
        .getByRole('cell')
        .nth(columns.indexOf(column) - 1)
        .textContent(),
    );
  }

  eventRows(): Locator {
    return this.events.getByRole('table').getByRole('row');
  }
}
