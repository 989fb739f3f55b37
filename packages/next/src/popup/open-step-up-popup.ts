import { openApprovalPopup, type OpenApprovalPopupOptions } from './open-approval-popup.js';

/** The `requestId` a step-up popup answers for: it approves the user's own session, not a stored request. */
export const STEP_UP_REQUEST_ID = 'step-up';

export type OpenStepUpPopupOptions = Omit<OpenApprovalPopupOptions, 'requestId'>;

/**
 * The step-up flow (RFC 9470) over the same popup mechanism as approvals: opens the app's password page, whose
 * server action calls the user-service with the user's own token, and resolves `true` once the popup reports the
 * password confirmed, `false` when it answers otherwise. Only a message from a trusted origin, from this popup,
 * with this attempt's `state` counts; it carries no credential. Rejects `ApprovalPopupError` like
 * `openApprovalPopup` (blocked, closed, timeout, bad message). Call it from a click handler.
 */
export async function openStepUpPopup(options: OpenStepUpPopupOptions): Promise<boolean> {
  const outcome = await openApprovalPopup({ ...options, requestId: STEP_UP_REQUEST_ID });
  return outcome.result === 'approved';
}
