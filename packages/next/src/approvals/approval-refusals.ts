import { APPROVAL_REFUSAL_REASONS } from '@portcullis/contracts';

/**
 * Why the user-service refused an approval step, and the text a page shows for it. The reason comes from the
 * `reason` field of `{ error: "approval_invalid", message, reason }`; one we do not know becomes `unknown` with a
 * generic text, so no unexpected backend text reaches a page.
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

const KNOWN_REASONS: ReadonlySet<string> = new Set(APPROVAL_REFUSAL_REASONS);

export function approvalRefusalReason(backendReason: string | undefined): ApprovalRefusalReason {
  return backendReason !== undefined && KNOWN_REASONS.has(backendReason) ? (backendReason as ApprovalRefusalReason) : 'unknown';
}
