import { eq } from 'drizzle-orm';
import { decodeJwt } from 'jose';
import { ACR_VALUES, enrollmentRequiredSchema, mfaRequiredSchema, tokenResponseSchema } from '@portcullis/contracts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sessions, users } from '../db/schema.js';
import { createTestAccount, type TestAccount } from '../test-support/accounts.js';
import { testBackends } from '../test-support/databases.js';
import { startTestInstance, type TestInstance } from '../test-support/harness.js';
import { enrolTotpDirectly, passwordStep, totpCode } from '../test-support/mfa.js';

describe.each(testBackends())('the two-step sign-in on $name', (backend) => {
  let service: TestInstance;

  beforeAll(async () => {
    service = await startTestInstance(backend, { MFA_MAX_FAILURES_PER_ACCOUNT: '5' });
  });

  afterAll(async () => {
    await service?.close();
  });

  async function userWithTotp(): Promise<{ account: TestAccount; secret: string }> {
    const account = await createTestAccount(service);
    return { account, secret: await enrolTotpDirectly(service, account) };
  }

  async function sessionsOf(account: TestAccount): Promise<number> {
    return (await service.context.database.db.select().from(sessions).where(eq(sessions.userId, account.id))).length;
  }

  function secondStep(body: Record<string, unknown>, headers: Record<string, string> = {}): Promise<Response> {
    return service.request('/v1/auth/login/mfa', { method: 'POST', json: body, headers });
  }

  it('answers a right password of a user with a TOTP factor with an mfaToken and no token of any kind', async () => {
    const { account } = await userWithTotp();
    const answer = await passwordStep(service, account);
    expect(mfaRequiredSchema.parse(answer)).toEqual({ mfaRequired: true, mfaToken: expect.any(String), methods: ['totp'] });
    expect(answer).not.toHaveProperty('accessToken');
    expect(answer).not.toHaveProperty('refreshToken');
    expect(await sessionsOf(account)).toBe(0);
  });

  it('finishes the sign-in with the right code: a session whose access token says pwd, otp and mfa (RFC 8176)', async () => {
    const { account, secret } = await userWithTotp();
    const { mfaToken } = mfaRequiredSchema.parse(await passwordStep(service, account));
    const response = await secondStep({ mfaToken, totp: totpCode(service, secret) });
    expect(response.status).toBe(200);
    expect(response.headers.get('cache-control')).toBe('no-store');
    const tokens = tokenResponseSchema.parse(await response.json());
    expect(decodeJwt(tokens.accessToken)).toMatchObject({ amr: ['pwd', 'otp', 'mfa'], acr: ACR_VALUES.multiFactor });
    expect(await sessionsOf(account)).toBe(1);
    // The mfaToken was spent with the sign-in.
    expect((await secondStep({ mfaToken, totp: totpCode(service, secret, 1) })).status).toBe(401);
  });

  it('accepts a code one step early or late (clock drift) but not two', async () => {
    const { account, secret } = await userWithTotp();
    const { mfaToken } = mfaRequiredSchema.parse(await passwordStep(service, account));
    expect(await (await secondStep({ mfaToken, totp: totpCode(service, secret, -2) })).json()).toMatchObject({ error: 'invalid_mfa' });
    expect((await secondStep({ mfaToken, totp: totpCode(service, secret, 1) })).status).toBe(200);
  });

  it('refuses a replayed TOTP code, even in its own window, for a new sign-in (RFC 6238 §5.2)', async () => {
    const { account, secret } = await userWithTotp();
    const code = totpCode(service, secret);
    const first = mfaRequiredSchema.parse(await passwordStep(service, account));
    expect((await secondStep({ mfaToken: first.mfaToken, totp: code })).status).toBe(200);
    const second = mfaRequiredSchema.parse(await passwordStep(service, account));
    const replay = await secondStep({ mfaToken: second.mfaToken, totp: code });
    expect({ status: replay.status, body: await replay.json() }).toEqual({ status: 401, body: { error: 'invalid_mfa', message: expect.any(String) } });
    // The wrong code left the mfaToken usable: the next step's code finishes the sign-in.
    service.clock.advance(30_000);
    expect((await secondStep({ mfaToken: second.mfaToken, totp: totpCode(service, secret) })).status).toBe(200);
  });

  it('lets one of two sign-ins racing with the same code through, never both', async () => {
    const { account, secret } = await userWithTotp();
    const tokens = [mfaRequiredSchema.parse(await passwordStep(service, account)), mfaRequiredSchema.parse(await passwordStep(service, account))];
    const code = totpCode(service, secret);
    const answers = await Promise.all(tokens.map(({ mfaToken }) => secondStep({ mfaToken, totp: code })));
    expect(answers.map((answer) => answer.status).sort()).toEqual([200, 401]);
    expect(await sessionsOf(account)).toBe(1);
  });

  it('spends one mfaToken once when two right codes race with it', async () => {
    const { account, secret } = await userWithTotp();
    const { mfaToken } = mfaRequiredSchema.parse(await passwordStep(service, account));
    const answers = await Promise.all([secondStep({ mfaToken, totp: totpCode(service, secret) }), secondStep({ mfaToken, totp: totpCode(service, secret, 1) })]);
    expect(answers.map((answer) => answer.status).sort()).toEqual([200, 401]);
    expect(await sessionsOf(account)).toBe(1);
  });

  it("refuses another user's code", async () => {
    const victim = await userWithTotp();
    const other = await userWithTotp();
    const { mfaToken } = mfaRequiredSchema.parse(await passwordStep(service, victim.account));
    expect((await secondStep({ mfaToken, totp: totpCode(service, other.secret) })).status).toBe(401);
    expect(await sessionsOf(victim.account)).toBe(0);
  });

  it('never takes the mfaToken as a bearer token: skipping the second step reaches nothing', async () => {
    const { account } = await userWithTotp();
    const { mfaToken } = mfaRequiredSchema.parse(await passwordStep(service, account));
    for (const path of ['/v1/me', '/v1/auth/sessions', '/v1/me/mfa']) {
      const response = await service.request(path, { token: mfaToken });
      expect({ path, status: response.status, error: ((await response.json()) as { error: string }).error }).toEqual({ path, status: 401, error: 'invalid_token' });
    }
    const refresh = await service.refresh(mfaToken);
    expect(refresh.status).toBe(401);
    expect(await sessionsOf(account)).toBe(0);
  });

  it('refuses the mfaToken from another client than the one that gave the password', async () => {
    const { account, secret } = await userWithTotp();
    const { mfaToken } = mfaRequiredSchema.parse(await passwordStep(service, account, { 'user-agent': 'the-browser-that-signed-in' }));
    const stolen = await secondStep({ mfaToken, totp: totpCode(service, secret) }, { 'user-agent': 'an-attacker-elsewhere' });
    expect(await stolen.json()).toMatchObject({ error: 'invalid_mfa' });
    expect((await secondStep({ mfaToken, totp: totpCode(service, secret) }, { 'user-agent': 'the-browser-that-signed-in' })).status).toBe(200);
  });

  it('refuses an expired mfaToken (MFA_TOKEN_TTL, 5 minutes)', async () => {
    const { account, secret } = await userWithTotp();
    const { mfaToken } = mfaRequiredSchema.parse(await passwordStep(service, account));
    service.clock.advance(300_001);
    expect(await (await secondStep({ mfaToken, totp: totpCode(service, secret) })).json()).toMatchObject({ error: 'invalid_mfa' });
  });

  it('stops guessing: after MFA_MAX_FAILURES_PER_ACCOUNT wrong codes even the right one is refused with 429', async () => {
    const { account, secret } = await userWithTotp();
    const { mfaToken } = mfaRequiredSchema.parse(await passwordStep(service, account));
    const right = totpCode(service, secret);
    const wrong = right === '000000' ? '111111' : '000000';
    for (let attempt = 1; attempt <= 5; attempt += 1) expect((await secondStep({ mfaToken, totp: wrong })).status).toBe(401);
    const refused = await secondStep({ mfaToken, totp: right });
    expect(refused.status).toBe(429);
    expect(Number(refused.headers.get('retry-after'))).toBeGreaterThan(0);
    const failures = await service.context.audit.list({ type: 'mfa.failed', userId: account.id, limit: 50 });
    expect(failures.map((event) => event.reason).sort()).toEqual([...Array<string>(5).fill('wrong_code'), 'throttled'].sort());
  });

  it('makes a user who must have a second factor and has none enrol first: an mfaToken, no token, and no second step', async () => {
    const account = await createTestAccount(service);
    await service.context.database.db.update(users).set({ mfaRequired: true }).where(eq(users.id, account.id));
    const answer = await passwordStep(service, account);
    const { mfaToken } = enrollmentRequiredSchema.parse(answer);
    expect(answer).not.toHaveProperty('accessToken');
    expect(await (await secondStep({ mfaToken, totp: '123456' })).json()).toMatchObject({ error: 'invalid_mfa' });
    expect(await sessionsOf(account)).toBe(0);
  });

  it('signs a user without a factor, none required, straight in with amr pwd', async () => {
    const account = await createTestAccount(service);
    const tokens = tokenResponseSchema.parse(await passwordStep(service, account));
    expect(decodeJwt(tokens.accessToken)).toMatchObject({ amr: ['pwd'], acr: ACR_VALUES.singleFactor });
  });
});

describe.each(testBackends().slice(0, 1))('MFA_REQUIRED_ROLES on $name', (backend) => {
  let service: TestInstance;

  beforeAll(async () => {
    service = await startTestInstance(backend, { MFA_REQUIRED_ROLES: 'ADMIN,MANAGER' });
  });

  afterAll(async () => {
    await service?.close();
  });

  it('asks an ADMIN without a factor to enrol before any session, and lets a USER in', async () => {
    const admin = await createTestAccount(service, { role: 'ADMIN' });
    expect(enrollmentRequiredSchema.safeParse(await passwordStep(service, admin)).success).toBe(true);
    const user = await createTestAccount(service, { role: 'USER' });
    expect(tokenResponseSchema.safeParse(await passwordStep(service, user)).success).toBe(true);
  });
});
