import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { mailDeliveryStatusSchema } from '@portcullis/contracts';
import type { ServiceContext } from '../context.js';
import { signedIn } from '../http/access-rule.js';
import { routeResponses } from '../http/route-responses.js';

/** Mail delivery is read like the user directory: ADMIN role and `users:admin` scope, since it lists users' addresses. */
const READ_MAIL_DELIVERY = signedIn({ role: 'ADMIN', scope: 'users:admin' });

const mailStatusQuery = z.strictObject({ limit: z.coerce.number().int().min(1).max(200).default(20) });

export function registerMailRoutes(app: FastifyInstance, context: ServiceContext): void {
  const routes = app.withTypeProvider<ZodTypeProvider>();

  routes.route({
    method: 'GET',
    url: '/v1/admin/mail',
    config: { access: READ_MAIL_DELIVERY },
    schema: {
      operationId: 'getMailDeliveryStatus',
      tags: ['mail'],
      summary: "The mail outbox: counts by status, the oldest pending message's age and the latest messages (never their content).",
      querystring: mailStatusQuery,
      response: routeResponses(READ_MAIL_DELIVERY, { 200: mailDeliveryStatusSchema }, { method: 'GET' }),
    },
    handler: async (request) => context.mail.outbox.deliveryStatus(request.query.limit),
  });
}
