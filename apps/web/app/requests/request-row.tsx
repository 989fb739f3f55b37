'use client';

import type { SpendingRequest } from '@portcullis/contracts';
import { ApprovalPopupError, openApprovalPopup, type ApprovalOutcome } from '@portcullis/next/popup';
import { useRouter } from 'next/navigation';
import { useState } from 'react';
import { checkSpendingRequest, consumeApproval, markApprovalRequested } from './actions';

const POPUP_TIMEOUT_MS = 5 * 60_000;
// When the popup ends without a message (closed, opener severed, timed out), ask the server a few times: the
// approver's decision may still be on its way when the window closes.
const FALLBACK_CHECKS = 4;
const FALLBACK_INTERVAL_MS = 1_000;

type Notice = { role: 'status' | 'alert'; text: string };

function pause(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

export function RequestRow({ request, appOrigin }: { request: SpendingRequest; appOrigin: string }) {
  const router = useRouter();
  const [notice, setNotice] = useState<Notice | null>(null);
  const [busy, setBusy] = useState(false);

  async function consume(state: string): Promise<void> {
    const consumed = await consumeApproval({ requestId: request.id, state });
    if (!consumed.ok) {
      setNotice({ role: 'alert', text: consumed.message });
      return;
    }
    setNotice({ role: 'status', text: `Approved by a manager: your spending limit is now ${request.amount}.` });
    router.refresh();
  }

  /** The popup could not tell us (closed, severed opener, timeout): the server knows whether an approval waits. */
  async function askServer(failure: ApprovalPopupError, state: string): Promise<void> {
    setNotice({ role: 'status', text: `${failure.message} Checking with the server…` });
    for (let check = 0; check < FALLBACK_CHECKS; check++) {
      if (check > 0) await pause(FALLBACK_INTERVAL_MS);
      const current = await checkSpendingRequest({ requestId: request.id });
      if (!current.ok) {
        setNotice({ role: 'alert', text: current.message });
        return;
      }
      if (current.data.approvalWaiting) return consume(state);
      if (current.data.status !== 'pending') {
        setNotice({ role: 'status', text: current.data.status === 'rejected' ? 'A manager rejected this request.' : 'This request is already approved.' });
        router.refresh();
        return;
      }
    }
    setNotice({ role: 'alert', text: `${failure.message} Nothing changed.` });
  }

  async function follow(outcome: Promise<ApprovalOutcome>): Promise<void> {
    let answer: ApprovalOutcome;
    try {
      answer = await outcome;
    } catch (error) {
      if (!(error instanceof ApprovalPopupError)) throw error;
      if (error.code === 'popup_blocked' || error.state === undefined) {
        setNotice({ role: 'alert', text: `${error.message} Nothing changed.` });
        return;
      }
      return askServer(error, error.state);
    }
    if (answer.result === 'approved') return consume(answer.state);
    if (answer.result === 'rejected') {
      setNotice({ role: 'status', text: 'A manager rejected this request.' });
      router.refresh();
      return;
    }
    setNotice({ role: 'status', text: 'The approval was cancelled. Nothing changed.' });
  }

  function ask(): void {
    let outcome: Promise<ApprovalOutcome>;
    try {
      // Opened synchronously in the click handler: browsers block popups opened after an await.
      outcome = openApprovalPopup({
        url: '/approve',
        requestId: request.id,
        // Only answers from the app's own configured origin count (RFC 9700 §4.17): exact match, never "*".
        trustedOrigins: [appOrigin],
        timeoutMs: POPUP_TIMEOUT_MS,
        onOpened: () => {
          void markApprovalRequested({ requestId: request.id }).then((marked) => {
            if (!marked.ok) setNotice({ role: 'alert', text: marked.message });
          });
        },
        onIgnoredMessage: (reason, origin) => {
          // Forged or stray messages are dropped, and left in the console for whoever investigates.
          console.warn(`approval popup: ignored a message (${reason}) from ${origin}`);
        },
      });
    } catch (error) {
      console.error('approval popup: could not open', error);
      setNotice({ role: 'alert', text: 'The approval window could not be opened. Nothing changed.' });
      return;
    }
    setBusy(true);
    setNotice({ role: 'status', text: 'Waiting for a manager to decide in the approval window…' });
    void follow(outcome).finally(() => setBusy(false));
  }

  return (
    <tr data-request-id={request.id}>
      <td>{request.amount}</td>
      <td>{request.reason}</td>
      <td>{new Date(request.createdAt).toISOString()}</td>
      <td>{request.status}</td>
      <td>
        {request.status === 'pending' ? (
          <button type="button" onClick={ask} disabled={busy}>
            Ask a manager to approve
          </button>
        ) : null}
        {notice ? (
          <p className={notice.role === 'alert' ? 'alert' : 'notice'} role={notice.role}>
            {notice.text}
          </p>
        ) : null}
      </td>
    </tr>
  );
}
