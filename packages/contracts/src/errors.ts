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
  insufficient_scope: 403,
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

export interface ErrorBody {
  error: ErrorCode;
  message: string;
}

export function isErrorCode(value: unknown): value is ErrorCode {
  return typeof value === 'string' && Object.hasOwn(ERROR_CODES, value);
}
