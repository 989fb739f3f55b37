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
    ] as const) {
      expect(parseSignInError(signInErrorParam(problem))).toEqual(problem);
    }
  });

  it('turns anything unknown into a generic failure, never echoing it', () => {
    expect(parseSignInError('<script>')).toEqual({ code: 'failed' });
    expect(parseSignInError('RateLimited:abc')).toEqual({ code: 'failed' });
    expect(signInErrorMessage({ code: 'failed' })).not.toContain('<script>');
  });

  it('tells the wait when throttled', () => {
    expect(signInErrorMessage({ code: 'rate_limited', retryAfterSeconds: 30 })).toMatch(/30 seconds/);
  });
});
