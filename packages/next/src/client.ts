// Browser-safe helpers: nothing here imports server code or secrets.
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
  const origin = window.location.origin;
  const result = await signIn('credentials', {
    redirect: false,
    email: input.email,
    password: input.password,
    callbackUrl: safeCallbackPath(input.callbackPath, origin),
  });
  if (!result) return { ok: false, problem: { code: 'failed' } };
  if (result.error || !result.ok) return { ok: false, problem: parseSignInError(result.error ?? 'SigninFailed') ?? { code: 'failed' } };
  return { ok: true, url: safeCallbackPath(result.url ?? '/', origin) };
}

/**
 * Starts single sign-on at the Portcullis OpenID Provider: NextAuth sets the state, PKCE and nonce cookies and
 * the browser goes to the provider, then comes back to `callbackPath` (on this origin only).
 */
export async function signInWithSingleSignOn(input: { callbackPath: string }): Promise<void> {
  await signIn(OIDC_PROVIDER_ID, { callbackUrl: safeCallbackPath(input.callbackPath, window.location.origin) });
}
