import { describe, expect, it } from 'vitest';
import { parseSignInError, signInErrorMessage, signInErrorParam } from './sign-in-errors.js';

describe('sign-in errors', () => {
  it('round-trips every code through the URL parameter', () => {
    for (const problem of [
      { code: 'invalid_credentials' },
      { code: 'email_unverified' },
      { code: 'rate_limited', retryAfterSeconds: 42 },
      { code: 'unavailable' },
      { code: 'session_expired' },
      { code: 'failed' },
      { code: 'mfa_required', methods: ['webauthn', 'totp', 'recovery_code'] },
      { code: 'enrollment_required' },
      { code: 'invalid_mfa' },
      { code: 'mfa_expired' },
    ] as const) {
      expect(parseSignInError(signInErrorParam(problem))).toEqual(problem);
    }
  });

  it('turns anything unknown into a generic failure, never echoing it', () => {
    expect(parseSignInError('<script>')).toEqual({ code: 'failed' });
    expect(parseSignInError('RateLimited:abc')).toEqual({ code: 'failed' });
    expect(parseSignInError('MfaRequired:<b>')).toEqual({ code: 'failed' });
    expect(signInErrorMessage({ code: 'failed' })).not.toContain('<script>');
  });

  it('names only the second factors it knows when one is owed', () => {
    expect(parseSignInError('MfaRequired:totp,sms,recovery_code')).toEqual({ code: 'mfa_required', methods: ['totp', 'recovery_code'] });
  });

  it('tells the wait when throttled', () => {
    expect(signInErrorMessage({ code: 'rate_limited', retryAfterSeconds: 30 })).toMatch(/30 seconds/);
  });
});
