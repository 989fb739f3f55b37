import { randomBytes } from 'node:crypto';
import { NextResponse, type NextRequest } from 'next/server';
import type { CookieSettings } from '../cookies/cookie-config.js';
import { parseCookieHeader, readSessionCookie, requestCookieHeader, sessionCookieWrites, type CookiePair, type CookieWrite } from '../cookies/session-cookie-chunks.js';
import { acceptRequestId, REQUEST_ID_HEADER } from '../http/request-id.js';
import { runInRequestScope } from '../logging/request-scope.js';
import type { AuthConfig } from '../options.js';
import { ATTESTATION_HEADER, type ProxyAttestation } from '../session/proxy-attestation.js';
import type { AuthRuntime } from '../session/runtime.js';
import type { SessionCodec } from '../tokens/session-codec.js';
import type { SessionToken } from '../tokens/session-token.js';
import { securityHeaders } from './security-headers.js';
import { unavailablePage } from './unavailable-page.js';

/** Request header carrying the path to pages, so a guard can send the user back after sign-in. */
export const PATH_HEADER = 'x-portcullis-path';

export type RouteKind = 'nextauth' | 'nextauth-session' | 'public' | 'action' | 'api' | 'page';

export interface ProxyParts {
  config: AuthConfig;
  runtime: AuthRuntime;
  codec: SessionCodec;
  cookies: CookieSettings;
  attestation: ProxyAttestation;
  production: boolean;
}

export type Proxy = (request: NextRequest) => Promise<NextResponse>;

export function classifyRoute(request: { pathname: string; headers: Headers }, publicPaths: readonly string[]): RouteKind {
  const { pathname } = request;
  if (pathname === '/api/auth/session') return 'nextauth-session';
  if (pathname === '/api/auth' || pathname.startsWith('/api/auth/')) return 'nextauth';
  if (request.headers.has('next-action')) return 'action';
  if (publicPaths.some((path) => pathname === path || pathname.startsWith(`${path}/`))) return 'public';
  if (pathname === '/api' || pathname.startsWith('/api/')) return 'api';
  return 'page';
}

/**
 * A page the browser itself opens, not one of the Next.js router's background fetches (`RSC`, prefetches): Fetch
 * Metadata says so where the browser sends it, the router's own headers otherwise.
 */
function isDocumentNavigation(headers: Headers): boolean {
  const destination = headers.get('sec-fetch-dest');
  if (destination !== null) return destination === 'document';
  return !headers.has('rsc') && !headers.has('next-router-prefetch');
}

/**
 * The proxy: the only place that refreshes tokens, because it is the only place that can write the rotated
 * cookie both to the browser (response) and to the request that pages, actions and route handlers read next,
 * so nothing ever renders with a stale token. It is a first filter only: every page, action and route checks
 * again through the guards (CVE-2025-29927 showed a proxy can be skipped).
 */
