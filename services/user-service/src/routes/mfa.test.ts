import { and, eq } from 'drizzle-orm';
import { decodeJwt, decodeProtectedHeader } from 'jose';
import {
  enrolledWithLoginSchema,
  enrollmentRequiredSchema,
  mfaRequiredSchema,
  mfaStatusSchema,
  recoveryCodesSchema,
  tokenResponseSchema,
  totpEnrollmentSchema,
  type TokenResponse,
} from '@portcullis/contracts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mailOutbox, sessions, totpFactors, users } from '../db/schema.js';
import { createTestAccount, type TestAccount } from '../test-support/accounts.js';
import { testBackends } from '../test-support/databases.js';
import { startTestInstance, type TestInstance } from '../test-support/harness.js';
import { enrolTotpDirectly, passwordStep, totpCode } from '../test-support/mfa.js';

describe.each(testBackends())('second factors over HTTP on $name', (backend) => {
  let service: TestInstance;

  beforeAll(async () => {
    service = await startTestInstance(backend);
  });

  afterAll(async () => {
    await service?.close();
  });

  async function signedIn(account: TestAccount): Promise<TokenResponse> {
    return service.login(account.email, account.password);
  }

  function post(path: string, json: unknown, auth: { token?: string; mfa?: string } = {}): Promise<Response> {
    return service.request(path, {
      method: 'POST',
      json,
      ...(auth.token === undefined ? {} : { token: auth.token }),
      ...(auth.mfa === undefined ? {} : { headers: { authorization: `MFA ${auth.mfa}` } }),
    });
  }

  async function status(token: string): Promise<unknown> {
    return mfaStatusSchema.parse(await (await service.request('/v1/me/mfa', { token })).json());
  }

  async function refusal(response: Response): Promise<{ status: number; error: string }> {
    return { status: response.status, error: ((await response.json()) as { error: string }).error };
  }

  /** Enrols TOTP through the API; answers the secret and the recovery codes. */
  async function enrolTotp(token: string): Promise<{ secret: string; recoveryCodes: string[] }> {
    const { secret } = totpEnrollmentSchema.parse(await (await post('/v1/me/mfa/totp', {}, { token })).json());
    const confirmed = await post('/v1/me/mfa/totp/confirm', { code: totpCode(service, secret) }, { token });
    service.clock.advance(30_000);
    return { secret, ...recoveryCodesSchema.parse(await confirmed.json()) };
  }

  it('enrols an authenticator app: a secret and otpauth URL, confirmed by one valid code, ten recovery codes shown once', async () => {
    const account = await createTestAccount(service);
    const { accessToken: token } = await signedIn(account);
    const begun = await post('/v1/me/mfa/totp', {}, { token });
    expect(begun.status).toBe(201);
    expect(begun.headers.get('cache-control')).toBe('no-store');
    const { secret, otpauthUrl, qrCodeSvg } = totpEnrollmentSchema.parse(await begun.json());
    expect(secret).toMatch(/^[A-Z2-7]{32}$/);
    expect(qrCodeSvg).toMatch(/^<svg [^>]*xmlns="http:\/\/www.w3.org\/2000\/svg"/);
    expect(otpauthUrl).toMatch(new RegExp(`^otpauth://totp/.+\\?.*secret=${secret}`));
    // Not a factor until a code proves the app has it.
    expect(await status(token)).toMatchObject({ totp: false, recoveryCodesLeft: 0 });

    expect(await refusal(await post('/v1/me/mfa/totp/confirm', { code: totpCode(service, secret, 3) }, { token }))).toEqual({ status: 401, error: 'invalid_mfa' });
    const confirmed = await post('/v1/me/mfa/totp/confirm', { code: totpCode(service, secret) }, { token });
    expect(confirmed.status).toBe(200);
    const { recoveryCodes } = recoveryCodesSchema.parse(await confirmed.json());
    expect(recoveryCodes).toHaveLength(10);
    for (const code of recoveryCodes) expect(code).toMatch(/^[a-z2-7]{5}-[a-z2-7]{5}$/);
    expect(new Set(recoveryCodes).size).toBe(10);
    expect(await status(token)).toEqual({ totp: true, passkeys: 0, recoveryCodesLeft: 10, required: false });

    // A confirmed factor is not silently replaced.
    expect(await refusal(await post('/v1/me/mfa/totp', {}, { token }))).toEqual({ status: 409, error: 'conflict' });
    const enrolled = await service.context.audit.list({ type: 'mfa.enrolled', userId: account.id, limit: 5 });
    expect(enrolled).toHaveLength(1);
  });

  it('throttles confirmation codes like any other guess', async () => {
    const account = await createTestAccount(service);
    const { accessToken: token } = await signedIn(account);
    const { secret } = totpEnrollmentSchema.parse(await (await post('/v1/me/mfa/totp', {}, { token })).json());
    const right = totpCode(service, secret);
    const wrong = right === '000000' ? '111111' : '000000';
    for (let attempt = 1; attempt <= 5; attempt += 1) expect((await post('/v1/me/mfa/totp/confirm', { code: wrong }, { token })).status).toBe(401);
    expect(await refusal(await post('/v1/me/mfa/totp/confirm', { code: right }, { token }))).toEqual({ status: 429, error: 'rate_limited' });
    expect(await status(token)).toMatchObject({ totp: false });
  });

  it('keeps the TOTP secret only sealed (JWE dir + A256GCM), never in clear, and never in the log', async () => {
    const account = await createTestAccount(service);
    const { accessToken: token } = await signedIn(account);
    const { secret } = await enrolTotp(token);
    const [row] = await service.context.database.db.select().from(totpFactors).where(eq(totpFactors.userId, account.id));
    expect(row?.secretSealed.split('.')).toHaveLength(5);
    expect(decodeProtectedHeader(row?.secretSealed ?? '')).toMatchObject({ alg: 'dir', enc: 'A256GCM' });
    expect(row?.secretSealed).not.toContain(secret);
    expect(service.logs.join('')).not.toContain(secret);
  });

  it('asks for a recent authentication before an enrolment in an old session', async () => {
    const account = await createTestAccount(service);
    const { accessToken: token } = await signedIn(account);
    service.clock.advance(601_000);
    expect(await refusal(await post('/v1/me/mfa/totp', {}, { token }))).toEqual({ status: 401, error: 'insufficient_user_authentication' });
    const { accessToken: fresh } = await signedIn(account);
    expect((await post('/v1/me/mfa/totp', {}, { token: fresh })).status).toBe(201);
  });

  it('signs in with a recovery code once: audited and mailed to the owner, and refused the second time', async () => {
    const account = await createTestAccount(service);
    const { recoveryCodes } = await enrolTotp((await signedIn(account)).accessToken);
    const [code = ''] = recoveryCodes;
    const first = mfaRequiredSchema.parse(await passwordStep(service, account));
    expect(first.methods).toEqual(['totp', 'recovery_code']);
    // Typed in capitals and without the dash, as people copy codes.
    const used = await post('/v1/auth/login/mfa', { mfaToken: first.mfaToken, recoveryCode: code.replace('-', '').toUpperCase() });
    expect(used.status).toBe(200);
    expect(decodeJwt(tokenResponseSchema.parse(await used.json()).accessToken)).toMatchObject({ amr: ['pwd', 'otp', 'mfa'] });

    const second = mfaRequiredSchema.parse(await passwordStep(service, account));
    expect(await refusal(await post('/v1/auth/login/mfa', { mfaToken: second.mfaToken, recoveryCode: code }))).toEqual({ status: 401, error: 'invalid_mfa' });

    expect(await service.context.audit.list({ type: 'mfa.recovery_code_used', userId: account.id, limit: 5 })).toHaveLength(1);
    const mails = await service.context.database.db
      .select({ subject: mailOutbox.subject })
      .from(mailOutbox)
      .where(and(eq(mailOutbox.recipient, account.email), eq(mailOutbox.kind, 'recovery_code_used')));
    expect(mails).toHaveLength(1);
    expect(mails[0]?.subject).toContain('recovery code was used');
    // The body is dropped once delivered: what it says is the template's, which counts the codes left and names none.
    expect(service.context.mailTemplates.recoveryCodeUsed(account.email, { at: new Date(), codesLeft: 9 }).text).toContain('9 remain');
    expect(service.logs.join('')).not.toContain(code);
  });

  it('regenerates recovery codes after a step-up: ten new ones, and the old ones die', async () => {
    const account = await createTestAccount(service);
    const { accessToken: token } = await signedIn(account);
    const { recoveryCodes: old } = await enrolTotp(token);
    const regenerated = await post('/v1/me/mfa/recovery-codes', {}, { token });
    expect(regenerated.status).toBe(200);
    const { recoveryCodes } = recoveryCodesSchema.parse(await regenerated.json());
    expect(recoveryCodes.filter((code) => old.includes(code))).toEqual([]);
    const { mfaToken } = mfaRequiredSchema.parse(await passwordStep(service, account));
    expect((await post('/v1/auth/login/mfa', { mfaToken, recoveryCode: old[0] })).status).toBe(401);
    expect((await post('/v1/auth/login/mfa', { mfaToken, recoveryCode: recoveryCodes[0] })).status).toBe(200);
    expect(await service.context.audit.list({ type: 'mfa.recovery_codes_regenerated', userId: account.id, limit: 5 })).toHaveLength(1);
  });

  it('refuses new recovery codes to a user without a factor', async () => {
    const { accessToken: token } = await signedIn(await createTestAccount(service));
    expect(await refusal(await post('/v1/me/mfa/recovery-codes', {}, { token }))).toEqual({ status: 409, error: 'conflict' });
  });

  it('asks an old session for a step-up before removing the app, and the password alone is no step-up once it exists', async () => {
    const account = await createTestAccount(service);
    const { accessToken: token } = await signedIn(account);
    await enrolTotp(token);
    service.clock.advance(601_000);
    expect(await refusal(await service.request('/v1/me/mfa/totp', { method: 'DELETE', token }))).toEqual({ status: 401, error: 'insufficient_user_authentication' });
    expect(await refusal(await post('/v1/auth/step-up', { password: account.password }, { token }))).toEqual({ status: 401, error: 'mfa_required' });
    const [row] = await service.context.database.db.select().from(totpFactors).where(eq(totpFactors.userId, account.id));
    expect(row).toBeDefined();
  });

  describe('step-up', () => {
    it('refuses the password alone of a user who has a second factor, and accepts their code', async () => {
      const account = await createTestAccount(service);
      const { accessToken: token, refreshToken } = await signedIn(account);
      const { secret } = await enrolTotp(token);
      service.clock.advance(601_000);
      // The access token is older than its lifetime by now: a fresh one from the same session.
      const fresh = tokenResponseSchema.parse(await (await service.refresh(refreshToken)).json()).accessToken;
      expect(await refusal(await post('/v1/auth/step-up', { password: account.password }, { token: fresh }))).toEqual({ status: 401, error: 'mfa_required' });
      const stepped = await post('/v1/auth/step-up', { totp: totpCode(service, secret) }, { token: fresh });
      expect(stepped.status).toBe(200);
      const [session] = await service.context.database.db.select().from(sessions).where(eq(sessions.userId, account.id));
      expect(session?.stepUpAmr).toEqual(['otp']);
      expect((await service.request('/v1/me/mfa/totp', { method: 'DELETE', token: fresh })).status).toBe(204);
      expect(await status(fresh)).toEqual({ totp: false, passkeys: 0, recoveryCodesLeft: 0, required: false });
      expect(await service.context.audit.list({ type: 'mfa.removed', userId: account.id, limit: 5 })).toHaveLength(1);
      expect(tokenResponseSchema.safeParse(await passwordStep(service, account)).success).toBe(true);
    });

    it('still takes the password of a user without a second factor', async () => {
      const account = await createTestAccount(service);
      const { accessToken: token } = await signedIn(account);
      expect((await post('/v1/auth/step-up', { password: account.password }, { token })).status).toBe(200);
    });

    it('refuses a replayed code for a step-up', async () => {
      const account = await createTestAccount(service);
      const secret = await enrolTotpDirectly(service, account);
      const { mfaToken } = mfaRequiredSchema.parse(await passwordStep(service, account));
      const code = totpCode(service, secret);
      const tokens = tokenResponseSchema.parse(await (await post('/v1/auth/login/mfa', { mfaToken, totp: code })).json());
      expect(await refusal(await post('/v1/auth/step-up', { totp: code }, { token: tokens.accessToken }))).toEqual({ status: 401, error: 'invalid_mfa' });
    });
  });

  describe('enrolment forced at sign-in (Authorization: MFA <mfaToken>)', () => {
    async function mustEnrol(): Promise<{ account: TestAccount; mfaToken: string }> {
      const account = await createTestAccount(service);
      await service.context.database.db.update(users).set({ mfaRequired: true }).where(eq(users.id, account.id));
      return { account, mfaToken: enrollmentRequiredSchema.parse(await passwordStep(service, account)).mfaToken };
    }

    it('enrols with the mfaToken in place of a session, and the confirmation finishes the sign-in with both factors', async () => {
      const { account, mfaToken } = await mustEnrol();
      const begun = await post('/v1/me/mfa/totp', {}, { mfa: mfaToken });
      expect(begun.status).toBe(201);
      const { secret } = totpEnrollmentSchema.parse(await begun.json());
      const confirmed = await post('/v1/me/mfa/totp/confirm', { code: totpCode(service, secret) }, { mfa: mfaToken });
      expect(confirmed.status).toBe(200);
      const { recoveryCodes, login } = enrolledWithLoginSchema.parse(await confirmed.json());
      expect(recoveryCodes).toHaveLength(10);
      expect(login.user.email).toBe(account.email);
      expect(decodeJwt(login.accessToken)).toMatchObject({ amr: ['pwd', 'otp', 'mfa'] });
      expect((await service.request('/v1/me', { token: login.accessToken })).status).toBe(200);
      // Spent: the token enrols nothing more.
      expect(await refusal(await post('/v1/me/mfa/totp', {}, { mfa: mfaToken }))).toEqual({ status: 401, error: 'invalid_token' });
    });

    it('takes the enrolment mfaToken nowhere else: not as a bearer, not for the session routes', async () => {
      const { account, mfaToken } = await mustEnrol();
      expect(await refusal(await post('/v1/me/mfa/totp', {}, { token: mfaToken }))).toEqual({ status: 401, error: 'invalid_token' });
      for (const path of ['/v1/me', '/v1/me/mfa']) {
        expect(await refusal(await service.request(path, { headers: { authorization: `MFA ${mfaToken}` } }))).toEqual({ status: 401, error: 'invalid_token' });
      }
      expect(await refusal(await post('/v1/me/mfa/recovery-codes', {}, { mfa: mfaToken }))).toEqual({ status: 401, error: 'invalid_token' });
      const [row] = await service.context.database.db.select().from(sessions).where(eq(sessions.userId, account.id));
      expect(row).toBeUndefined();
    });

    it('refuses an mfaToken owed a second factor as an enrolment token, and one of another client', async () => {
      const account = await createTestAccount(service);
      await enrolTotpDirectly(service, account);
      const { mfaToken } = mfaRequiredSchema.parse(await passwordStep(service, account));
      expect(await refusal(await post('/v1/me/mfa/totp', {}, { mfa: mfaToken }))).toEqual({ status: 401, error: 'invalid_token' });
      const enrolling = await mustEnrol();
      const elsewhere = await service.request('/v1/me/mfa/totp', {
        method: 'POST',
        json: {},
        headers: { authorization: `MFA ${enrolling.mfaToken}`, 'user-agent': 'another-browser' },
      });
      expect(await refusal(elsewhere)).toEqual({ status: 401, error: 'invalid_token' });
    });

    it('refuses an expired enrolment mfaToken', async () => {
      const { mfaToken } = await mustEnrol();
      service.clock.advance(300_001);
      expect(await refusal(await post('/v1/me/mfa/totp', {}, { mfa: mfaToken }))).toEqual({ status: 401, error: 'invalid_token' });
    });
  });
});
