import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import {
  APPROVAL_REFUSAL_MESSAGES,
  approvalDecidedSchema,
  approvalDecisionBodySchema,
  approvalTicketSchema,
  approverSignInWithFactorBodySchema,
  popupStateSchema,
  spendingRequestSchema,
} from '@portcullis/contracts';
import type { ServiceContext } from '../context.js';
import { ApprovalRefused, type ApprovalRefusal } from '../approvals/approval-store.js';
import { ApiError, invalidToken } from '../errors.js';
import { principalOf } from '../http/access-control.js';
import { PUBLIC, signedIn } from '../http/access-rule.js';
import { appHeaders } from '../http/client-address.js';
import { clientContext } from '../http/client.js';
import { routeResponses } from '../http/route-responses.js';
import { requireApproverFactor } from '../mfa/approver-factor.js';
import { verifyCredentials } from '../passwords/verify-credentials.js';

/** A USER's own spending requests. */
const REQUESTER = signedIn({ scope: 'requests:write' });

const requestIdParams = z.strictObject({ id: z.uuid() });
const newRequestBody = z.strictObject({
  amount: z.number().int().min(1).max(1_000_000),
  reason: z.string().trim().min(1).max(500),
});
const consumeBody = z.strictObject({ state: popupStateSchema });

function refusalError(reason: ApprovalRefusal): ApiError {
  if (reason === 'request_not_found') return new ApiError('not_found', APPROVAL_REFUSAL_MESSAGES[reason]);
  return new ApiError('approval_invalid', APPROVAL_REFUSAL_MESSAGES[reason], { reason });
}

