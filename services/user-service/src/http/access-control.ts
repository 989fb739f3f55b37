import { timingSafeEqual } from 'node:crypto';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { Config } from '../config.js';
import type { ServiceContext } from '../context.js';
import { ApiError, insufficientScope } from '../errors.js';
import type { Principal } from '../tokens/access-token.js';
import type { UserRow } from '../users/user-store.js';
import type { AccessRule, SignedInRule } from './access-rule.js';
import { authenticate, authenticateUser, hasAccess, requireAccess, requireRecentAuthentication } from './authenticate.js';
import { requireApp } from './client-address.js';

declare module 'fastify' {
  interface FastifyRequest {
    /** The caller proven by the access rule of a `signed_in` route; null on other routes. */
    principal: Principal | null;
    /** The session's user, read with the session through the validity cache; null on other routes and fresh checks. */
    account: UserRow | null;
  }
}

const LOOPBACK = new Set(['127.0.0.1', '::1', '::ffff:127.0.0.1']);

function tokenPresented(request: FastifyRequest, token: string | undefined): boolean {
  const presented = /^Bearer (.+)$/.exec(request.headers.authorization ?? '')?.[1];
  if (token === undefined || presented === undefined) return false;
  const a = Buffer.from(presented);
  const b = Buffer.from(token);
  return a.length === b.length && timingSafeEqual(a, b);
}

/**
 * Metrics reveal traffic patterns (OWASP ASVS 5.0 §13.4): the scrape token, or a loopback caller when no proxy is
 * trusted. With TRUST_PROXY set, a proxy on the same host makes every request it passes on loopback, so loopback
 * proves nothing and only the token opens /metrics.
 */
function metricsAllowed(request: FastifyRequest, config: Config): boolean {
  if (tokenPresented(request, config.metricsToken)) return true;
  return config.trustProxy === undefined && LOOPBACK.has(request.ip);
}

/** The caller of a `signed_in` route, as its access rule proved it. */
export function principalOf(request: FastifyRequest): Principal {
  if (request.principal === null) throw new Error(`${request.method} ${request.routeOptions.url ?? ''} has no signed_in access rule`);
  return request.principal;
}

/** The signed-in caller's user row, as read with the session (a `signed_in` rule through the validity cache). */
export function accountOf(request: FastifyRequest): UserRow {
  if (request.account === null) throw new Error(`${request.method} ${request.routeOptions.url ?? ''} has no cached signed_in access rule`);
  return request.account;
}

async function admitSignedIn(context: ServiceContext, request: FastifyRequest, rule: SignedInRule): Promise<void> {
  if (rule.fromApp === true) requireApp(request);
  let principal: Principal;
  if (rule.session === 'fresh') {
    principal = await authenticate(context, request, { fresh: true });
  } else {
    const { principal: cachedPrincipal, user } = await authenticateUser(context, request);
    principal = cachedPrincipal;
    request.account = user;
  }
  request.principal = principal;
  const { scope, role } = rule;
  if (scope === 'openid') {
    if (!principal.openIdScopes.includes('openid')) throw insufficientScope('openid');
  } else if (scope !== undefined && !hasAccess(principal, { scope, ...(role === undefined ? {} : { role }) })) {
    await requireAccess(context, request, principal, { scope, ...(role === undefined ? {} : { role }) });
  }
}

/**
 * Enforces every route's declared access rule and hands the handler its caller (`principalOf`). It runs in
 * `preValidation`, before the schemas are checked: a caller without a valid token gets 401 and learns nothing about
 * what the route accepts (RFC 6750 §3.1 answers the missing token first), as the hand-written checks answered. The
 * recent-password check of admin routes waits until the input is valid (`preHandler`), so a malformed change is a
 * 400 whatever the age of the sign-in. Both hooks take the callback form: no promise on the public routes' path.
 */
export function registerAccessControl(app: FastifyInstance, context: ServiceContext): void {
  app.decorateRequest('principal', null);
  app.decorateRequest('account', null);

  app.addHook('preValidation', (request, _reply, done) => {
    const rule: AccessRule | undefined = request.routeOptions.config.access;
    // Only the not-found handler has no rule: buildApp refuses to start with a route that lacks one.
    if (rule === undefined || rule.kind === 'public') {
      done();
      return;
    }
    if (rule.kind === 'metrics_scraper') {
      done(metricsAllowed(request, context.config) ? undefined : new ApiError('not_found', 'Not found.'));
      return;
    }
    admitSignedIn(context, request, rule).then(() => done(), done);
  });

  app.addHook('preHandler', (request, _reply, done) => {
    const rule: AccessRule | undefined = request.routeOptions.config.access;
    if (rule?.kind !== 'signed_in' || rule.recentAuthentication !== true) {
      done();
      return;
    }
    requireRecentAuthentication(context, principalOf(request)).then(() => done(), done);
  });
}
