import { APPROVAL_MESSAGE_TYPE, isExactOrigin, type ApprovalMessage, type ApprovalResult } from './approval-message.js';

export interface SendApprovalResultOptions {
  /** The app's own origin, from configuration — never taken from the URL or from `document.referrer`. */
  readonly openerOrigin: string;
  readonly requestId: string;
  readonly state: string;
  readonly result: ApprovalResult;
  /** For tests: the popup's window. */
  readonly window?: Window;
}

/**
 * Tells the opener how the approval ended, posting to its one exact origin (never `"*"`) a message with no credential
 * in it, then closes the popup. Returns false when there is no opener (closed, or severed by the browser): the
 * requester's page then learns the outcome by asking the server.
 */
export function sendApprovalResult(options: SendApprovalResultOptions): boolean {
  if (!isExactOrigin(options.openerOrigin)) throw new TypeError('openerOrigin must be an exact origin, never "*" or "null"');
  const popup = options.window ?? window;
  const opener = popup.opener as Window | null;
  if (opener === null || opener.closed) return false;
  const message: ApprovalMessage = { type: APPROVAL_MESSAGE_TYPE, requestId: options.requestId, state: options.state, result: options.result };
  opener.postMessage(message, options.openerOrigin);
  popup.close();
  return true;
}
