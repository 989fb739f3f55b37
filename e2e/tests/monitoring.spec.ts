import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { expect, test, type Page } from '@playwright/test';
import { api, sessionOf } from '../harness/backend.js';
import { DEMO_USERS, harness } from '../harness/env.js';
import { logLines } from '../harness/logs.js';
import { repoRoot } from '../harness/processes.js';
import { SecurityPage } from '../pages/security-page.js';
import { SignInPage } from '../pages/sign-in-page.js';

const MINUTE = 60_000;

function minuteLabel(at: number): string {
  return new Date(at).toISOString().slice(11, 16);
}

/** The `sid` claim of an access token (the test reads its own token; nothing is verified here). */
function sidOf(accessToken: string): string {
  const payload = JSON.parse(Buffer.from(accessToken.split('.')[1] ?? '', 'base64url').toString('utf8')) as { sid: string };
  return payload.sid;
}

async function tokens(path: string, body: Record<string, string>): Promise<{ accessToken: string; refreshToken: string }> {
  const response = await api(path, { method: 'POST', body });
  expect(response.status, `${path} answered ${response.status}`).toBe(200);
  return (await response.json()) as { accessToken: string; refreshToken: string };
}

/** Wrong passwords for `email` through the sign-in page until the backend throttles; returns the failures made. */
async function bruteForce(page: Page, email: string): Promise<number> {
  const signIn = new SignInPage(page);
  await signIn.goto();
  let failures = 0;
  for (let attempt = 0; attempt < 8; attempt++) {
    const answered = page.waitForResponse((response) => response.url().includes('/api/auth/callback/credentials'));
    await signIn.submitCredentials(email, `guess-${attempt}`);
    await answered;
    await expect(signIn.submit).toBeEnabled();
    if ((await signIn.alert.textContent())?.startsWith('Too many')) return failures;
    failures += 1;
  }
  throw new Error('the sign-in was never throttled');
}

