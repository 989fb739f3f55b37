import type { CookieAttributes } from './cookie-config.js';

// NextAuth splits a session cookie above 4096 bytes into `name.0`, `name.1`, … of this size
// (next-auth src/core/lib/cookie.ts); we write chunks the same way so NextAuth reads what we write.
const CHUNK_SIZE = 4096 - 163;

export interface CookiePair {
  name: string;
  value: string;
}

export interface CookieWrite extends CookiePair {
  attributes: CookieAttributes & { expires: Date };
}

/** True for the session cookie itself or one of its chunks, and nothing else with the same prefix. */
export function isSessionCookieName(cookieName: string, sessionCookie: string): boolean {
  if (cookieName === sessionCookie) return true;
  return cookieName.startsWith(`${sessionCookie}.`) && /^\d{1,2}$/.test(cookieName.slice(sessionCookie.length + 1));
}

/** Joins the session cookie back from its chunks, in chunk order; `undefined` when there is none. */
export function readSessionCookie(cookies: readonly CookiePair[], sessionCookie: string): string | undefined {
  const parts = cookies
    .filter((cookie) => isSessionCookieName(cookie.name, sessionCookie))
    .map((cookie) => ({ index: cookie.name === sessionCookie ? -1 : Number(cookie.name.slice(sessionCookie.length + 1)), value: cookie.value }))
    .sort((a, b) => a.index - b.index);
  if (parts.length === 0) return undefined;
  return parts.map((part) => part.value).join('');
}

/** The cookies to send for `value` (chunked when needed), plus expirations for chunks that no longer exist. */
export function sessionCookieWrites(options: {
  value: string | null;
  sessionCookie: string;
  existing: readonly CookiePair[];
  attributes: CookieAttributes;
  expires: Date;
}): CookieWrite[] {
  const writes = new Map<string, CookieWrite>();
  const gone = { ...options.attributes, expires: new Date(0) };
  for (const cookie of options.existing) {
    if (isSessionCookieName(cookie.name, options.sessionCookie)) writes.set(cookie.name, { name: cookie.name, value: '', attributes: gone });
  }
  if (options.value !== null) {
    const attributes = { ...options.attributes, expires: options.expires };
    const count = Math.ceil(options.value.length / CHUNK_SIZE);
    if (count <= 1) {
      writes.set(options.sessionCookie, { name: options.sessionCookie, value: options.value, attributes });
    } else {
      for (let i = 0; i < count; i++) {
        const name = `${options.sessionCookie}.${i}`;
        writes.set(name, { name, value: options.value.slice(i * CHUNK_SIZE, (i + 1) * CHUNK_SIZE), attributes });
      }
    }
  }
  return [...writes.values()];
}

/** Splits a `Cookie` request header into pairs, values kept exactly as sent (no decoding). */
export function parseCookieHeader(header: string | null): CookiePair[] {
  if (!header) return [];
  const pairs: CookiePair[] = [];
  for (const part of header.split(';')) {
    const at = part.indexOf('=');
    if (at <= 0) continue;
    pairs.push({ name: part.slice(0, at).trim(), value: part.slice(at + 1).trim() });
  }
  return pairs;
}

/** A `Cookie` request header holding `existing` minus the old session chunks plus the new ones. */
export function requestCookieHeader(existing: readonly CookiePair[], writes: readonly CookieWrite[], sessionCookie: string): string {
  const kept = existing.filter((cookie) => !isSessionCookieName(cookie.name, sessionCookie));
  const added = writes.filter((write) => write.value !== '');
  return [...kept, ...added].map((cookie) => `${cookie.name}=${cookie.value}`).join('; ');
}
