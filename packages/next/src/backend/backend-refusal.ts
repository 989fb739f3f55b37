import { errorBodySchema, isErrorCode, type ErrorCode } from '@portcullis/contracts';
import { z } from 'zod';
import { approvalRefusalReason } from '../approvals/approval-refusals.js';
import {
  ApprovalRefusedError,
  BackendRejectedError,
  InvalidCredentialsError,
  InvalidMfaError,
  MfaRequiredError,
  RateLimitedError,
  StepUpRequiredError,
  UnauthenticatedError,
  type PortcullisError,
} from '../errors.js';

/** A user-service answer as `call()` returns it. */
export interface BackendResponse {
  status: number;
  body: unknown;
  headers: Headers;
}

// A reason this library does not know yet (a newer service) reads as "unknown", not as an unreadable answer.
const readableErrorBody = errorBodySchema.extend({ reason: z.string().optional() });

// RFC 9470 §3: `WWW-Authenticate: Bearer error="insufficient_user_authentication", max_age=600`.
const MAX_AGE = /(?:^|[\s,])max_age="?(\d{1,7})"?/;

function seconds(value: string | null | undefined): number | undefined {
  const parsed = Number.parseInt(value ?? '', 10);
  return Number.isFinite(parsed) && parsed >= 0 ? parsed : undefined;
}

/**
 * Maps a refusal of the user-service onto the library's typed errors, so an app can react to the kind of refusal
 * (step up, wait, sign in again) without reading backend text: `insufficient_user_authentication` becomes
 * `StepUpRequiredError`, `approval_invalid` `ApprovalRefusedError`, `rate_limited` `RateLimitedError`,
 * `invalid_credentials` `InvalidCredentialsError`, `invalid_token` `UnauthenticatedError`, `invalid_mfa` `InvalidMfaError`, `mfa_required` `MfaRequiredError`; anything else
 * `BackendRejectedError` with the code.
 */
export function backendRefusal(answer: BackendResponse): PortcullisError {
  const parsed = readableErrorBody.safeParse(answer.body);
  const code: ErrorCode | 'unknown' = parsed.success && isErrorCode(parsed.data.error) ? parsed.data.error : 'unknown';
  switch (code) {
    case 'insufficient_user_authentication': {
      const maxAge = seconds(MAX_AGE.exec(answer.headers.get('www-authenticate') ?? '')?.[1]);
      return new StepUpRequiredError(maxAge === undefined ? {} : { maxAgeSeconds: maxAge });
    }
    case 'approval_invalid':
      return new ApprovalRefusedError(approvalRefusalReason(parsed.success ? parsed.data.reason : undefined));
    case 'rate_limited':
      return new RateLimitedError(seconds(answer.headers.get('retry-after')));
    case 'invalid_credentials':
      return new InvalidCredentialsError();
    case 'invalid_token':
      return new UnauthenticatedError();
    case 'invalid_mfa':
      return new InvalidMfaError();
    // The password alone was refused because the user has a second factor: they step up with it instead.
    case 'mfa_required':
      return new MfaRequiredError({ enrolled: true });
    default: {
      const retryAfter = seconds(answer.headers.get('retry-after'));
      return new BackendRejectedError({ backendCode: code, backendStatus: answer.status, ...(retryAfter === undefined ? {} : { retryAfterSeconds: retryAfter }) });
    }
  }
}
