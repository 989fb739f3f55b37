import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { AuthHarness, SESSION_COOKIE } from '../test-support/auth-harness.js';
import { FAKE_CREDENTIAL_ID, FAKE_RECOVERY_CODE, FAKE_TOTP } from '../test-support/fake-user-service.js';
import { cookieHeaderOf, type CoreResponse } from '../test-support/nextauth-core.js';
import { MfaCookies } from '../mfa/mfa-cookies.js';
import { cookieSettings } from '../cookies/cookie-config.js';
import { createAuthMetrics } from '../metrics/auth-metrics.js';

const MFA_COOKIE = '__Host-next-auth.mfa';

let h: AuthHarness;
beforeEach(async () => {
  h = await new AuthHarness().start();
});
afterEach(async () => {
  await h.stop();
});

const submit = (fields: Record<string, string>): Promise<CoreResponse> => h.submitCredentials(fields);
const errorOf = AuthHarness.signInErrorOf;
const sessionCookieOf = AuthHarness.sessionCookieOf;

const assertion = (id = FAKE_CREDENTIAL_ID) =>
  JSON.stringify({ id, rawId: id, type: 'public-key', response: { clientDataJSON: 'e30', authenticatorData: 'AA', signature: 'AA' }, clientExtensionResults: {} });

