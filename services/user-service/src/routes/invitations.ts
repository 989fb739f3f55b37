import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { invitationAcceptBodySchema, invitationBodySchema, invitationCreatedSchema } from '@portcullis/contracts';
import { acceptInvitation, invite, invitingFrom } from '../accounts/invitations.js';
import type { ServiceContext } from '../context.js';
import { INVALID_LINK } from '../errors.js';
import { principalOf } from '../http/access-control.js';
import { PUBLIC, signedIn } from '../http/access-rule.js';
import { appHeaders } from '../http/client-address.js';
import { clientContext } from '../http/client.js';
import { routeResponses } from '../http/route-responses.js';

/** Inviting someone is an admin change like any other: ADMIN, `users:admin`, and a recent password check (RFC 9470). */
const INVITE_USERS = signedIn({ role: 'ADMIN', scope: 'users:admin', recentAuthentication: true });

/** Invitations (docs/accounts.md): an admin invites an address, the invitee accepts with the mailed link. */
export function registerInvitationRoutes(app: FastifyInstance, context: ServiceContext): void {
  const routes = app.withTypeProvider<ZodTypeProvider>();

  routes.route({
    method: 'POST',
    url: '/v1/users/invitations',
    config: { access: INVITE_USERS },
    schema: {
      operationId: 'inviteUser',
      tags: ['users'],
      summary: 'Invites an address with a role: an account without a password and a mailed link to choose one; again for an unanswered invitation.',
      body: invitationBodySchema,
      response: routeResponses(INVITE_USERS, { 201: invitationCreatedSchema }, { method: 'POST', refuses: ['conflict'] }),
    },
    handler: async (request, reply) => {
      const principal = principalOf(request);
      const { id } = await invite(invitingFrom(context), { ...request.body, client: clientContext(request), by: principal.userId, bySession: principal.sid });
      context.mail.sender.kick();
      return reply.code(201).send({ id });
    },
  });

  routes.route({
    method: 'POST',
    url: '/v1/auth/invitations/accept',
    config: { access: PUBLIC },
    schema: {
      operationId: 'acceptInvitation',
      tags: ['accounts'],
      summary: "Accepts an invitation with its link's token: sets the password and name; the account can sign in at once.",
      headers: appHeaders,
      body: invitationAcceptBodySchema,
      response: routeResponses(PUBLIC, { 204: z.undefined() }, { method: 'POST', refuses: [INVALID_LINK, 'weak_password', 'rate_limited'] }),
    },
    handler: async (request, reply) => {
      await acceptInvitation(context, { ...request.body, client: clientContext(request) });
      return reply.code(204).send();
    },
  });
}