test.describe('security monitoring', () => {
  test('a brute-force run and a refresh-token reuse appear on the open dashboard as alerts and chart points, without a reload', async ({ page, browser }, testInfo) => {
    await new SignInPage(page).signInAs('adam');
    const security = new SecurityPage(page);
    await security.goto('?window=1h');
    // Set in this document only: still there later means the data was swapped in, not the page reloaded.
    await page.evaluate(() => document.documentElement.setAttribute('data-e2e-loaded-once', 'yes'));

    // 1. Brute force: wrong passwords for one account from the attacker's browser until the backend throttles.
    const attackStart = Date.now();
    const victim = `victim-${randomUUID().slice(0, 8)}@example.com`;
    const attacker = await browser.newContext();
    const failures = await bruteForce(await attacker.newPage(), victim);
    await attacker.close();
    expect(failures).toBeGreaterThanOrEqual(4);

    // 2. Reuse: a stolen refresh token presented after its successor was used revokes the session.
    const login = await tokens('/v1/auth/login', { email: DEMO_USERS.alice.email, password: harness.demoPassword });
    const sid = sidOf(login.accessToken);
    const second = await tokens('/v1/auth/refresh', { refreshToken: login.refreshToken });
    await tokens('/v1/auth/refresh', { refreshToken: second.refreshToken });
    expect((await api('/v1/auth/refresh', { method: 'POST', body: { refreshToken: login.refreshToken } })).status).toBe(401);
    const attackEnd = Date.now();

    // Both alerts arrive through the dashboard's own refresh (scan every second, refresh every 5 s).
    const bruteForceAlert = security.alertRow('brute_force.account', victim);
    await expect(bruteForceAlert).toBeVisible({ timeout: 30_000 });
    await expect(security.alertRow('refresh.reuse', sid)).toBeVisible({ timeout: 30_000 });
    expect(await page.evaluate(() => document.documentElement.getAttribute('data-e2e-loaded-once'))).toBe('yes');

    // The matching chart points, and the same numbers in each chart's table.
    const from = Math.floor(attackStart / MINUTE) * MINUTE;
    await expect
      .poll(async () => (await security.plotted('Sign-ins', 'login.failed', from, attackEnd)).reduce((sum, point) => sum + point.count, 0))
      .toBeGreaterThanOrEqual(failures);
    const failed = await security.plotted('Sign-ins', 'login.failed', from, attackEnd);
    for (const point of failed) expect(await security.tableValue('Sign-ins', minuteLabel(point.at), 'Failed')).toBe(point.count);
    expect(await security.plotted('Throttled sign-in attempts', 'login.throttled', from, attackEnd)).not.toHaveLength(0);
    const reuse = await security.plotted('Refresh-token reuse detections', 'refresh.reuse_detected', from, attackEnd);
    expect(reuse.reduce((sum, point) => sum + point.count, 0)).toBeGreaterThanOrEqual(1);
    expect(await security.tableValue('Refresh-token reuse detections', minuteLabel(reuse[0]?.at ?? 0), 'Reuse detected')).toBeGreaterThanOrEqual(1);
    await expect(security.page.getByRole('table', { name: 'Top accounts by failed sign-ins' }).getByRole('row', { name: new RegExp(victim) })).toBeVisible();

    // Kept in the test's output directory and attached to the report.
    const screenshot = testInfo.outputPath('security-dashboard.png');
    await page.screenshot({ path: screenshot, fullPage: true });
    await testInfo.attach('security-dashboard', { path: screenshot, contentType: 'image/png' });

    // Each alert links to the events behind it.
    const link = bruteForceAlert.getByRole('link', { name: /^Show \d+ events?$/ });
    const shown = Number((await link.textContent())?.match(/\d+/)?.[0]);
    await link.click();
    await expect(page).toHaveURL(/type=login\.failed/);
    await expect(security.eventRows().filter({ hasText: victim })).toHaveCount(shown);
    await expect(security.eventRows().filter({ hasText: 'login.failed' })).toHaveCount(shown);

    // The alerts are metrics too (user-service /metrics, open to loopback callers).
    const metrics = await (await fetch(`${harness.apiUrl}/metrics`)).text();
    expect(metrics).toMatch(/portcullis_alerts_total\{type="brute_force\.account"\} [1-9]/);
    expect(metrics).toMatch(/portcullis_alerts_total\{type="refresh\.reuse"\} [1-9]/);
  });

  test('the event filters are query parameters and narrow the table by type, user, IP and outcome', async ({ page }) => {
    await new SignInPage(page).signInAs('adam');
    const security = new SecurityPage(page);
    await security.goto('?window=24h');
    await security.filters.getByLabel('Type').selectOption('login.succeeded');
    await security.filters.getByLabel('User (email or id)').fill(DEMO_USERS.adam.email);
    await security.filters.getByRole('button', { name: 'Filter events' }).click();
    await expect(page).toHaveURL(/window=24h/);
    await expect(page).toHaveURL(/type=login\.succeeded/);
    await expect(page).toHaveURL(/user=adam%40example\.com/);
    const rows = security.eventRows().filter({ hasText: 'login.succeeded' });
    await expect(rows.first()).toBeVisible();
    await expect(security.eventRows().filter({ hasText: 'login.failed' })).toHaveCount(0);

    await security.goto('?window=24h&outcome=failure');
    await expect(security.eventRows().filter({ hasText: /login\.succeeded|refresh\.succeeded/ })).toHaveCount(0);
    await security.goto('?window=24h&ip=203.0.113.250');
    await expect(security.eventRows().filter({ hasText: 'No events match.' })).toHaveCount(1);
    await expect(security.sessions.getByRole('row', { name: /^ADMIN \d+$/ })).toBeVisible();
  });

  test('the numbers are readable without JavaScript', async ({ browser }) => {
    const signedIn = await browser.newContext();
    await new SignInPage(await signedIn.newPage()).signInAs('adam');
    const noScript = await browser.newContext({ javaScriptEnabled: false, storageState: await signedIn.storageState() });
    await signedIn.close();
    const security = new SecurityPage(await noScript.newPage());
    await security.goto();
    await expect(security.chart('Sign-ins').getByRole('table', { name: /^Sign-ins per minute/ })).toBeVisible();
    await expect(
      security
        .chart('Sign-ins')
        .getByRole('listitem')
        .filter({ hasText: /^Succeeded: \d+$/ }),
    ).toBeVisible();
    await expect(security.chart('Sign-ins').getByRole('img', { name: /^Sign-ins per minute \(UTC\)/ })).toBeVisible();
    await expect(security.alerts.getByRole('heading', { name: 'Alerts' })).toBeVisible();
    await noScript.close();
  });

  test('the dashboard and its data route are for ADMINs only', async ({ page, request }) => {
    expect((await request.get(`${harness.webUrl}/api/admin/security`)).status()).toBe(401);
    await new SignInPage(page).signInAs('maria');
    const response = await page.goto(`${harness.webUrl}/admin/security`);
    expect(response?.status()).toBe(403);
    await expect(page.getByRole('heading', { name: '403 — Forbidden' })).toBeVisible();
    const data = await page.request.get(`${harness.webUrl}/api/admin/security`);
    expect(data.status()).toBe(403);
    expect(await data.json()).toMatchObject({ error: 'forbidden' });
  });

  test('one sign-in can be followed by its request id through the app into the user-service', async ({ page }) => {
    const signIn = new SignInPage(page);
    await signIn.goto();
    const answered = page.waitForResponse((response) => response.url().includes('/api/auth/callback/credentials'));
    await signIn.submitCredentials(DEMO_USERS.alice.email, harness.demoPassword);
    const requestId = (await answered).headers()['x-request-id'];
    expect(requestId).toMatch(/^[0-9a-f-]{36}$/);
    // The sign-in lands before the test goes on: a context closed in the middle of that navigation (with the sign-in
    // page's passkey autofill request still open) could hang its teardown.
    await page.waitForURL((url) => !url.pathname.startsWith('/signin'));

    // The app's line names the session it created...
    await expect
      .poll(() =>
        logLines('web')
          .filter((line) => line.reqId === requestId)
          .map((line) => line.event),
      )
      .toContain('login.succeeded');
    const sid = logLines('web').find((line) => line.reqId === requestId && line.event === 'login.succeeded')?.sid;
    expect(sid).toEqual(expect.any(String));
    // ...the user-service logged the login call under the same id...
    await expect
      .poll(() =>
        logLines('user-service')
          .filter((line) => line.reqId === requestId && (line.req !== undefined || line.res !== undefined))
          .map((line) => (line.req as { url?: string } | undefined)?.url ?? (line.res as { statusCode?: number } | undefined)?.statusCode),
      )
      .toEqual(['/v1/auth/login', 200]);
    // ...and its audit line, under the same id, is the same session's sign-in.
    await expect
      .poll(() =>
        logLines('user-service').some((line) => line.reqId === requestId && line.msg === 'login.succeeded' && (line.audit as { sid?: string } | undefined)?.sid === sid),
      )
      .toBe(true);
    const traced = [...logLines('web'), ...logLines('user-service')].filter((line) => line.reqId === requestId);
    expect(JSON.stringify(traced)).not.toContain(harness.demoPassword);

    // A well-formed id from upstream is kept; anything else is replaced.
    const kept = await page.request.get(`${harness.webUrl}/signin`, { headers: { 'x-request-id': 'edge-trace.42' } });
    expect(kept.headers()['x-request-id']).toBe('edge-trace.42');
    const replaced = await page.request.get(`${harness.webUrl}/signin`, { headers: { 'x-request-id': 'bad id' } });
    expect(replaced.headers()['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);
  });

  test('the web app metrics need their token and count sign-ins, single-flight refreshes, backend calls and request latency', async ({ page, request }) => {
    const url = `${harness.webUrl}/api/metrics`;
    expect((await request.get(url)).status()).toBe(401);
    expect((await request.get(url, { headers: { authorization: 'Bearer not-the-token-at-all' } })).status()).toBe(401);

    await new SignInPage(page).signInAs('alice');
    // 20 parallel requests with a due access token: one refresh, the others join it (single-flight hits).
    const { refreshAt } = await sessionOf(page.context());
    await page.waitForFunction((at) => Date.now() >= at, refreshAt, { polling: 100 });
    const statuses = await page.evaluate(() => Promise.all(Array.from({ length: 20 }, async () => (await fetch('/api/bff/me')).status)));
    expect(statuses).toEqual(Array(20).fill(200));

    const response = await request.get(url, { headers: { authorization: `Bearer ${harness.webMetricsToken}` } });
    expect(response.status()).toBe(200);
    const text = await response.text();
    expect(text).toMatch(/portcullis_web_auth_events_total\{event="signin",outcome="succeeded"\} [1-9]/);
    expect(text).toMatch(/portcullis_web_auth_events_total\{event="refresh",outcome="rotated"\} [1-9]/);
    expect(text).toMatch(/portcullis_web_refresh_single_flight_total\{result="started"\} [1-9]/);
    // The others joined the flight or reused its answer, depending on how the browser spread them over its connections.
    const hits = [...text.matchAll(/portcullis_web_refresh_single_flight_total\{result="(?:joined|reused)"\} (\d+)/g)].reduce((sum, match) => sum + Number(match[1]), 0);
    expect(hits).toBeGreaterThanOrEqual(1);
    expect(text).toMatch(/portcullis_web_backend_requests_total\{operation="login",outcome="ok"\} [1-9]/);
    expect(text).toMatch(/portcullis_web_http_request_duration_seconds_count\{method="GET",route="\/signin",status="200"\} [1-9]/);
    expect(text).toMatch(/portcullis_web_http_request_duration_seconds_count\{method="GET",route="\/api\/bff\/\*",status="200"\} [1-9]/);
    expect(text).toContain('portcullis_web_backend_failures_total');

    // Every metric the sample alert rules use exists in one of the two services, so the rules cannot drift.
    const rules = readFileSync(path.join(repoRoot, 'deploy/prometheus/alerts.yml'), 'utf8');
    const exposed = `${text}\n${await (await fetch(`${harness.apiUrl}/metrics`)).text()}`;
    const used = new Set([...rules.matchAll(/portcullis_[a-z_]+/g)].map(([name]) => name.replace(/_(bucket|count|sum)$/, '')));
    expect(used.size).toBeGreaterThan(4);
    for (const name of used) expect(exposed, name).toContain(`# TYPE ${name} `);
  });
});
