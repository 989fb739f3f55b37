import { denialReportSchema, roleAtLeast, type Role, type Scope } from '@portcullis/contracts';
import { cache } from 'react';
import type { UserServiceClient } from '../backend/user-service-client.js';
import type { CookieSettings } from '../cookies/cookie-config.js';
import { isSessionCookieName, parseCookieHeader, readSessionCookie } from '../cookies/session-cookie-chunks.js';
import { ForbiddenError, MfaRequiredError, StepUpRequiredError, UnauthenticatedError } from '../errors.js';
import { REQUEST_ID_HEADER, wellFormedRequestId } from '../http/request-id.js';
import type { AuthConfig } from '../options.js';
import { PATH_HEADER } from '../proxy/create-proxy.js';
import { ATTESTATION_HEADER, type ProxyAttestation } from '../session/proxy-attestation.js';
import type { AuthRuntime } from '../session/runtime.js';
import type { SessionCodec } from '../tokens/session-codec.js';
import type { SessionToken } from '../tokens/session-token.js';
import type { RequestContext } from './request-context.js';
import { serverSessionOf, type ServerSession } from './server-session.js';

/** A refusal whose page or action cannot be named (no path from the proxy): still reported, as a named action. */
const UNKNOWN_RESOURCE = 'action:unknown';

export interface GuardParts {
  config: AuthConfig;
  runtime: AuthRuntime;
  codec: SessionCodec;
  cookies: CookieSettings;
  attestation: ProxyAttestation;
  backend: UserServiceClient;
  context: RequestContext;
}

export interface Requirement {
  role?: Role;
  scope?: Scope;
  /**
   * A multi-factor session (`mfa` in the sign-in's `amr`, RFC 8176): otherwise `MfaRequiredError`, which the app turns
   * into "set up a second factor" or "confirm with it" (OWASP ASVS 5.0 §6.3.3 for administrative access).
   */
  mfa?: boolean;
  /** The last factor proven at most this long ago (RFC 9470 `max_age`): otherwise `StepUpRequiredError`. */
  maxAgeSeconds?: number;
  /** What was asked for, for the audit trail; defaults to the request path. */
  resource?: string;
}

/** What a guard may ask on top of the role or scope. */
export interface GuardOptions {
  resource?: string;
  mfa?: boolean;
  maxAgeSeconds?: number;
}

export interface Guards {
  /** The verified session of this request, or `null`. Decoded once per request. */
  getSession(): Promise<ServerSession | null>;
  /** The user's access token for calls to the user-service, or `null`. Server-only. */
  getAccessToken(): Promise<string | null>;
  requireSession(options?: GuardOptions): Promise<ServerSession>;
  requireRole(role: Role, options?: GuardOptions): Promise<ServerSession>;
  requireScope(scope: Scope, options?: GuardOptions): Promise<ServerSession>;
  /** Checks a requirement; on denial reports it to the audit trail and throws. */
  require(requirement: Requirement): Promise<{ session: ServerSession; accessToken: string }>;
  /**
   * For a server action whose backend call just ended the current session (revoking this device): expire the
   * auth cookies and stop this process from accepting the session at once.
   */
  forgetSession(): Promise<void>;
}

