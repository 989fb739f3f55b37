'use client';

import { parseSignInError, safeCallbackPath, type SignInResult } from '@portcullis/next/client';
import { startAuthentication, type PublicKeyCredentialRequestOptionsJSON } from '@simplewebauthn/browser';
import { signIn } from 'next-auth/react';

/** Why the page asks for a passkey: the second step after a password, or a sign-in without one. */
type Purpose = 'second_factor' | 'passkey';

/**
 * One step of the sign-in through NextAuth's credentials endpoint (the library's provider reads which step it is from
 * the fields: a code, a recovery code, or a WebAuthn assertion as JSON), without a full-page redirect.
 */
async function credentialsStep(fields: Record<string, string>, callbackPath: string): Promise<SignInResult> {
  const origin = window.location.origin;
  const result = await signIn('credentials', { redirect: false, ...fields, callbackUrl: safeCallbackPath(callbackPath, origin) });
  if (!result) return { ok: false, problem: { code: 'failed' } };
  if (result.error || !result.ok) return { ok: false, problem: parseSignInError(result.error ?? 'SigninFailed') ?? { code: 'failed' } };
  return { ok: true, url: safeCallbackPath(result.url ?? '/', origin) };
}

/** Finishes a sign-in whose password was right with a code from the authenticator app or a recovery code. */
export function finishWithCode(proof: { totp: string } | { recoveryCode: string }, callbackPath: string): Promise<SignInResult> {
  return credentialsStep(proof, callbackPath);
}

/** A passkey ceremony that did not happen: cancelled, timed out, or no authenticator for it. */
export class PasskeyCancelled extends Error {
  constructor() {
    super('no passkey was used');
    this.name = 'PasskeyCancelled';
  }
}

/** The challenge, from the library's route: it adds what only the server holds (the pending sign-in, the ceremony binding). */
async function requestOptions(purpose: Purpose): Promise<PublicKeyCredentialRequestOptionsJSON | SignInResult> {
  const response = await fetch(`/api/auth/webauthn/options?purpose=${purpose}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' });
  if (response.ok) return (await response.json()) as PublicKeyCredentialRequestOptionsJSON;
  const body = (await response.json().catch(() => ({}))) as { error?: unknown };
  if (body.error === 'mfa_expired' || body.error === 'unauthenticated') return { ok: false, problem: { code: 'mfa_expired' } };
  if (response.status === 429) return { ok: false, problem: { code: 'rate_limited', retryAfterSeconds: Number(response.headers.get('retry-after') ?? 60) } };
  return { ok: false, problem: { code: response.status >= 500 ? 'unavailable' : 'failed' } };
}

/**
 * Signs in with a passkey (WebAuthn L3 §5.1.4): as the second step after the password, or without a password
 * (`purpose` 'passkey'), then through the browser's autofill when `conditional` (conditional mediation: the promise
 * waits until the person picks a passkey in the email field's suggestions). Throws `PasskeyCancelled` when no passkey
 * was used (for autofill, also when it could not be offered).
 */
export async function signInWithPasskey(input: { purpose: Purpose; callbackPath: string; conditional?: boolean }): Promise<SignInResult> {
  const options = await requestOptions(input.purpose);
  // Autofill is an offer, not a request: when it cannot be made, the page simply does without it.
  if ('ok' in options && input.conditional === true) throw new PasskeyCancelled();
  if ('ok' in options) return options;
  const assertion = await startAuthentication({ optionsJSON: options, useBrowserAutofill: input.conditional === true }).catch((): never => {
    throw new PasskeyCancelled();
  });
  const field = input.purpose === 'passkey' ? 'passkey' : 'webauthn';
  return credentialsStep({ [field]: JSON.stringify(assertion) }, input.callbackPath);
}
