'use server';

import { popupStateSchema, type SpendingRequest } from '@portcullis/contracts';
import type { ActionResult } from '@portcullis/next';
import { revalidatePath } from 'next/cache';
import { z } from 'zod';
import { auth } from '../../lib/auth';
import * as requests from '../../lib/requests-data';

// Every action here is a public POST endpoint: `protectedAction` checks the origin, the session and the
// `requests:write` scope before the input is parsed; the user-service checks ownership, roles and state again.
const requester = { scope: 'requests:write' } as const;
const requestId = z.uuid();
// The opener's nonce (RFC 9700 §4.7): the shape the user-service accepts, from the same schema.
const state = popupStateSchema;

const newRequestInput = z.object({
  amount: z.coerce.number().int().min(1).max(1_000_000),
  reason: z.string().trim().min(1).max(500),
});

export type RequestStatus = Pick<SpendingRequest, 'id' | 'status' | 'approvalWaiting'>;

export async function createSpendingRequest(previous: ActionResult<{ id: string }> | null, form: FormData): Promise<ActionResult<{ id: string }>> {
  const action = auth().protectedAction({ ...requester, resource: 'action:requests.create', input: newRequestInput }, async ({ accessToken }, input) => {
    const created = await requests.createRequest(accessToken, input);
    revalidatePath('/requests');
    return { id: created.id };
  });
  return action(previous, form);
}

/** Called once the approval popup is open: audits `approval.requested`. */
export async function markApprovalRequested(input: { requestId: string }): Promise<ActionResult<null>> {
  const action = auth().protectedAction(
    { ...requester, resource: 'action:requests.askApproval', input: z.object({ requestId }) },
    async ({ accessToken }, { requestId: id }) => {
      await requests.recordApprovalRequested(accessToken, id);
      return null;
    },
  );
  return action(input);
}

/**
 * Consumes the approval at the user-service with the state this page generated: single use, bound to the request,
 * the requester and the state; both people's roles are checked again there. A replay answers `approval_refused`.
 */
export async function consumeApproval(input: { requestId: string; state: string }): Promise<ActionResult<RequestStatus>> {
  const action = auth().protectedAction(
    { ...requester, resource: 'action:requests.consumeApproval', input: z.object({ requestId, state }) },
    async ({ accessToken }, { requestId: id, state: nonce }) => {
      const approved = await requests.consumeApproval(accessToken, id, nonce);
      revalidatePath('/requests');
      return { id: approved.id, status: approved.status, approvalWaiting: approved.approvalWaiting };
    },
  );
  return action(input);
}

/** How the request stands at the server: the fallback when the popup could not tell this page. */
export async function checkSpendingRequest(input: { requestId: string }): Promise<ActionResult<RequestStatus>> {
  const action = auth().protectedAction(
    { ...requester, resource: 'action:requests.check', input: z.object({ requestId }) },
    async ({ accessToken }, { requestId: id }) => {
      const found = await requests.findMyRequest(accessToken, id);
      return { id: found.id, status: found.status, approvalWaiting: found.approvalWaiting };
    },
  );
  return action(input);
}
