import { MFA_METHODS, type MfaMethod } from '@portcullis/contracts';

/**
 * The only sign-in errors that travel in NextAuth's redirect URL (`?error=`). `authorize()` throws one of these
 * fixed strings and nothing else, so backend text can never reach the URL or the page.
 */
export type SignInErrorCode =
  | 'invalid_credentials'
  | 'email_unverified'
  | 'rate_limited'
  | 'unavailable'
  | 'session_expired'
  | 'failed'
  /** The password was right; finish with one of `methods` (the pending sign-in waits in an httpOnly cookie). */
  | 'mfa_required'
  /** The password was right, but this account must set up a second factor before any session exists. */
  | 'enrollment_required'
  /** The second factor was wrong; the pending sign-in is kept, so the user may try again. */
  | 'invalid_mfa'
  /** No pending sign-in any more (expired after 5 minutes, or already finished): start again with the password. */
  | 'mfa_expired';

export interface SignInProblem {
  code: SignInErrorCode;
  /** Seconds to wait, for `rate_limited`. */
  retryAfterSeconds?: number;
  /** The second factors the user can finish with, for `mfa_required`. */
  methods?: readonly MfaMethod[];
}

const RATE_LIMITED = /^RateLimited:(\d{1,6})$/;
const MFA_REQUIRED = /^MfaRequired:([a-z_,]{1,64})$/;

/** The `error` parameter for a problem. `CredentialsSignin` is what NextAuth itself uses for wrong credentials. */
export function signInErrorParam(problem: SignInProblem): string {
  switch (problem.code) {
    case 'invalid_credentials':
      return 'CredentialsSignin';
    case 'email_unverified':
      return 'EmailUnverified';
    case 'rate_limited':
      return `RateLimited:${Math.max(1, Math.ceil(problem.retryAfterSeconds ?? 60))}`;
    case 'unavailable':
      return 'Unavailable';
    case 'session_expired':
      return 'SessionExpired';
    case 'failed':
      return 'SigninFailed';
    case 'mfa_required':
      return `MfaRequired:${(problem.methods ?? []).filter(isMfaMethod).join(',')}`;
    case 'enrollment_required':
      return 'EnrollmentRequired';
    case 'invalid_mfa':
      return 'InvalidMfa';
    case 'mfa_expired':
      return 'MfaExpired';
  }
}

function isMfaMethod(value: string): value is MfaMethod {
  return (MFA_METHODS as readonly string[]).includes(value);
}

/** Reads `?error=` back; unknown values become a generic failure, absent ones `null`. */
export function parseSignInError(param: string | null | undefined): SignInProblem | null {
  if (!param) return null;
  if (param === 'CredentialsSignin') return { code: 'invalid_credentials' };
  if (param === 'EmailUnverified') return { code: 'email_unverified' };
  // OAuthSignin: NextAuth could not start single sign-on (the provider's discovery did not answer).
  if (param === 'Unavailable' || param === 'OAuthSignin') return { code: 'unavailable' };
  if (param === 'SessionExpired') return { code: 'session_expired' };
  if (param === 'EnrollmentRequired') return { code: 'enrollment_required' };
  if (param === 'InvalidMfa') return { code: 'invalid_mfa' };
  if (param === 'MfaExpired') return { code: 'mfa_expired' };
  const mfa = MFA_REQUIRED.exec(param);
  if (mfa) return { code: 'mfa_required', methods: (mfa[1] ?? '').split(',').filter(isMfaMethod) };
  const limited = RATE_LIMITED.exec(param);
  if (limited) return { code: 'rate_limited', retryAfterSeconds: Number(limited[1]) };
  return { code: 'failed' };
}

/** Text for a person. Wrong password and unknown email read the same (OWASP ASVS 5.0 §6.3.8). */
export function signInErrorMessage(problem: SignInProblem): string {
  switch (problem.code) {
    case 'invalid_credentials':
      return 'Wrong email or password.';
    case 'email_unverified':
      return 'Confirm your email address first: follow the link in the mail we sent you, or have it sent again.';
    case 'rate_limited':
      return `Too many sign-in attempts. Try again in ${problem.retryAfterSeconds ?? 60} seconds.`;
    case 'unavailable':
      return 'Sign-in is temporarily unavailable. Please try again shortly.';
    case 'session_expired':
      return 'Your session has ended. Please sign in again.';
    case 'failed':
      return 'Sign-in failed. Please try again.';
    case 'mfa_required':
      return 'Confirm it is you with your second factor: a passkey, a code from your authenticator app, or a recovery code.';
    case 'enrollment_required':
      return 'Your account needs a second factor. Set up an authenticator app or a passkey to finish signing in.';
    case 'invalid_mfa':
      return 'That code or passkey was not accepted. Try again.';
    case 'mfa_expired':
      return 'This sign-in took too long. Please enter your password again.';
  }
}
