import { APPROVAL_MESSAGE_TYPE, isApprovalMessage, isExactOrigin, type ApprovalResult } from './approval-message.js';

export type ApprovalPopupFailure = 'popup_blocked' | 'popup_closed' | 'timeout' | 'bad_message';

/** Why the popup flow ended without an answer; the page tells the user and nothing changes. */
export class ApprovalPopupError extends Error {
  override readonly name = 'ApprovalPopupError';
  /**
   * The nonce of the attempt, when a popup was opened. The popup may have decided without being able to tell us
   * (closed, or `window.opener` severed): the page asks the server and consumes with this state.
   */
  readonly state: string | undefined;
  constructor(
    readonly code: ApprovalPopupFailure,
    options: { state?: string } = {},
  ) {
    super(
      {
        popup_blocked: 'The approval window was blocked. Allow pop-ups for this site and try again.',
        popup_closed: 'The approval window was closed before an answer.',
        timeout: 'No answer came from the approval window in time.',
        bad_message: 'The approval window sent an answer we cannot trust.',
      }[code],
    );
    this.state = options.state;
  }
}

export type IgnoredMessageReason = 'untrusted_origin' | 'other_window' | 'bad_shape' | 'wrong_state' | 'state_used' | 'wrong_request';

export interface OpenApprovalPopupOptions {
  /** The approval page; `requestId` and `state` are added to it. Must be on one of `trustedOrigins`. */
  readonly url: string;
  readonly requestId: string;
  /** Exact origins allowed to answer, e.g. `[window.location.origin]`. */
  readonly trustedOrigins: readonly string[];
  readonly timeoutMs?: number;
  /**
   * Called synchronously once the popup is open (not when it was blocked), with the attempt's state: the place to
   * record that approval was asked for, so a blocked popup records nothing.
   */
  readonly onOpened?: (attempt: { readonly state: string }) => void;
  /** Called for every message that is ignored, so the page can log it. */
  readonly onIgnoredMessage?: (reason: IgnoredMessageReason, origin: string) => void;
  /** For tests: the window to open the popup from. */
  readonly window?: Window;
}

export interface ApprovalOutcome {
  readonly requestId: string;
  readonly result: ApprovalResult;
  /** The nonce the outcome is bound to; the opener passes it to the server to consume the approval. */
  readonly state: string;
}

// States already answered in this page: a replayed message is ignored even if it comes from the right window.
const usedStates = new Set<string>();

function newState(crypto: Crypto): string {
  const bytes = crypto.getRandomValues(new Uint8Array(32));
  let binary = '';
  for (const byte of bytes) binary += String.fromCharCode(byte);
  return btoa(binary).replaceAll('+', '-').replaceAll('/', '_').replace(/=+$/, '');
}

/**
 * Opens the approval popup (call it straight from a click handler, or the browser blocks it) and resolves with the
 * outcome the popup posts back. A message counts only if its origin is exactly a trusted one, its source is the
 * popup we opened, its shape is exact and its `state` is ours and unused (RFC 9700 §4.17); anything else is ignored
 * and reported through `onIgnoredMessage`. Rejects when the popup is blocked, closed, times out, or — being our own
 * popup — sends a malformed answer.
 */
export function openApprovalPopup(options: OpenApprovalPopupOptions): Promise<ApprovalOutcome> {
  const host = options.window ?? window;
  const trusted = new Set(options.trustedOrigins);
  for (const origin of trusted) {
    if (!isExactOrigin(origin)) throw new TypeError(`trustedOrigins: "${origin}" is not an exact origin`);
  }
  const target = new URL(options.url, host.location.href);
  if (!trusted.has(target.origin)) throw new TypeError('url: the approval page must be on a trusted origin');
  const state = newState(host.crypto);
  target.searchParams.set('requestId', options.requestId);
  target.searchParams.set('state', state);

  const popup = host.open(target.toString(), `portcullis-approval-${state.slice(0, 8)}`, 'popup,width=480,height=640');
  if (popup === null) return Promise.reject(new ApprovalPopupError('popup_blocked'));
  options.onOpened?.({ state });

  return new Promise<ApprovalOutcome>((resolve, reject) => {
    const ignore = options.onIgnoredMessage ?? (() => undefined);
    const timeout = host.setTimeout(() => finish(new ApprovalPopupError('timeout', { state })), options.timeoutMs ?? 5 * 60_000);
    // A closed popup fires no event the opener can hear; polling `closed` is the standard way to notice.
    // A popup that answered closes itself at once, and its message can reach us after we see it closed (another task
    // source, another process): it is given up only when it is still closed and silent at the next poll.
    let seenClosed = false;
    const closedPoll = host.setInterval(() => {
      if (!popup.closed) return;
      if (seenClosed) finish(new ApprovalPopupError('popup_closed', { state }));
      seenClosed = true;
    }, 500);

    function finish(outcome: ApprovalOutcome | ApprovalPopupError): void {
      host.clearTimeout(timeout);
      host.clearInterval(closedPoll);
      host.removeEventListener('message', onMessage);
      if (outcome instanceof ApprovalPopupError) {
        if (!popup?.closed) popup?.close();
        reject(outcome);
      } else {
        resolve(outcome);
      }
    }

    function onMessage(event: MessageEvent): void {
      if (!trusted.has(event.origin)) return ignore('untrusted_origin', event.origin);
      if (event.source !== popup) return ignore('other_window', event.origin);
      const data: unknown = event.data;
      if (!isApprovalMessage(data)) {
        // Our own popup sending something malformed means the flow is broken: stop rather than wait.
        const looksLikeOurs = typeof data === 'object' && data !== null && (data as { type?: unknown }).type === APPROVAL_MESSAGE_TYPE;
        if (looksLikeOurs) finish(new ApprovalPopupError('bad_message', { state }));
        return ignore('bad_shape', event.origin);
      }
      if (usedStates.has(data.state)) return ignore('state_used', event.origin);
      if (data.state !== state) return ignore('wrong_state', event.origin);
      if (data.requestId !== options.requestId) return ignore('wrong_request', event.origin);
      usedStates.add(state);
      finish({ requestId: data.requestId, result: data.result, state });
    }

    host.addEventListener('message', onMessage);
  });
}
