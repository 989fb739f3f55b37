import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SmtpInbox, type ReceivedMail } from '../mail/smtp-inbox.js';
import { createTestAccount, type TestAccount } from '../test-support/accounts.js';
import { freshAddress, freshEmail, PUBLIC_APP_URL, startAccountFlowService, type AccountFlowService } from '../test-support/account-flows.js';
import { testBackends } from '../test-support/databases.js';
import { ADAM, DEMO_PASSWORD } from '../test-support/harness.js';
import { discover, signInThroughProvider, TestBrowser, testClient, tokenRequest } from '../test-support/oidc-client.js';

const NEW_PASSWORD = 'a brand new passphrase for the reset';
const RESET_TTL_SECONDS = 600;
const MAILS_PER_EMAIL = 3;
const web = testClient('portcullis-web');

const isReset = (mail: ReceivedMail) => mail.subject.startsWith('Reset your');

describe.each(testBackends())('forgotten password over HTTP on $name', (backend) => {
  let service: AccountFlowService;

  beforeAll(async () => {
    service = await startAccountFlowService(backend, {
      PASSWORD_RESET_TTL: String(RESET_TTL_SECONDS),
      ACCOUNT_MAIL_MAX_PER_EMAIL: String(MAILS_PER_EMAIL),
      OIDC_CLIENTS: JSON.stringify([web]),
    });
  });

  afterAll(async () => {
    await service?.close();
  });

  const forgot = (email: string, options: { from?: string; headers?: Record<string, string> } = {}) => service.post('/v1/auth/password/forgot', { email }, options);
  const reset = (token: string, password = NEW_PASSWORD) => service.post('/v1/auth/password/reset', { token, password });

  /** Asks for a reset link and follows it from the mail that arrives: the token of the newest one. */
  async function resetLinkFor(account: TestAccount): Promise<string> {
    const before = service.inbox.to(account.email).filter(isReset).length;
    expect((await forgot(account.email)).status).toBe(202);
    const mail = await service.inbox.waitFor(
      account.email,
      (received) => isReset(received) && service.inbox.to(account.email).filter(isReset).indexOf(received) >= before,
    );
    return SmtpInbox.token(mail, 'reset-password');
  }

  async function expectInvalidLink(response: Response): Promise<void> {
    expect(response.status).toBe(400);
    expect(await response.json()).toEqual({ error: 'invalid_token', message: 'This link is invalid, has expired or was already used. Ask for a new one.' });
  }

  it('mails a link to PUBLIC_APP_URL; following it sets the new password, and the old one stops working', async () => {
    const account = await createTestAccount(service.instance);
    const answer = await forgot(account.email);
    expect(answer.status).toBe(202);
    expect(await answer.json()).toEqual({});

    const mail = await service.inbox.waitFor(account.email, isReset);
    const link = SmtpInbox.link(mail, 'reset-password');
    expect(`${link.origin}${link.pathname}`).toBe(`${PUBLIC_APP_URL}/reset-password`);
    expect(mail.text).toContain(`for ${RESET_TTL_SECONDS / 60} minutes`);

    const done = await reset(SmtpInbox.token(mail, 'reset-password'));
    expect(done.status).toBe(204);
    expect((await service.instance.login(account.email, NEW_PASSWORD)).user.email).toBe(account.email);
    await expect(service.instance.login(account.email, account.password)).rejects.toThrow(/failed with 401/);
    const notice = await service.inbox.waitFor(account.email, (received) => received.subject.endsWith('password was changed'));
    expect(notice.text).toContain(`${PUBLIC_APP_URL}/forgot-password`);
  });

  it('answers known, unknown, disabled, unverified and invited addresses with the same 202 {}, and mails only the ones that can use it', async () => {
    const [active, disabled, unverified, invited] = await Promise.all([1, 2, 3, 4].map(() => createTestAccount(service.instance)));
    await service.setAccount(disabled?.email ?? '', { disabled: true });
    await service.setAccount(unverified?.email ?? '', { emailVerifiedAt: null });
    await service.setAccount(invited?.email ?? '', { passwordHash: null, emailVerifiedAt: null, invitedAt: new Date() });
    const unknown = freshEmail('nobody');
    const answers = [];
    for (const email of [active?.email, unknown, disabled?.email, unverified?.email, invited?.email]) {
      const response = await forgot(email ?? '');
      answers.push({ status: response.status, body: await response.text(), type: response.headers.get('content-type') });
    }
    expect(new Set(answers.map((answer) => JSON.stringify(answer))).size).toBe(1);
    expect(answers[0]).toEqual({ status: 202, body: '{}', type: 'application/json; charset=utf-8' });

    await service.inbox.waitFor(active?.email ?? '', isReset);
    await service.inbox.waitFor(unverified?.email ?? '', isReset);
    await service.instance.context.mail.sender.drainOnce();
    expect([unknown, disabled?.email, invited?.email].map((email) => service.inbox.to(email ?? '').length)).toEqual([0, 0, 0]);
  });

  it('takes the same time for an address with an account as for one without (medians of 50 pairs within 10 %)', async () => {
    const account = await createTestAccount(service.instance);
    const timed = async (email: string): Promise<number> => {
      const started = performance.now();
      const response = await forgot(email);
      await response.arrayBuffer();
      expect(response.status).toBe(202);
      return performance.now() - started;
    };
    const known: number[] = [];
    const unknown: number[] = [];
    for (let pair = 0; pair < 50; pair += 1) {
      known.push(await timed(account.email));
      unknown.push(await timed(freshEmail('ghost')));
    }
    const median = (values: number[]): number => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] ?? 0;
    const [knownMedian, unknownMedian] = [median(known), median(unknown)];
    expect(Math.abs(knownMedian - unknownMedian) / Math.min(knownMedian, unknownMedian), `${knownMedian} ms vs ${unknownMedian} ms`).toBeLessThan(0.1);
  });

  it('lets a verification link prove the mailbox: a reset verifies an address not yet verified', async () => {
    const account = await createTestAccount(service.instance);
    await service.setAccount(account.email, { emailVerifiedAt: null });
    await expect(service.instance.login(account.email, account.password)).rejects.toThrow(/failed with 403/);
    expect((await reset(await resetLinkFor(account))).status).toBe(204);
    expect((await service.instance.login(account.email, NEW_PASSWORD)).user.email).toBe(account.email);
  });

  it("refuses a tampered, a reused, an expired and a superseded link, and another purpose's token, with one 400 invalid_token", async () => {
    const account = await createTestAccount(service.instance);
    const first = await resetLinkFor(account);
    const tampered = `${first.slice(0, -1)}${first.endsWith('A') ? 'B' : 'A'}`;
    await expectInvalidLink(await reset(tampered));
    await expectInvalidLink(await reset('not-even-shaped-like-a-token'));

    const newer = await resetLinkFor(account);
    await expectInvalidLink(await reset(first));

    const { token: verification } = await service.instance.context.accountTokens.issue(service.instance.context.database.db, {
      userId: account.id,
      purpose: 'email_verification',
      ttlSeconds: 3600,
    });
    await expectInvalidLink(await reset(verification));

    expect((await reset(newer)).status).toBe(204);
    await expectInvalidLink(await reset(newer, 'yet another passphrase, never set'));

    const late = await resetLinkFor(account);
    service.instance.clock.advance(RESET_TTL_SECONDS * 1000 + 1000);
    await expectInvalidLink(await reset(late));
  });

  it('refuses a weak password with 400 weak_password and leaves the link working', async () => {
    const account = await createTestAccount(service.instance);
    const token = await resetLinkFor(account);
    const weak = await reset(token, 'short');
    expect(weak.status).toBe(400);
    expect(await weak.json()).toMatchObject({ error: 'weak_password' });
    expect((await reset(token)).status).toBe(204);
  });

  it('lets only one of two resets racing with one link win', async () => {
    const account = await createTestAccount(service.instance);
    const token = await resetLinkFor(account);
    const statuses = (await Promise.all([reset(token, `${NEW_PASSWORD} one`), reset(token, `${NEW_PASSWORD} two`)])).map((response) => response.status).sort();
    expect(statuses).toEqual([204, 400]);
  });

  it('voids the link when an admin disables the account', async () => {
    const account = await createTestAccount(service.instance);
    const token = await resetLinkFor(account);
    const admin = await service.instance.login(ADAM);
    expect((await service.post('/v1/auth/step-up', { password: DEMO_PASSWORD }, { token: admin.accessToken })).status).toBe(200);
    const disabled = await service.instance.request(`/v1/users/${account.id}`, { method: 'PATCH', json: { disabled: true }, token: admin.accessToken });
    expect(disabled.status).toBe(200);
    await service.instance.request(`/v1/users/${account.id}`, { method: 'PATCH', json: { disabled: false }, token: admin.accessToken });
    await expectInvalidLink(await reset(token));
  });

  it("ends every session of the account: API refresh tokens and the OpenID Provider's refresh tokens alike", async () => {
    const account = await createTestAccount(service.instance);
    const apiSession = await service.instance.login(account.email, account.password);
    const discovery = await discover(service.instance);
    const { code, request } = await signInThroughProvider(new TestBrowser(service.instance), discovery, web, { email: account.email, password: account.password });
    const exchanged = await tokenRequest(service.instance, discovery, web, {
      grant_type: 'authorization_code',
      code,
      redirect_uri: web.redirect_uris[0] ?? '',
      code_verifier: request.verifier,
    });
    const oidc = (await exchanged.json()) as { refresh_token: string; access_token: string };
    expect(exchanged.status).toBe(200);

    expect((await reset(await resetLinkFor(account))).status).toBe(204);

    expect((await service.instance.refresh(apiSession.refreshToken)).status).toBe(401);
    expect((await service.instance.request('/v1/me', { token: apiSession.accessToken })).status).toBe(401);
    const oidcRefresh = await tokenRequest(service.instance, discovery, web, { grant_type: 'refresh_token', refresh_token: oidc.refresh_token });
    expect(oidcRefresh.status).toBe(400);
    expect(await oidcRefresh.json()).toMatchObject({ error: 'invalid_grant' });
    expect((await service.instance.request('/v1/me', { token: oidc.access_token })).status).toBe(401);
  });

  it('builds the link from PUBLIC_APP_URL whatever Host and X-Forwarded-Host the request names', async () => {
    const account = await createTestAccount(service.instance);
    expect((await forgot(account.email, { headers: { host: 'evil.example', 'x-forwarded-host': 'evil.example' } })).status).toBe(202);
    const mail = await service.inbox.waitFor(account.email, isReset);
    expect(SmtpInbox.link(mail, 'reset-password').origin).toBe(PUBLIC_APP_URL);
    expect(`${mail.text}${mail.html}`).not.toContain('evil.example');
  });

  it('stops mailing one address past ACCOUNT_MAIL_MAX_PER_EMAIL an hour, with the same 202 as ever', async () => {
    const account = await createTestAccount(service.instance);
    for (let sent = 0; sent < MAILS_PER_EMAIL + 2; sent += 1) expect((await forgot(account.email)).status).toBe(202);
    await service.inbox.waitFor(account.email, () => service.inbox.to(account.email).length >= MAILS_PER_EMAIL);
    await service.instance.context.mail.sender.drainOnce();
    expect(service.inbox.to(account.email)).toHaveLength(MAILS_PER_EMAIL);
  });

  it('audits the request and the reset, and neither the audit trail nor the log holds the token or the password', async () => {
    const account = await createTestAccount(service.instance);
    const token = await resetLinkFor(account);
    expect((await reset(token)).status).toBe(204);
    const trail = await service.instance.context.audit.list({ userId: account.id, limit: 20 });
    expect(trail.map((event) => `${event.type}:${event.reason ?? ''}`)).toEqual(expect.arrayContaining(['password.reset_requested:mailed', 'password.reset:']));
    const written = `${JSON.stringify(trail)}${service.instance.logs.join('')}`;
    expect(written).not.toContain(token);
    expect(written).not.toContain(NEW_PASSWORD);
  });
});

describe.each(testBackends())('forgotten password throttling on $name', (backend) => {
  let service: AccountFlowService;

  beforeAll(async () => {
    service = await startAccountFlowService(backend, { ACCOUNT_FLOW_MAX_PER_IP: '3' });
  });

  afterAll(async () => {
    await service?.close();
  });

  it.each(['/v1/auth/password/forgot', '/v1/auth/password/reset'])('refuses the fourth %s from one address with 429 and Retry-After', async (path) => {
    const from = freshAddress();
    const body = path.endsWith('forgot') ? { email: freshEmail('someone') } : { token: 'x'.repeat(43), password: NEW_PASSWORD };
    for (let attempt = 0; attempt < 3; attempt += 1) expect((await service.post(path, body, { from })).status).not.toBe(429);
    const refused = await service.post(path, body, { from });
    expect(refused.status).toBe(429);
    expect(Number(refused.headers.get('retry-after'))).toBeGreaterThan(0);
    expect(await refused.json()).toMatchObject({ error: 'rate_limited' });
  });
});
