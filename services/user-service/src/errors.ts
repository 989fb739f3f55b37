import { ERROR_CODES, ERROR_STATUS_VARIANTS, type ApprovalRefusalReason, type ErrorBody, type ErrorCode, type ErrorStatusVariant } from '@portcullis/contracts';

/**
 * An error the API may show: a stable code, a message safe for any client, the HTTP status from the registry (or the
 * code's declared variant, ERROR_STATUS_VARIANTS). `detail` is for logs only and never reaches a response.
 */
export class ApiError extends Error {
  override readonly name = 'ApiError';
  readonly status: number;
  readonly headers: Readonly<Record<string, string>>;

  constructor(
    readonly code: ErrorCode,
    message: string,
    options: { headers?: Record<string, string>; detail?: string; reason?: ApprovalRefusalReason; status?: ErrorStatusVariant['status'] } = {},
  ) {
    super(message);
    if (options.status !== undefined && (ERROR_STATUS_VARIANTS as Partial<Record<ErrorCode, number>>)[code] !== options.status) {
      throw new Error(`${code} has no status variant ${options.status} (ERROR_STATUS_VARIANTS)`);
    }
    this.status = options.status ?? ERROR_CODES[code];
    this.headers = options.headers ?? {};
    this.detail = options.detail;
    this.reason = options.reason;
  }

  readonly detail: string | undefined;
  readonly reason: ApprovalRefusalReason | undefined;

  toBody(): ErrorBody {
    return this.reason === undefined ? { error: this.code, message: this.message } : { error: this.code, message: this.message, reason: this.reason };
  }
}

export function invalidRequest(message: string): ApiError {
  return new ApiError('invalid_request', message);
}

/** RFC 6750 §3: a protected resource names the Bearer scheme on every refusal. */
export function invalidToken(detail: string): ApiError {
  return new ApiError('invalid_token', 'The access token is missing, invalid, expired or revoked.', {
    headers: { 'www-authenticate': 'Bearer error="invalid_token"' },
    detail,
  });
}

/** The refusal `invalidLink()` gives, as the routes that spend a link declare it (routeResponses' `refuses`). */
export const INVALID_LINK: ErrorStatusVariant = { code: 'invalid_token', status: ERROR_STATUS_VARIANTS.invalid_token };

/**
 * A one-time link from a mail that cannot be spent: unknown, tampered, already used, expired, superseded by a newer one
 * or meant for another purpose. One answer for all (OWASP ASVS 5.0 §6.4.1), as a bad request: the token is a field of
 * the body, not a bearer credential (ERROR_STATUS_VARIANTS).
 */
export function invalidLink(): ApiError {
  return new ApiError('invalid_token', 'This link is invalid, has expired or was already used. Ask for a new one.', { status: INVALID_LINK.status });
}

export function insufficientScope(required: string): ApiError {
  return new ApiError('insufficient_scope', 'You are not allowed to do this.', {
    headers: { 'www-authenticate': `Bearer error="insufficient_scope", scope="${required}"` },
  });
}

/** Raised when a dependency (database, Redis) cannot answer: the caller should keep its state and retry. */
export class UnavailableError extends Error {
  override readonly name = 'UnavailableError';
}
