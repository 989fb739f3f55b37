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
  /** The OAuth checks of a sign-in at the provider (oidc mode): each lives from the redirect to the callback. */
  state: string;
  pkceCodeVerifier: string;
  nonce: string;
  /** Set when the proxy ends a session, so the next page still says why even if a prefetch saw the refusal. */
  sessionEnded: string;
  /** A sign-in between its password and its second factor: the sealed `mfaToken`, minutes at most (see `MfaCookies`). */
  pendingMfa: string;
  /** A passwordless passkey sign-in between its options and its assertion: the sealed ceremony binding. */
  webauthnCeremony: string;
  attributes: CookieAttributes;
}

/** NextAuth's own prefix; the default keeps the cookie names an existing deployment already has. */
const DEFAULT_COOKIE_PREFIX = 'next-auth';

/** How long a sign-in at the provider may take, from our redirect to its callback (NextAuth's default too). */
const CHECK_COOKIE_MAX_AGE_SECONDS = 15 * 60;

/**
 * `__Host-` for the session cookie (every chunk keeps the prefix, as chunks are `name.N`), the CSRF cookie and the
 * OAuth check cookies: Secure, Path=/, no Domain, so a sibling subdomain cannot plant or overwrite them (OWASP
 * ASVS 5.0 §3.3.1). The callback-url cookie gets `__Secure-` and HttpOnly too. All SameSite=Lax (ASVS 5.0 §3.3.2):
 * the provider's redirect back to the callback is a top-level GET, which Lax cookies accompany.
 *
 * `prefix` names the app: cookies ignore ports, so two apps on one host (localhost:3000 and :3001) would read
 * and overwrite each other's session unless their names differ.
 */
export function cookieSettings(options: { secure: boolean; prefix?: string }): CookieSettings {
  const host = options.secure ? '__Host-' : '';
  const secure = options.secure ? '__Secure-' : '';
  const prefix = options.prefix ?? DEFAULT_COOKIE_PREFIX;
  const ended = prefix === DEFAULT_COOKIE_PREFIX ? 'portcullis' : prefix;
  return {
    sessionToken: `${host}${prefix}.session-token`,
    csrfToken: `${host}${prefix}.csrf-token`,
    callbackUrl: `${secure}${prefix}.callback-url`,
    state: `${host}${prefix}.state`,
    pkceCodeVerifier: `${host}${prefix}.pkce.code_verifier`,
    nonce: `${host}${prefix}.nonce`,
    sessionEnded: `${host}${ended}.session-ended`,
    pendingMfa: `${host}${prefix}.mfa`,
    webauthnCeremony: `${host}${prefix}.webauthn`,
    attributes: { httpOnly: true, secure: options.secure, sameSite: 'lax', path: '/' },
  };
}

/** The same settings in the shape NextAuth's `cookies` option takes; no `domain` anywhere. */
export function nextAuthCookies(settings: CookieSettings): Partial<CookiesOptions> {
  const options = { ...settings.attributes };
  const check = { ...options, maxAge: CHECK_COOKIE_MAX_AGE_SECONDS };
  return {
    sessionToken: { name: settings.sessionToken, options },
    csrfToken: { name: settings.csrfToken, options },
    callbackUrl: { name: settings.callbackUrl, options },
    state: { name: settings.state, options: check },
    pkceCodeVerifier: { name: settings.pkceCodeVerifier, options: check },
    nonce: { name: settings.nonce, options: check },
  };
}
