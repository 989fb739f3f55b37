import { randomBytes } from 'node:crypto';
import { and, eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AuditEvent, ErrorBody, TokenResponse } from '@portcullis/contracts';
import { mailOutbox } from '../db/schema.js';
import type { MailKind } from '../mail/outbox.js';
import { SmtpInbox, type ReceivedMail } from '../mail/smtp-inbox.js';
import { createTestAccount, type TestAccount } from '../test-support/accounts.js';
import { testBackends } from '../test-support/databases.js';
import { ADAM, startTestInstance, type TestInstance } from '../test-support/harness.js';
import { discover, signInThroughProvider, TestBrowser, testClient, tokenRequest } from '../test-support/oidc-client.js';

const NEW_PASSWORD = 'a brand new passphrase of mine';

/** A device of its own for each sign-in: a browser name and an address in a /64 nobody else uses (shared Redis counters). */
function device(browser = `Browser-${randomBytes(3).toString('hex')}/1.0`): Record<string, string> {
  return { 'user-agent': browser, 'x-forwarded-for': `2001:db8:${randomBytes(2).toString('hex')}:${randomBytes(2).toString('hex')}::7` };
}

function fresh(name: string): string {
  return `${name}-${randomBytes(6).toString('hex')}@example.test`;
}

const subjects = {
  passwordChanged: (mail: ReceivedMail) => mail.subject.includes('password was changed'),
  confirmNew: (mail: ReceivedMail) => mail.subject.startsWith('Confirm your new email'),
  aboutToChange: (mail: ReceivedMail) => mail.subject.includes('email is about to change'),
  changed: (mail: ReceivedMail) => mail.subject.includes('email was changed'),
  reset: (mail: ReceivedMail) => mail.subject.startsWith('Reset your'),
  newDevice: (mail: ReceivedMail) => mail.subject.startsWith('New sign-in'),
  throttled: (mail: ReceivedMail) => mail.subject.startsWith('Repeated failed sign-ins'),
};

