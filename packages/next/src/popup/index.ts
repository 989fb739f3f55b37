// Browser-side helpers for the approval popup: the opener's `openApprovalPopup`, the popup's `sendApprovalResult`.
export { openApprovalPopup, ApprovalPopupError } from './open-approval-popup.js';
export type { ApprovalOutcome, ApprovalPopupFailure, IgnoredMessageReason, OpenApprovalPopupOptions } from './open-approval-popup.js';
export { sendApprovalResult } from './send-approval-result.js';
export { openStepUpPopup, STEP_UP_REQUEST_ID } from './open-step-up-popup.js';
export type { OpenStepUpPopupOptions } from './open-step-up-popup.js';
export type { SendApprovalResultOptions } from './send-approval-result.js';
export { APPROVAL_MESSAGE_TYPE, isApprovalMessage, isExactOrigin } from './approval-message.js';
export type { ApprovalMessage, ApprovalResult } from './approval-message.js';
