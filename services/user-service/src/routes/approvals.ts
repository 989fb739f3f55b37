import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { APPROVAL_REFUSAL_MESSAGES } from '@portcullis/contracts';
import type { ServiceContext } from '../context.js';
import { ApprovalRefused, type ApprovalRefusal } from '../approvals/approval-store.js';
import { ApiError, invalidToken } from '../errors.js';
import { authenticate, requireAccess } from '../http/authenticate.js';
import { clientContext } from '../http/client.js';
import { parseInput } from '../http/parse.js';
import { verifyCredentials } from '../passwords/verify-credentials.js';

const requestIdParams = z.strictObject({ id: z.uuid() });
const newRequestBody = z.strictObject({
  amount: z.number().int().min(1).max(1_000_000),
  reason: z.string().trim().min(1).max(500),
});
// The opener's nonce: unguessable, URL-safe (RFC 9700 §4.7 on state values).
const state = z.string().regex(/^[A-Za-z0-9_-]{22,128}$/, 'state must be 22-128 URL-safe characters');
const approverSignInBody = z.strictObject({
  email: z.string().trim().min(3).max(254),
  password: z.string().min(1).max(1024),
  requestId: z.uuid(),
});
const decisionBody = z.strictObject({
  ticket: z.string().regex(/^[A-Za-z0-9_-]{43}$/),
  state,
  decision: z.enum(['approve', 'reject']),
});
const consumeBody = z.strictObject({ state });

function refusalError(reason: ApprovalRefusal): ApiError {
  if (reason === 'request_not_found') return new ApiError('not_found', APPROVAL_REFUSAL_MESSAGES[reason]);
  return new ApiError('approval_invalid', APPROVAL_REFUSAL_MESSAGES[reason], { reason });
}

/** Spending requests (USER asks) and their approval by a MANAGER or ADMIN in the popup flow. */
export function registerApprovalRoutes(app: FastifyInstance, context: ServiceContext): void {
  const { audit } = context;

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

  app.post('/v1/requests', async (request: FastifyRequest, reply: FastifyReply) => {
    const principal = await authenticate(context, request);
    await requireAccess(context, request, principal, { scope: 'requests:write' });
    const { amount, reason } = parseInput(newRequestBody, request.body, 'body');
    const created = await context.approvals.createRequest(principal.userId, amount, reason);
    await audit.record({ type: 'request.created', userId: principal.userId, sid: principal.sid, ...clientContext(request), detail: { requestId: created.id, amount } });
    return reply.code(201).send({ request: created });
  });

  app.get('/v1/requests', async (request: FastifyRequest) => {
    const principal = await authenticate(context, request);
    await requireAccess(context, request, principal, { scope: 'requests:write' });
    return { requests: await context.approvals.listRequests(principal.userId) };
  });

  // The requester's page asks here for the outcome, so it learns it even when the popup could not post back.
  app.get('/v1/requests/:id', async (request: FastifyRequest) => {
    const principal = await authenticate(context, request);
    await requireAccess(context, request, principal, { scope: 'requests:write' });
    const { id } = parseInput(requestIdParams, request.params, 'path');
    const found = await context.approvals.findRequest(id, principal.userId);
    if (found === null) throw new ApiError('not_found', 'No such request.');
    return { request: found };
  });

  app.post('/v1/requests/:id/approval-requests', async (request: FastifyRequest, reply: FastifyReply) => {
    const principal = await authenticate(context, request);
    await requireAccess(context, request, principal, { scope: 'requests:write' });
    const { id } = parseInput(requestIdParams, request.params, 'path');
    const found = await context.approvals.findRequest(id, principal.userId);
    if (found === null) throw new ApiError('not_found', 'No such request.');
    if (found.status !== 'pending') throw refusalError('request_not_pending');
    await audit.record({ type: 'approval.requested', userId: principal.userId, sid: principal.sid, ...clientContext(request), detail: { requestId: id } });
    return reply.code(204).send();
  });

  // The approver signs in for this approval only: no session is created, only a single-use ticket for this request.
  app.post('/v1/approvals/sign-in', { config: { credentialCheck: 'approval' } }, async (request: FastifyRequest, reply: FastifyReply) => {
    const { email, password, requestId } = parseInput(approverSignInBody, request.body, 'body');
    const approver = await verifyCredentials(context, { email, password, client: clientContext(request), purpose: 'approval' });
    try {
      const issued = await context.approvals.issueTicket(requestId, approver);
      return reply.header('cache-control', 'no-store').send({ ticket: issued.ticket, expiresAt: issued.expiresAt, request: issued.request });
    } catch (error) {
      return refuse(request, error, { userId: approver.id }, requestId);
    }
  });

  app.post('/v1/approvals/decisions', async (request: FastifyRequest) => {
    const { ticket, state: nonce, decision } = parseInput(decisionBody, request.body, 'body');
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
  });

  app.post('/v1/requests/:id/approval', async (request: FastifyRequest) => {
    const principal = await authenticate(context, request);
    await requireAccess(context, request, principal, { scope: 'requests:write' });
    const { id } = parseInput(requestIdParams, request.params, 'path');
    const { state: nonce } = parseInput(consumeBody, request.body, 'body');
    const requester = await context.users.findById(principal.userId);
    if (requester === null) throw invalidToken('user gone');
    try {
      const { request: approved, approverId } = await context.approvals.consumeApproval(id, requester, nonce);
      await audit.record({ type: 'approval.consumed', userId: principal.userId, sid: principal.sid, ...clientContext(request), detail: { requestId: id, approverId } });
      return { request: approved };
    } catch (error) {
      return refuse(request, error, principal, id);
    }
  });
}
