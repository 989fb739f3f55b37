import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SmtpInbox, type ReceivedMail } from '../mail/smtp-inbox.js';
import { createTestAccount } from '../test-support/accounts.js';
import { freshAddress, freshEmail, PUBLIC_APP_URL, startAccountFlowService, type AccountFlowService } from '../test-support/account-flows.js';
import { testBackends } from '../test-support/databases.js';
import { authorizationRequest, discover, TestBrowser, testClient } from '../test-support/oidc-client.js';

const PASSWORD = 'my own passphrase for signing up';
const VERIFY_TTL_SECONDS = 7200;
const web = testClient('portcullis-web');

const isVerification = (mail: ReceivedMail) => mail.subject.startsWith('Confirm your email');
const median = (values: number[]): number => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] ?? 0;

async function expectInvalidLink(response: Response): Promise<void> {
  expect(response.status).toBe(400);
  expect(await response.json()).toMatchObject({ error: 'invalid_token' });
}

describe.each(testBackends())('open sign-up and email verification over HTTP on $name', (backend) => {
  let service: AccountFlowService;

  beforeAll(async () => {
    service = await startAccountFlowService(backend, {
      SIGNUP: 'open',
      EMAIL_VERIFY_TTL: String(VERIFY_TTL_SECONDS),
      ACCOUNT_MAIL_MAX_PER_EMAIL: '3',
      OIDC_CLIENTS: JSON.stringify([web]),
    });
  });

  afterAll(async () => {
    await service?.close();
  });

  const signUp = (email: string, extra: Record<string, unknown> = {}) => service.post('/v1/auth/signup', { email, password: PASSWORD, name: 'New Person', ...extra });
  const verify = (token: string) => service.post('/v1/auth/email/verify', { token });
  const resend = (email: string, from?: string) => service.post('/v1/auth/email/verify/resend', { email }, from === undefined ? {} : { from });

  async function newestVerificationToken(email: string, after: number): Promise<string> {
    const mail = await service.inbox.waitFor(email, (received) => isVerification(received) && service.inbox.to(email).filter(isVerification).indexOf(received) >= after);
    return SmtpInbox.token(mail, 'verify-email');
  }

  it('creates a USER that signs in only once the mailed link verified the address', async () => {
    const email = freshEmail('newcomer');
    const answer = await signUp(email);
    expect(answer.status).toBe(202);
    expect(await answer.json()).toEqual({});

    const mail = await service.inbox.waitFor(email, isVerification);
    const link = SmtpInbox.link(mail, 'verify-email');
    expect(`${link.origin}${link.pathname}`).toBe(`${PUBLIC_APP_URL}/verify-email`);
    expect(mail.text).toContain(`for ${VERIFY_TTL_SECONDS / 3600} hours`);

    const early = await service.instance.request('/v1/auth/login', { method: 'POST', json: { email, password: PASSWORD } });
    expect(early.status).toBe(403);
    expect(await early.json()).toMatchObject({ error: 'email_unverified' });
    // Only the right password learns that the address is unverified.
    const wrong = await service.instance.request('/v1/auth/login', { method: 'POST', json: { email, password: 'not the password at all' } });
    expect(wrong.status).toBe(401);
    expect(await wrong.json()).toMatchObject({ error: 'invalid_credentials' });

    expect((await verify(SmtpInbox.token(mail, 'verify-email'))).status).toBe(204);
    const session = await service.instance.login(email, PASSWORD);
    expect(session.user).toMatchObject({ email, name: 'New Person', role: 'USER' });
  });

  it('never lets the caller choose a role or anything else beyond email, password and name', async () => {
    for (const extra of [{ role: 'ADMIN' }, { emailVerified: true }, { scopes: ['users:admin'] }]) {
      const response = await signUp(freshEmail('climber'), extra);
      expect(response.status).toBe(400);
      expect(await response.json()).toMatchObject({ error: 'invalid_request' });
    }
  });

  it('answers an address that has an account with the same 202 {}, and mails its owner instead of changing anything', async () => {
    const account = await createTestAccount(service.instance);
    const [taken, fresh] = [await signUp(account.email), await signUp(freshEmail('other'))];
    expect({ status: taken.status, body: await taken.text() }).toEqual({ status: fresh.status, body: await fresh.text() });

    const notice = await service.inbox.waitFor(account.email, (mail) => mail.subject.startsWith('Someone tried to sign up'));
    expect(SmtpInbox.link(notice, 'forgot-password').origin).toBe(PUBLIC_APP_URL);
    expect(service.inbox.to(account.email).filter(isVerification)).toEqual([]);
    expect((await service.instance.login(account.email, account.password)).user.email).toBe(account.email);
  });

  it('takes the same time for an address with an account as for a new one (medians of 25 pairs within 10 %)', async () => {
    const account = await createTestAccount(service.instance);
    const timed = async (email: string): Promise<number> => {
      const started = performance.now();
      const response = await signUp(email);
      await response.arrayBuffer();
      expect(response.status).toBe(202);
      return performance.now() - started;
    };
    const [taken, fresh]: [number[], number[]] = [[], []];
    // Each pair in turn starts with the other kind, so whatever one request leaves behind weighs on both kinds alike.
    for (let pair = 0; pair < 25; pair += 1) {
      if (pair % 2 === 0) taken.push(await timed(account.email));
      fresh.push(await timed(freshEmail('timed')));
      if (pair % 2 === 1) taken.push(await timed(account.email));
    }
    const [a, b] = [median(taken), median(fresh)];
    expect(Math.abs(a - b) / Math.min(a, b), `${a} ms vs ${b} ms`).toBeLessThan(0.1);
  });

  it('refuses a weak password with 400 weak_password before creating anything', async () => {
    const email = freshEmail('weak');
    const response = await service.post('/v1/auth/signup', { email, password: 'short', name: 'Weak' });
    expect(response.status).toBe(400);
    expect(await response.json()).toMatchObject({ error: 'weak_password' });
    expect(await service.instance.context.users.findByEmail(email)).toBeNull();
  });

  it("spends a verification link once, and refuses a tampered, an expired and another purpose's token", async () => {
    const email = freshEmail('verifier');
    await signUp(email);
    const token = await newestVerificationToken(email, 0);
    await expectInvalidLink(await verify(`${token.slice(0, -2)}xx`));
    const account = await service.instance.context.users.findByEmail(email);
    const { token: reset } = await service.instance.context.accountTokens.issue(service.instance.context.database.db, {
      userId: account?.id ?? '',
      purpose: 'password_reset',
      ttlSeconds: 600,
    });
    await expectInvalidLink(await verify(reset));
    expect((await verify(token)).status).toBe(204);
    await expectInvalidLink(await verify(token));

    const late = freshEmail('late');
    await signUp(late);
    const lateToken = await newestVerificationToken(late, 0);
    service.instance.clock.advance(VERIFY_TTL_SECONDS * 1000 + 1000);
    await expectInvalidLink(await verify(lateToken));
  });

  it('resends a link on request, voiding the older one; every address gets the same 202 {}', async () => {
    const email = freshEmail('resender');
    await signUp(email);
    const first = await newestVerificationToken(email, 0);
    const verified = await createTestAccount(service.instance);
    const answers = await Promise.all([resend(email), resend(freshEmail('unknown')), resend(verified.email)]);
    expect(answers.map((answer) => answer.status)).toEqual([202, 202, 202]);
    expect(new Set(await Promise.all(answers.map((answer) => answer.text())))).toEqual(new Set(['{}']));

    const second = await newestVerificationToken(email, 1);
    await expectInvalidLink(await verify(first));
    expect((await verify(second)).status).toBe(204);
    await service.instance.context.mail.sender.drainOnce();
    expect(service.inbox.to(verified.email)).toEqual([]);
  });

  it('stops mailing one address past ACCOUNT_MAIL_MAX_PER_EMAIL an hour, with the same 202 as ever', async () => {
    const email = freshEmail('flooded');
    await signUp(email);
    for (let asked = 0; asked < 5; asked += 1) expect((await resend(email)).status).toBe(202);
    await service.inbox.waitFor(email, () => service.inbox.to(email).length >= 3);
    await service.instance.context.mail.sender.drainOnce();
    // The sign-up's own link, then the resends the throttle let through.
    expect(service.inbox.to(email).length).toBe(1 + 3);
  });

  it('audits sign-up, resend and verification, and neither the audit trail nor the log holds the token or the password', async () => {
    const email = freshEmail('audited');
    await signUp(email);
    await resend(email);
    const token = await newestVerificationToken(email, 1);
    expect((await verify(token)).status).toBe(204);
    const account = await service.instance.context.users.findByEmail(email);
    const trail = await service.instance.context.audit.list({ userId: account?.id ?? '', limit: 20 });
    expect(trail.map((event) => event.type)).toEqual(expect.arrayContaining(['account.signed_up', 'email.verification_requested', 'email.verified']));
    const written = `${JSON.stringify(trail)}${service.instance.logs.join('')}`;
    expect(written).not.toContain(token);
    expect(written).not.toContain(PASSWORD);
  });

  it("links the provider's sign-in page to sign-up and forgotten password, and tells an unverified account why it cannot sign in", async () => {
    const email = freshEmail('provider');
    await signUp(email);
    const discovery = await discover(service.instance);
    const browser = new TestBrowser(service.instance);
    const page = await browser.follow(await browser.get(authorizationRequest(discovery, web).url));
    if (page instanceof URL) throw new Error('expected the sign-in page');
    const html = await page.text();
    expect(html).toContain(`href="${PUBLIC_APP_URL}/forgot-password"`);
    expect(html).toContain(`href="${PUBLIC_APP_URL}/signup"`);

    const refused = await browser.postForm(`${new URL(page.url).pathname}/login`, { email, password: PASSWORD });
    expect(refused.status).toBe(403);
    expect(await refused.text()).toContain('Confirm your email address first');
  });
});

