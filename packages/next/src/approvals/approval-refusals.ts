import { APPROVAL_REFUSAL_MESSAGES as SHARED_MESSAGES, APPROVAL_REFUSAL_REASONS } from '@portcullis/contracts';

/**
 * Why the user-service refused an approval step, and the text a page shows for it. The reason comes from the
 * `reason` field of `{ error: "approval_invalid", message, reason }`; one we do not know becomes `unknown` with a
 * generic text, so no unexpected backend text reaches a page.
 */
export const APPROVAL_REFUSAL_MESSAGES = {
  ...SHARED_MESSAGES,
  unknown: 'This approval is not valid.',
} as const;

export type ApprovalRefusalReason = keyof typeof APPROVAL_REFUSAL_MESSAGES;

const KNOWN_REASONS: ReadonlySet<string> = new Set(APPROVAL_REFUSAL_REASONS);

export function approvalRefusalReason(backendReason: string | undefined): ApprovalRefusalReason {
  return backendReason !== undefined && KNOWN_REASONS.has(backendReason) ? (backendReason as ApprovalRefusalReason) : 'unknown';
}
