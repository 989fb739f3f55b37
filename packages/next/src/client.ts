// Browser-safe helpers: nothing here imports server code or secrets.
import { startAuthentication, startRegistration, type PublicKeyCredentialCreationOptionsJSON, type PublicKeyCredentialRequestOptionsJSON } from '@simplewebauthn/browser';
import { signIn } from 'next-auth/react';
import { safeCallbackPath } from './http/callback-url.js';
import { parseSignInError, type SignInProblem } from './nextauth/sign-in-errors.js';
import { OIDC_PROVIDER_ID } from './oidc/provider-id.js';

export { safeCallbackPath } from './http/callback-url.js';
export { parseSignInError, signInErrorMessage } from './nextauth/sign-in-errors.js';
export type { SignInProblem, SignInErrorCode } from './nextauth/sign-in-errors.js';

export type SignInResult = { ok: true; url: string } | { ok: false; problem: SignInProblem };

/**
 * Signs in through NextAuth's credentials endpoint without a full-page redirect, and returns where to go
 * next (always on this origin) or the typed problem to show.
 */
export async function signInWithCredentials(input: { email: string; password: string; callbackPath: string }): Promise<SignInResult> {
  return credentialsStep({ email: input.email, password: input.password }, input.callbackPath);
}

/**
 * The second step after `signInWithCredentials` answered `mfa_required`: a code from the authenticator app or a recovery
 * code. The pending sign-in travels in its httpOnly cookie, not here. `invalid_mfa` means try again; `mfa_expired`
 * means start over with the password.
 */
export async function finishSignInWithCode(input: ({ code: string } | { recoveryCode: string }) & { callbackPath: string }): Promise<SignInResult> {
  return credentialsStep('code' in input ? { totp: input.code.replace(/\s/g, '') } : { recoveryCode: input.recoveryCode.trim() }, input.callbackPath);
}

/** The second step with a passkey: asks the library for this sign-in's challenge, lets the browser sign it, and finishes. */
export async function finishSignInWithPasskey(input: { callbackPath: string }): Promise<SignInResult> {
  const assertion = await passkeyAssertion('second_factor');
  if (!assertion.ok) return assertion;
  return credentialsStep({ webauthn: assertion.json }, input.callbackPath);
}

/**
 * Passwordless sign-in with a passkey. With `conditional: true` it starts the browser's autofill (conditional UI): call it
 * once when the sign-in page loads, with an `<input autocomplete="username webauthn">` on the page; it resolves when the
 * user picks a passkey there (or with a problem when the browser has no such UI).
 */
export async function signInWithPasskey(input: { callbackPath: string; conditional?: boolean }): Promise<SignInResult> {
  const assertion = await passkeyAssertion('passkey', input.conditional === true);
  if (!assertion.ok) return assertion;
  return credentialsStep({ passkey: assertion.json }, input.callbackPath);
}

/**
 * A passkey assertion for step-up, as the JSON text a server action passes on (`stepUp({ accessToken, webauthn })` after
 * `JSON.parse`): the challenge comes from the library's route with the session's token.
 */
export async function stepUpPasskeyAssertion(): Promise<{ ok: true; json: string } | { ok: false; problem: SignInProblem }> {
  return passkeyAssertion('step_up');
}

/**
 * Creates a passkey from the registration options a server action got from `myAccount.passkeyRegistrationOptions` (or
 * the enrolment's), and returns the browser's answer as JSON text for `registerPasskey`. `ok: false` when the user
 * cancelled or the device already holds a passkey for this account.
 */
export async function createPasskey(optionsJSON: PublicKeyCredentialCreationOptionsJSON): Promise<{ ok: true; json: string } | { ok: false }> {
  try {
    return { ok: true, json: JSON.stringify(await startRegistration({ optionsJSON })) };
  } catch {
    return { ok: false };
  }
}

async function credentialsStep(fields: Record<string, string>, callbackPath: string): Promise<SignInResult> {
  const origin = window.location.origin;
  const result = await signIn('credentials', { redirect: false, ...fields, callbackUrl: safeCallbackPath(callbackPath, origin) });
  if (!result) return { ok: false, problem: { code: 'failed' } };
  if (result.error || !result.ok) return { ok: false, problem: parseSignInError(result.error ?? 'SigninFailed') ?? { code: 'failed' } };
  return { ok: true, url: safeCallbackPath(result.url ?? '/', origin) };
}

type Assertion = { ok: true; json: string } | { ok: false; problem: SignInProblem };

async function passkeyAssertion(purpose: 'second_factor' | 'passkey' | 'step_up', conditional = false): Promise<Assertion> {
  let response: Response;
  try {
    response = await fetch(`/api/auth/webauthn/options?purpose=${purpose}`, { method: 'POST', credentials: 'same-origin', headers: { accept: 'application/json' } });
  } catch {
    return { ok: false, problem: { code: 'unavailable' } };
  }
  const body: unknown = await response.json().catch(() => null);
  if (!response.ok) return { ok: false, problem: optionsProblem(response.status, body) };
  try {
    const assertion = await startAuthentication({ optionsJSON: body as PublicKeyCredentialRequestOptionsJSON, useBrowserAutofill: conditional });
    return { ok: true, json: JSON.stringify(assertion) };
  } catch {
    // Cancelled, timed out, or no passkey for this site on this device: nothing was sent anywhere.
    return { ok: false, problem: { code: 'invalid_mfa' } };
  }
}

function optionsProblem(status: number, body: unknown): SignInProblem {
  const code = body !== null && typeof body === 'object' && 'error' in body ? body.error : undefined;
  if (code === 'mfa_expired' || code === 'unauthenticated') return { code: 'mfa_expired' };
  if (status === 429) return { code: 'rate_limited' };
  return { code: status >= 500 ? 'unavailable' : 'failed' };
}

/**
 * Starts single sign-on at the Portcullis OpenID Provider: NextAuth sets the state, PKCE and nonce cookies and
 * the browser goes to the provider, then comes back to `callbackPath` (on this origin only).
 */
export async function signInWithSingleSignOn(input: { callbackPath: string }): Promise<void> {
  await signIn(OIDC_PROVIDER_ID, { callbackUrl: safeCallbackPath(input.callbackPath, window.location.origin) });
}
