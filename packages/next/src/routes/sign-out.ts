import type { CookieSettings } from '../cookies/cookie-config.js';
import { isSessionCookieName, parseCookieHeader, readSessionCookie } from '../cookies/session-cookie-chunks.js';
import type { OidcDiscovery } from '../oidc/discovery.js';
import type { AuthConfig } from '../options.js';
import type { AuthRuntime } from '../session/runtime.js';
import type { SessionCodec } from '../tokens/session-codec.js';
import type { SessionToken } from '../tokens/session-token.js';

export interface SignOutParts {
  config: AuthConfig;
  runtime: AuthRuntime;
  codec: SessionCodec;
  cookies: CookieSettings;
  /** oidc mode: where the provider's end-session endpoint is read. */
  discovery?: OidcDiscovery;
}

/**
 * Sign-out: revoke the backend session first (refresh-token family, and with it every access token at the
 * next `sid` check), then clear every auth cookie. The JWE would otherwise stay decryptable until it expires
 * (OWASP ASVS 5.0 §7.4.1). A session from single sign-on then goes on to the provider's end-session endpoint
 * (OpenID Connect RP-Initiated Logout 1.0), which ends the provider session and, through back-channel logout,
 * every other app's session. Callers must have checked the origin already.
 */
export function createSignOut(parts: SignOutParts): (request: Request) => Promise<Response> {
  const { config, runtime, codec, cookies } = parts;
  return async function signOut(request) {
    const existing = parseCookieHeader(request.headers.get('cookie'));
    const token = await codec.decode(readSessionCookie(existing, cookies.sessionToken));
    let target = `${config.appOrigin}${config.signInPath}?signedOut=1`;
    if (token) {
      // This process refuses the session from now on, even before the backend answers.
      runtime.statusCache.markRevoked(token.sid);
      if (token.oidc?.providerSid) runtime.endedSessions.end(token.oidc.providerSid);
      const revoker = token.oidc ? runtime.oidcRevoker : runtime.revoker;
      const result = revoker ? await revoker.revoke(token, config.clientInfo.from(request.headers)) : 'queued';
      config.metrics.authEvent({ event: 'signout', outcome: result });
      config.logger.info({ event: 'signout', sid: token.sid, userId: token.sub, revocation: result, via: token.oidc ? 'oidc' : 'credentials' }, 'signed out');
      if (token.oidc) target = (await endSessionUrl(parts, token)) ?? target;
    }

    const wantsJson = (request.headers.get('content-type') ?? '').includes('application/json');
    const response = wantsJson ? Response.json({ url: target }, { status: 200 }) : new Response(null, { status: 303, headers: { location: target } });
    const expired = `Path=/; Expires=${new Date(0).toUTCString()}; Max-Age=0; HttpOnly; SameSite=Lax${cookies.attributes.secure ? '; Secure' : ''}`;
    const names = new Set([cookies.sessionToken, cookies.csrfToken, cookies.callbackUrl]);
    for (const cookie of existing) if (isSessionCookieName(cookie.name, cookies.sessionToken)) names.add(cookie.name);
    for (const name of names) response.headers.append('set-cookie', `${name}=; ${expired}`);
    // Clear-Site-Data clears the cookies of the whole registrable domain: with single sign-on that includes the
    // provider's session (which the end-session request still needs) and sibling apps, so only a credentials-only
    // app sends it; the others expire their own cookies by name above.
    if (config.mode === 'credentials') response.headers.set('clear-site-data', '"cookies"');
    response.headers.set('cache-control', 'no-store');
    return response;
  };
}

/**
 * The provider's end-session URL with `id_token_hint` and our registered post-logout redirect, or `null` when unknown.
 * A top-level GET, not a form POST: the provider's SameSite=Lax session cookie accompanies a cross-site GET navigation
 * but not a cross-site POST, and without it the provider could not end the session. The hint is an ID token for this
 * client, not an API credential; the provider keeps query strings of its endpoints out of its logs.
 */
async function endSessionUrl(parts: SignOutParts, token: SessionToken): Promise<string | null> {
  const { config, discovery } = parts;
  if (!config.oidc || !discovery || !token.oidc) return null;
  try {
    const { end_session_endpoint: endpoint } = await discovery.metadata();
    if (!endpoint) return null;
    const url = new URL(endpoint);
    url.searchParams.set('id_token_hint', token.oidc.idToken);
    url.searchParams.set('post_logout_redirect_uri', `${config.appOrigin}${config.oidc.postLogoutRedirectPath ?? config.signInPath}`);
    url.searchParams.set('client_id', config.oidc.clientId);
    return url.toString();
  } catch (error) {
    // The local session is over either way; the provider session then ends at its own timeout or the next sign-out.
    config.logger.error({ event: 'signout.end_session_unavailable', sid: token.sid, error }, 'provider end-session endpoint unavailable');
    return null;
  }
}
