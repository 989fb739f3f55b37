import { randomBytes } from 'node:crypto';
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import type { AuditEvent, ErrorBody, ForcedPasswordReset, TokenResponse } from '@portcullis/contracts';
import { users } from '../db/schema.js';
import { SmtpInbox } from '../mail/smtp-inbox.js';
import { createTestAccount, type TestAccount } from '../test-support/accounts.js';
import { testBackends } from '../test-support/databases.js';
import { ADAM, ALICE, startTestInstance, type TestInstance } from '../test-support/harness.js';

const MAILS_PER_ADDRESS = 3;
const STEP_UP_MAX_AGE_SECONDS = 300;

async function errorOf(response: Response): Promise<ErrorBody> {
  return (await response.json()) as ErrorBody;
}

describe.each(testBackends())('an admin resends invitations, forces password resets and reads a user’s events, on $name', (backend) => {
  let inbox: SmtpInbox;
  let instance: TestInstance;
  let adam: TokenResponse;

  beforeAll(async () => {
    inbox = await SmtpInbox.start();
    instance = await startTestInstance(backend, {
      SMTP_URL: inbox.url,
      ACCOUNT_MAIL_MAX_PER_EMAIL: String(MAILS_PER_ADDRESS),
      STEP_UP_MAX_AGE: String(STEP_UP_MAX_AGE_SECONDS),
    });
    adam = await instance.login(ADAM);
  });

  afterAll(async () => {
    await instance?.close();
    await inbox?.close();
  });

  /** An address invited and not yet answered: no password, not verified. */
  async function invitedUser(): Promise<{ id: string; email: string }> {
    const email = `invitee-${randomBytes(6).toString('hex')}@example.test`;
    const now = new Date(instance.clock.now());
    const [row] = await instance.context.database.db
      .insert(users)
      .values({ email, name: 'Invitee', role: 'USER', passwordHash: null, invitedAt: now, createdAt: now, updatedAt: now })
      .returning();
    if (row === undefined) throw new Error('setup: no invited user');
    return { id: row.id, email };
  }

  const post = (path: string, token = adam.accessToken) => instance.request(path, { method: 'POST', token });

  describe('resending an invitation', () => {
    it('mails a new link to the invited address; only the newest link works', async () => {
      const invitee = await invitedUser();

      expect((await post(`/v1/users/${invitee.id}/invitation/resend`)).status).toBe(202);
      const firstMail = await inbox.waitFor(invitee.email);
      const firstToken = SmtpInbox.token(firstMail, 'accept-invitation');
      expect((await post(`/v1/users/${invitee.id}/invitation/resend`)).status).toBe(202);
      const secondMail = await inbox.waitFor(invitee.email, (mail) => SmtpInbox.token(mail, 'accept-invitation') !== firstToken);
      const secondToken = SmtpInbox.token(secondMail, 'accept-invitation');

      const { db } = instance.context.database;
      expect(await instance.context.accountTokens.consume(db, firstToken, 'invitation')).toBeNull();
      expect(await instance.context.accountTokens.consume(db, secondToken, 'invitation')).toMatchObject({ userId: invitee.id });
    });

    it('is audited as account.invited, resent, by the admin', async () => {
      const invitee = await invitedUser();
      await post(`/v1/users/${invitee.id}/invitation/resend`);
      const events = await instance.request(`/v1/users/${invitee.id}/events`, { token: adam.accessToken });
      const [event] = ((await events.json()) as { events: AuditEvent[] }).events;
      expect(event).toMatchObject({ type: 'account.invited', userId: invitee.id, reason: 'resent', detail: { by: adam.user.id } });
    });

    it('refuses an account that has accepted already with 409 conflict, and sends nothing', async () => {
      const account = await createTestAccount(instance);
      const response = await post(`/v1/users/${account.id}/invitation/resend`);
      expect(response.status).toBe(409);
      expect((await errorOf(response)).error).toBe('conflict');
      expect(inbox.to(account.email)).toEqual([]);
    });

    it(`stops at ${MAILS_PER_ADDRESS} mails an hour to one address with 429 rate_limited`, async () => {
      const invitee = await invitedUser();
      for (let sent = 0; sent < MAILS_PER_ADDRESS; sent += 1) expect((await post(`/v1/users/${invitee.id}/invitation/resend`)).status).toBe(202);
      const refused = await post(`/v1/users/${invitee.id}/invitation/resend`);
      expect(refused.status).toBe(429);
      expect(Number(refused.headers.get('retry-after'))).toBeGreaterThan(0);
    });

    it('answers an unknown user with 404 not_found', async () => {
      expect((await post('/v1/users/00000000-0000-4000-8000-000000000000/invitation/resend')).status).toBe(404);
    });
  });

  describe('forcing a password reset', () => {
    let target: TestAccount;
    let sessions: TokenResponse[];

    beforeAll(async () => {
      target = await createTestAccount(instance);
      sessions = [await instance.login(target.email, target.password), await instance.login(target.email, target.password)];
    });

    it('ends every session of the user, stops the old password and mails a reset link', async () => {
      const response = await post(`/v1/users/${target.id}/password-reset`);
      expect(response.status).toBe(202);
      expect((await response.json()) as ForcedPasswordReset).toEqual({ revokedSessions: 2 });

      for (const session of sessions) {
        expect((await instance.request('/v1/me', { token: session.accessToken })).status).toBe(401);
        expect((await instance.refresh(session.refreshToken)).status).toBe(401);
      }
      const signIn = await instance.request('/v1/auth/login', { method: 'POST', json: { email: target.email, password: target.password } });
      expect(signIn.status).toBe(401);

      const mail = await inbox.waitFor(target.email);
      const token = SmtpInbox.token(mail, 'reset-password');
      expect(SmtpInbox.link(mail, 'reset-password').origin).toBe('http://localhost:3000');
      expect(await instance.context.accountTokens.consume(instance.context.database.db, token, 'password_reset')).toMatchObject({ userId: target.id });
    });

    it('is audited as password.reset_requested, forced by the admin, with the sessions it ended', async () => {
      const answer = await instance.request(`/v1/users/${target.id}/events?limit=10`, { token: adam.accessToken });
      const event = ((await answer.json()) as { events: AuditEvent[] }).events.find((candidate) => candidate.type === 'password.reset_requested');
      expect(event).toMatchObject({ type: 'password.reset_requested', reason: 'forced_by_admin', detail: { by: adam.user.id, revokedSessions: 2 } });
    });

    it('refuses the admin’s own account, a disabled one and an invitation not yet accepted with 409 conflict', async () => {
      const disabled = await createTestAccount(instance);
      await instance.context.users.update(disabled.id, { disabled: true });
      const invitee = await invitedUser();
      for (const id of [adam.user.id, disabled.id, invitee.id]) {
        const response = await post(`/v1/users/${id}/password-reset`);
        expect(response.status).toBe(409);
        expect((await errorOf(response)).error).toBe('conflict');
      }
    });

    it('needs a fresh password check, like every admin change (RFC 9470)', async () => {
      const other = await createTestAccount(instance);
      instance.clock.advance((STEP_UP_MAX_AGE_SECONDS + 1) * 1000);
      try {
        const stale = await instance.login(ADAM);
        instance.clock.advance((STEP_UP_MAX_AGE_SECONDS + 1) * 1000);
        for (const path of [`/v1/users/${other.id}/password-reset`, `/v1/users/${other.id}/invitation/resend`]) {
          const response = await post(path, stale.accessToken);
          expect(response.status).toBe(401);
          expect((await errorOf(response)).error).toBe('insufficient_user_authentication');
        }
      } finally {
        adam = await instance.login(ADAM);
      }
    });
  });

  describe("a user's recent security events", () => {
    it('lists only that user’s events, newest first, as many as asked', async () => {
      const account = await createTestAccount(instance);
      for (let attempt = 0; attempt < 3; attempt += 1) await instance.login(account.email, account.password);
      const response = await instance.request(`/v1/users/${account.id}/events?limit=2`, { token: adam.accessToken });
      expect(response.status).toBe(200);
      const { events } = (await response.json()) as { events: AuditEvent[] };
      expect(events).toHaveLength(2);
      expect(events.every((event) => event.userId === account.id && event.type === 'login.succeeded')).toBe(true);
      expect(Number(events[0]?.id)).toBeGreaterThan(Number(events[1]?.id));
    });

    it('answers an unknown user with 404 and anyone but an admin with 403', async () => {
      expect((await instance.request('/v1/users/00000000-0000-4000-8000-000000000000/events', { token: adam.accessToken })).status).toBe(404);
      const alice = await instance.login(ALICE);
      expect((await instance.request(`/v1/users/${alice.user.id}/events`, { token: alice.accessToken })).status).toBe(403);
    });
  });
});
