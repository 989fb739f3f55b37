import type { FastifyInstance, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { ROLES, SCOPES, type DeviceSession } from '@portcullis/contracts';
import type { ServiceContext } from '../context.js';
import { ApiError, invalidToken } from '../errors.js';
import { authenticate, authenticateUser, hasAccess, recordDenial, requireAccess } from '../http/authenticate.js';
import { clientContext } from '../http/client.js';
import { requireApp } from '../http/client-address.js';
import { parseInput } from '../http/parse.js';
import type { SessionRow } from '../sessions/session-store.js';
import { toUser } from '../users/user-store.js';

const PROFILE_READ = { scope: 'profile:read' } as const;

const sessionIdParams = z.strictObject({ id: z.string().regex(/^[A-Za-z0-9_-]{1,64}$/) });

// What a guard protects: a path (`/admin/users`) or a named action/route (`action:users.changeRole`), nothing a caller
// could use to smuggle text into the audit trail or the alert's subject (OWASP ASVS 5.0 §2.2.1).
const RESOURCE = /^(?:\/[A-Za-z0-9._~%/-]*|(?:action|api):[A-Za-z0-9._-]+)$/;

const denialReport = z.strictObject({
  resource: z.string().min(1).max(200).regex(RESOURCE),
  requiredRole: z.enum(ROLES).optional(),
  requiredScope: z.enum(SCOPES).optional(),
});

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
  app.get('/v1/me', async (request: FastifyRequest) => {
    // The row the session was checked with (cached for at most the revocation budget).
    const { principal, user } = await authenticateUser(context, request);
    if (!hasAccess(principal, PROFILE_READ)) await requireAccess(context, request, principal, PROFILE_READ);
    return { user: toUser(user) };
  });

  // The app's revocation check: always read from the database, never from the short cache.
  app.get('/v1/auth/session', async (request: FastifyRequest) => {
    const principal = await authenticate(context, request, { fresh: true });
    const session = await context.sessions.findActiveSession(principal.sid);
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
  });

  app.get('/v1/auth/sessions', async (request: FastifyRequest) => {
    const principal = await authenticate(context, request);
    await requireAccess(context, request, principal, { scope: 'sessions:manage' });
    const rows = await context.sessions.listActiveSessions(principal.userId);
    return { sessions: rows.map((row) => toDeviceSession(row, principal.sid)) };
  });

  app.delete('/v1/auth/sessions/:id', async (request: FastifyRequest, reply) => {
    const principal = await authenticate(context, request);
    await requireAccess(context, request, principal, { scope: 'sessions:manage' });
    const { id } = parseInput(sessionIdParams, request.params, 'path');
    // Scoped to the caller: another user's session id is "not found", never revoked (OWASP ASVS 5.0 §8.2.2).
    const revoked = await context.sessions.revokeSession(id, 'revoked_by_user', { userId: principal.userId });
    if (revoked === null) throw new ApiError('not_found', 'No such active session.');
    context.validity.forget(revoked.id);
    await context.audit.record({
      type: 'session.revoked',
      userId: principal.userId,
      sid: revoked.id,
      ...clientContext(request),
      reason: 'revoked_by_user',
      detail: { by: principal.sid, current: revoked.id === principal.sid },
    });
    return reply.code(204).send();
  });

  // Guards in the web app report their denials here, so the audit trail sees every refusal in one place. Only an app
  // instance may report (a signed-in user could otherwise forge refusals and trip the admin alert), and each session
  // only so many a minute; a report over the limit is dropped.
  app.post('/v1/audit/denials', async (request: FastifyRequest, reply) => {
    requireApp(request);
    const principal = await authenticate(context, request);
    const report = parseInput(denialReport, request.body, 'body');
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
  });
}
