/**
 * Every error code the user-service answers with, in one registry.
 * Errors on the wire are `{ "error": code, "message": human text }`.
 */
export const ERROR_CODES = {
  invalid_request: 400,
  invalid_credentials: 401,
  invalid_grant: 401,
  invalid_token: 401,
  // RFC 9470: the caller is signed in, but their password check is too old for this action; step up and retry.
  insufficient_user_authentication: 401,
  // A call that claims to come from an app instance with a credential the service does not know.
  invalid_app_credential: 401,
  // OWASP ASVS 5.0 §6.2: the new password is too short, too common, contains the address or the app's name, or is breached.
  weak_password: 400,
  // A second factor was wrong, spent, or of another user or ceremony (the sign-in's or the step-up's second step).
  invalid_mfa: 401,
  // The user has a second factor, so the password alone does not prove them here: use the passkey or the code.
  mfa_required: 401,
  insufficient_scope: 403,
  // Self-service sign-up is off (SIGNUP=invite or closed).
  signup_closed: 403,
  // The password was right, but the address was never proven: follow the link in the verification mail first.
  email_unverified: 403,
  approval_invalid: 403,
  not_found: 404,
  conflict: 409,
  payload_too_large: 413,
  unsupported_media_type: 415,
  rate_limited: 429,
  internal_error: 500,
  unavailable: 503,
} as const;

export type ErrorCode = keyof typeof ERROR_CODES;

/**
 * The codes a few routes answer with another status than the registry's, and that status. `invalid_token` is a bearer
 * token's refusal (401 with a challenge, RFC 6750 §3.1) everywhere but on the routes that spend a one-time link from a
 * mail (reset, verification, invitation, email change): there the token is a field of the body, so a bad one is a bad
 * request (RFC 9110 §15.5.1) and no authentication scheme is asked for. A route declares the variant it answers with.
 */
export const ERROR_STATUS_VARIANTS = { invalid_token: 400 } as const satisfies Partial<Record<ErrorCode, number>>;

/** A code answered with its variant status, as a route declares it among its refusals. */
export type ErrorStatusVariant = {
  [C in keyof typeof ERROR_STATUS_VARIANTS]: { readonly code: C; readonly status: (typeof ERROR_STATUS_VARIANTS)[C] };
}[keyof typeof ERROR_STATUS_VARIANTS];

/** Why an approval step was refused: the `reason` of an `approval_invalid` error. */
export const APPROVAL_REFUSAL_REASONS = [
  'request_not_found',
  'request_not_pending',
  'self_approval',
  'approver_not_allowed',
  'ticket_invalid',
  'no_approval',
  'already_consumed',
  'expired',
  'state_mismatch',
  'wrong_requester',
  'requester_not_allowed',
] as const;
export type ApprovalRefusalReason = (typeof APPROVAL_REFUSAL_REASONS)[number];

/** The text for each refusal, shared so the API's message and the app's page say the same thing. */
export const APPROVAL_REFUSAL_MESSAGES: Readonly<Record<ApprovalRefusalReason, string>> = {
  request_not_found: 'No such request.',
  request_not_pending: 'This request has already been decided.',
  self_approval: 'You cannot approve your own request.',
  approver_not_allowed: 'Only a manager or an administrator can approve requests.',
  ticket_invalid: 'This approval sign-in has expired or was already used. Sign in again.',
  no_approval: 'No approval has been given for this request.',
  already_consumed: 'This approval has already been used.',
  expired: 'This approval has expired. Ask again.',
  state_mismatch: 'This approval belongs to another approval attempt.',
  wrong_requester: 'This approval is for another user.',
  requester_not_allowed: 'Your account cannot use approvals.',
};

export function isErrorCode(value: unknown): value is ErrorCode {
  return typeof value === 'string' && Object.hasOwn(ERROR_CODES, value);
}
