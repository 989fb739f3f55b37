'use server';

import { credentialsSchema, popupStateSchema } from '@portcullis/contracts';
import type { ActionResult, ApproverSignedIn } from '@portcullis/next';
import { z } from 'zod';
import { auth } from '../../lib/auth';

// The approval popup's endpoints. They read no session on purpose: the popup shares the requester's cookie jar,
// and the approver proves who they are with their password for this one approval (docs/approvals.md). `publicAction` still
// checks the exact origin and validates the input; the user-service checks password, role and request.
const binding = {
  requestId: z.uuid(),
  state: popupStateSchema,
};

// An approver who has a second factor gives its code too: six digits from the app, or a recovery code (docs/mfa.md).
const signInInput = z.object({ ...binding, ...credentialsSchema.shape, code: z.string().trim().max(32).optional() });
const decisionInput = z.object({ ...binding, sealedTicket: z.string().min(1).max(400), decision: z.enum(['approve', 'reject']) });

/** The code field as the service wants it: a TOTP code is six digits, anything else given is a recovery code. */
function secondFactorOf(code: string | undefined): { totp: string } | { recoveryCode: string } | Record<string, never> {
  if (code === undefined || code === '') return {};
  return /^\d{6}$/.test(code) ? { totp: code } : { recoveryCode: code };
}

/** The approver's one-off sign-in: no session, no cookie; the ticket comes back sealed for this request and state. */
export async function signInToApprove(input: z.input<typeof signInInput>): Promise<ActionResult<ApproverSignedIn>> {
  const action = auth().publicAction({ resource: 'action:approvals.signIn', input: signInInput }, ({ code, ...parsed }) =>
    auth().approvals.signIn({ ...parsed, ...secondFactorOf(code) }),
  );
  return action(input);
}

export async function decide(input: z.input<typeof decisionInput>): Promise<ActionResult<{ result: 'approved' | 'rejected' }>> {
  const action = auth().publicAction({ resource: 'action:approvals.decide', input: decisionInput }, async (parsed) => {
    const decided = await auth().approvals.decide(parsed);
    return { result: decided.result };
  });
  return action(input);
}
