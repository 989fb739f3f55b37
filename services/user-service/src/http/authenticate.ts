import type { FastifyRequest } from 'fastify';
import { roleAtLeast, type Role, type Scope } from '@portcullis/contracts';
import type { ServiceContext } from '../context.js';
import { ApiError, insufficientScope, invalidToken } from '../errors.js';
import type { Principal } from '../tokens/access-token.js';
import type { UserRow } from '../users/user-store.js';
import { clientContext } from './client.js';

const BEARER_PREFIX = 'Bearer ';
const MAX_TOKEN_LENGTH = 4096;
const NOT_TOKEN_CHARACTER = /[^A-Za-z0-9_.-]/;

/** The token of `Authorization: Bearer <token>`: 1–4096 characters of base64url and dots, nothing else. */
function bearerToken(request: FastifyRequest): string {
  const header = request.headers.authorization;
  // Prefix, length and a negated class: half the cost of one anchored, bounded, capturing pattern (docs/benchmarks.md profile).
  const token = typeof header === 'string' && header.startsWith(BEARER_PREFIX) ? header.slice(BEARER_PREFIX.length) : '';
  if (token.length === 0 || token.length > MAX_TOKEN_LENGTH || NOT_TOKEN_CHARACTER.test(token)) throw invalidToken('no bearer token');
  return token;
}

/**
 * Verifies the bearer token and that its session is still active. `fresh` skips the short validity cache, for the
 * app's own revocation check. A revoked `sid` is refused even while the token's `exp` is ahead (OWASP ASVS 5.0 §7.4.1).
 */
export async function authenticate(context: ServiceContext, request: FastifyRequest, options: { fresh?: boolean } = {}): Promise<Principal> {
  if (options.fresh !== true) return (await authenticateUser(context, request)).principal;
  const principal = await context.accessTokens.verify(bearerToken(request));
  if ((await context.sessions.findActiveSession(principal.sid)) === null) throw invalidToken('session revoked or ended');
  return principal;
}

/**
 * `authenticate` through the short validity cache, also answering with the session's user from the same lookup: the
 * token's subject, still enabled (GET /v1/me without a second lookup).
 */
export async function authenticateUser(context: ServiceContext, request: FastifyRequest): Promise<{ principal: Principal; user: UserRow }> {
  const principal = await context.accessTokens.verify(bearerToken(request));
  const user = context.validity.cached(principal.sid) ?? (await context.validity.activeUser(principal.sid));
  if (user === null) throw invalidToken('session revoked or ended');
  if (user.disabled || user.id !== principal.userId) throw invalidToken('user gone or disabled');
  return { principal, user };
}

/** Whether the token carries the role and scope an action needs. */
export function hasAccess(principal: Principal, required: { role?: Role; scope: Scope }): boolean {
  return (required.role === undefined || roleAtLeast(principal.role, required.role)) && principal.scopes.includes(required.scope);
}

/** Refuses (and audits) a caller whose token lacks the role or scope; 403 per RFC 6750 §3.1. */
export async function requireAccess(context: ServiceContext, request: FastifyRequest, principal: Principal, required: { role?: Role; scope: Scope }): Promise<void> {
  if (hasAccess(principal, required)) return;
  const missing = required.role !== undefined && !roleAtLeast(principal.role, required.role) ? `role:${required.role}` : `scope:${required.scope}`;
  await recordDenial(context, request, principal, { missing, resource: `${request.method} ${request.routeOptions.url ?? request.url}`, source: 'user-service' });
  throw insufficientScope(required.scope);
}

/** One authorization denial, wherever it was decided (here or in the web app's guards): metric and audit event. */
export async function recordDenial(
  context: ServiceContext,
  request: FastifyRequest,
  principal: Principal,
  denial: { missing: string; resource: string; source: 'user-service' | 'app' },
): Promise<void> {
  context.metrics.authorizationDenials.inc({ required: denial.missing });
  await context.audit.record({
    type: 'authz.denied',
    userId: principal.userId,
    sid: principal.sid,
    ...clientContext(request),
    reason: `missing_${denial.missing}`,
    detail: { resource: denial.resource, role: principal.role, source: denial.source },
  });
}

/**
 * Admin actions need a recent password check: the session's sign-in or its last step-up, whichever is newer, read
 * from the database (a refresh never makes authentication look fresher). Otherwise 401 in the manner of RFC 9470.
 */
export async function requireRecentAuthentication(context: ServiceContext, principal: Principal): Promise<void> {
  const session = await context.sessions.findActiveSession(principal.sid);
  if (session === null) throw invalidToken('session revoked or ended');
  const lastPasswordCheck = Math.max(session.authTime.getTime(), session.stepUpAt?.getTime() ?? 0);
  const maxAgeSeconds = context.config.stepUpMaxAgeSeconds;
  if (context.clock.now() - lastPasswordCheck <= maxAgeSeconds * 1000) return;
  throw new ApiError('insufficient_user_authentication', 'Confirm your password to continue.', {
    headers: { 'www-authenticate': `Bearer error="insufficient_user_authentication", max_age=${maxAgeSeconds}` },
  });
}
