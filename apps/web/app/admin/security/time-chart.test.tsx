import { renderToStaticMarkup } from 'react-dom/server';
import { describe, expect, it } from 'vitest';
import { buildCharts } from '../../../lib/security/charts';
import type { SecurityDashboard } from '../../../lib/security/dashboard-types';
import { DashboardBody } from './dashboard-body';
import { TimeChart } from './time-chart';

const MINUTE = 60_000;
const since = Date.UTC(2026, 4, 1, 13, 4);
const now = since + 59 * MINUTE + 5_000;
const last = since + 59 * MINUTE;
const charts = buildCharts(
  [
    { at: last, type: 'login.failed', count: 5 },
    { at: last - MINUTE, type: 'login.succeeded', count: 2 },
  ],
  since,
  now,
  60,
);
const signIns = charts[0];
if (!signIns) throw new Error('no sign-in chart');

describe('TimeChart', () => {
  const html = renderToStaticMarkup(<TimeChart chart={signIns} bucketSeconds={60} />);

  it('is an image with a title and a spoken summary of the numbers', () => {
    expect(html).toMatch(/<svg[^>]*role="img"[^>]*aria-labelledby="chart-signins-title chart-signins-desc"/);
    expect(html).toContain('<title id="chart-signins-title">Sign-ins per minute (UTC)</title>');
    expect(html).toContain('Succeeded: 2 in total, at most 2 per minute (14:02 UTC). Failed: 5 in total, at most 5 per minute (14:03 UTC)');
  });

  it('draws a point with a tooltip only where there were events', () => {
    expect(html.match(/class="chart-point"/g)).toHaveLength(2);
    expect(html).toContain(`data-bucket="${last}" data-count="5"`);
    expect(html).toContain('<title>14:03 UTC — Failed: 5</title>');
  });

  it('tells series apart by marker shape and dash, not only by colour', () => {
    expect(html).toMatch(/data-series="login.succeeded"><polyline[^>]*fill="none" stroke-width="1.5"><\/polyline>/);
    expect(html).toMatch(/data-series="login.failed"><polyline[^>]*stroke-dasharray="6 3"/);
    expect(html).toContain('<rect x=');
  });

  it('lists the numbers of busy buckets in a table beside the chart', () => {
    expect(html).toContain('<caption>Sign-ins per minute (UTC), buckets with events</caption>');
    expect(html).toContain('<tr><th scope="row">14:02</th><td>2</td><td>0</td></tr><tr><th scope="row">14:03</th><td>0</td><td>5</td></tr>');
  });

  it('uses no inline styles, which the strict CSP would block', () => {
    expect(html).not.toContain('style=');
  });
});

describe('DashboardBody', () => {
  const data: SecurityDashboard = {
    generatedAt: now,
    window: '1h',
    bucketSeconds: 60,
    since,
    charts,
    alerts: [
      {
        id: 'a1',
        type: 'brute_force.account',
        title: 'Many failed sign-ins for one account',
        subject: '<script>alert(1)</script>@example.com',
        count: 5,
        windowSeconds: 300,
        firstEventAt: last,
        lastEventAt: last + 1_000,
        raisedAt: last + 2_000,
        eventsSearch: '?window=1h&type=login.failed&since=1&until=2&user=x%40example.com',
      },
    ],
    topIps: [],
    topAccounts: [],
    activeSessions: { USER: 3, MANAGER: 0, ADMIN: 1 },
    events: [],
    eventsTruncated: false,
    mail: {
      counts: { pending: 1, sent: 4, failed: 1 },
      oldestPendingSeconds: 200,
      recent: [
        { id: 6, kind: 'password_reset', recipient: 'ada@example.com', status: 'pending', attempts: 2, createdAt: since, sentAt: null, lastError: '451 try later' },
        { id: 5, kind: 'invitation', recipient: 'bob@example.com', status: 'failed', attempts: 8, createdAt: since, sentAt: null, lastError: 'ECONNREFUSED' },
      ],
    },
  };
  const html = renderToStaticMarkup(<DashboardBody data={data} filters={null} />);

  it('links each alert to the query that lists the events behind it', () => {
    expect(html).toContain('href="/admin/security?window=1h&amp;type=login.failed&amp;since=1&amp;until=2&amp;user=x%40example.com#events-heading"');
    expect(html).toContain('>Show 5 events</a>');
  });

  it('shows attacker-controlled text as text', () => {
    expect(html).toContain('&lt;script&gt;alert(1)&lt;/script&gt;@example.com');
    expect(html).not.toContain('<script>');
  });

  it('shows active sessions per role and says when nothing matched', () => {
    expect(html).toContain('<th scope="row">USER</th><td>3</td>');
    expect(html).toContain('No events match.');
  });

  it('shows mail delivery: what waits and for how long, what failed and why, never a message', () => {
    expect(html).toContain('1 pending · 4 sent · <span class="outcome-failure">1 failed</span> · oldest pending waiting 3 min 20 s');
    expect(html).toContain('<tr data-mail-status="failed">');
    expect(html).toContain('<td>ECONNREFUSED</td>');
  });
});
