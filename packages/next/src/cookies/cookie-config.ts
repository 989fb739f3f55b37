import type { CookiesOptions } from 'next-auth';

export interface CookieAttributes {
  httpOnly: true;
  secure: boolean;
  sameSite: 'lax';
  path: '/';
}

export interface CookieSettings {
  sessionToken: string;
  csrfToken: string;
  callbackUrl: string;
  /** Set when the proxy ends a session, so the next page still says why even if a prefetch saw the refusal. */
  sessionEnded: string;
  attributes: CookieAttributes;
}

/**
 * `__Host-` for the session cookie (every chunk keeps the prefix, as chunks are `name.N`) and the CSRF cookie:
 * Secure, Path=/, no Domain, so a sibling subdomain cannot plant or overwrite them (OWASP ASVS 5.0 §3.3.1).
 * The callback-url cookie gets `__Secure-` and HttpOnly too. All SameSite=Lax (ASVS 5.0 §3.3.2).
 */
export function cookieSettings(options: { secure: boolean }): CookieSettings {
  const host = options.secure ? '__Host-' : '';
  const secure = options.secure ? '__Secure-' : '';
  return {
    sessionToken: `${host}next-auth.session-token`,
    csrfToken: `${host}next-auth.csrf-token`,
    callbackUrl: `${secure}next-auth.callback-url`,
    sessionEnded: `${host}portcullis.session-ended`,
    attributes: { httpOnly: true, secure: options.secure, sameSite: 'lax', path: '/' },
  };
}

/** The same settings in the shape NextAuth's `cookies` option takes; no `domain` anywhere. */
export function nextAuthCookies(settings: CookieSettings): Partial<CookiesOptions> {
  const options = { ...settings.attributes };
  return {
    sessionToken: { name: settings.sessionToken, options },
    csrfToken: { name: settings.csrfToken, options },
    callbackUrl: { name: settings.callbackUrl, options },
  };
}
