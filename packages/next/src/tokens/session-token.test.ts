import type { TokenResponse } from '@portcullis/contracts';
import { describe, expect, it } from 'vitest';
import { refreshAtFor, sessionTokenFromResponse } from './session-token.js';

const schedule = { refreshLeadSeconds: 60 };
const TTL_MS = 5_000;

/** A token response as the user-service shapes it at `backendNow` on its own clock (exp = iat + TTL, whole seconds). */
function backendAnswer(backendNow: number, claims: { iat?: boolean } = {}): TokenResponse {
  const iat = Math.floor(backendNow / 1000);
  const payload = { sid: 'sid-1', sub: 'u1', ...(claims.iat === false ? {} : { iat }), exp: iat + TTL_MS / 1000 };
  const part = (value: unknown): string => Buffer.from(JSON.stringify(value)).toString('base64url');
  return {
    tokenType: 'Bearer',
    accessToken: `${part({ alg: 'EdDSA', typ: 'at+jwt' })}.${part(payload)}.c2ln`,
    accessTokenExpiresAt: (iat + TTL_MS / 1000) * 1000,
    refreshTokenExpiresAt: iat * 1000 + 3_600_000,
    sessionExpiresAt: iat * 1000 + 86_400_000,
    refreshToken: 'rt-1',
    user: { id: 'u1', email: 'u1@example.com', name: 'U1', role: 'USER', scopes: ['profile:read'] },
  };
}

describe('sessionTokenFromResponse under clock skew', () => {
  const backendNow = 1_700_000_000_000;

  it.each([
    ['two minutes ahead of the backend', 120_000],
    ['two minutes behind the backend', -120_000],
    ['on the backend clock', 0],
  ])('with the app %s, schedules from the lifetime the backend returned, on the app clock', (_, skew) => {
    const receivedAt = backendNow + skew;
    const token = sessionTokenFromResponse(backendAnswer(backendNow), receivedAt, schedule);
    expect(token.accessTokenExpiresAt).toBe(receivedAt + TTL_MS);
    // A fifth of the 5 s lifetime ahead: neither "already due" (a refresh loop) nor after the token died.
    expect(token.refreshAt).toBe(receivedAt + 4_000);
    expect(token.refreshTokenExpiresAt).toBe(receivedAt + 3_600_000);
    expect(token.sessionExpiresAt).toBe(receivedAt + 86_400_000);
  });

  it('counts the lifetime from the moment the answer arrived', () => {
    const answer = backendAnswer(backendNow);
    const token = sessionTokenFromResponse(answer, backendNow + 300, schedule);
    expect(token.accessTokenExpiresAt).toBe(backendNow + 300 + TTL_MS);
    expect(token.refreshAt).toBe(refreshAtFor(backendNow + 300, token.accessTokenExpiresAt, schedule));
  });

  it('takes the times as they are from a token without iat (not RFC 9068)', () => {
    const answer = backendAnswer(backendNow, { iat: false });
    const token = sessionTokenFromResponse(answer, backendNow + 120_000, schedule);
    expect(token.accessTokenExpiresAt).toBe(answer.accessTokenExpiresAt);
    expect(token.sessionExpiresAt).toBe(answer.sessionExpiresAt);
  });
});
