/**
 * The only sign-in errors that travel in NextAuth's redirect URL (`?error=`). `authorize()` throws one of these
 * fixed strings and nothing else, so backend text can never reach the URL or the page.
 */
export type SignInErrorCode = 'invalid_credentials' | 'email_unverified' | 'rate_limited' | 'unavailable' | 'session_expired' | 'failed';

export interface SignInProblem {
  code: SignInErrorCode;
  /** Seconds to wait, for `rate_limited`. */
  retryAfterSeconds?: number;
}

const RATE_LIMITED = /^RateLimited:(\d{1,6})$/;

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
  }
}

/** Reads `?error=` back; unknown values become a generic failure, absent ones `null`. */
export function parseSignInError(param: string | null | undefined): SignInProblem | null {
  if (!param) return null;
  if (param === 'CredentialsSignin') return { code: 'invalid_credentials' };
  if (param === 'EmailUnverified') return { code: 'email_unverified' };
  // OAuthSignin: NextAuth could not start single sign-on (the provider's discovery did not answer).
  if (param === 'Unavailable' || param === 'OAuthSignin') return { code: 'unavailable' };
  if (param === 'SessionExpired') return { code: 'session_expired' };
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
  }
}
