import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { acceptedSchema, emailChangeBodySchema, emailChangeTokenBodySchema, passwordChangeBodySchema } from '@portcullis/contracts';
import { cancelEmailChange, confirmEmailChange, requestEmailChange, type EmailChangeOutcome } from '../accounts/email-change.js';
import { changePassword } from '../accounts/password-change.js';
import type { ServiceContext } from '../context.js';
import { ApiError, INVALID_LINK, invalidLink, invalidRequest, invalidToken } from '../errors.js';
import { principalOf } from '../http/access-control.js';
import { PUBLIC, signedIn } from '../http/access-rule.js';
import { appHeaders } from '../http/client-address.js';
import { clientContext } from '../http/client.js';
import { routeResponses } from '../http/route-responses.js';
import { requireStrongPassword } from '../passwords/password-policy.js';
import { rateLimited, verifyCredentials } from '../passwords/verify-credentials.js';
import type { AccountFlow } from '../throttle/throttles.js';
import { normalizeEmail, type UserRow } from '../users/user-store.js';

// Read from the database, not the short cache: a session just ended elsewhere must not change the credentials.
const OWN_ACCOUNT = signedIn({ scope: 'sessions:manage', session: 'fresh' });

/** The change a link from a mail made, or the refusal: one answer for every link that cannot be spent. */
function settled(outcome: EmailChangeOutcome): Extract<EmailChangeOutcome, { kind: 'done' }> {
  if (outcome.kind === 'invalid_link') throw invalidLink();
  if (outcome.kind === 'address_taken') throw new ApiError('conflict', 'This address belongs to another account by now; the change cannot be made.');
  return outcome;
}

/** Changes of the signed-in user's own credentials (docs/accounts.md), and the links their mails carry. */
export function registerAccountChangeRoutes(app: FastifyInstance, context: ServiceContext): void {
  const { audit } = context;
  const routes = app.withTypeProvider<ZodTypeProvider>();

  async function admit(flow: AccountFlow, ip: string | null): Promise<void> {
    const verdict = await context.throttles.admitAccountFlow(flow, ip ?? 'unknown');
    if (!verdict.allowed) throw rateLimited(verdict.retryAfterSeconds);
  }

  async function ownAccount(userId: string): Promise<UserRow> {
    const account = await context.users.findById(userId);
    if (account === null) throw invalidToken('account no longer exists');
    return account;
  }

  routes.route({
    method: 'POST',
    url: '/v1/me/password',
    config: { access: OWN_ACCOUNT, credentialCheck: 'account_change' },
    schema: {
      operationId: 'changeMyPassword',
      tags: ['account'],
      summary: "Changes the caller's password (the current one is required); every other session of the caller ends.",
      headers: appHeaders,
      body: passwordChangeBodySchema,
      response: routeResponses(OWN_ACCOUNT, { 204: z.undefined() }, { method: 'POST', refuses: ['invalid_credentials', 'weak_password', 'rate_limited'] }),
    },
    handler: async (request, reply) => {
      const principal = principalOf(request);
      const client = clientContext(request);
      const account = await ownAccount(principal.userId);
      const { currentPassword, newPassword } = request.body;
      // OWASP ASVS 5.0 §6.2.3: the current password, through the same throttled check as every sign-in.
      await verifyCredentials(context, { email: account.email, password: currentPassword, client, purpose: 'account_change' });
      await requireStrongPassword(context.passwordPolicy, newPassword, { email: account.email });
      const endedSessions = await changePassword(context, { account, keepSession: principal.sid, newPassword });
      await audit.record({ type: 'password.changed', userId: account.id, sid: principal.sid, ...client, detail: { endedSessions } });
      return reply.code(204).send();
    },
  });

  routes.route({
    method: 'POST',
    url: '/v1/me/email',
    config: { access: OWN_ACCOUNT, credentialCheck: 'account_change' },
    schema: {
      operationId: 'changeMyEmail',
      tags: ['account'],
      summary: "Asks to move the caller's account to another address: a link to confirm goes there, a link to cancel to the old one.",
      headers: appHeaders,
      body: emailChangeBodySchema,
      response: routeResponses(OWN_ACCOUNT, { 202: acceptedSchema }, { method: 'POST', refuses: ['invalid_credentials', 'rate_limited'] }),
    },
    handler: async (request, reply) => {
      const principal = principalOf(request);
      const client = clientContext(request);
      await admit('email_change', client.ip);
      const account = await ownAccount(principal.userId);
      const { newEmail, password } = request.body;
      // OWASP ASVS 5.0 §7.5.1: the password again before the address that recovers the account changes.
      await verifyCredentials(context, { email: account.email, password, client, purpose: 'account_change' });
      if (normalizeEmail(newEmail) === account.email) throw invalidRequest('This is already the address of your account.');
      // The notice to the old address is what lets its owner undo a change: no notice, no change.
      const notice = await context.throttles.admitAccountMail('email_change', account.email);
      if (!notice.allowed) throw rateLimited(notice.retryAfterSeconds);
      await requestEmailChange(context, account, newEmail);
      await audit.record({ type: 'email.change_requested', userId: account.id, sid: principal.sid, ...client, detail: { to: normalizeEmail(newEmail) } });
      return reply.code(202).send({});
    },
  });

  routes.route({
    method: 'POST',
    url: '/v1/auth/email/confirm',
    config: { access: PUBLIC },
    schema: {
      operationId: 'confirmEmailChange',
      tags: ['account'],
      summary: 'Spends the link mailed to the new address: the account moves there, and the old address is told.',
      headers: appHeaders,
      body: emailChangeTokenBodySchema,
      response: routeResponses(PUBLIC, { 204: z.undefined() }, { method: 'POST', refuses: [INVALID_LINK, 'conflict', 'rate_limited'] }),
    },
    handler: async (request, reply) => {
      const client = clientContext(request);
      await admit('email_change', client.ip);
      const change = settled(await confirmEmailChange(context, request.body.token));
      await audit.record({ type: 'email.changed', userId: change.userId, ...client, detail: { from: change.from, to: change.to } });
      return reply.code(204).send();
    },
  });

  routes.route({
    method: 'POST',
    url: '/v1/auth/email/cancel',
    config: { access: PUBLIC },
    schema: {
      operationId: 'cancelEmailChange',
      tags: ['account'],
      summary: 'Spends the link mailed to the old address: the change is undone, every session ends and a new password must be chosen.',
      headers: appHeaders,
      body: emailChangeTokenBodySchema,
      response: routeResponses(PUBLIC, { 204: z.undefined() }, { method: 'POST', refuses: [INVALID_LINK, 'conflict', 'rate_limited'] }),
    },
    handler: async (request, reply) => {
      const client = clientContext(request);
      await admit('email_change', client.ip);
      const cancelled = settled(await cancelEmailChange(context, request.body.token));
      // Whoever asked for the change held a session: all of them end, OIDC grants with them (OWASP ASVS 5.0 §7.4.3).
      const ended = await context.revocation.revokeUserSessions(cancelled.userId, { reason: 'email_change_cancelled', event: () => null });
      await audit.record({
        type: 'email.change_cancelled',
        userId: cancelled.userId,
        ...client,
        detail: { reverted: cancelled.from !== cancelled.to, email: cancelled.to, endedSessions: ended.length },
      });
      return reply.code(204).send();
    },
  });
}
