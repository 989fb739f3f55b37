import { ERROR_CODES, type ApprovalRefusalReason, type ErrorBody, type ErrorCode } from '@portcullis/contracts';

/**
 * An error the API may show: a stable code, a message safe for any client, the HTTP status from the registry.
 * `detail` is for logs only and never reaches a response.
 */
export class ApiError extends Error {
  override readonly name = 'ApiError';
  readonly status: number;
  readonly headers: Readonly<Record<string, string>>;

  constructor(
    readonly code: ErrorCode,
    message: string,
    options: { headers?: Record<string, string>; detail?: string; reason?: ApprovalRefusalReason } = {},
  ) {
    super(message);
    this.status = ERROR_CODES[code];
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

export function insufficientScope(required: string): ApiError {
  return new ApiError('insufficient_scope', 'You are not allowed to do this.', {
    headers: { 'www-authenticate': `Bearer error="insufficient_scope", scope="${required}"` },
  });
}

/** Raised when a dependency (database, Redis) cannot answer: the caller should keep its state and retry. */
export class UnavailableError extends Error {
  override readonly name = 'UnavailableError';
}
