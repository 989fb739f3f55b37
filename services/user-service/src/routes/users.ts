import type { FastifyInstance, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { ROLES } from '@portcullis/contracts';
import type { ServiceContext } from '../context.js';
import { ApiError } from '../errors.js';
import { authenticate, requireAccess, requireRecentAuthentication } from '../http/authenticate.js';
import { clientContext } from '../http/client.js';
import { parseInput } from '../http/parse.js';
import { toAdminUser } from '../users/user-store.js';

const userIdParams = z.strictObject({ id: z.uuid() });
const userChange = z
  .strictObject({ role: z.enum(ROLES).optional(), disabled: z.boolean().optional() })
  .refine((change) => change.role !== undefined || change.disabled !== undefined, 'nothing to change');

/** User administration: ADMIN role and `users:admin` scope, both checked on every request. */
export function registerUserRoutes(app: FastifyInstance, context: ServiceContext): void {
  app.get('/v1/users', async (request: FastifyRequest) => {
    const principal = await authenticate(context, request);
    await requireAccess(context, request, principal, { role: 'ADMIN', scope: 'users:admin' });
    return { users: (await context.users.list()).map(toAdminUser) };
  });

  app.patch('/v1/users/:id', async (request: FastifyRequest) => {
    const principal = await authenticate(context, request);
    await requireAccess(context, request, principal, { role: 'ADMIN', scope: 'users:admin' });
    const { id } = parseInput(userIdParams, request.params, 'path');
    const change = parseInput(userChange, request.body, 'body');
    await requireRecentAuthentication(context, principal);
    if (id === principal.userId) {
      // An admin cannot lock themself out; another admin must do it.
      throw new ApiError('conflict', 'You cannot change your own role or disable your own account.');
    }
    const before = await context.users.findById(id);
    if (before === null) throw new ApiError('not_found', 'No such user.');
    const after = await context.users.update(id, change);
    if (after === null) throw new ApiError('not_found', 'No such user.');

    const roleChanged = change.role !== undefined && change.role !== before.role;
    const disabledNow = change.disabled === true && !before.disabled;
    let revokedSessions = 0;
    if (roleChanged || disabledNow) {
      // A new role or a disabled account must not keep working through tokens issued before (OWASP ASVS 5.0 §7.4.2).
      const revoked = await context.sessions.revokeUserSessions(id, disabledNow ? 'user_disabled' : 'role_changed');
      for (const session of revoked) context.validity.forget(session.id);
      revokedSessions = revoked.length;
    }
    await context.audit.record({
      type: 'user.changed',
      userId: id,
      sid: principal.sid,
      ...clientContext(request),
      reason: [roleChanged ? 'role_changed' : null, change.disabled === undefined ? null : change.disabled ? 'disabled' : 'enabled'].filter(Boolean).join(',') || 'unchanged',
      detail: { by: principal.userId, roleBefore: before.role, roleAfter: after.role, disabled: after.disabled, revokedSessions },
    });
    return { user: toAdminUser(after) };
  });

  // Ends every session of another user, e.g. after a lost device or a suspected compromise.
  app.delete('/v1/users/:id/sessions', async (request: FastifyRequest, reply) => {
    const principal = await authenticate(context, request);
    await requireAccess(context, request, principal, { role: 'ADMIN', scope: 'users:admin' });
    const { id } = parseInput(userIdParams, request.params, 'path');
    await requireRecentAuthentication(context, principal);
    if ((await context.users.findById(id)) === null) throw new ApiError('not_found', 'No such user.');
    const revoked = await context.sessions.revokeUserSessions(id, 'revoked_by_admin');
    for (const session of revoked) {
      context.validity.forget(session.id);
      await context.audit.record({ type: 'session.revoked', userId: id, sid: session.id, ...clientContext(request), reason: 'revoked_by_admin', detail: { by: principal.userId } });
    }
    return reply.code(200).send({ revoked: revoked.length });
  });
}
