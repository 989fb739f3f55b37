import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { denialReportSchema, deviceSessionSchema, sessionStatusSchema, userSchema, type DeviceSession } from '@portcullis/contracts';
import type { ServiceContext } from '../context.js';
import { ApiError, invalidToken } from '../errors.js';
import { accountOf, principalOf } from '../http/access-control.js';
import { signedIn } from '../http/access-rule.js';
import { recordDenial } from '../http/authenticate.js';
import { appCallerHeaders } from '../http/client-address.js';
import { clientContext } from '../http/client.js';
import { routeResponses } from '../http/route-responses.js';
import type { SessionRow } from '../sessions/session-store.js';
import { toUser } from '../users/user-store.js';

const PROFILE_READ = signedIn({ scope: 'profile:read' });
// The app's revocation check: always read from the database, never from the short cache.
const SESSION_CHECK = signedIn({ session: 'fresh' });
const MANAGE_SESSIONS = signedIn({ scope: 'sessions:manage' });
// Only an app instance may report (a signed-in user could otherwise forge refusals and trip the admin alert).
const DENIAL_REPORTER = signedIn({ fromApp: true });

const sessionIdParams = z.strictObject({ id: z.string().regex(/^[A-Za-z0-9_-]{1,64}$/) });

function toDeviceSession(row: SessionRow, currentSid: string): DeviceSession {
  return {
    id: row.id,
    createdAt: row.createdAt.getTime(),
    lastUsedAt: row.lastUsedAt.getTime(),
    expiresAt: Math.min(row.idleExpiresAt.getTime(), row.absoluteExpiresAt.getTime()),
    userAgent: row.userAgent,
    ip: row.ip,
    current: row.id === currentSid,
  };
}

/** The caller's own account and device sessions. */
export function registerMeRoutes(app: FastifyInstance, context: ServiceContext): void {
  const routes = app.withTypeProvider<ZodTypeProvider>();

  routes.route({
    method: 'GET',
    url: '/v1/me',
    config: { access: PROFILE_READ },
    schema: {
      operationId: 'getMe',
      tags: ['account'],
      summary: "The caller's own account.",
      response: routeResponses(PROFILE_READ, { 200: z.object({ user: userSchema }) }, { method: 'GET' }),
    },
    // The row the session was checked with (cached for at most the revocation budget).
    handler: async (request) => ({ user: toUser(accountOf(request)) }),
  });

  routes.route({
    method: 'GET',
    url: '/v1/auth/session',
    config: { access: SESSION_CHECK },
    schema: {
      operationId: 'getSession',
      tags: ['auth'],
      summary: "Whether the caller's session is still active, read from the database: the app's revocation check.",
      response: routeResponses(SESSION_CHECK, { 200: sessionStatusSchema }, { method: 'GET' }),
    },
    handler: async (request) => {
      const session = await context.sessions.findActiveSession(principalOf(request).sid);
      if (session === null) throw invalidToken('session revoked or ended');
      return {
        session: {
          id: session.id,
          userId: session.userId,
          authTime: session.authTime.getTime(),
          createdAt: session.createdAt.getTime(),
          expiresAt: Math.min(session.idleExpiresAt.getTime(), session.absoluteExpiresAt.getTime()),
        },
      };
    },
  });

  routes.route({
    method: 'GET',
    url: '/v1/auth/sessions',
    config: { access: MANAGE_SESSIONS },
    schema: {
      operationId: 'listMySessions',
      tags: ['account'],
      summary: "The caller's active sessions, one per device.",
      response: routeResponses(MANAGE_SESSIONS, { 200: z.object({ sessions: z.array(deviceSessionSchema) }) }, { method: 'GET' }),
    },
    handler: async (request) => {
      const principal = principalOf(request);
      const rows = await context.sessions.listActiveSessions(principal.userId);
      return { sessions: rows.map((row) => toDeviceSession(row, principal.sid)) };
    },
  });

  routes.route({
    method: 'DELETE',
    url: '/v1/auth/sessions/:id',
    config: { access: MANAGE_SESSIONS },
    schema: {
      operationId: 'revokeMySession',
      tags: ['account'],
      summary: "Ends one of the caller's sessions (a lost device, or this one).",
      params: sessionIdParams,
      response: routeResponses(MANAGE_SESSIONS, { 204: z.undefined() }, { method: 'DELETE', refuses: ['not_found'] }),
    },
    handler: async (request, reply) => {
      const principal = principalOf(request);
      // Scoped to the caller: another user's session id is "not found", never revoked (OWASP ASVS 5.0 §8.2.2).
      const revoked = await context.revocation.revokeSession(request.params.id, {
        reason: 'revoked_by_user',
        ownedBy: principal.userId,
        event: (session) => ({
          type: 'session.revoked',
          userId: principal.userId,
          sid: session.id,
          ...clientContext(request),
          reason: 'revoked_by_user',
          detail: { by: principal.sid, current: session.id === principal.sid },
        }),
      });
      if (revoked === null) throw new ApiError('not_found', 'No such active session.');
      return reply.code(204).send();
    },
  });

  // Guards in the web app report their denials here, so the audit trail sees every refusal in one place; each session
  // only so many a minute, and a report over the limit is dropped.
  routes.route({
    method: 'POST',
    url: '/v1/audit/denials',
    config: { access: DENIAL_REPORTER },
    schema: {
      operationId: 'reportDenial',
      tags: ['audit'],
      summary: "Records a refusal an app's guard decided, so the audit trail sees every refusal in one place.",
      headers: appCallerHeaders,
      body: denialReportSchema,
      response: routeResponses(DENIAL_REPORTER, { 204: z.undefined() }, { method: 'POST', refuses: ['rate_limited'] }),
    },
    handler: async (request, reply) => {
      const principal = principalOf(request);
      const report = request.body;
      const verdict = await context.denialReports.admit(principal.sid);
      if (!verdict.allowed) {
        throw new ApiError('rate_limited', 'Too many denial reports for this session.', {
          headers: { 'retry-after': String(verdict.retryAfterSeconds) },
          detail: 'denial reports over the limit',
        });
      }
      const missing = report.requiredRole !== undefined ? `role:${report.requiredRole}` : `scope:${report.requiredScope ?? 'unknown'}`;
      await recordDenial(context, request, principal, { missing, resource: report.resource, source: 'app' });
      return reply.code(204).send();
    },
  });
}