describe('two-step sign-in', () => {
  it('answers the password of an MFA user with MfaRequired and its methods, and no session cookie exists', async () => {
    const response = await submit({ email: 'mfa@example.com', password: 'right' });
    expect(errorOf(response)).toBe('MfaRequired:webauthn,totp,recovery_code');
    expect(sessionCookieOf(response)).toBeUndefined();
    expect(cookieHeaderOf(response)).not.toContain(SESSION_COOKIE);
    expect(h.backend.sessions.size).toBe(0);
  });

  it('keeps the mfaToken in an httpOnly __Host- cookie that expires within 5 minutes and never shows the token', async () => {
    await submit({ email: 'mfa@example.com', password: 'right' });
    const [written] = h.setCookies;
    expect(written?.name).toBe(MFA_COOKIE);
    expect(written?.attributes).toEqual({ httpOnly: true, secure: true, sameSite: 'lax', path: '/', maxAge: 300 });
    const [mfaToken] = h.backend.pending.keys();
    expect(written?.value).not.toContain(mfaToken);
  });

  it('finishes with a TOTP code: the second step signs in with amr mfa and clears the cookie', async () => {
    await submit({ email: 'mfa@example.com', password: 'right' });
    const response = await submit({ totp: FAKE_TOTP });
    expect(errorOf(response)).toBeNull();
    const value = sessionCookieOf(response);
    expect(value).toBeDefined();
    const session = await h.codec.decode(value);
    expect(session).toMatchObject({ sub: 'u-mfa', role: 'MANAGER', amr: ['pwd', 'otp', 'mfa'], acr: 'urn:portcullis:acr:mfa' });
    expect(h.expiredCookies).toContain(MFA_COOKIE);
    expect(h.jar.has(MFA_COOKIE)).toBe(false);
    expect(h.backend.callsTo('/v1/auth/login/mfa')[0]?.body).toEqual({ mfaToken: expect.any(String), totp: FAKE_TOTP });
  });

  it('keeps the cookie after a wrong code, so the user can try again, and never echoes backend text', async () => {
    await submit({ email: 'mfa@example.com', password: 'right' });
    const wrong = await submit({ totp: '654321' });
    expect(errorOf(wrong)).toBe('InvalidMfa');
    expect(sessionCookieOf(wrong)).toBeUndefined();
    expect(h.jar.has(MFA_COOKIE)).toBe(true);
    expect(JSON.stringify(wrong)).not.toContain('must not leak');
    const right = await submit({ totp: FAKE_TOTP });
    expect(sessionCookieOf(right)).toBeDefined();
  });

  it('refuses a malformed code without calling the service, and keeps the cookie', async () => {
    await submit({ email: 'mfa@example.com', password: 'right' });
    expect(errorOf(await submit({ totp: '12ab' }))).toBe('InvalidMfa');
    expect(h.backend.callsTo('/v1/auth/login/mfa')).toHaveLength(0);
    expect(h.jar.has(MFA_COOKIE)).toBe(true);
  });

  it('finishes with a recovery code or a passkey assertion as well', async () => {
    await submit({ email: 'mfa@example.com', password: 'right' });
    expect(sessionCookieOf(await submit({ recoveryCode: FAKE_RECOVERY_CODE }))).toBeDefined();
    await submit({ email: 'mfa@example.com', password: 'right' });
    const passkey = await submit({ webauthn: assertion() });
    expect(await h.codec.decode(sessionCookieOf(passkey))).toMatchObject({ amr: ['pwd', 'hwk', 'user', 'mfa'] });
  });

  it('says MfaExpired once the cookie is older than 5 minutes, without asking the service', async () => {
    await submit({ email: 'mfa@example.com', password: 'right' });
    h.clock.advance(301_000);
    expect(errorOf(await submit({ totp: FAKE_TOTP }))).toBe('MfaExpired');
    expect(h.backend.callsTo('/v1/auth/login/mfa')).toHaveLength(0);
  });

  it('says MfaExpired for a second step without a pending sign-in, or with a cookie sealed by another app', async () => {
    expect(errorOf(await submit({ totp: FAKE_TOTP }))).toBe('MfaExpired');
    const other = new MfaCookies({ secret: 'another-apps-secret-another-apps-secret', now: h.clock.now, cookies: cookieSettings({ secure: true }) });
    const forged = await other.pendingMfaCookie({ mfaToken: 'A'.repeat(43), stage: 'second_factor', methods: ['totp'] });
    h.jar.set(forged.name, forged.value);
    expect(errorOf(await submit({ totp: FAKE_TOTP }))).toBe('MfaExpired');
    expect(h.backend.callsTo('/v1/auth/login/mfa')).toHaveLength(0);
  });

  it('clears the cookie when the service no longer knows the pending sign-in', async () => {
    await submit({ email: 'mfa@example.com', password: 'right' });
    h.backend.pending.clear();
    expect(errorOf(await submit({ totp: FAKE_TOTP }))).toBe('MfaExpired');
    expect(h.jar.has(MFA_COOKIE)).toBe(false);
  });

  it('passes throttling of the second step on with its wait, keeping the cookie', async () => {
    await submit({ email: 'mfa@example.com', password: 'right' });
    expect(errorOf(await submit({ totp: '000000' }))).toBe('RateLimited:30');
    expect(h.jar.has(MFA_COOKIE)).toBe(true);
  });

  it('sends a user who must enrol to enrolment, with no session and a cookie for the enrolment calls only', async () => {
    const response = await submit({ email: 'enrol@example.com', password: 'right' });
    expect(errorOf(response)).toBe('EnrollmentRequired');
    expect(sessionCookieOf(response)).toBeUndefined();
    expect(h.jar.has(MFA_COOKIE)).toBe(true);
    expect(errorOf(await submit({ totp: FAKE_TOTP }))).toBe('EnrollmentRequired');
    expect(h.backend.callsTo('/v1/auth/login/mfa')).toHaveLength(0);
  });

  it('still signs a user without a second factor in with the password alone, single-factor', async () => {
    const response = await submit({ email: 'alice@example.com', password: 'right' });
    expect(await h.codec.decode(sessionCookieOf(response))).toMatchObject({ amr: ['pwd'], acr: 'urn:portcullis:acr:1fa' });
    expect(h.setCookies).toHaveLength(0);
  });

  it('counts a password that owes a second factor apart from failures, and a wrong second factor as its own outcome', async () => {
    await h.stop();
    const metrics = createAuthMetrics();
    h = await new AuthHarness().start({ metrics });
    await submit({ email: 'mfa@example.com', password: 'right' });
    await submit({ totp: '654321' });
    const { values } = await metrics.registry.getSingleMetric('portcullis_web_auth_events_total')!.get();
    const count = (outcome: string) => values.find((entry) => entry.labels.event === 'signin' && entry.labels.outcome === outcome)?.value ?? 0;
    expect(count('second_factor_owed')).toBe(1);
    expect(count('invalid_second_factor')).toBe(1);
    expect(count('refused')).toBe(0);
  });
});
