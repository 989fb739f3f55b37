import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { adminUserSchema, ROLES } from '@portcullis/contracts';
import { ALL_LINK_PURPOSES } from '../accounts/account-tokens.js';
import type { ServiceContext } from '../context.js';
import { ApiError } from '../errors.js';
import { principalOf } from '../http/access-control.js';
import { signedIn } from '../http/access-rule.js';
import { clientContext } from '../http/client.js';
import { routeResponses } from '../http/route-responses.js';
import { toAdminUser } from '../users/user-store.js';

/** User administration: ADMIN role and `users:admin` scope, both checked on every request. */
const ADMINISTER_USERS = signedIn({ role: 'ADMIN', scope: 'users:admin' });
/** Changes to another account also need a recent password check (RFC 9470). */
const CHANGE_USERS = signedIn({ role: 'ADMIN', scope: 'users:admin', recentAuthentication: true });

const userIdParams = z.strictObject({ id: z.uuid() });
const userChange = z
  .strictObject({ role: z.enum(ROLES).optional(), disabled: z.boolean().optional() })
  .refine((change) => change.role !== undefined || change.disabled !== undefined, 'nothing to change');

export function registerUserRoutes(app: FastifyInstance, context: ServiceContext): void {
  const routes = app.withTypeProvider<ZodTypeProvider>();

  routes.route({
    method: 'GET',
    url: '/v1/users',
    config: { access: ADMINISTER_USERS },
    schema: {
      operationId: 'listUsers',
      tags: ['users'],
      summary: 'Every user, with role, scopes and state.',
      response: routeResponses(ADMINISTER_USERS, { 200: z.object({ users: z.array(adminUserSchema) }) }, { method: 'GET' }),
    },
    handler: async () => ({ users: (await context.users.list()).map(toAdminUser) }),
  });

  routes.route({
    method: 'PATCH',
    url: '/v1/users/:id',
    config: { access: CHANGE_USERS },
    schema: {
      operationId: 'changeUser',
      tags: ['users'],
      summary: "Changes another user's role or disables them; either ends every session they had.",
      params: userIdParams,
      body: userChange,
      response: routeResponses(CHANGE_USERS, { 200: z.object({ user: adminUserSchema }) }, { method: 'PATCH', refuses: ['not_found', 'conflict'] }),
    },
    handler: async (request) => {
      const principal = principalOf(request);
      const { id } = request.params;
      const change = request.body;
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
      // A disabled account's mailed links die with it (OWASP ASVS 5.0 §6.4.1): re-enabling does not revive them.
      if (disabledNow) await context.accountTokens.voidFor(context.database.db, id, ALL_LINK_PURPOSES);
      if (roleChanged || disabledNow) {
        // A new role or a disabled account must not keep working through tokens issued before (OWASP ASVS 5.0 §7.4.2);
        // the change is audited once, below, with the count.
        const revoked = await context.revocation.revokeUserSessions(id, { reason: disabledNow ? 'user_disabled' : 'role_changed', event: () => null });
        revokedSessions = revoked.length;
      }
      await context.audit.record({
        type: 'user.changed',
        userId: id,
        sid: principal.sid,
        ...clientContext(request),
        reason:
          [roleChanged ? 'role_changed' : null, change.disabled === undefined ? null : change.disabled ? 'disabled' : 'enabled'].filter(Boolean).join(',') || 'unchanged',
        detail: { by: principal.userId, roleBefore: before.role, roleAfter: after.role, disabled: after.disabled, revokedSessions },
      });
      return { user: toAdminUser(after) };
    },
  });

  // Ends every session of another user, e.g. after a lost device or a suspected compromise.
  routes.route({
    method: 'DELETE',
    url: '/v1/users/:id/sessions',
    config: { access: CHANGE_USERS },
    schema: {
      operationId: 'revokeUserSessions',
      tags: ['users'],
      summary: 'Ends every session of a user, e.g. after a lost device or a suspected compromise.',
      params: userIdParams,
      response: routeResponses(CHANGE_USERS, { 200: z.object({ revoked: z.number().int() }) }, { method: 'DELETE', refuses: ['not_found'] }),
    },
    handler: async (request, reply) => {
      const principal = principalOf(request);
      const { id } = request.params;
      if ((await context.users.findById(id)) === null) throw new ApiError('not_found', 'No such user.');
      const revoked = await context.revocation.revokeUserSessions(id, {
        reason: 'revoked_by_admin',
        event: (session) => ({
          type: 'session.revoked',
          userId: id,
          sid: session.id,
          ...clientContext(request),
          reason: 'revoked_by_admin',
          detail: { by: principal.userId },
        }),
      });
      return reply.code(200).send({ revoked: revoked.length });
    },
  });
}
