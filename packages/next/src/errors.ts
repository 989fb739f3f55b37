import type { ErrorCode as BackendErrorCode, Role, Scope } from '@portcullis/contracts';
import { APPROVAL_REFUSAL_MESSAGES, type ApprovalRefusalReason } from './approvals/approval-refusals.js';
import { signInErrorMessage } from './nextauth/sign-in-errors.js';

/**
 * Every failure the library reports, in one closed registry: a stable `code` and the HTTP status an
 * app should answer with. Messages are fixed text and never contain a token, a password or backend text.
 */
export const AUTH_ERROR_CODES = {
  unauthenticated: 401,
  session_expired: 401,
  forbidden: 403,
  csrf_rejected: 403,
  invalid_input: 400,
  step_up_required: 401,
  mfa_required: 403,
  invalid_mfa: 401,
  mfa_expired: 401,
  invalid_credentials: 401,
  rate_limited: 429,
  approval_refused: 403,
  invalid_token: 400,
  weak_password: 400,
  signup_closed: 403,
  backend_rejected: 502,
  backend_unavailable: 503,
  invalid_option: 500,
} as const;

export type AuthErrorCode = keyof typeof AUTH_ERROR_CODES;

export abstract class PortcullisError extends Error {
  abstract readonly code: AuthErrorCode;

  get status(): number {
    return AUTH_ERROR_CODES[this.code];
  }

  /** The body a route handler answers with: the code and the fixed message, nothing else. */
  toJSON(): { error: AuthErrorCode; message: string } {
    return { error: this.code, message: this.message };
  }
}

/** No session, or one that could not be read. Maps to 401. */
export class UnauthenticatedError extends PortcullisError {
  readonly code = 'unauthenticated';
  constructor() {
    super('Sign-in required.');
    this.name = 'UnauthenticatedError';
  }
}

/** The backend ended the session (revoked, reused refresh token, expired). Maps to 401. */
export class SessionExpiredError extends PortcullisError {
  readonly code = 'session_expired';
  constructor() {
    super('The session has ended; sign in again.');
    this.name = 'SessionExpiredError';
  }
}

/** Signed in, but without the role or scope the resource needs. Maps to 403. */
export class ForbiddenError extends PortcullisError {
  readonly code = 'forbidden';
  readonly requiredRole: Role | undefined;
  readonly requiredScope: Scope | undefined;
  constructor(requirement: { role?: Role; scope?: Scope }) {
    super('You do not have access to this resource.');
    this.name = 'ForbiddenError';
    this.requiredRole = requirement.role;
    this.requiredScope = requirement.scope;
  }
}

/** A state-changing request that did not come from the app's own origin. Maps to 403. */
export class CsrfRejectedError extends PortcullisError {
  readonly code = 'csrf_rejected';
  /** Which check refused it, for logs only. */
  readonly reason: string;
  constructor(reason: string) {
    super('Cross-site request refused.');
    this.name = 'CsrfRejectedError';
    this.reason = reason;
  }
}

/** Input of a server action or route failed its schema. Maps to 400. */
export class InvalidInputError extends PortcullisError {
  readonly code = 'invalid_input';
  /** Field paths that failed, safe to show. */
  readonly fields: readonly string[];
  constructor(fields: readonly string[]) {
    super('The request was not valid.');
    this.name = 'InvalidInputError';
    this.fields = fields;
  }
}

/**
 * Signed in, but the last password check (sign-in or step-up) is older than the action allows: the backend answered
 * `insufficient_user_authentication` (RFC 9470 §3). The app asks for the password again (step-up) and retries; a
 * token refresh never counts as a password check. Maps to 401.
 */
export class StepUpRequiredError extends PortcullisError {
  readonly code = 'step_up_required';
  /** The `max_age` the backend named in `WWW-Authenticate`, when it did. */
  readonly maxAgeSeconds: number | undefined;
  constructor(details: { maxAgeSeconds?: number } = {}) {
    super('Confirm your password to continue.');
    this.name = 'StepUpRequiredError';
    this.maxAgeSeconds = details.maxAgeSeconds;
  }
}

/**
 * The action needs a multi-factor session (`{ mfa: true }`) or the service refused the password alone because the user
 * has a second factor (OWASP ASVS 5.0 §6.3.3). `enrolled` says which way out there is: `false` — enrol a factor first,
 * `true` — step up with it, `undefined` — not known here (ask `myAccount.mfaStatus`). Maps to 403.
 */
export class MfaRequiredError extends PortcullisError {
  readonly code = 'mfa_required';
  readonly enrolled: boolean | undefined;
  constructor(details: { enrolled?: boolean } = {}) {
    super(
      details.enrolled === false ? 'Set up a second factor (an authenticator app or a passkey) to continue.' : 'Confirm it is you with your second factor to continue.',
    );
    this.name = 'MfaRequiredError';
    this.enrolled = details.enrolled;
  }
}

/** A second factor (code, recovery code or passkey) was wrong, spent, or not this user's. Maps to 401. */
export class InvalidMfaError extends PortcullisError {
  readonly code = 'invalid_mfa';
  constructor() {
    super('That code or passkey was not accepted. Try again.');
    this.name = 'InvalidMfaError';
  }
}

