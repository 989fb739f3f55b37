import { clientInfoFrom } from '../backend/client-info.js';
import type { CookieSettings } from '../cookies/cookie-config.js';
import { isSessionCookieName, parseCookieHeader, readSessionCookie } from '../cookies/session-cookie-chunks.js';
import type { AuthConfig } from '../options.js';
import type { AuthRuntime } from '../session/runtime.js';
import type { SessionCodec } from '../tokens/session-codec.js';

export interface SignOutParts {
  config: AuthConfig;
  runtime: AuthRuntime;
  codec: SessionCodec;
  cookies: CookieSettings;
}

/**
 * Sign-out: revoke the backend session first (refresh-token family, and with it every access token at the
 * next `sid` check), then clear every auth cookie and tell the browser to drop cookies (`Clear-Site-Data`).
 * The JWE would otherwise stay decryptable until it expires (OWASP ASVS 5.0 §7.4.1). Callers must have
 * checked the origin already.
 */
export function createSignOut(parts: SignOutParts): (request: Request) => Promise<Response> {
  const { config, runtime, codec, cookies } = parts;
  return async function signOut(request) {
    const existing = parseCookieHeader(request.headers.get('cookie'));
    const token = await codec.decode(readSessionCookie(existing, cookies.sessionToken));
    if (token) {
      // This process refuses the session from now on, even before the backend answers.
      runtime.statusCache.markRevoked(token.sid);
      const result = await runtime.revoker.revoke(token, clientInfoFrom(request.headers));
      config.metrics.authEvent({ event: 'signout', outcome: result });
      config.logger.info({ event: 'signout', sid: token.sid, userId: token.sub, revocation: result }, 'signed out');
    }

    const wantsJson = (request.headers.get('content-type') ?? '').includes('application/json');
    const target = `${config.appOrigin}${config.signInPath}?signedOut=1`;
    const response = wantsJson
      ? Response.json({ url: target }, { status: 200 })
      : new Response(null, { status: 303, headers: { location: target } });
    const expired = `Path=/; Expires=${new Date(0).toUTCString()}; Max-Age=0; HttpOnly; SameSite=Lax${cookies.attributes.secure ? '; Secure' : ''}`;
    const names = new Set([cookies.sessionToken, cookies.csrfToken, cookies.callbackUrl]);
    for (const cookie of existing) if (isSessionCookieName(cookie.name, cookies.sessionToken)) names.add(cookie.name);
    for (const name of names) response.headers.append('set-cookie', `${name}=; ${expired}`);
    response.headers.set('clear-site-data', '"cookies"');
    response.headers.set('cache-control', 'no-store');
    return response;
  };
}