describe.each(testBackends())('changing the password or the email address, and security notices, on $name', (backend) => {
  let inbox: SmtpInbox;
  let service: TestInstance;

  beforeAll(async () => {
    inbox = await SmtpInbox.start();
    service = await startTestInstance(backend, {
      SMTP_URL: inbox.url,
      TRUST_PROXY: '127.0.0.1,::1',
      LOGIN_MAX_FAILURES_PER_EMAIL_IP: '3',
      OIDC_CLIENTS: JSON.stringify([testClient('portcullis-web')]),
    });
  });

  afterAll(async () => {
    await service?.close();
    await inbox?.close();
  });

  function post(path: string, json: unknown, options: { token?: string; from?: Record<string, string> } = {}): Promise<Response> {
    return service.request(path, { method: 'POST', json, headers: options.from ?? device(), ...(options.token === undefined ? {} : { token: options.token }) });
  }

  async function events(type: string, userId: string): Promise<AuditEvent[]> {
    // Signed in afresh each time: a test moves the clock past any earlier token's lifetime.
    const admin = await service.login(ADAM, undefined, device('AuditReader/1.0'));
    const response = await service.request(`/v1/audit?type=${type}&userId=${userId}&limit=20`, { token: admin.accessToken });
    return ((await response.json()) as { events: AuditEvent[] }).events;
  }

  /** Every mail of a kind to an address the outbox ever held, once the sender has gone through what is due. */
  async function queued(to: string, kind: MailKind): Promise<number> {
    await service.context.mail.sender.drainOnce();
    const rows = await service.context.database.db
      .select({ id: mailOutbox.id })
      .from(mailOutbox)
      .where(and(eq(mailOutbox.recipient, to), eq(mailOutbox.kind, kind)));
    return rows.length;
  }

  async function expectRefused(response: Response, status: number, error: string): Promise<void> {
    expect(response.status).toBe(status);
    expect(((await response.json()) as ErrorBody).error).toBe(error);
  }

  describe('POST /v1/me/password', () => {
    it('ends every other session, keeps this one, retires the old password and tells the owner by mail', async () => {
      const account = await createTestAccount(service);
      const here = await service.login(account.email, account.password, device());
      const elsewhere = await service.login(account.email, account.password, device());
      const pendingReset = await service.context.accountTokens.issue(service.context.database.db, { userId: account.id, purpose: 'password_reset', ttlSeconds: 600 });

      const response = await post('/v1/me/password', { currentPassword: account.password, newPassword: NEW_PASSWORD }, { token: here.accessToken });

      expect(response.status).toBe(204);
      expect((await service.refresh(elsewhere.refreshToken)).status).toBe(401);
      expect((await service.refresh(here.refreshToken)).status).toBe(200);
      await expectRefused(await post('/v1/auth/login', { email: account.email, password: account.password }), 401, 'invalid_credentials');
      await service.login(account.email, NEW_PASSWORD, device());
      const mail = await inbox.waitFor(account.email, subjects.passwordChanged);
      expect(SmtpInbox.link(mail, 'forgot-password').origin).toBe('http://localhost:3000');
      // A reset link mailed before the change no longer works (it was voided with the old password).
      expect(await service.context.accountTokens.consume(service.context.database.db, pendingReset.token, 'password_reset')).toBeNull();
      expect(await events('password.changed', account.id)).toEqual([expect.objectContaining({ sid: expect.any(String), userId: account.id })]);
    });

    it("ends the OpenID Provider's grants of the user's other sessions too", async () => {
      const account = await createTestAccount(service);
      const here = await service.login(account.email, account.password, device());
      const web = testClient('portcullis-web');
      const discovery = await discover(service);
      const { code, request } = await signInThroughProvider(new TestBrowser(service), discovery, web, account);
      const exchanged = await tokenRequest(service, discovery, web, {
        grant_type: 'authorization_code',
        code,
        redirect_uri: web.redirect_uris[0] ?? '',
        code_verifier: request.verifier,
      });
      expect(exchanged.status).toBe(200);
      const oidc = (await exchanged.json()) as { refresh_token: string };

      expect((await post('/v1/me/password', { currentPassword: account.password, newPassword: NEW_PASSWORD }, { token: here.accessToken })).status).toBe(204);

      const refreshed = await tokenRequest(service, discovery, web, { grant_type: 'refresh_token', refresh_token: oidc.refresh_token });
      expect(refreshed.status).toBe(400);
      expect(await refreshed.json()).toMatchObject({ error: 'invalid_grant' });
      expect((await service.refresh(here.refreshToken)).status).toBe(200);
    });

    it('refuses a wrong current password with 401 and a weak new one with 400 weak_password, changing nothing', async () => {
      const account = await createTestAccount(service);
      const tokens = await service.login(account.email, account.password, device());
      await expectRefused(
        await post('/v1/me/password', { currentPassword: 'not my password', newPassword: NEW_PASSWORD }, { token: tokens.accessToken }),
        401,
        'invalid_credentials',
      );
      await expectRefused(
        await post('/v1/me/password', { currentPassword: account.password, newPassword: 'short' }, { token: tokens.accessToken }),
        400,
        'weak_password',
      );
      await service.login(account.email, account.password, device());
      expect(await queued(account.email, 'password_changed')).toBe(0);
    });

    it('is refused without a session, and with malformed bodies', async () => {
      await expectRefused(await post('/v1/me/password', { currentPassword: 'x', newPassword: NEW_PASSWORD }), 401, 'invalid_token');
      const account = await createTestAccount(service);
      const tokens = await service.login(account.email, account.password, device());
      for (const json of [{}, { currentPassword: account.password }, { currentPassword: account.password, newPassword: NEW_PASSWORD, role: 'ADMIN' }]) {
        await expectRefused(await post('/v1/me/password', json, { token: tokens.accessToken }), 400, 'invalid_request');
      }
    });
  });

  describe('POST /v1/me/email, then the links in the mail', () => {
    async function askToMove(account: TestAccount, newEmail: string): Promise<{ tokens: TokenResponse; confirm: string; cancel: string }> {
      const tokens = await service.login(account.email, account.password, device());
      const response = await post('/v1/me/email', { newEmail, password: account.password }, { token: tokens.accessToken });
      expect(response.status).toBe(202);
      expect(await response.json()).toEqual({});
      const confirm = SmtpInbox.token(await inbox.waitFor(newEmail, subjects.confirmNew), 'confirm-email');
      const cancel = SmtpInbox.token(await inbox.waitFor(account.email, subjects.aboutToChange), 'cancel-email-change');
      return { tokens, confirm, cancel };
    }

    it('moves the account once the new address confirms, and tells the old one', async () => {
      const account = await createTestAccount(service);
      const newEmail = fresh('moved');
      const { tokens, confirm } = await askToMove(account, newEmail);
      // Until confirmed, nothing has changed.
      await service.login(account.email, account.password, device());

      expect((await post('/v1/auth/email/confirm', { token: confirm })).status).toBe(204);

      const notice = await inbox.waitFor(account.email, subjects.changed);
      expect(notice.text).toContain(newEmail);
      await expectRefused(await post('/v1/auth/login', { email: account.email, password: account.password }), 401, 'invalid_credentials');
      expect((await service.login(newEmail, account.password, device())).user.email).toBe(newEmail);
      // The sessions stay: the owner moved their own account.
      expect((await service.refresh(tokens.refreshToken)).status).toBe(200);
      expect(await events('email.changed', account.id)).toEqual([expect.objectContaining({ detail: { from: account.email, to: newEmail } })]);
    });

    it('answers 400 invalid_token for a used, tampered, unknown or other-purpose token', async () => {
      const account = await createTestAccount(service);
      const { confirm, cancel } = await askToMove(account, fresh('twice'));
      expect((await post('/v1/auth/email/confirm', { token: confirm })).status).toBe(204);
      const tampered = `${confirm.slice(0, -1)}${confirm.endsWith('A') ? 'B' : 'A'}`;
      for (const [path, token] of [
        ['/v1/auth/email/confirm', confirm],
        ['/v1/auth/email/confirm', tampered],
        ['/v1/auth/email/confirm', 'x'.repeat(43)],
        ['/v1/auth/email/confirm', cancel],
        ['/v1/auth/email/cancel', confirm],
      ] as const) {
        const response = await post(path, { token });
        expect(response.status).toBe(400);
        expect(response.headers.get('www-authenticate')).toBeNull();
        expect(await response.json()).toEqual({ error: 'invalid_token', message: expect.any(String) });
      }
    });

    it('expires the links after EMAIL_VERIFY_TTL', async () => {
      const account = await createTestAccount(service);
      const { confirm } = await askToMove(account, fresh('late'));
      service.clock.advance((service.context.config.accounts.emailVerifyTtlSeconds + 1) * 1000);
      await expectRefused(await post('/v1/auth/email/confirm', { token: confirm }), 400, 'invalid_token');
    });

    it('answers the same for an address that has an account, mails it nothing, and never moves there', async () => {
      const account = await createTestAccount(service);
      const holder = await createTestAccount(service);
      const tokens = await service.login(account.email, account.password, device());
      const response = await post('/v1/me/email', { newEmail: holder.email.toUpperCase(), password: account.password }, { token: tokens.accessToken });
      expect(response.status).toBe(202);
      expect(await response.json()).toEqual({});
      await inbox.waitFor(account.email, subjects.aboutToChange);
      expect(await queued(holder.email, 'email_change')).toBe(0);
    });

    it('refuses a wrong password with 401 and the current address with 400', async () => {
      const account = await createTestAccount(service);
      const tokens = await service.login(account.email, account.password, device());
      await expectRefused(await post('/v1/me/email', { newEmail: fresh('nope'), password: 'wrong password' }, { token: tokens.accessToken }), 401, 'invalid_credentials');
      await expectRefused(await post('/v1/me/email', { newEmail: account.email, password: account.password }, { token: tokens.accessToken }), 400, 'invalid_request');
      await expectRefused(await post('/v1/me/email', { newEmail: 'not an address', password: account.password }, { token: tokens.accessToken }), 400, 'invalid_request');
      expect(await queued(account.email, 'email_change_notice')).toBe(0);
    });

    it('answers 409 when the new address took an account meanwhile, and changes nothing', async () => {
      const account = await createTestAccount(service);
      const newEmail = fresh('raced');
      const { confirm } = await askToMove(account, newEmail);
      await createTestAccount(service, { email: newEmail });
      await expectRefused(await post('/v1/auth/email/confirm', { token: confirm }), 409, 'conflict');
      expect((await service.login(account.email, account.password, device())).user.email).toBe(account.email);
    });

    it('cancelled from the old address after the confirm: the address comes back, every session ends, the password stops working, a reset link arrives', async () => {
      const account = await createTestAccount(service);
      const newEmail = fresh('stolen');
      const { tokens, confirm, cancel } = await askToMove(account, newEmail);
      expect((await post('/v1/auth/email/confirm', { token: confirm })).status).toBe(204);
      const laterSession = await service.login(newEmail, account.password, device());

      expect((await post('/v1/auth/email/cancel', { token: cancel })).status).toBe(204);

      for (const session of [tokens, laterSession]) expect((await service.refresh(session.refreshToken)).status).toBe(401);
      for (const email of [account.email, newEmail]) {
        await expectRefused(await post('/v1/auth/login', { email, password: account.password }), 401, 'invalid_credentials');
      }
      const reset = SmtpInbox.token(await inbox.waitFor(account.email, subjects.reset), 'reset-password');
      const spent = await service.context.accountTokens.consume(service.context.database.db, reset, 'password_reset');
      expect(spent).toMatchObject({ userId: account.id });
      expect((await service.context.users.findById(account.id))?.email).toBe(account.email);
      expect(await events('email.change_cancelled', account.id)).toEqual([
        expect.objectContaining({ detail: { reverted: true, email: account.email, endedSessions: 2 } }),
      ]);
      // Spent: the link works once.
      await expectRefused(await post('/v1/auth/email/cancel', { token: cancel }), 400, 'invalid_token');
    });

    it('cancelled before the confirm: the confirm link dies, and the password must be reset all the same', async () => {
      const account = await createTestAccount(service);
      const { tokens, confirm, cancel } = await askToMove(account, fresh('unwanted'));
      expect((await post('/v1/auth/email/cancel', { token: cancel })).status).toBe(204);
      await expectRefused(await post('/v1/auth/email/confirm', { token: confirm }), 400, 'invalid_token');
      expect((await service.refresh(tokens.refreshToken)).status).toBe(401);
      await expectRefused(await post('/v1/auth/login', { email: account.email, password: account.password }), 401, 'invalid_credentials');
      await inbox.waitFor(account.email, subjects.reset);
    });
  });

  describe('security notices', () => {
    it('records the first device without a notice, then mails a sign-in from a new one, once', async () => {
      const account = await createTestAccount(service);
      const laptop = device('Laptop/1.0');
      await service.login(account.email, account.password, laptop);
      await service.login(account.email, account.password, laptop);
      expect(await queued(account.email, 'new_device')).toBe(0);

      const phone = await service.login(account.email, account.password, device('Phone/2.0'));

      const mail = await inbox.waitFor(account.email, subjects.newDevice);
      expect(mail.text).toContain('Phone/2.0');
      expect(await queued(account.email, 'new_device')).toBe(1);
      const [event] = await events('login.new_device', account.id);
      expect(event).toMatchObject({ userAgent: 'Phone/2.0', sid: (await service.context.accessTokens.verify(phone.accessToken)).sid });
    });

    it("mails a sign-in through the OpenID Provider's page from a new device", async () => {
      const account = await createTestAccount(service);
      await service.login(account.email, account.password, device('Laptop/1.0'));
      const browser = new TestBrowser(service);
      await signInThroughProvider(browser, await discover(service), testClient('portcullis-web'), { email: account.email, password: account.password });
      await inbox.waitFor(account.email, subjects.newDevice);
      expect(await events('login.new_device', account.id)).toHaveLength(1);
    });

    it('tells the owner once per window when their account hits the failure throttle, with a link to reset the password', async () => {
      const account = await createTestAccount(service);
      const attacker = device();
      for (let attempt = 0; attempt < 6; attempt += 1) await post('/v1/auth/login', { email: account.email, password: `guess-${attempt}` }, { from: attacker });
      const mail = await inbox.waitFor(account.email, subjects.throttled);
      expect(SmtpInbox.link(mail, 'forgot-password').origin).toBe('http://localhost:3000');
      expect(await queued(account.email, 'throttled')).toBe(1);
    });
  });
});

