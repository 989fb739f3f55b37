import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { MfaRequiredError, StepUpRequiredError } from '../errors.js';
import { APP, AuthHarness } from '../test-support/auth-harness.js';

let h: AuthHarness;
beforeEach(async () => {
  h = await new AuthHarness().start();
  h.backend.accessTokenTtlMs = 3_600_000;
});
afterEach(async () => {
  await h.stop();
});

describe('guards with { mfa: true }', () => {
  it('shows how the user signed in on the server session', async () => {
    const { cookie } = await h.signIn('ADMIN', { amr: ['pwd', 'otp', 'mfa'] });
    await h.throughProxy(cookie);
    const session = await h.auth.requireSession();
    expect(session).toMatchObject({ amr: ['pwd', 'otp', 'mfa'], acr: 'urn:portcullis:acr:mfa', mfa: true, authTime: expect.any(Number) });
  });

  it('refuses a single-factor admin session with a typed mfa_required refusal, and lets a multi-factor one through', async () => {
    const single = await h.signIn('ADMIN', { amr: ['pwd'] });
    await h.throughProxy(single.cookie);
    const refusal = h.auth.requireRole('ADMIN', { mfa: true });
    await expect(refusal).rejects.toBeInstanceOf(MfaRequiredError);
    await expect(refusal).rejects.toMatchObject({ code: 'mfa_required', status: 403 });

    const multi = await h.signIn('ADMIN', { amr: ['pwd', 'hwk', 'user', 'mfa'] });
    await h.throughProxy(multi.cookie);
    await expect(h.auth.requireRole('ADMIN', { mfa: true })).resolves.toMatchObject({ mfa: true });
  });

  it('refuses a session whose amr is unknown (made before amr existed) when mfa is asked for', async () => {
    const { cookie, token } = await h.signIn('ADMIN');
    const { amr: _amr, acr: _acr, ...older } = token;
    const olderCookie = cookie.replace(/=.*$/, `=${await h.codec.encode(older)}`);
    await h.throughProxy(olderCookie);
    await expect(h.auth.requireSession({ mfa: true })).rejects.toBeInstanceOf(MfaRequiredError);
    await expect(h.auth.requireSession()).resolves.toMatchObject({ amr: [], mfa: false });
  });

  it('keeps the multi-factor proof across a token refresh by the proxy, and auth_time stays the sign-in time', async () => {
    h.backend.accessTokenTtlMs = 5_000;
    const { cookie, token } = await h.signIn('ADMIN', { amr: ['pwd', 'otp', 'mfa'] });
    h.clock.advance(10_000);
    const refreshed = await h.auth.proxy(h.request('/admin', { cookie }));
    const value = AuthHarness.setSessionCookie(refreshed);
    expect(value).toBeTruthy();
    const rotated = await h.codec.decode(value);
    expect(rotated?.accessToken).not.toBe(token.accessToken);
    expect(rotated).toMatchObject({ amr: ['pwd', 'otp', 'mfa'], authTime: token.authTime });
  });

  it('still checks the role first: a USER gets forbidden, not an invitation to enrol', async () => {
    const { cookie } = await h.signIn('USER', { amr: ['pwd'] });
    await h.throughProxy(cookie);
    await expect(h.auth.requireRole('ADMIN', { mfa: true })).rejects.toMatchObject({ code: 'forbidden' });
  });
});

describe('requireSession({ maxAgeSeconds })', () => {
  it('accepts a recent sign-in and asks for a step-up once the last factor is older than the bound', async () => {
    const { cookie } = await h.signIn('USER', { amr: ['pwd', 'otp', 'mfa'] });
    await h.throughProxy(cookie);
    await expect(h.auth.requireSession({ maxAgeSeconds: 300 })).resolves.toMatchObject({ mfa: true });
    h.clock.advance(301_000);
    await h.throughProxy(cookie);
    const refusal = h.auth.requireSession({ maxAgeSeconds: 300 });
    await expect(refusal).rejects.toBeInstanceOf(StepUpRequiredError);
    await expect(refusal).rejects.toMatchObject({ maxAgeSeconds: 300 });
  });
});

describe('protectedAction with { mfa: true }', () => {
  const resetFactors = () =>
    h.auth.protectedAction(
      { role: 'ADMIN', mfa: true, resource: 'action:users.resetFactors', input: z.object({ userId: z.string().min(1) }) },
      async (_context, input) => input,
    );

  it('answers a single-factor admin with mfa_required, which the page turns into "enrol / step up"', async () => {
    const { cookie } = await h.signIn('ADMIN', { amr: ['pwd'] });
    await h.throughProxy(cookie, { origin: APP });
    expect(await resetFactors()({ userId: 'u9' })).toEqual({ ok: false, error: 'mfa_required', message: expect.stringMatching(/second factor/) });
  });

  it('runs for a multi-factor admin', async () => {
    const { cookie } = await h.signIn('ADMIN', { amr: ['pwd', 'otp', 'mfa'] });
    await h.throughProxy(cookie, { origin: APP });
    expect(await resetFactors()({ userId: 'u9' })).toEqual({ ok: true, data: { userId: 'u9' } });
  });
});
