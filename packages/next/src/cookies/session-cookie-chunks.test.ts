import { describe, expect, it } from 'vitest';
import { isSessionCookieName, parseCookieHeader, readSessionCookie, requestCookieHeader, sessionCookieWrites } from './session-cookie-chunks.js';

const NAME = '__Host-next-auth.session-token';
const attributes = { httpOnly: true, secure: true, sameSite: 'lax', path: '/' } as const;

describe('session cookie chunks', () => {
  it('matches the cookie and its numbered chunks only', () => {
    expect(isSessionCookieName(NAME, NAME)).toBe(true);
    expect(isSessionCookieName(`${NAME}.0`, NAME)).toBe(true);
    expect(isSessionCookieName(`${NAME}-evil`, NAME)).toBe(false);
    expect(isSessionCookieName(`${NAME}.x`, NAME)).toBe(false);
  });

  it('reassembles chunks in numeric order', () => {
    const cookies = [
      { name: `${NAME}.10`, value: 'k' },
      { name: `${NAME}.2`, value: 'c' },
      { name: `${NAME}.0`, value: 'a' },
      { name: `${NAME}.1`, value: 'b' },
      { name: 'other', value: 'z' },
    ];
    expect(readSessionCookie(cookies, NAME)).toBe('abck');
    expect(readSessionCookie([{ name: 'other', value: 'z' }], NAME)).toBeUndefined();
  });

  it('writes one cookie for a small value and expires stale chunks', () => {
    const writes = sessionCookieWrites({
      value: 'small',
      sessionCookie: NAME,
      existing: [
        { name: `${NAME}.0`, value: 'a' },
        { name: `${NAME}.1`, value: 'b' },
      ],
      attributes,
      expires: new Date(1_000_000),
    });
    expect(writes.map((w) => [w.name, w.value, w.attributes.expires.getTime()])).toEqual([
      [`${NAME}.0`, '', 0],
      [`${NAME}.1`, '', 0],
      [NAME, 'small', 1_000_000],
    ]);
  });

  it('chunks a large value so each chunk keeps the __Host- prefix and round-trips', () => {
    const value = 'x'.repeat(9000);
    const writes = sessionCookieWrites({ value, sessionCookie: NAME, existing: [], attributes, expires: new Date(1) });
    expect(writes).toHaveLength(3);
    for (const write of writes) {
      expect(write.name.startsWith('__Host-')).toBe(true);
      expect(write.value.length).toBeLessThanOrEqual(4096 - 163);
    }
    expect(readSessionCookie(writes, NAME)).toBe(value);
  });

  it('rewrites the request Cookie header without touching other cookies', () => {
    const existing = parseCookieHeader(`a=1; ${NAME}=old; cb=http%3A%2F%2Fx`);
    const writes = sessionCookieWrites({ value: 'new', sessionCookie: NAME, existing, attributes, expires: new Date(1) });
    expect(requestCookieHeader(existing, writes, NAME)).toBe(`a=1; cb=http%3A%2F%2Fx; ${NAME}=new`);
    const cleared = sessionCookieWrites({ value: null, sessionCookie: NAME, existing, attributes, expires: new Date(1) });
    expect(requestCookieHeader(existing, cleared, NAME)).toBe('a=1; cb=http%3A%2F%2Fx');
  });
});