/** The sign-in waiting for its second factor is gone (expired, finished, or never started here): sign in again. Maps to 401. */
export class MfaExpiredError extends PortcullisError {
  readonly code = 'mfa_expired';
  constructor() {
    super('This sign-in took too long. Please sign in again.');
    this.name = 'MfaExpiredError';
  }
}

/**
 * A password check outside NextAuth (approval sign-in, step-up) failed. One message for unknown email, wrong
 * password and disabled account (OWASP ASVS 5.0 §6.3.8). Maps to 401.
 */
export class InvalidCredentialsError extends PortcullisError {
  readonly code = 'invalid_credentials';
  constructor() {
    super(signInErrorMessage({ code: 'invalid_credentials' }));
    this.name = 'InvalidCredentialsError';
  }
}

/**
 * The backend throttled a password check, or (`of: 'account'`) a request of the account pages (forgot password, sign-up,
 * a resent link); the message names the wait like the sign-in page does. Maps to 429.
 */
export class RateLimitedError extends PortcullisError {
  readonly code = 'rate_limited';
  readonly retryAfterSeconds: number;
  constructor(retryAfterSeconds: number | undefined, options: { of?: 'sign-in' | 'account' } = {}) {
    const seconds = Math.max(1, Math.ceil(retryAfterSeconds ?? 60));
    super(options.of === 'account' ? `Too many requests. Try again in ${seconds} seconds.` : signInErrorMessage({ code: 'rate_limited', retryAfterSeconds: seconds }));
    this.name = 'RateLimitedError';
    this.retryAfterSeconds = seconds;
  }
}

/** The user-service refused an approval step (`approval_invalid`); `reason` says which rule. Maps to 403. */
export class ApprovalRefusedError extends PortcullisError {
  readonly code = 'approval_refused';
  readonly reason: ApprovalRefusalReason;
  constructor(reason: ApprovalRefusalReason) {
    super(APPROVAL_REFUSAL_MESSAGES[reason]);
    this.name = 'ApprovalRefusedError';
    this.reason = reason;
  }
}

/**
 * The link from a mail (reset, verification, invitation, email change) is unknown, used, expired or replaced by a newer
 * one; the service does not say which, and neither does this message. Maps to 400.
 */
export class InvalidAccountLinkError extends PortcullisError {
  readonly code = 'invalid_token';
  constructor() {
    super('This link has expired or was already used. Ask for a new one.');
    this.name = 'InvalidAccountLinkError';
  }
}

const WEAK_PASSWORD_MESSAGE = 'Choose another password: at least 8 characters (15 or more is better), not a common one, not containing your email.';

/**
 * The password policy (OWASP ASVS 5.0 §6.2) refused a new password. `message` is the policy's reason as the user-service
 * words it for the person choosing (fixed text there, bounded here), since this app has no copy of the policy. Maps to 400.
 */
export class WeakPasswordError extends PortcullisError {
  readonly code = 'weak_password';
  constructor(policyMessage?: string) {
    super(policyMessage !== undefined && policyMessage.length > 0 && policyMessage.length <= 200 ? policyMessage : WEAK_PASSWORD_MESSAGE);
    this.name = 'WeakPasswordError';
  }
}

/** The user-service takes no sign-ups (SIGNUP is `invite` or `closed`): accounts come by invitation. Maps to 403. */
export class SignupClosedError extends PortcullisError {
  readonly code = 'signup_closed';
  constructor() {
    super('Sign-up is by invitation: ask an administrator to invite you.');
    this.name = 'SignupClosedError';
  }
}

/** The user-service answered with a 4xx the caller did not expect. Maps to 502. */
export class BackendRejectedError extends PortcullisError {
  readonly code = 'backend_rejected';
  readonly backendCode: BackendErrorCode | 'unknown';
  readonly backendStatus: number;
  /** Seconds from `Retry-After`, when the backend throttled the call. */
  readonly retryAfterSeconds: number | undefined;
  constructor(details: { backendCode: BackendErrorCode | 'unknown'; backendStatus: number; retryAfterSeconds?: number }) {
    super('The user-service refused the request.');
    this.name = 'BackendRejectedError';
    this.backendCode = details.backendCode;
    this.backendStatus = details.backendStatus;
    this.retryAfterSeconds = details.retryAfterSeconds;
  }
}

/** The user-service could not be reached, timed out or answered 5xx. Maps to 503. */
export class BackendUnavailableError extends PortcullisError {
  readonly code = 'backend_unavailable';
  constructor(options?: { cause?: unknown }) {
    super('The user-service is temporarily unavailable.', options);
    this.name = 'BackendUnavailableError';
  }
}

/** A `createAuth` option is missing or wrong; names the option. */
export class InvalidOptionError extends PortcullisError {
  readonly code = 'invalid_option';
  readonly option: string;
  constructor(option: string, problem: string) {
    super(`Invalid option "${option}": ${problem}`);
    this.name = 'InvalidOptionError';
    this.option = option;
  }
}

export function isPortcullisError(value: unknown): value is PortcullisError {
  return value instanceof PortcullisError;
}
