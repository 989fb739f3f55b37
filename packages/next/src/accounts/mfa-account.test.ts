import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { InvalidInputError, InvalidMfaError, MfaExpiredError, MfaRequiredError } from '../errors.js';
import { AuthHarness } from '../test-support/auth-harness.js';
import { FAKE_CREDENTIAL_ID, FAKE_TOTP } from '../test-support/fake-user-service.js';

let h: AuthHarness;
const logged: string[] = [];
const capture = (fields: object, message: string) => void logged.push(JSON.stringify({ fields, message }));
beforeEach(async () => {
  logged.length = 0;
  h = await new AuthHarness().start({ logger: { debug: capture, info: capture, warn: capture, error: capture } });
  h.requestHeaders = new Headers({ 'x-forwarded-for': '198.51.100.7', 'user-agent': 'vitest-browser' });
});
afterEach(async () => {
  await h.stop();
});

const registration = JSON.stringify({
  id: 'new-credential',
  rawId: 'new-credential',
  type: 'public-key',
  response: { clientDataJSON: 'e30', attestationObject: 'o2M', transports: ['internal'] },
  clientExtensionResults: {},
});

describe('my second factors', () => {
  it('enrols TOTP with the user token: the secret first, then 10 recovery codes once a code confirms it', async () => {
    const { token } = await h.signIn('USER');
    const mfa = h.auth.myAccount.mfa({ accessToken: token.accessToken });
    expect(await mfa.startTotp()).toEqual({ secret: expect.any(String), otpauthUrl: expect.stringMatching(/^otpauth:\/\/totp\//) });
    const codes = await mfa.confirmTotp('123 456');
    expect(codes).toHaveLength(10);
    expect(h.backend.callsTo('/v1/me/mfa/totp/confirm')[0]).toMatchObject({ body: { code: FAKE_TOTP }, headers: { authorization: `Bearer ${token.accessToken}` } });
    expect(logged.join('\n')).not.toContain(codes[0]);
    expect(logged.join('\n')).not.toContain('JBSWY3DPEHPK3PXP');
  });

  it('refuses a wrong confirming code with invalid_mfa, and a malformed one without asking the service', async () => {
    const { token } = await h.signIn('USER');
    const mfa = h.auth.myAccount.mfa({ accessToken: token.accessToken });
    await expect(mfa.confirmTotp('654321')).rejects.toBeInstanceOf(InvalidMfaError);
    await expect(mfa.confirmTotp('12')).rejects.toBeInstanceOf(InvalidInputError);
    expect(h.backend.callsTo('/v1/me/mfa/totp/confirm')).toHaveLength(1);
  });

  it('lists, registers and removes passkeys, and reports the status', async () => {
    const { token } = await h.signIn('USER');
    const mfa = h.auth.myAccount.mfa({ accessToken: token.accessToken });
    expect(await mfa.status()).toEqual({ totp: true, passkeys: 1, recoveryCodesLeft: 10, required: false });
    expect(await mfa.listPasskeys()).toEqual([expect.objectContaining({ id: 'pk1', name: 'Laptop', lastUsedAt: null })]);
    expect(await mfa.passkeyRegistrationOptions()).toMatchObject({ challenge: expect.any(String) });
    expect(await mfa.registerPasskey({ name: 'Phone', response: registration })).toEqual({ id: 'pk2' });
    await mfa.removePasskey('pk1');
    expect(h.backend.calls.some((call) => call.method === 'DELETE' && call.path === '/v1/me/passkeys/pk1')).toBe(true);
    await expect(mfa.removePasskey('../users')).rejects.toBeInstanceOf(InvalidInputError);
    await expect(mfa.registerPasskey({ name: 'bad\u0007name', response: '{' })).rejects.toMatchObject({ fields: ['name', 'response'] });
  });

  it('regenerates recovery codes and removes TOTP', async () => {
    const { token } = await h.signIn('USER');
    const mfa = h.auth.myAccount.mfa({ accessToken: token.accessToken });
    expect(await mfa.regenerateRecoveryCodes()).toHaveLength(10);
    await expect(mfa.removeTotp()).resolves.toBeUndefined();
  });
});

describe('enrolment before any session', () => {
  it('enrols through the pending sign-in cookie; the session the service answers with is ended and the cookie cleared, for a sign-in with both factors', async () => {
    await h.submitCredentials({ email: 'enrol@example.com', password: 'right' });
    h.requestHeaders = new Headers({ cookie: h.jarHeader(), 'x-forwarded-for': '198.51.100.7', 'user-agent': 'vitest-browser' });
    expect(await h.auth.mfaEnrolment.pending()).toEqual({ stage: 'enrollment', methods: [] });
    await h.auth.mfaEnrolment.startTotp();
    const [mfaToken] = h.backend.pending.keys();
    expect(h.backend.callsTo('/v1/me/mfa/totp')[0]?.headers.authorization).toBe(`MFA ${mfaToken}`);
    expect(await h.auth.mfaEnrolment.confirmTotp(FAKE_TOTP)).toHaveLength(10);
    // No session lives that no browser holds: the one the confirmation answered with is ended, the cookie cleared.
    expect([...h.backend.sessions.values()].map((session) => session.revoked)).toEqual([true]);
    h.requestHeaders = new Headers({ cookie: h.jarHeader() });
    expect(await h.auth.mfaEnrolment.pending()).toBeNull();
  });

  it('enrols a passkey the same way', async () => {
    await h.submitCredentials({ email: 'enrol@example.com', password: 'right' });
    h.requestHeaders = new Headers({ cookie: h.jarHeader() });
    await h.auth.mfaEnrolment.passkeyRegistrationOptions();
    await h.auth.mfaEnrolment.registerPasskey({ name: 'Laptop', response: registration });
    expect([...h.backend.sessions.values()].map((session) => session.revoked)).toEqual([true]);
    h.requestHeaders = new Headers({ cookie: h.jarHeader() });
    expect(await h.auth.mfaEnrolment.pending()).toBeNull();
  });

  it('refuses enrolment without a pending enrolment, and for a sign-in that only owes its factor', async () => {
    await expect(h.auth.mfaEnrolment.startTotp()).rejects.toBeInstanceOf(MfaExpiredError);
    await h.submitCredentials({ email: 'mfa@example.com', password: 'right' });
    h.requestHeaders = new Headers({ cookie: h.jarHeader() });
    await expect(h.auth.mfaEnrolment.startTotp()).rejects.toBeInstanceOf(MfaExpiredError);
    expect(h.backend.callsTo('/v1/me/mfa/totp')).toHaveLength(0);
  });
});

describe('admin', () => {
  it('resets a user’s factors and requires a second factor of them, with the admin token', async () => {
    const { token } = await h.signIn('ADMIN');
    await h.auth.adminMfa.resetFactors({ accessToken: token.accessToken, userId: 'u9' });
    await h.auth.adminMfa.setMfaRequired({ accessToken: token.accessToken, userId: 'u9', required: true });
    expect(h.backend.calls.filter((call) => call.path.startsWith('/v1/users/u9/mfa')).map((call) => [call.method, call.path, call.body])).toEqual([
      ['POST', '/v1/users/u9/mfa/reset', undefined],
      ['PUT', '/v1/users/u9/mfa-required', { required: true }],
    ]);
    await expect(h.auth.adminMfa.resetFactors({ accessToken: token.accessToken, userId: '../x' })).rejects.toBeInstanceOf(InvalidInputError);
  });
});

describe('step-up with a second factor', () => {
  it('refuses the password alone for a user who has a factor, and accepts the code or the passkey', async () => {
    const { token } = await h.signIn('MANAGER', { userId: 'u-mfa' });
    await expect(h.auth.stepUp({ accessToken: token.accessToken, password: 'right' })).rejects.toBeInstanceOf(MfaRequiredError);
    await expect(h.auth.stepUp({ accessToken: token.accessToken, totp: FAKE_TOTP })).resolves.toEqual({ stepUpAt: expect.any(Number) });
    const webauthn = {
      id: FAKE_CREDENTIAL_ID,
      rawId: FAKE_CREDENTIAL_ID,
      type: 'public-key' as const,
      response: { clientDataJSON: 'e30', authenticatorData: 'AA', signature: 'AA' },
      clientExtensionResults: {},
    };
    await expect(h.auth.stepUp({ accessToken: token.accessToken, webauthn })).resolves.toEqual({ stepUpAt: expect.any(Number) });
    await expect(h.auth.stepUp({ accessToken: token.accessToken, totp: '654321' })).rejects.toBeInstanceOf(InvalidMfaError);
  });

  it('still takes the password of a user without a factor, and refuses a proof that is not exactly one', async () => {
    const { token } = await h.signIn('USER');
    await expect(h.auth.stepUp({ accessToken: token.accessToken, password: 'right' })).resolves.toEqual({ stepUpAt: expect.any(Number) });
    await expect(h.auth.stepUp({ accessToken: token.accessToken, totp: FAKE_TOTP, password: 'right' } as never)).rejects.toBeInstanceOf(InvalidInputError);
    expect(logged.join('\n')).not.toContain(FAKE_TOTP);
  });
});
