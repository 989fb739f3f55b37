import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import {
  acceptedSchema,
  emailVerifyBodySchema,
  emailVerifyResendBodySchema,
  passwordForgotBodySchema,
  passwordResetBodySchema,
  signupBodySchema,
} from '@portcullis/contracts';
import { resendVerification, verifyEmail } from '../accounts/email-verification.js';
import { requestPasswordReset, resetPassword } from '../accounts/password-reset.js';
import { signUp } from '../accounts/sign-up.js';
import type { ServiceContext } from '../context.js';
import { INVALID_LINK } from '../errors.js';
import { PUBLIC } from '../http/access-rule.js';
import { appHeaders } from '../http/client-address.js';
import { clientContext } from '../http/client.js';
import { routeResponses } from '../http/route-responses.js';

/**
 * The public account flows (docs/accounts.md): forgotten password, sign-up, email verification, accepting an
 * invitation. Called by the web app for a browser, so each carries the browser's address through the app credential.
 */
export function registerAccountFlowRoutes(app: FastifyInstance, context: ServiceContext): void {
  const routes = app.withTypeProvider<ZodTypeProvider>();

  routes.route({
    method: 'POST',
    url: '/v1/auth/password/forgot',
    config: { access: PUBLIC },
    schema: {
      operationId: 'forgotPassword',
      tags: ['accounts'],
      summary: 'Mails a password reset link if the address has an account; the same answer, in the same time, for every address.',
      headers: appHeaders,
      body: passwordForgotBodySchema,
      response: routeResponses(PUBLIC, { 202: acceptedSchema }, { method: 'POST', refuses: ['rate_limited'] }),
    },
    handler: async (request, reply) => {
      await requestPasswordReset(context, { email: request.body.email, client: clientContext(request) });
      return reply.code(202).send({});
    },
  });

  routes.route({
    method: 'POST',
    url: '/v1/auth/password/reset',
    config: { access: PUBLIC },
    schema: {
      operationId: 'resetPassword',
      tags: ['accounts'],
      summary: "Sets a new password with the reset link's token and ends every session of the account.",
      headers: appHeaders,
      body: passwordResetBodySchema,
      response: routeResponses(PUBLIC, { 204: z.undefined() }, { method: 'POST', refuses: [INVALID_LINK, 'weak_password', 'rate_limited'] }),
    },
    handler: async (request, reply) => {
      await resetPassword(context, { ...request.body, client: clientContext(request) });
      return reply.code(204).send();
    },
  });

  routes.route({
    method: 'POST',
    url: '/v1/auth/signup',
    config: { access: PUBLIC },
    schema: {
      operationId: 'signUp',
      tags: ['accounts'],
      summary: 'Creates a USER account when SIGNUP=open and mails a verification link; an address with an account gets a mail instead. Always 202 {}.',
      headers: appHeaders,
      body: signupBodySchema,
      response: routeResponses(PUBLIC, { 202: acceptedSchema }, { method: 'POST', refuses: ['signup_closed', 'weak_password', 'rate_limited'] }),
    },
    handler: async (request, reply) => {
      await signUp(context, { ...request.body, client: clientContext(request) });
      return reply.code(202).send({});
    },
  });

  routes.route({
    method: 'POST',
    url: '/v1/auth/email/verify',
    config: { access: PUBLIC },
    schema: {
      operationId: 'verifyEmail',
      tags: ['accounts'],
      summary: "Verifies the address with the verification link's token; the account can sign in from then on.",
      headers: appHeaders,
      body: emailVerifyBodySchema,
      response: routeResponses(PUBLIC, { 204: z.undefined() }, { method: 'POST', refuses: [INVALID_LINK, 'rate_limited'] }),
    },
    handler: async (request, reply) => {
      await verifyEmail(context, { token: request.body.token, client: clientContext(request) });
      return reply.code(204).send();
    },
  });

  routes.route({
    method: 'POST',
    url: '/v1/auth/email/verify/resend',
    config: { access: PUBLIC },
    schema: {
      operationId: 'resendEmailVerification',
      tags: ['accounts'],
      summary: 'Mails a new verification link if the address has an account awaiting one; the same answer, in the same time, for every address.',
      headers: appHeaders,
      body: emailVerifyResendBodySchema,
      response: routeResponses(PUBLIC, { 202: acceptedSchema }, { method: 'POST', refuses: ['rate_limited'] }),
    },
    handler: async (request, reply) => {
      await resendVerification(context, { email: request.body.email, client: clientContext(request) });
      return reply.code(202).send({});
    },
  });
}