describe.each(testBackends())('security notices the operator turned off, on $name', (backend) => {
  let inbox: SmtpInbox;
  let service: TestInstance;

  beforeAll(async () => {
    inbox = await SmtpInbox.start();
    service = await startTestInstance(backend, {
      SMTP_URL: inbox.url,
      TRUST_PROXY: '127.0.0.1,::1',
      LOGIN_MAX_FAILURES_PER_EMAIL_IP: '2',
      SECURITY_NOTIFICATIONS: 'none',
    });
  });

  afterAll(async () => {
    await service?.close();
    await inbox?.close();
  });

  async function kinds(to: string): Promise<string[]> {
    await service.context.mail.sender.drainOnce();
    const rows = await service.context.database.db.select({ kind: mailOutbox.kind }).from(mailOutbox).where(eq(mailOutbox.recipient, to));
    return rows.map((row) => row.kind).sort();
  }

  it('sends no new-device, throttled, password-changed or email-changed notice, while the flows themselves still mail', async () => {
    const account = await createTestAccount(service);
    const newEmail = fresh('quiet');
    await service.login(account.email, account.password, device('Laptop/1.0'));
    const tokens = await service.login(account.email, account.password, device('Phone/1.0'));
    const attacker = device();
    for (let attempt = 0; attempt < 4; attempt += 1) {
      await service.request('/v1/auth/login', { method: 'POST', json: { email: account.email, password: `guess-${attempt}` }, headers: attacker });
    }
    const changed = await service.request('/v1/me/password', {
      method: 'POST',
      token: tokens.accessToken,
      json: { currentPassword: account.password, newPassword: NEW_PASSWORD },
      headers: device(),
    });
    expect(changed.status).toBe(204);
    const moved = await service.request('/v1/me/email', { method: 'POST', token: tokens.accessToken, json: { newEmail, password: NEW_PASSWORD }, headers: device() });
    expect(moved.status).toBe(202);
    const confirm = SmtpInbox.token(await inbox.waitFor(newEmail), 'confirm-email');
    expect((await service.request('/v1/auth/email/confirm', { method: 'POST', json: { token: confirm }, headers: device() })).status).toBe(204);

    // Only the change's own links went out: the confirmation to the new address, the notice that can cancel it to the old.
    expect(await kinds(account.email)).toEqual(['email_change_notice']);
    expect(await kinds(newEmail)).toEqual(['email_change']);
  });
});

