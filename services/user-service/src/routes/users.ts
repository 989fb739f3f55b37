import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import {
  adminUserSchema,
  auditEventSchema,
  forcedPasswordResetSchema,
  mfaRequirementBodySchema,
  mfaResetSchema,
  ROLES,
  userDirectoryPageSchema,
  userDirectoryQuerySchema,
  userEventsQuerySchema,
} from '@portcullis/contracts';
import { ALL_LINK_PURPOSES } from '../accounts/account-tokens.js';
import type { ServiceContext } from '../context.js';
import { ApiError, invalidRequest } from '../errors.js';
import { principalOf } from '../http/access-control.js';
import { signedIn } from '../http/access-rule.js';
import { clientContext } from '../http/client.js';
import { routeResponses } from '../http/route-responses.js';
import { rateLimited } from '../passwords/verify-credentials.js';
import type { AccountFlow } from '../throttle/throttles.js';
import { forcePasswordReset, resetSecondFactors, setMfaRequired } from '../users/account-administration.js';
import { FactorOverview } from '../users/factor-overview.js';
import { invite, invitingFrom } from '../accounts/invitations.js';
import { InvalidCursorError, UserDirectory } from '../users/user-directory.js';
import { userStatus } from '../users/user-store.js';

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
  const directory = new UserDirectory(context.database.db);
  const factors = new FactorOverview(context);

  /** Admins mail through the same per-address budget as everyone: no account can be made to flood a mailbox. */
  async function admitMail(flow: AccountFlow, email: string): Promise<void> {
    const verdict = await context.throttles.admitAccountMail(flow, email);
    if (!verdict.allowed) throw rateLimited(verdict.retryAfterSeconds);
  }

  routes.route({
    method: 'GET',
    url: '/v1/users',
    config: { access: ADMINISTER_USERS },
    schema: {
      operationId: 'listUsers',
      tags: ['users'],
      summary: 'The user directory, a page at a time by email: search email or name, filter by role, status or ids, follow nextCursor.',
      querystring: userDirectoryQuerySchema,
      response: routeResponses(ADMINISTER_USERS, { 200: userDirectoryPageSchema }, { method: 'GET' }),
    },
    handler: async (request) => {
      try {
        const page = await directory.page(request.query);
        return { users: await factors.adminUsers(page.rows), nextCursor: page.nextCursor };
      } catch (error) {
        if (error instanceof InvalidCursorError) throw invalidRequest('Invalid querystring: cursor must be the nextCursor of an earlier page.');
        throw error;
      }
    },
  });

  routes.route({
    method: 'GET',
    url: '/v1/users/:id',
    config: { access: ADMINISTER_USERS },
    schema: {
      operationId: 'getUser',
      tags: ['users'],
      summary: 'One user of the directory, with their second factors and whether one is required of them.',
      params: userIdParams,
      response: routeResponses(ADMINISTER_USERS, { 200: z.object({ user: adminUserSchema }) }, { method: 'GET', refuses: ['not_found'] }),
    },
    handler: async (request) => {
      const user = await context.users.findById(request.params.id);
      if (user === null) throw new ApiError('not_found', 'No such user.');
      return { user: await factors.adminUser(user) };
    },
  });

  routes.route({
    method: 'GET',
    url: '/v1/users/:id/events',
    config: { access: ADMINISTER_USERS },
    schema: {
      operationId: 'listUserEvents',
      tags: ['users'],
      summary: "A user's latest security events from the audit trail, newest first.",
      params: userIdParams,
      querystring: userEventsQuerySchema,
      response: routeResponses(ADMINISTER_USERS, { 200: z.object({ events: z.array(auditEventSchema) }) }, { method: 'GET', refuses: ['not_found'] }),
    },
    handler: async (request) => {
      const { id } = request.params;
      if ((await context.users.findById(id)) === null) throw new ApiError('not_found', 'No such user.');
      return { events: await context.audit.list({ userId: id, limit: request.query.limit }) };
    },
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
      return { user: await factors.adminUser(after) };
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

  routes.route({
    method: 'POST',
    url: '/v1/users/:id/invitation/resend',
    config: { access: CHANGE_USERS },
    schema: {
      operationId: 'resendInvitation',
      tags: ['users'],
      summary: 'Mails an invited user a new invitation link; the one sent before stops working.',
      params: userIdParams,
      response: routeResponses(CHANGE_USERS, { 202: z.object({}) }, { method: 'POST', refuses: ['not_found', 'conflict', 'rate_limited'] }),
    },
    handler: async (request, reply) => {
      const principal = principalOf(request);
      const user = await context.users.findById(request.params.id);
      if (user === null) throw new ApiError('not_found', 'No such user.');
      if (userStatus(user) !== 'invited') throw new ApiError('conflict', 'Only an invitation not yet accepted can be sent again.');
      await admitMail('invitation', user.email);
      // The same path as a new invitation to this address: a fresh link, the older one void, audited as resent.
      await invite(invitingFrom(context), { email: user.email, role: user.role, client: clientContext(request), by: principal.userId, bySession: principal.sid });
      context.mail.sender.kick();
      return reply.code(202).send({});
    },
  });

  routes.route({
    method: 'POST',
    url: '/v1/users/:id/password-reset',
    config: { access: CHANGE_USERS },
    schema: {
      operationId: 'forcePasswordReset',
      tags: ['users'],
      summary: 'Forces a password reset: the old password stops working, a reset link is mailed, and every session of the user ends.',
      params: userIdParams,
      response: routeResponses(CHANGE_USERS, { 202: forcedPasswordResetSchema }, { method: 'POST', refuses: ['not_found', 'conflict', 'rate_limited'] }),
    },
    handler: async (request, reply) => {
      const principal = principalOf(request);
      const { id } = request.params;
      // An admin changes their own password where they know the current one, not by locking themself out.
      if (id === principal.userId) throw new ApiError('conflict', 'You cannot force a reset of your own password.');
      const user = await context.users.findById(id);
      if (user === null) throw new ApiError('not_found', 'No such user.');
      const status = userStatus(user);
      if (status === 'disabled') throw new ApiError('conflict', 'The account is disabled: enable it first.');
      if (status === 'invited') throw new ApiError('conflict', 'The invitation is not accepted yet: send the invitation again instead.');
      await admitMail('password_forgot', user.email);
      const { revokedSessions } = await forcePasswordReset(context, user);
      await context.audit.record({
        type: 'password.reset_requested',
        userId: user.id,
        sid: principal.sid,
        ...clientContext(request),
        reason: 'forced_by_admin',
        detail: { by: principal.userId, revokedSessions },
      });
      return reply.code(202).send({ revokedSessions });
    },
  });

  routes.route({
    method: 'POST',
    url: '/v1/users/:id/mfa/reset',
    config: { access: CHANGE_USERS },
    schema: {
      operationId: 'resetSecondFactors',
      tags: ['users'],
      summary: "Removes a user's TOTP app, passkeys and recovery codes, mails them a notice and ends every session they had.",
      params: userIdParams,
      response: routeResponses(CHANGE_USERS, { 200: mfaResetSchema }, { method: 'POST', refuses: ['not_found', 'conflict'] }),
    },
    handler: async (request) => {
      const principal = principalOf(request);
      const { id } = request.params;
      // An admin manages their own factors under /account/security, with their own step-up; another admin resets them.
      if (id === principal.userId) throw new ApiError('conflict', 'You cannot reset your own second factors.');
      const user = await context.users.findById(id);
      if (user === null) throw new ApiError('not_found', 'No such user.');
      const reset = await resetSecondFactors(context, user);
      await context.audit.record({
        type: 'mfa.reset',
        userId: user.id,
        sid: principal.sid,
        ...clientContext(request),
        reason: 'reset_by_admin',
        detail: { by: principal.userId, ...reset.removed, revokedSessions: reset.revokedSessions },
      });
      return reset;
    },
  });

  routes.route({
    method: 'PUT',
    url: '/v1/users/:id/mfa-required',
    config: { access: CHANGE_USERS },
    schema: {
      operationId: 'setMfaRequired',
      tags: ['users'],
      summary: 'Requires a second factor of one user whatever their role (they enrol at their next sign-in), or stops requiring it.',
      params: userIdParams,
      body: mfaRequirementBodySchema,
      response: routeResponses(CHANGE_USERS, { 200: z.object({ user: adminUserSchema }) }, { method: 'PUT', refuses: ['not_found', 'conflict'] }),
    },
    handler: async (request) => {
      const principal = principalOf(request);
      const { id } = request.params;
      // Lowering one's own bar is what a stolen admin session would do first: another admin decides it.
      if (id === principal.userId) throw new ApiError('conflict', 'You cannot change whether a second factor is required of you.');
      const before = await context.users.findById(id);
      if (before === null) throw new ApiError('not_found', 'No such user.');
      const after = await setMfaRequired(context, id, request.body.required);
      if (after === null) throw new ApiError('not_found', 'No such user.');
      await context.audit.record({
        type: 'mfa.requirement_changed',
        userId: id,
        sid: principal.sid,
        ...clientContext(request),
        reason: request.body.required ? 'required' : 'not_required',
        detail: { by: principal.userId, before: before.mfaRequired, after: after.mfaRequired },
      });
      return { user: await factors.adminUser(after) };
    },
  });
}
