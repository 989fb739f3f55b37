import { randomUUID } from 'node:crypto';
import { expect, test, type BrowserContext, type ConsoleMessage, type Page, type Request } from '@playwright/test';
import { auditEvents, sessionOf } from '../harness/backend.js';
import { harness, type DemoUser } from '../harness/env.js';
import { startHostileSite, type HostileSite } from '../harness/hostile-site.js';
import { ApprovalPopup } from '../pages/approval-popup.js';
import { RequestsPage } from '../pages/requests-page.js';
import { SignInPage } from '../pages/sign-in-page.js';

// docs/approvals.md: a USER asks, a MANAGER approves in a popup; the approval is single-use, bound to the request, the
// requester and the opener's `state`; postMessage only between exact origins and never with a credential (RFC 9700
// §4.17). API-level refusals are covered by services/user-service/src/routes/approvals.test.ts.

interface ReceivedMessage {
  origin: string;
  data: unknown;
}

/** Records every message the page receives, so a test can show what travelled by postMessage. */
async function recordMessages(context: BrowserContext): Promise<void> {
  await context.addInitScript(() => {
    const received: Array<{ origin: string; data: unknown }> = [];
    Object.defineProperty(window, '__receivedMessages', { value: received });
    window.addEventListener('message', (event) => received.push({ origin: event.origin, data: event.data }));
  });
}

async function receivedMessages(page: Page): Promise<ReceivedMessage[]> {
  return page.evaluate(() => (window as unknown as { __receivedMessages?: ReceivedMessage[] }).__receivedMessages ?? []);
}

/** A signed-in browser of its own for one demo user, on the requests page. */
async function requester(browser: { newContext(): Promise<BrowserContext> }, user: DemoUser): Promise<{ context: BrowserContext; page: Page; requests: RequestsPage }> {
  const context = await browser.newContext();
  const page = await context.newPage();
  await new SignInPage(page).signInAs(user);
  const requests = new RequestsPage(page);
  await requests.goto();
  return { context, page, requests };
}

function uniqueReason(what: string): string {
  return `${what} ${randomUUID().slice(0, 8)}`;
}

async function requestEvents(type: 'approval.requested' | 'approval.granted' | 'approval.consumed' | 'approval.refused', requestId: string, since: number) {
  return (await auditEvents(type, since)).filter((event) => event.detail?.requestId === requestId);
}