export function createProxy(parts: ProxyParts): Proxy {
  const { config, runtime, codec, cookies, attestation } = parts;
  const https = config.appOrigin.startsWith('https://');
  const formActionOrigins = config.oidc && config.mode !== 'credentials' ? [new URL(config.oidc.issuer).origin] : [];

  return function proxy(request) {
    // One id per request, kept from upstream when well formed, handed to the page and every backend call
    // and echoed to the browser, so a request can be followed through the app and the user-service.
    const requestId = acceptRequestId(request.headers.get(REQUEST_ID_HEADER));
    return runInRequestScope(requestId, async () => {
      const response = await handle(request, requestId);
      response.headers.set(REQUEST_ID_HEADER, requestId);
      return response;
    });
  };

  async function handle(request: NextRequest, requestId: string): Promise<NextResponse> {
    const nonce = randomBytes(16).toString('base64');
    const headers = new Headers(request.headers);
    headers.set(REQUEST_ID_HEADER, requestId);
    // Only the proxy may attest a session check; anything a client sent under that name is discarded.
    headers.delete(ATTESTATION_HEADER);
    headers.set(PATH_HEADER, `${request.nextUrl.pathname}${request.nextUrl.search}`);
    const secretInUrl = request.nextUrl.searchParams.has('token');
    const security = securityHeaders({ nonce, production: parts.production, https, formActionOrigins, secretInUrl });
    // Next.js reads the nonce from the request's CSP header and stamps it on its own scripts.
    headers.set('content-security-policy', security['content-security-policy'] ?? '');
    headers.set('x-nonce', nonce);

    const kind = classifyRoute({ pathname: request.nextUrl.pathname, headers: request.headers }, config.publicPaths);
    const result = kind === 'nextauth' ? pass(headers) : await handleSession(request, headers, kind);
    for (const [name, value] of Object.entries(security)) result.headers.set(name, value);
    return result;
  }

  async function handleSession(request: NextRequest, headers: Headers, kind: RouteKind): Promise<NextResponse> {
    const existing = parseCookieHeader(request.headers.get('cookie'));
    const raw = readSessionCookie(existing, cookies.sessionToken);
    let token = await codec.decode(raw);
    if (!token) {
      // A cookie we cannot read (tampered, expired, other secret) is removed rather than carried along.
      const writes = raw ? clearWrites(existing) : [];
      if (writes.length > 0) headers.set('cookie', requestCookieHeader(existing, writes, cookies.sessionToken));
      if (kind === 'page') {
        // The session was ended by an earlier request (often a background prefetch): still tell the user why.
        const ended = existing.some((cookie) => cookie.name === cookies.sessionEnded);
        // Only the page the user opens uses the reason up: a second background prefetch would take it from them.
        const usedUp = ended && isDocumentNavigation(request.headers);
        return withCookies(redirectToSignIn(request, ended ? 'SessionExpired' : null), usedUp ? [...writes, endedMarker(false)] : writes);
      }
      if (kind === 'api') return withCookies(json(401, 'unauthenticated', 'Sign-in required.'), writes);
      return withCookies(pass(headers), writes);
    }

    // Single logout: the provider told this process (back-channel) that the session's provider session ended.
    if (runtime.endedSessions.isEnded(token.oidc?.providerSid)) {
      runtime.statusCache.markRevoked(token.sid);
      return endSession(request, headers, kind, existing);
    }

    const now = config.now();
    let rotated = false;
    let vouched = false;
    if (now >= token.refreshAt) {
      const outcome = await runtime.refresher.refresh(token, config.clientInfo.from(request.headers));
      if (outcome.kind === 'rotated') {
        token = outcome.token;
        rotated = true;
        vouched = true;
        runtime.statusCache.markActive(token.sid);
      } else if (outcome.kind === 'rejected') {
        runtime.statusCache.markRevoked(token.sid);
        return endSession(request, headers, kind, existing);
      } else if (token.accessTokenExpiresAt <= now) {
        // Backend down and the access token has expired: nothing can be shown, but the session is kept.
        config.logger.warn({ event: 'proxy.unavailable', sid: token.sid, kind }, 'backend unavailable with an expired access token');
        if (kind === 'page') return unavailable();
        if (kind === 'api') return json(503, 'backend_unavailable', 'The user-service is temporarily unavailable.', { 'retry-after': '5' });
        vouched = true;
      }
    }

    if (!vouched) {
      const status = await runtime.statusCache.check(token.sid, token.accessToken);
      if (status === 'revoked') return endSession(request, headers, kind, existing);
      // `unknown` (backend unreachable) keeps the session: an outage must not sign everybody out.
    }

    let writes: CookieWrite[] = [];
    if (rotated) {
      writes = sessionCookieWrites({
        value: await codec.encode(token),
        sessionCookie: cookies.sessionToken,
        existing,
        attributes: cookies.attributes,
        expires: codec.expiresAt(token),
      });
      headers.set('cookie', requestCookieHeader(existing, writes, cookies.sessionToken));
    }
    headers.set(ATTESTATION_HEADER, attestation.sign(token.sid, config.now()));
    const response = withCookies(pass(headers), writes);
    // Authenticated responses must never be stored by shared or browser caches (OWASP ASVS 5.0 §14.3.2).
    response.headers.set('cache-control', 'private, no-store');
    logRefreshed(token, rotated);
    return response;
  }

  function endSession(request: NextRequest, headers: Headers, kind: RouteKind, existing: readonly CookiePair[]): NextResponse {
    const writes = clearWrites(existing);
    headers.set('cookie', requestCookieHeader(existing, writes, cookies.sessionToken));
    writes.push(endedMarker(true));
    if (kind === 'page') return withCookies(redirectToSignIn(request, 'SessionExpired'), writes);
    if (kind === 'api') return withCookies(json(401, 'session_expired', 'The session has ended; sign in again.'), writes);
    return withCookies(pass(headers), writes);
  }

  /** A short-lived, content-free flag: "this browser's session was ended by the backend". */
  function endedMarker(set: boolean): CookieWrite {
    const expires = set ? new Date(config.now() + 5 * 60_000) : new Date(0);
    return { name: cookies.sessionEnded, value: set ? '1' : '', attributes: { ...cookies.attributes, expires } };
  }

  function clearWrites(existing: readonly CookiePair[]): CookieWrite[] {
    return sessionCookieWrites({ value: null, sessionCookie: cookies.sessionToken, existing, attributes: cookies.attributes, expires: new Date(0) });
  }

  function redirectToSignIn(request: NextRequest, error: 'SessionExpired' | null): NextResponse {
    const target = new URL(config.signInPath, config.appOrigin);
    if (error) target.searchParams.set('error', error);
    target.searchParams.set('callbackUrl', `${request.nextUrl.pathname}${request.nextUrl.search}`);
    const response = NextResponse.redirect(target, 303);
    response.headers.set('cache-control', 'no-store');
    return response;
  }

  function logRefreshed(token: SessionToken, rotated: boolean): void {
    if (rotated) config.logger.debug({ event: 'proxy.cookie_rotated', sid: token.sid }, 'rotated session written to request and response');
  }
}

function pass(headers: Headers): NextResponse {
  return NextResponse.next({ request: { headers } });
}

function withCookies(response: NextResponse, writes: readonly CookieWrite[]): NextResponse {
  for (const write of writes) response.cookies.set(write.name, write.value, write.attributes);
  return response;
}

function json(status: number, error: string, message: string, extra: Record<string, string> = {}): NextResponse {
  return NextResponse.json({ error, message }, { status, headers: { 'cache-control': 'no-store', ...extra } });
}

function unavailable(): NextResponse {
  return new NextResponse(unavailablePage(5), {
    status: 503,
    headers: { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store', 'retry-after': '5' },
  });
}
