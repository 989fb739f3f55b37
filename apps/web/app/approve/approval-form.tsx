'use client';

import type { ApproverSignedIn } from '@portcullis/next';
import { sendApprovalResult } from '@portcullis/next/popup';
import { useState, type FormEvent } from 'react';
import { decide, signInToApprove } from './actions';
import { CredentialFields } from '../credential-fields';

type Step = { kind: 'sign-in' } | { kind: 'review'; signedIn: ApproverSignedIn } | { kind: 'done'; result: 'approved' | 'rejected' };

function time(ms: number): string {
  return new Date(ms).toISOString();
}

export function ApprovalForm({ requestId, state, appOrigin }: { requestId: string; state: string; appOrigin: string }) {
  const [step, setStep] = useState<Step>({ kind: 'sign-in' });
  const [message, setMessage] = useState<string | null>(null);
  const [pending, setPending] = useState(false);

  async function onSignIn(event: FormEvent<HTMLFormElement>): Promise<void> {
    event.preventDefault();
    const form = new FormData(event.currentTarget);
    setPending(true);
    setMessage(null);
    const signedIn = await signInToApprove({
      requestId,
      state,
      email: String(form.get('email') ?? ''),
      password: String(form.get('password') ?? ''),
      code: String(form.get('code') ?? ''),
    });
    setPending(false);
    if (signedIn.ok) setStep({ kind: 'review', signedIn: signedIn.data });
    else setMessage(signedIn.message);
  }

  async function onDecide(signedIn: ApproverSignedIn, decision: 'approve' | 'reject'): Promise<void> {
    setPending(true);
    setMessage(null);
    const decided = await decide({ requestId, state, sealedTicket: signedIn.sealedTicket, decision });
    setPending(false);
    if (!decided.ok) {
      // The sealed ticket is single use and short-lived: whatever went wrong, a new decision needs a new sign-in.
      setStep({ kind: 'sign-in' });
      setMessage(decided.message);
      return;
    }
    setStep({ kind: 'done', result: decided.data.result });
    // Only the outcome and the opener's own state travel back — never a token (RFC 9700 §4.17) — and only to the
    // configured app origin, never "*". With no opener (closed, or severed by the browser), the requester's page
    // learns the outcome from the server instead.
    sendApprovalResult({ openerOrigin: appOrigin, requestId, state, result: decided.data.result });
  }

  if (step.kind === 'done') {
    return (
      <p className="notice" role="status">
        {step.result === 'approved' ? 'Approved.' : 'Rejected.'} You can close this window.
      </p>
    );
  }

  if (step.kind === 'review') {
    const { request } = step.signedIn;
    return (
      <section aria-labelledby="review">
        <h2 id="review">Review the request</h2>
        <dl>
          <dt>Who asks</dt>
          <dd>
            {request.requester.name} ({request.requester.email})
          </dd>
          <dt>What</dt>
          <dd>Raise their spending limit to {request.amount}</dd>
          <dt>Reason</dt>
          <dd>{request.reason}</dd>
          <dt>When</dt>
          <dd>{time(request.createdAt)}</dd>
        </dl>
        <p>This sign-in is valid for this decision only, until {time(step.signedIn.expiresAt)}.</p>
        <div className="inline">
          <button type="button" disabled={pending} onClick={() => void onDecide(step.signedIn, 'approve')}>
            Approve
          </button>
          <button type="button" disabled={pending} onClick={() => void onDecide(step.signedIn, 'reject')}>
            Reject
          </button>
        </div>
      </section>
    );
  }

  return (
    <form className="stack" onSubmit={(event) => void onSignIn(event)}>
      <p>Sign in as a manager or administrator to review this request. This signs you in for this approval only.</p>
      <CredentialFields message={message} />
      <label>
        Authenticator code or recovery code (if you have set up a second factor)
        <input name="code" inputMode="text" autoComplete="one-time-code" maxLength={32} />
      </label>
      <button type="submit" disabled={pending}>
        {pending ? 'Signing in…' : 'Sign in to review'}
      </button>
    </form>
  );
}