describe.each(testBackends())("sign-up while SIGNUP is not open, and the flows' throttles, on $name", (backend) => {
  let service: AccountFlowService;

  beforeAll(async () => {
    service = await startAccountFlowService(backend, { ACCOUNT_FLOW_MAX_PER_IP: '3', OIDC_CLIENTS: JSON.stringify([web]) });
  });

  afterAll(async () => {
    await service?.close();
  });

  it('refuses sign-up with 403 signup_closed (SIGNUP=invite by default), whatever the address', async () => {
    const account = await createTestAccount(service.instance);
    for (const email of [account.email, freshEmail('hopeful')]) {
      const response = await service.post('/v1/auth/signup', { email, password: PASSWORD, name: 'Hopeful' });
      expect(response.status).toBe(403);
      expect(await response.json()).toEqual({ error: 'signup_closed', message: 'Sign-up is closed here. Ask an administrator for an invitation.' });
    }
  });

  it("leaves the sign-up link off the provider's sign-in page, and keeps the forgotten-password one", async () => {
    const discovery = await discover(service.instance);
    const browser = new TestBrowser(service.instance);
    const page = await browser.follow(await browser.get(authorizationRequest(discovery, web).url));
    if (page instanceof URL) throw new Error('expected the sign-in page');
    const html = await page.text();
    expect(html).toContain('/forgot-password"');
    expect(html).not.toContain('/signup"');
  });

  it.each([
    ['/v1/auth/email/verify', { token: 'v'.repeat(43) }],
    ['/v1/auth/email/verify/resend', { email: 'someone@example.test' }],
    ['/v1/auth/invitations/accept', { token: 'i'.repeat(43), password: PASSWORD, name: 'Invitee' }],
  ])('refuses the fourth %s from one address with 429 and Retry-After', async (path, body) => {
    const from = freshAddress();
    for (let attempt = 0; attempt < 3; attempt += 1) expect((await service.post(path, body, { from })).status).not.toBe(429);
    const refused = await service.post(path, body, { from });
    expect(refused.status).toBe(429);
    expect(Number(refused.headers.get('retry-after'))).toBeGreaterThan(0);
  });
});

describe.each(testBackends())('sign-up throttling on $name', (backend) => {
  let service: AccountFlowService;

  beforeAll(async () => {
    service = await startAccountFlowService(backend, { SIGNUP: 'open', ACCOUNT_FLOW_MAX_PER_IP: '2' });
  });

  afterAll(async () => {
    await service?.close();
  });

  it('refuses the third sign-up from one address with 429', async () => {
    const from = freshAddress();
    for (let attempt = 0; attempt < 2; attempt += 1) {
      expect((await service.post('/v1/auth/signup', { email: freshEmail('burst'), password: PASSWORD, name: 'Burst' }, { from })).status).toBe(202);
    }
    expect((await service.post('/v1/auth/signup', { email: freshEmail('burst'), password: PASSWORD, name: 'Burst' }, { from })).status).toBe(429);
  });
});