/** Spending requests (USER asks) and their approval by a MANAGER or ADMIN in the popup flow. */
export function registerApprovalRoutes(app: FastifyInstance, context: ServiceContext): void {
  const { audit } = context;
  const routes = app.withTypeProvider<ZodTypeProvider>();

  async function refuse(request: FastifyRequest, error: unknown, who: { userId?: string | null; sid?: string | null }, requestId: string | null): Promise<never> {
    if (!(error instanceof ApprovalRefused)) throw error;
    // A decision names no request: a spent ticket tells which one and who decided; a ticket that was never valid, none.
    const subject = error.subject;
    await audit.record({
      type: 'approval.refused',
      userId: who.userId ?? subject?.approverId ?? null,
      sid: who.sid ?? null,
      ...clientContext(request),
      reason: error.reason,
      detail: { requestId: requestId ?? subject?.requestId ?? null },
    });
    throw refusalError(error.reason);
  }

  routes.route({
    method: 'POST',
    url: '/v1/requests',
    config: { access: REQUESTER },
    schema: {
      operationId: 'createSpendingRequest',
      tags: ['approvals'],
      summary: 'Asks for a spending limit raise, which a MANAGER or ADMIN must approve.',
      body: newRequestBody,
      response: routeResponses(REQUESTER, { 201: z.object({ request: spendingRequestSchema }) }, { method: 'POST' }),
    },
    handler: async (request, reply) => {
      const principal = principalOf(request);
      const { amount, reason } = request.body;
      const created = await context.approvals.createRequest(principal.userId, amount, reason);
      await audit.record({ type: 'request.created', userId: principal.userId, sid: principal.sid, ...clientContext(request), detail: { requestId: created.id, amount } });
      return reply.code(201).send({ request: created });
    },
  });

  routes.route({
    method: 'GET',
    url: '/v1/requests',
    config: { access: REQUESTER },
    schema: {
      operationId: 'listSpendingRequests',
      tags: ['approvals'],
      summary: "The caller's own spending requests.",
      response: routeResponses(REQUESTER, { 200: z.object({ requests: z.array(spendingRequestSchema) }) }, { method: 'GET' }),
    },
    handler: async (request) => ({ requests: await context.approvals.listRequests(principalOf(request).userId) }),
  });

  // The requester's page asks here for the outcome, so it learns it even when the popup could not post back.
  routes.route({
    method: 'GET',
    url: '/v1/requests/:id',
    config: { access: REQUESTER },
    schema: {
      operationId: 'getSpendingRequest',
      tags: ['approvals'],
      summary: "One of the caller's spending requests, with its outcome.",
      params: requestIdParams,
      response: routeResponses(REQUESTER, { 200: z.object({ request: spendingRequestSchema }) }, { method: 'GET', refuses: ['not_found'] }),
    },
    handler: async (request) => {
      const found = await context.approvals.findRequest(request.params.id, principalOf(request).userId);
      if (found === null) throw new ApiError('not_found', 'No such request.');
      return { request: found };
    },
  });

  routes.route({
    method: 'POST',
    url: '/v1/requests/:id/approval-requests',
    config: { access: REQUESTER },
    schema: {
      operationId: 'askForApproval',
      tags: ['approvals'],
      summary: 'Records that the requester opened the approval popup for a pending request.',
      params: requestIdParams,
      response: routeResponses(REQUESTER, { 204: z.undefined() }, { method: 'POST', refuses: ['not_found', 'approval_invalid'] }),
    },
    handler: async (request, reply) => {
      const principal = principalOf(request);
      const { id } = request.params;
      const found = await context.approvals.findRequest(id, principal.userId);
      if (found === null) throw new ApiError('not_found', 'No such request.');
      if (found.status !== 'pending') throw refusalError('request_not_pending');
      await audit.record({ type: 'approval.requested', userId: principal.userId, sid: principal.sid, ...clientContext(request), detail: { requestId: id } });
      return reply.code(204).send();
    },
  });

  // The approver signs in for this approval only: no session is created, only a single-use ticket for this request.
  routes.route({
    method: 'POST',
    url: '/v1/approvals/sign-in',
    config: { access: PUBLIC, credentialCheck: 'approval' },
    schema: {
      operationId: 'approverSignIn',
      tags: ['approvals'],
      summary: "The approver's password check (and second factor, when they have one) for one request: a single-use ticket, no session.",
      headers: appHeaders,
      body: approverSignInWithFactorBodySchema,
      response: routeResponses(
        PUBLIC,
        { 200: approvalTicketSchema },
        { method: 'POST', refuses: ['invalid_credentials', 'email_unverified', 'mfa_required', 'invalid_mfa', 'rate_limited', 'not_found', 'approval_invalid'] },
      ),
    },
    handler: async (request, reply) => {
      const { email, password, requestId, totp, recoveryCode } = request.body;
      const approver = await verifyCredentials(context, { email, password, client: clientContext(request), purpose: 'approval' });
      await requireApproverFactor(context, { approver, totp, recoveryCode, requestId, client: clientContext(request) });
      try {
        const issued = await context.approvals.issueTicket(requestId, approver);
        return reply.header('cache-control', 'no-store').send({ ticket: issued.ticket, expiresAt: issued.expiresAt, request: issued.request });
      } catch (error) {
        return refuse(request, error, { userId: approver.id }, requestId);
      }
    },
  });

  // The ticket is the credential here: whoever holds it decides, once, bound to the opener's state.
  routes.route({
    method: 'POST',
    url: '/v1/approvals/decisions',
    config: { access: PUBLIC },
    schema: {
      operationId: 'decideApproval',
      tags: ['approvals'],
      summary: "Spends an approver's ticket on one decision, bound to the opener's popup state.",
      headers: appHeaders,
      body: approvalDecisionBodySchema,
      response: routeResponses(PUBLIC, { 200: approvalDecidedSchema }, { method: 'POST', refuses: ['not_found', 'approval_invalid'] }),
    },
    handler: async (request) => {
      const { ticket, state: nonce, decision } = request.body;
      try {
        const outcome = await context.approvals.decide(ticket, nonce, decision);
        await audit.record({
          type: outcome.result === 'approved' ? 'approval.granted' : 'approval.refused',
          userId: outcome.approverId,
          ...clientContext(request),
          reason: outcome.result === 'approved' ? null : 'rejected_by_approver',
          detail: { requestId: outcome.requestId, requesterId: outcome.requesterId },
        });
        return { requestId: outcome.requestId, result: outcome.result, expiresAt: outcome.expiresAt };
      } catch (error) {
        return refuse(request, error, {}, null);
      }
    },
  });

  routes.route({
    method: 'POST',
    url: '/v1/requests/:id/approval',
    config: { access: REQUESTER },
    schema: {
      operationId: 'consumeApproval',
      tags: ['approvals'],
      summary: 'The requester spends an approval given in the popup, bound to the same popup state.',
      params: requestIdParams,
      body: consumeBody,
      response: routeResponses(REQUESTER, { 200: z.object({ request: spendingRequestSchema }) }, { method: 'POST', refuses: ['not_found', 'approval_invalid'] }),
    },
    handler: async (request) => {
      const principal = principalOf(request);
      const { id } = request.params;
      const requester = await context.users.findById(principal.userId);
      if (requester === null) throw invalidToken('user gone');
      try {
        const { request: approved, approverId } = await context.approvals.consumeApproval(id, requester, request.body.state);
        await audit.record({ type: 'approval.consumed', userId: principal.userId, sid: principal.sid, ...clientContext(request), detail: { requestId: id, approverId } });
        return { request: approved };
      } catch (error) {
        return refuse(request, error, principal, id);
      }
    },
  });
}
