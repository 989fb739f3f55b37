import { describe, expect, it } from 'vitest';
import { ApprovalRefusedError, BackendRejectedError, InvalidCredentialsError, RateLimitedError, StepUpRequiredError, UnauthenticatedError } from '../errors.js';
import { backendRefusal } from './backend-refusal.js';

function answer(status: number, body: unknown, headers: Record<string, string> = {}) {
  return { status, body, headers: new Headers(headers) };
}

describe('backendRefusal', () => {
  it('maps insufficient_user_authentication to a typed step-up error with the max_age of WWW-Authenticate (RFC 9470)', () => {
    const error = backendRefusal(
      answer(401, { error: 'insufficient_user_authentication', message: 'x' }, { 'www-authenticate': 'Bearer error="insufficient_user_authentication", max_age=600' }),
    );
    expect(error).toBeInstanceOf(StepUpRequiredError);
    expect(error).toMatchObject({ code: 'step_up_required', status: 401, maxAgeSeconds: 600, message: 'Confirm your password to continue.' });
  });

  it('recognises approval refusals by reason and never shows unknown backend text', () => {
    expect(backendRefusal(answer(403, { error: 'approval_invalid', message: 'This approval has already been used.', reason: 'already_consumed' }))).toMatchObject({
      code: 'approval_refused',
      reason: 'already_consumed',
      message: 'This approval has already been used.',
    });
    const unknown = backendRefusal(answer(403, { error: 'approval_invalid', message: '<script>alert(1)</script>', reason: '<script>' }));
    expect(unknown).toBeInstanceOf(ApprovalRefusedError);
    expect(unknown).toMatchObject({ reason: 'unknown', message: 'This approval is not valid.' });
  });

  it('maps throttling and wrong passwords to the sign-in page texts', () => {
    expect(backendRefusal(answer(429, { error: 'rate_limited', message: 'x' }, { 'retry-after': '42' }))).toEqual(new RateLimitedError(42));
    expect(new RateLimitedError(42).message).toBe('Too many sign-in attempts. Try again in 42 seconds.');
    expect(backendRefusal(answer(401, { error: 'invalid_credentials', message: 'Backend text' }))).toBeInstanceOf(InvalidCredentialsError);
    expect(new InvalidCredentialsError().message).toBe('Wrong email or password.');
    expect(backendRefusal(answer(401, { error: 'invalid_token', message: 'x' }))).toBeInstanceOf(UnauthenticatedError);
  });

  it('keeps every other refusal as BackendRejectedError with its code', () => {
    const error = backendRefusal(answer(409, { error: 'conflict', message: 'x' }));
    expect(error).toBeInstanceOf(BackendRejectedError);
    expect(error).toMatchObject({ backendCode: 'conflict', backendStatus: 409 });
    expect(backendRefusal(answer(418, 'teapot'))).toMatchObject({ backendCode: 'unknown', backendStatus: 418 });
  });
});
