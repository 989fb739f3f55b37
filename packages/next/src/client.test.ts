import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';

const signIn = vi.fn();
const startAuthentication = vi.fn();
vi.mock('next-auth/react', () => ({ signIn: (...args: unknown[]) => signIn(...args) }));
vi.mock('@simplewebauthn/browser', () => ({ startAuthentication: (...args: unknown[]) => startAuthentication(...args) }));

const { finishSignInWithCode, finishSignInWithPasskey, signInWithCredentials, signInWithPasskey } = await import('./client.js');

const ORIGIN = 'http://localhost:3000';
const fetchMock = vi.fn();

beforeEach(() => {
  vi.stubGlobal('window', { location: { origin: ORIGIN } });
  vi.stubGlobal('fetch', fetchMock);
  signIn.mockReset();
  startAuthentication.mockReset();
  fetchMock.mockReset();
});
afterEach(() => {
  vi.unstubAllGlobals();
});

const options = { challenge: 'Y2g', rpId: 'localhost', userVerification: 'required' };
const assertion = { id: 'cred', rawId: 'cred', type: 'public-key', response: {}, clientExtensionResults: {} };

describe('browser sign-in helpers', () => {
  it('hands the page mfa_required with the methods after the password of an MFA user', async () => {
    signIn.mockResolvedValue({ ok: false, error: 'MfaRequired:webauthn,totp', status: 401, url: null });
    expect(await signInWithCredentials({ email: 'a@example.com', password: 'right', callbackPath: '/admin' })).toEqual({
      ok: false,
      problem: { code: 'mfa_required', methods: ['webauthn', 'totp'] },
    });
  });

  it('finishes with a code from the authenticator app, spaces forgiven, and goes to the callback', async () => {
    signIn.mockResolvedValue({ ok: true, error: null, status: 200, url: `${ORIGIN}/admin` });
    expect(await finishSignInWithCode({ code: '123 456', callbackPath: '/admin' })).toEqual({ ok: true, url: '/admin' });
    expect(signIn).toHaveBeenCalledWith('credentials', { redirect: false, totp: '123456', callbackUrl: '/admin' });
  });

  it('says invalid_mfa for a wrong recovery code', async () => {
    signIn.mockResolvedValue({ ok: false, error: 'InvalidMfa', status: 401, url: null });
    expect(await finishSignInWithCode({ recoveryCode: 'abcde-fghij', callbackPath: '/' })).toEqual({ ok: false, problem: { code: 'invalid_mfa' } });
    expect(signIn).toHaveBeenCalledWith('credentials', { redirect: false, recoveryCode: 'abcde-fghij', callbackUrl: '/' });
  });

  it('finishes with a passkey: options for this sign-in from the library route, the browser signs, NextAuth verifies', async () => {
    fetchMock.mockResolvedValue(Response.json(options));
    startAuthentication.mockResolvedValue(assertion);
    signIn.mockResolvedValue({ ok: true, error: null, status: 200, url: `${ORIGIN}/` });
    expect(await finishSignInWithPasskey({ callbackPath: '/' })).toEqual({ ok: true, url: '/' });
    expect(fetchMock).toHaveBeenCalledWith('/api/auth/webauthn/options?purpose=second_factor', expect.objectContaining({ method: 'POST' }));
    expect(startAuthentication).toHaveBeenCalledWith({ optionsJSON: options, useBrowserAutofill: false });
    expect(signIn).toHaveBeenCalledWith('credentials', { redirect: false, webauthn: JSON.stringify(assertion), callbackUrl: '/' });
  });

  it('signs in without a password through the browser autofill when asked for conditional UI', async () => {
    fetchMock.mockResolvedValue(Response.json(options));
    startAuthentication.mockResolvedValue(assertion);
    signIn.mockResolvedValue({ ok: true, error: null, status: 200, url: `${ORIGIN}/` });
    await signInWithPasskey({ callbackPath: '/', conditional: true });
    expect(fetchMock).toHaveBeenCalledWith('/api/auth/webauthn/options?purpose=passkey', expect.anything());
    expect(startAuthentication).toHaveBeenCalledWith({ optionsJSON: options, useBrowserAutofill: true });
    expect(signIn).toHaveBeenCalledWith('credentials', { redirect: false, passkey: JSON.stringify(assertion), callbackUrl: '/' });
  });

  it('sends nothing to NextAuth when the user cancels the passkey prompt, and says mfa_expired when the sign-in is gone', async () => {
    fetchMock.mockResolvedValue(Response.json(options));
    startAuthentication.mockRejectedValue(new DOMException('cancelled', 'NotAllowedError'));
    expect(await signInWithPasskey({ callbackPath: '/' })).toEqual({ ok: false, problem: { code: 'invalid_mfa' } });
    fetchMock.mockResolvedValue(Response.json({ error: 'mfa_expired', message: 'x' }, { status: 401 }));
    expect(await finishSignInWithPasskey({ callbackPath: '/' })).toEqual({ ok: false, problem: { code: 'mfa_expired' } });
    expect(signIn).not.toHaveBeenCalled();
  });
});
