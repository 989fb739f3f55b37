/**
 * Why the user-service refused an approval step. The wire carries only `{ error: "approval_invalid", message }`, so
 * the reason is recognised from the service's fixed messages (services/user-service/src/routes/approvals.ts); a
 * message we do not know becomes `unknown` with a generic text, so no unexpected backend text reaches a page.
 */
export const APPROVAL_REFUSAL_MESSAGES = {
  request_not_found: 'No such request.',
  request_not_pending: 'This request has already been decided.',
  self_approval: 'You cannot approve your own request.',
  approver_not_allowed: 'Only a manager or an administrator can approve requests.',
  ticket_invalid: 'This approval sign-in has expired or was already used. Sign in again.',
  no_approval: 'No approval has been given for this request.',
  already_consumed: 'This approval has already been used.',
  expired: 'This approval has expired. Ask again.',
  state_mismatch: 'This approval belongs to another approval attempt.',
  wrong_requester: 'This approval is for another user.',
  requester_not_allowed: 'Your account cannot use approvals.',
  unknown: 'This approval is not valid.',
} as const;

export type ApprovalRefusalReason = keyof typeof APPROVAL_REFUSAL_MESSAGES;

const REASON_BY_MESSAGE = new Map<string, ApprovalRefusalReason>(
  Object.entries(APPROVAL_REFUSAL_MESSAGES).map(([reason, message]) => [message, reason as ApprovalRefusalReason]),
);

export function approvalRefusalReason(backendMessage: string | undefined): ApprovalRefusalReason {
  return (backendMessage === undefined ? undefined : REASON_BY_MESSAGE.get(backendMessage)) ?? 'unknown';
}
