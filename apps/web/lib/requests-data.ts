import { spendingRequestSchema, type SpendingRequest } from '@portcullis/contracts';
import { BackendUnavailableError, backendRefusal, UnauthenticatedError } from '@portcullis/next';
import { z } from 'zod';
import { auth } from './auth';

const oneRequest = z.object({ request: spendingRequestSchema });

/** Calls the user-service's spending-request API with the requester's own token; the backend checks ownership. */
async function call<S extends z.ZodType>(request: { method: string; path: string; accessToken: string; body?: unknown }, schema: S): Promise<z.output<S>> {
  const answer = await auth().backend.call(request);
  if (answer.status < 200 || answer.status >= 300) throw backendRefusal(answer);
  const parsed = schema.safeParse(answer.body);
  if (!parsed.success) throw new BackendUnavailableError();
  return parsed.data;
}

export async function listMyRequests(): Promise<SpendingRequest[]> {
  const accessToken = await auth().getAccessToken();
  if (!accessToken) throw new UnauthenticatedError();
  return (await call({ method: 'GET', path: '/v1/requests', accessToken }, z.object({ requests: z.array(spendingRequestSchema) }))).requests;
}

export async function createRequest(accessToken: string, input: { amount: number; reason: string }): Promise<SpendingRequest> {
  return (await call({ method: 'POST', path: '/v1/requests', accessToken, body: input }, oneRequest)).request;
}

export async function findMyRequest(accessToken: string, requestId: string): Promise<SpendingRequest> {
  return (await call({ method: 'GET', path: `/v1/requests/${encodeURIComponent(requestId)}`, accessToken }, oneRequest)).request;
}

/** Records `approval.requested` in the audit trail once the popup is open. */
export async function recordApprovalRequested(accessToken: string, requestId: string): Promise<void> {
  await call({ method: 'POST', path: `/v1/requests/${encodeURIComponent(requestId)}/approval-requests`, accessToken }, z.unknown());
}

/** Spends the approval (single use, bound to the requester and the opener's state); the request becomes approved. */
export async function consumeApproval(accessToken: string, requestId: string, state: string): Promise<SpendingRequest> {
  return (await call({ method: 'POST', path: `/v1/requests/${encodeURIComponent(requestId)}/approval`, accessToken, body: { state } }, oneRequest)).request;
}