export function createGuards(parts: GuardParts): Guards {
  const { config, runtime, codec, cookies, attestation, backend, context } = parts;

  // One decode and at most one backend check per request (React `cache`), however many guards a render runs.
  const verifiedToken = cache(async (): Promise<SessionToken | null> => {
    const headers = await context.headers();
    const token = await codec.decode(readSessionCookie(parseCookieHeader(headers.get('cookie')), cookies.sessionToken));
    if (!token) return null;
    if (runtime.endedSessions.isEnded(token.oidc?.providerSid)) return null;
    const now = config.now();
    if (attestation.verify(headers.get(ATTESTATION_HEADER), token.sid, now)) return token;
    // No proof that the proxy checked this request (it was skipped, or the path is outside its matcher):
    // check the backend ourselves, and fail closed — a still-decryptable cookie is not a live session.
    if (token.accessTokenExpiresAt <= now) return null;
    const status = await runtime.statusCache.check(token.sid, token.accessToken);
    if (status !== 'active') {
      config.logger.warn({ event: 'guard.unattested_refused', sid: token.sid, status }, 'request without proxy attestation refused');
      return null;
    }
    return token;
  });

  /** What was refused, in the shape the audit trail accepts; the service would refuse the whole report otherwise. */
  async function resourceOf(requirement: Requirement): Promise<string> {
    const named = requirement.resource ?? (await context.headers()).get(PATH_HEADER);
    const resource = denialReportSchema.shape.resource.safeParse(named?.slice(0, 200));
    return resource.success ? resource.data : UNKNOWN_RESOURCE;
  }

  async function denied(token: SessionToken, requirement: Requirement): Promise<never> {
    const resource = await resourceOf(requirement);
    const denial = {
      resource,
      ...(requirement.role ? { requiredRole: requirement.role } : {}),
      ...(requirement.scope ? { requiredScope: requirement.scope } : {}),
    };
    // Pages and actions run outside the proxy's request scope: the id comes from the header the proxy set.
    const reqId = wellFormedRequestId((await context.headers()).get(REQUEST_ID_HEADER));
    config.logger.warn({ event: 'authz.denied', ...(reqId ? { reqId } : {}), sid: token.sid, userId: token.sub, role: token.role, ...denial }, 'access denied');
    config.metrics.authEvent({ event: 'authz', outcome: 'denied' });
    try {
      await backend.reportDenial(token.accessToken, denial);
    } catch (error) {
      // The log line above stays as the record when the audit trail cannot be reached.
      config.logger.error({ event: 'authz.denied.report_failed', sid: token.sid, error }, 'could not report the denial to the audit trail');
    }
    throw new ForbiddenError(requirement);
  }

  async function require(requirement: Requirement): Promise<{ session: ServerSession; accessToken: string }> {
    const token = await verifiedToken();
    if (!token) throw new UnauthenticatedError();
    if (requirement.role && !roleAtLeast(token.role, requirement.role)) await denied(token, requirement);
    if (requirement.scope && !token.scopes.includes(requirement.scope)) await denied(token, requirement);
    if (requirement.mfa && !token.amr?.includes('mfa')) {
      config.logger.warn({ event: 'authz.mfa_required', sid: token.sid, userId: token.sub, amr: token.amr ?? [] }, 'multi-factor session required');
      config.metrics.authEvent({ event: 'authz', outcome: 'denied' });
      throw new MfaRequiredError();
    }
    if (requirement.maxAgeSeconds !== undefined) {
      // Unknown is old: a session without auth_time has to prove itself again (RFC 9470 §3).
      const age = token.authTime === undefined ? Number.POSITIVE_INFINITY : config.now() - token.authTime;
      if (age > requirement.maxAgeSeconds * 1000) throw new StepUpRequiredError({ maxAgeSeconds: requirement.maxAgeSeconds });
    }
    return { session: serverSessionOf(token), accessToken: token.accessToken };
  }

  return {
    async getSession() {
      const token = await verifiedToken();
      return token ? serverSessionOf(token) : null;
    },
    async getAccessToken() {
      return (await verifiedToken())?.accessToken ?? null;
    },
    async requireSession(options) {
      return (await require({ ...options })).session;
    },
    async requireRole(role, options) {
      return (await require({ role, ...options })).session;
    },
    async requireScope(scope, options) {
      return (await require({ scope, ...options })).session;
    },
    require,
    async forgetSession() {
      const headers = await context.headers();
      const existing = parseCookieHeader(headers.get('cookie'));
      const token = await codec.decode(readSessionCookie(existing, cookies.sessionToken));
      if (token) runtime.statusCache.markRevoked(token.sid);
      const names = new Set([cookies.sessionToken, cookies.csrfToken, cookies.callbackUrl]);
      for (const cookie of existing) if (isSessionCookieName(cookie.name, cookies.sessionToken)) names.add(cookie.name);
      for (const name of names) await context.expireCookie(name, cookies.attributes);
    },
  };
}