test.describe('manager approval in a popup', () => {
  test('alice asks, maria approves in the popup; alice stays signed in as herself and no token travels', async ({ browser }) => {
    const since = Date.now() - 1_000;
    const { context, page, requests } = await requester(browser, 'alice');
    const reason = uniqueReason('Conference travel');
    const requestId = await requests.createRequest(500, reason);
    await recordMessages(context);
    await requests.goto();
    const before = await sessionOf(context);
    const cookieNamesBefore = (await context.cookies()).map((cookie) => cookie.name).sort();

    const popupPage = await requests.askForApproval(reason);
    const popupUrl = new URL(popupPage.url());
    expect(popupUrl.origin).toBe(harness.webUrl);
    expect(popupUrl.pathname).toBe('/approve');
    expect(popupUrl.searchParams.get('requestId')).toBe(requestId);
    const state = popupUrl.searchParams.get('state') ?? '';
    expect(state).toMatch(/^[A-Za-z0-9_-]{43}$/);

    const popup = new ApprovalPopup(popupPage);
    await popup.signInAs('maria');
    // Who asks, what, when — before anything is decided.
    await expect(popup.review).toContainText('Alice User (alice@example.com)');
    await expect(popup.review).toContainText('Raise their spending limit to 500');
    await expect(popup.review).toContainText(reason);
    await expect(popup.review).toContainText(/\d{4}-\d{2}-\d{2}T\d{2}:\d{2}/);
    const popupClosed = popupPage.waitForEvent('close');
    await popup.approve.click();
    await popupClosed;

    await expect(requests.notice(reason)).toHaveText('Approved by a manager: your spending limit is now 500.');
    await expect(requests.status(reason)).toHaveText('approved');

    // One message reached the opener: from the app's own origin, with exactly type, requestId, state and result.
    const messages = (await receivedMessages(page)).filter((message) => typeof message.data === 'object' && message.data !== null);
    expect(messages).toEqual([{ origin: harness.webUrl, data: { type: 'portcullis:approval-result', requestId, state, result: 'approved' } }]);

    // The main window is still alice's session: same session id, same cookies (apart from rotated values), no
    // cookie of maria's — the approver signed in for this approval only.
    const after = await sessionOf(context);
    expect(after.sub).toBe(before.sub);
    expect(after.sid).toBe(before.sid);
    expect((await context.cookies()).map((cookie) => cookie.name).sort()).toEqual(cookieNamesBefore);
    await requests.goto();
    await expect(page.getByRole('navigation', { name: 'Main' })).toBeVisible();
    await expect(requests.status(reason)).toHaveText('approved');

    // Every step is in the audit trail.
    await expect.poll(async () => (await requestEvents('approval.requested', requestId, since)).length).toBe(1);
    expect(await requestEvents('approval.granted', requestId, since)).toHaveLength(1);
    expect(await requestEvents('approval.consumed', requestId, since)).toHaveLength(1);
    await context.close();
  });

  test('the approval page cannot be framed and keeps its opener; pages hosting the flow allow their popups', async ({ browser, page }) => {
    const { context, page: alicePage, requests } = await requester(browser, 'alice');
    const hostingResponse = await alicePage.goto(`${harness.webUrl}/requests`);
    expect(hostingResponse?.headers()['cross-origin-opener-policy']).toBe('same-origin-allow-popups');
    await expect(requests.create).toBeVisible();
    await context.close();

    // The approval page is public (the approver signs in there) and refuses framing (OWASP ASVS 5.0 §3.4.6).
    const response = await page.goto(`${harness.webUrl}/approve?requestId=${randomUUID()}&state=${'a'.repeat(43)}`);
    const headers = response?.headers() ?? {};
    expect(headers['content-security-policy']).toContain("frame-ancestors 'none'");
    expect(headers['x-frame-options']).toBe('DENY');
    expect(headers['cross-origin-opener-policy']).toBe('same-origin-allow-popups');
    await expect(page.getByRole('button', { name: 'Sign in to review' })).toBeVisible();

    const hostile = await startHostileSite();
    try {
      const refusals: string[] = [];
      page.on('console', (message) => {
        if (message.text().includes('frame-ancestors')) refusals.push(message.text());
      });
      await page.goto(`${hostile.origin}/frame`);
      await page.evaluate(
        (src) => {
          const frame = document.createElement('iframe');
          frame.src = src;
          frame.title = 'approval';
          document.body.append(frame);
        },
        `${harness.webUrl}/approve?requestId=${randomUUID()}&state=${'a'.repeat(43)}`,
      );
      await expect.poll(() => refusals.length).toBeGreaterThan(0);
      await expect(page.frameLocator('iframe[title="approval"]').getByRole('button', { name: 'Sign in to review' })).toHaveCount(0);
    } finally {
      await hostile.close();
    }
  });

  test.describe('a hostile page on another port', () => {
    let hostile: HostileSite;
    test.beforeAll(async () => {
      hostile = await startHostileSite();
    });
    test.afterAll(async () => {
      await hostile.close();
    });

    test('opened by the app, its forged approvals are ignored and logged, and the request stays pending', async ({ browser }) => {
      const since = Date.now() - 1_000;
      const { context, page, requests } = await requester(browser, 'alice');
      const ignored: string[] = [];
      page.on('console', (message: ConsoleMessage) => {
        if (message.text().startsWith('approval popup: ignored a message')) ignored.push(message.text());
      });
      const reason = uniqueReason('New laptop');
      const requestId = await requests.createRequest(700, reason);
      const popupPage = await requests.askForApproval(reason);
      const state = new URL(popupPage.url()).searchParams.get('state') ?? '';

      // The app's window opens a page on another origin that keeps `window.opener` (a link opened in a new window).
      const hostilePagePromise = context.waitForEvent('page');
      await page.evaluate((url) => void window.open(url, 'prize'), `${hostile.origin}/prize`);
      const hostilePage = await hostilePagePromise;
      await hostilePage.waitForLoadState();
      // It forges the popup's answer — even with the real state, which it could not normally know.
      const forged = { type: 'portcullis:approval-result', requestId, state, result: 'approved' };
      const posted = await hostilePage.evaluate((message) => {
        if (window.opener === null) return false;
        const opener = window.opener as Window;
        opener.postMessage(message, '*');
        opener.postMessage({ ...message, state: 'f'.repeat(43) }, '*');
        opener.postMessage({ ...message, accessToken: 'eyJforged' }, '*');
        return true;
      }, forged);
      expect(posted).toBe(true);

      await expect.poll(() => ignored.length).toBe(3);
      for (const line of ignored) expect(line).toBe(`approval popup: ignored a message (untrusted_origin) from ${hostile.origin}`);
      await expect(requests.notice(reason)).toHaveText('Waiting for a manager to decide in the approval window…');
      await expect(requests.status(reason)).toHaveText('pending');

      // Closing the real popup ends the attempt: the page says so, and nothing changed at the server.
      await popupPage.close();
      await expect(requests.notice(reason)).toHaveText('The approval window was closed before an answer. Nothing changed.');
      expect(await requestEvents('approval.consumed', requestId, since)).toHaveLength(0);
      await requests.goto();
      await expect(requests.status(reason)).toHaveText('pending');
      await context.close();
    });

    test('opening the app, it loses its handle (COOP) and hears nothing, even when a manager approves there', async ({ browser }) => {
      const since = Date.now() - 1_000;
      const { context: aliceContext, requests } = await requester(browser, 'alice');
      const reason = uniqueReason('Team dinner');
      const requestId = await requests.createRequest(300, reason);
      await aliceContext.close();

      const context = await browser.newContext();
      await recordMessages(context);
      const hostilePage = await context.newPage();
      await hostilePage.goto(`${hostile.origin}/prize`);
      const attackerState = 'A'.repeat(43);
      const popupPromise = context.waitForEvent('page');
      await hostilePage.evaluate((url) => {
        const opened = window.open(url, 'approval');
        Object.defineProperty(window, '__approvalWindow', { value: opened });
      }, `${harness.webUrl}/approve?requestId=${requestId}&state=${attackerState}`);
      const popupPage = await popupPromise;
      const popup = new ApprovalPopup(popupPage);
      await expect(popup.signIn).toBeVisible();
      // Cross-Origin-Opener-Policy put the app's page in its own browsing context group: no opener on either side.
      expect(await popupPage.evaluate(() => window.opener === null)).toBe(true);
      await expect.poll(() => hostilePage.evaluate(() => (window as unknown as { __approvalWindow: Window | null }).__approvalWindow?.closed ?? true)).toBe(true);

      await popup.signInAs('maria');
      await popup.approve.click();
      await expect(popup.done).toHaveText('Approved. You can close this window.');
      expect(await receivedMessages(hostilePage)).toEqual([]);

      // The approval is bound to the attacker's state: it stays unconsumed, the request pending.
      expect(await requestEvents('approval.consumed', requestId, since)).toHaveLength(0);
      const alice = await requester(browser, 'alice');
      await expect(alice.requests.status(reason)).toHaveText('pending');
      await alice.context.close();
      await context.close();
    });
  });

  test('maria rejects: the request becomes rejected and nothing is consumed', async ({ browser }) => {
    const since = Date.now() - 1_000;
    const { context, requests } = await requester(browser, 'alice');
    const reason = uniqueReason('Espresso machine');
    const requestId = await requests.createRequest(2_000, reason);
    const popupPage = await requests.askForApproval(reason);
    const popup = new ApprovalPopup(popupPage);
    await popup.signInAs('maria');
    const closed = popupPage.waitForEvent('close');
    await popup.reject.click();
    await closed;
    await expect(requests.notice(reason)).toHaveText('A manager rejected this request.');
    await expect(requests.status(reason)).toHaveText('rejected');
    await expect(requests.askButton(reason)).toHaveCount(0);
    const refusals = await requestEvents('approval.refused', requestId, since);
    expect(refusals.map((event) => event.reason)).toEqual(['rejected_by_approver']);
    expect(await requestEvents('approval.consumed', requestId, since)).toHaveLength(0);
    await context.close();
  });

  test('replaying the consuming server action is refused', async ({ browser }) => {
    const since = Date.now() - 1_000;
    const { context, page, requests } = await requester(browser, 'alice');
    const reason = uniqueReason('Office chair');
    const requestId = await requests.createRequest(250, reason);

    // Watch the real "consume" call go through, keeping its action id and body.
    let consumed: { headers: Record<string, string>; body: string } | undefined;
    await page.route(`${harness.webUrl}/requests`, async (route) => {
      const request: Request = route.request();
      const body = request.postData() ?? '';
      if (request.method() === 'POST' && request.headers()['next-action'] && body.includes('"state"')) consumed = { headers: request.headers(), body };
      await route.continue();
    });
    const popup = new ApprovalPopup(await requests.askForApproval(reason));
    await popup.signInAs('maria');
    await popup.approve.click();
    await expect(requests.status(reason)).toHaveText('approved');
    await page.unroute(`${harness.webUrl}/requests`);
    if (!consumed) throw new Error('no consume call captured');
    const replay = consumed;

    const answer = await page.evaluate(async ({ headers, body }) => {
      const response = await fetch('/requests', {
        method: 'POST',
        headers: { 'next-action': headers['next-action'] ?? '', 'content-type': headers['content-type'] ?? '', accept: 'text/x-component' },
        body,
      });
      return response.text();
    }, replay);
    expect(answer).toContain('"error":"approval_refused"');
    expect(answer).toContain('This approval has already been used.');
    const refusals = await requestEvents('approval.refused', requestId, since);
    expect(refusals.map((event) => event.reason)).toContain('already_consumed');
    expect(await requestEvents('approval.consumed', requestId, since)).toHaveLength(1);
    await context.close();
  });

  test('a USER cannot approve, nor can anyone approve their own request', async ({ browser }) => {
    // maria (MANAGER) asks; alice (USER) tries to approve in the popup.
    const maria = await requester(browser, 'maria');
    const reason = uniqueReason('Team offsite');
    await maria.requests.createRequest(900, reason);
    const asUser = new ApprovalPopup(await maria.requests.askForApproval(reason));
    await asUser.signInAs('alice');
    await expect(asUser.alert).toHaveText('Only a manager or an administrator can approve requests.');
    await expect(asUser.approve).toHaveCount(0);
    await asUser.page.close();
    await expect(maria.requests.notice(reason)).toHaveText('The approval window was closed before an answer. Nothing changed.');
    await expect(maria.requests.status(reason)).toHaveText('pending');

    // ... and maria cannot approve her own.
    const self = new ApprovalPopup(await maria.requests.askForApproval(reason));
    await self.signInAs('maria');
    await expect(self.alert).toHaveText('You cannot approve your own request.');
    await self.page.close();
    await expect(maria.requests.status(reason)).toHaveText('pending');
    await maria.context.close();
  });

  test('a blocked popup: the page says so, records nothing, and nothing changes', async ({ browser }) => {
    const since = Date.now() - 1_000;
    const { context, page, requests } = await requester(browser, 'alice');
    const reason = uniqueReason('Blocked popup');
    const requestId = await requests.createRequest(120, reason);
    // What a popup blocker does: window.open returns null.
    await context.addInitScript(() => {
      window.open = () => null;
    });
    await requests.goto();
    await requests.askButton(reason).click();
    await expect(requests.notice(reason)).toHaveText('The approval window was blocked. Allow pop-ups for this site and try again. Nothing changed.');
    await expect(requests.status(reason)).toHaveText('pending');
    await page.reload();
    await expect(requests.status(reason)).toHaveText('pending');
    expect(await requestEvents('approval.requested', requestId, since)).toHaveLength(0);
    await context.close();
  });

  test('a popup closed without a decision: the page says so and nothing changes', async ({ browser }) => {
    const since = Date.now() - 1_000;
    const { context, requests } = await requester(browser, 'alice');
    const reason = uniqueReason('Closed popup');
    const requestId = await requests.createRequest(130, reason);
    const popupPage = await requests.askForApproval(reason);
    await expect(new ApprovalPopup(popupPage).signIn).toBeVisible();
    await popupPage.close();
    await expect(requests.notice(reason)).toHaveText('The approval window was closed before an answer. Nothing changed.');
    await expect(requests.status(reason)).toHaveText('pending');
    await expect.poll(async () => (await requestEvents('approval.requested', requestId, since)).length).toBe(1);
    expect(await requestEvents('approval.consumed', requestId, since)).toHaveLength(0);
    await context.close();
  });

  test('when the popup cannot post back (opener severed), the page learns the approval from the server', async ({ browser }) => {
    const since = Date.now() - 1_000;
    const { context, requests } = await requester(browser, 'alice');
    const reason = uniqueReason('Severed opener');
    const requestId = await requests.createRequest(140, reason);
    const popupPage = await requests.askForApproval(reason);
    const popup = new ApprovalPopup(popupPage);
    await expect(popup.signIn).toBeVisible();
    // What a browser (or an extension) does when it severs the relationship.
    await popupPage.evaluate(() => {
      window.opener = null;
    });
    await popup.signInAs('maria');
    await popup.approve.click();
    await expect(popup.done).toHaveText('Approved. You can close this window.');
    await popupPage.close();

    await expect(requests.notice(reason)).toHaveText('Approved by a manager: your spending limit is now 140.');
    await expect(requests.status(reason)).toHaveText('approved');
    expect(await requestEvents('approval.consumed', requestId, since)).toHaveLength(1);
    await context.close();
  });

  test('the popup sign-in is throttled like the normal one and says so the same way', async ({ browser }) => {
    const { context, requests } = await requester(browser, 'alice');
    const reason = uniqueReason('Throttled approver');
    await requests.createRequest(150, reason);
    const popup = new ApprovalPopup(await requests.askForApproval(reason));
    // A fresh address per run: the backend throttles per email + IP after a few failures.
    const email = `nobody-${randomUUID().slice(0, 8)}@example.com`;
    let message = '';
    for (let attempt = 0; attempt < 8 && !message.startsWith('Too many'); attempt++) {
      const answered = popup.page.waitForResponse((response) => response.request().method() === 'POST' && response.request().headers()['next-action'] !== undefined);
      await popup.submit(email, 'wrong-password');
      await answered;
      await expect(popup.alert).toBeVisible();
      await expect(popup.signIn).toBeEnabled();
      message = (await popup.alert.textContent()) ?? '';
      expect(message).toMatch(/^(Wrong email or password\.|Too many sign-in attempts\. Try again in \d+ seconds\.)$/);
    }
    expect(message).toMatch(/^Too many sign-in attempts\. Try again in \d+ seconds\.$/);
    await popup.page.close();
    await context.close();
  });
});

test.describe('the approval link', () => {
  test('without a valid request id and state it shows nothing to sign in to', async ({ page }) => {
    await page.goto(`${harness.webUrl}/approve?requestId=not-a-uuid&state=short`);
    await expect(page.getByRole('main').getByRole('alert')).toHaveText('This approval link is not valid. Ask the requester to start again.');
    await expect(page.getByRole('button', { name: 'Sign in to review' })).toHaveCount(0);
  });
});