describe.each(testBackends())("the throttled notice and an address's own limit, on $name", (backend) => {
  let inbox: SmtpInbox;
  let service: TestInstance;

  beforeAll(async () => {
    inbox = await SmtpInbox.start();
    service = await startTestInstance(backend, { SMTP_URL: inbox.url, TRUST_PROXY: '127.0.0.1,::1', LOGIN_MAX_ATTEMPTS_PER_IP: '3', ACCOUNT_FLOW_MAX_PER_IP: '3' });
  });

  afterAll(async () => {
    await service?.close();
    await inbox?.close();
  });

  it("tells no account's owner when only the address's overall limit refused: it says nothing about that account", async () => {
    const sprayer = device();
    const accounts = await Promise.all([1, 2, 3, 4].map(() => createTestAccount(service)));
    const statuses: number[] = [];
    for (const account of accounts) {
      const response = await service.request('/v1/auth/login', { method: 'POST', json: { email: account.email, password: 'a guess' }, headers: sprayer });
      statuses.push(response.status);
    }
    expect(statuses).toEqual([401, 401, 401, 429]);
    // A later answer from the same instance: had a notice been due, it would have been queued long before.
    await service.login(accounts[0]?.email ?? '', accounts[0]?.password, device());
    await service.context.mail.sender.drainOnce();
    const rows = await service.context.database.db.select({ kind: mailOutbox.kind }).from(mailOutbox).where(eq(mailOutbox.kind, 'throttled'));
    expect(rows).toEqual([]);
  });

  it.each(['/v1/me/email', '/v1/auth/email/confirm', '/v1/auth/email/cancel'])('refuses the fourth %s from one address with 429 and Retry-After', async (path) => {
    const account = await createTestAccount(service);
    const session = await service.login(account.email, account.password, device());
    const body = path === '/v1/me/email' ? { newEmail: fresh('elsewhere'), password: 'not the password' } : { token: 'x'.repeat(43) };
    const from = device();
    for (let attempt = 0; attempt < 3; attempt += 1) {
      const response = await service.request(path, { method: 'POST', json: body, headers: from, token: session.accessToken });
      expect(response.status).not.toBe(429);
    }
    const refused = await service.request(path, { method: 'POST', json: body, headers: from, token: session.accessToken });
    expect(refused.status).toBe(429);
    expect(Number(refused.headers.get('retry-after'))).toBeGreaterThan(0);
    expect(((await refused.json()) as ErrorBody).error).toBe('rate_limited');
  });
});
