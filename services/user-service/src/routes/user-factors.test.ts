import { createHash, randomBytes } from 'node:crypto';
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AdminUser, AuditEvent, ErrorBody, MfaReset, TokenResponse } from '@portcullis/contracts';
import { passkeys, pendingSignIns, recoveryCodes, totpFactors } from '../db/schema.js';
import { SmtpInbox } from '../mail/smtp-inbox.js';
import { createTestAccount, type TestAccount } from '../test-support/accounts.js';
import { testBackends } from '../test-support/databases.js';
import { ADAM, ALICE, startTestInstance, type TestInstance } from '../test-support/harness.js';
import { passwordStep } from '../test-support/mfa.js';

const STEP_UP_MAX_AGE_SECONDS = 300;
const NOBODY = '00000000-0000-4000-8000-000000000000';

async function errorOf(response: Response): Promise<ErrorBody> {
  return (await response.json()) as ErrorBody;
}

describe.each(testBackends())("an admin sees users' second factors, resets them and requires one, on $name", (backend) => {
  let inbox: SmtpInbox;
  let instance: TestInstance;
  let adam: TokenResponse;

  beforeAll(async () => {
    inbox = await SmtpInbox.start();
    // Managers must have a second factor; the admin running these checks signs in with the password alone.
    instance = await startTestInstance(backend, { SMTP_URL: inbox.url, STEP_UP_MAX_AGE: String(STEP_UP_MAX_AGE_SECONDS), MFA_REQUIRED_ROLES: 'MANAGER' });
    adam = await instance.login(ADAM);
  });

  afterAll(async () => {
    await instance?.close();
    await inbox?.close();
  });

  /** Factors as a finished enrolment leaves them: a confirmed TOTP app, passkeys, and recovery codes, some spent. */
  async function enrol(
    account: TestAccount,
    factors: { totp?: 'confirmed' | 'unconfirmed'; passkeys?: number; recoveryCodes?: number; spentCodes?: number },
  ): Promise<void> {
    const { db } = instance.context.database;
    const now = new Date(instance.clock.now());
    if (factors.totp !== undefined) {
      await db.insert(totpFactors).values({ userId: account.id, secretSealed: 'sealed', createdAt: now, confirmedAt: factors.totp === 'confirmed' ? now : null });
    }
    for (let index = 0; index < (factors.passkeys ?? 0); index += 1) {
      await db.insert(passkeys).values({
        userId: account.id,
        credentialId: randomBytes(16).toString('base64url'),
        publicKey: randomBytes(32).toString('base64url'),
        signCount: 0,
        deviceType: 'multiDevice',
        backedUp: true,
        name: `Key ${index + 1}`,
        createdAt: now,
      });
    }
    for (let index = 0; index < (factors.recoveryCodes ?? 0); index += 1) {
      const codeHash = createHash('sha256').update(randomBytes(8)).digest('base64url');
      await db.insert(recoveryCodes).values({ userId: account.id, codeHash, createdAt: now, usedAt: index < (factors.spentCodes ?? 0) ? now : null });
    }
  }

  async function userOf(id: string, token = adam.accessToken): Promise<Response> {
    return instance.request(`/v1/users/${id}`, { token });
  }

  async function mfaOf(id: string): Promise<AdminUser['mfa']> {
    return ((await (await userOf(id)).json()) as { user: AdminUser }).user.mfa;
  }

  async function latestEvent(userId: string, type: AuditEvent['type']): Promise<AuditEvent | undefined> {
    const answer = await instance.request(`/v1/users/${userId}/events?limit=20`, { token: adam.accessToken });
    return ((await answer.json()) as { events: AuditEvent[] }).events.find((event) => event.type === type);
  }

  describe('which factors each user has', () => {
    it('the directory shows a confirmed TOTP app, the passkeys, the recovery codes left and whether a factor is required', async () => {
      const enrolled = await createTestAccount(instance);
      await enrol(enrolled, { totp: 'confirmed', passkeys: 2, recoveryCodes: 10, spentCodes: 3 });
      const halfway = await createTestAccount(instance);
      await enrol(halfway, { totp: 'unconfirmed' });
      const manager = await createTestAccount(instance, { role: 'MANAGER' });

      const response = await instance.request(`/v1/users?ids=${enrolled.id},${halfway.id},${manager.id}`, { token: adam.accessToken });
      expect(response.status).toBe(200);
      const byId = new Map(((await response.json()) as { users: AdminUser[] }).users.map((user) => [user.id, user.mfa]));
      expect(byId.get(enrolled.id)).toEqual({ totp: true, passkeys: 2, recoveryCodesLeft: 7, required: false });
      // An enrolment never confirmed by a code is no factor yet.
      expect(byId.get(halfway.id)).toEqual({ totp: false, passkeys: 0, recoveryCodesLeft: 0, required: false });
      // MFA_REQUIRED_ROLES=MANAGER: required by the role, though the manager has none yet.
      expect(byId.get(manager.id)).toEqual({ totp: false, passkeys: 0, recoveryCodesLeft: 0, required: true });
    });

    it('GET /v1/users/:id shows one user the same way; 404 for nobody, 403 for anyone but an admin', async () => {
      const enrolled = await createTestAccount(instance);
      await enrol(enrolled, { passkeys: 1 });
      const response = await userOf(enrolled.id);
      expect(response.status).toBe(200);
      expect(((await response.json()) as { user: AdminUser }).user).toMatchObject({ id: enrolled.id, email: enrolled.email, mfa: { passkeys: 1, totp: false } });

      expect((await userOf(NOBODY)).status).toBe(404);
      const alice = await instance.login(ALICE);
      expect((await userOf(enrolled.id, alice.accessToken)).status).toBe(403);
    });
  });

  describe("resetting a user's second factors", () => {
    const reset = (id: string, token = adam.accessToken) => instance.request(`/v1/users/${id}/mfa/reset`, { method: 'POST', token });

    it('removes the TOTP app, passkeys and recovery codes, ends every session, and mails the user', async () => {
      const target = await createTestAccount(instance);
      // Signed in on two devices, then enrolled: the sessions outlive nothing of what is removed.
      const sessions = [await instance.login(target.email, target.password), await instance.login(target.email, target.password)];
      await enrol(target, { totp: 'confirmed', passkeys: 2, recoveryCodes: 10, spentCodes: 1 });
      expect(await passwordStep(instance, target)).toMatchObject({ mfaRequired: true });

      const response = await reset(target.id);
      expect(response.status).toBe(200);
      expect((await response.json()) as MfaReset).toEqual({ removed: { totp: true, passkeys: 2, recoveryCodes: 9 }, revokedSessions: 2 });

      expect(await mfaOf(target.id)).toEqual({ totp: false, passkeys: 0, recoveryCodesLeft: 0, required: false });
      for (const session of sessions) {
        expect((await instance.request('/v1/me', { token: session.accessToken })).status).toBe(401);
        expect((await instance.refresh(session.refreshToken)).status).toBe(401);
      }
      // No factor is left, and none is required of a USER: the password alone signs in again.
      expect(await passwordStep(instance, target)).toMatchObject({ accessToken: expect.any(String) });
      const mail = await inbox.waitFor(target.email);
      expect(mail.subject).toMatch(/second factors were removed/);
      expect(SmtpInbox.link(mail, 'signin').origin).toBe('http://localhost:3000');
    });

    it('is audited as mfa.reset by the admin, with what was removed', async () => {
      const target = await createTestAccount(instance);
      await enrol(target, { passkeys: 1 });
      await reset(target.id);
      expect(await latestEvent(target.id, 'mfa.reset')).toMatchObject({
        reason: 'reset_by_admin',
        sid: expect.any(String),
        detail: { by: adam.user.id, totp: false, passkeys: 1, recoveryCodes: 0, revokedSessions: 0 },
      });
    });

    it('voids a sign-in waiting for its second factor, so it cannot finish with a factor that is gone', async () => {
      const target = await createTestAccount(instance);
      await enrol(target, { totp: 'confirmed' });
      const client = { ip: '198.51.100.7', userAgent: 'test' };
      const { mfaToken } = await instance.context.pendingSignIns.start({ userId: target.id, stage: 'second_factor', amr: ['pwd'], client });
      expect(await instance.context.pendingSignIns.find(mfaToken, client)).not.toBeNull();

      await reset(target.id);
      expect(await instance.context.pendingSignIns.find(mfaToken, client)).toBeNull();
      const left = await instance.context.database.db.select().from(pendingSignIns).where(eq(pendingSignIns.userId, target.id));
      expect(left).toEqual([]);
    });

    it("refuses the admin's own factors with 409 conflict, and an unknown user with 404", async () => {
      const own = await reset(adam.user.id);
      expect(own.status).toBe(409);
      expect((await errorOf(own)).error).toBe('conflict');
      expect((await reset(NOBODY)).status).toBe(404);
    });

    it('needs a fresh authentication (RFC 9470) and the ADMIN role', async () => {
      const target = await createTestAccount(instance);
      await enrol(target, { passkeys: 1 });
      const alice = await instance.login(ALICE);
      expect((await reset(target.id, alice.accessToken)).status).toBe(403);

      instance.clock.advance((STEP_UP_MAX_AGE_SECONDS + 1) * 1000);
      try {
        const stale = await reset(target.id);
        expect(stale.status).toBe(401);
        expect((await errorOf(stale)).error).toBe('insufficient_user_authentication');
        expect((await mfaOf(target.id)).passkeys).toBe(1);
      } finally {
        adam = await instance.login(ADAM);
      }
    });
  });

  describe('requiring a second factor of one user', () => {
    const requireOf = (id: string, body: unknown, token = adam.accessToken) => instance.request(`/v1/users/${id}/mfa-required`, { method: 'PUT', token, json: body });

    it('requires it whatever the role, and stops requiring it; each change audited as mfa.requirement_changed', async () => {
      const target = await createTestAccount(instance);
      const required = await requireOf(target.id, { required: true });
      expect(required.status).toBe(200);
      expect(((await required.json()) as { user: AdminUser }).user.mfa).toEqual({ totp: false, passkeys: 0, recoveryCodesLeft: 0, required: true });
      expect(await latestEvent(target.id, 'mfa.requirement_changed')).toMatchObject({ reason: 'required', detail: { by: adam.user.id, before: false, after: true } });

      const relaxed = await requireOf(target.id, { required: false });
      expect(((await relaxed.json()) as { user: AdminUser }).user.mfa.required).toBe(false);
      expect(await latestEvent(target.id, 'mfa.requirement_changed')).toMatchObject({ reason: 'not_required', detail: { before: true, after: false } });
    });

    it('cannot lift what the role requires: a manager stays required', async () => {
      const manager = await createTestAccount(instance, { role: 'MANAGER' });
      const answer = await requireOf(manager.id, { required: false });
      expect(((await answer.json()) as { user: AdminUser }).user.mfa.required).toBe(true);
    });

    it("refuses the admin's own requirement (409), an unknown user (404) and a body that is not {required: boolean} (400)", async () => {
      expect((await requireOf(adam.user.id, { required: false })).status).toBe(409);
      expect((await requireOf(NOBODY, { required: true })).status).toBe(404);
      const target = await createTestAccount(instance);
      for (const body of [{}, { required: 'yes' }, { required: true, role: 'ADMIN' }]) {
        const response = await requireOf(target.id, body);
        expect(response.status).toBe(400);
        expect((await errorOf(response)).error).toBe('invalid_request');
      }
    });
  });
});
