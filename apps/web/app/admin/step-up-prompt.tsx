'use client';

import { ApprovalPopupError, openStepUpPopup } from '@portcullis/next/popup';
import { useState } from 'react';

function failureText(error: unknown): string {
  if (!(error instanceof ApprovalPopupError)) return 'Something went wrong.';
  if (error.code === 'popup_blocked') return 'The password window was blocked. Allow pop-ups for this site and try again.';
  if (error.code === 'popup_closed') return 'The password window was closed before the password was confirmed.';
  return error.message;
}

/**
 * Shown when an admin action came back `step_up_required` (RFC 9470): the admin confirms their password in the
 * popup (the same mechanism as approvals), then the action is sent again. The button is a fresh click, so the
 * browser lets the popup open.
 */
export function StepUpPrompt({
  appOrigin,
  onConfirmed,
  prompt = 'Confirm your password to continue.',
  label = 'Confirm password',
}: {
  appOrigin: string;
  onConfirmed: () => void;
  /** What the alert asks; a user with a second factor confirms it is them with that factor instead of the password. */
  prompt?: string;
  label?: string;
}) {
  const [problem, setProblem] = useState<string | null>(null);

  function confirm(): void {
    setProblem(null);
    let confirmed: Promise<boolean>;
    try {
      confirmed = openStepUpPopup({
        url: '/step-up',
        trustedOrigins: [appOrigin],
        timeoutMs: 5 * 60_000,
        onIgnoredMessage: (reason, origin) => console.warn(`step-up popup: ignored a message (${reason}) from ${origin}`),
      });
    } catch (error) {
      console.error('step-up popup: could not open', error);
      setProblem('The password window could not be opened. Nothing changed.');
      return;
    }
    confirmed.then(
      (ok) => (ok ? onConfirmed() : setProblem('Your password was not confirmed. Nothing changed.')),
      (error: unknown) => setProblem(`${failureText(error)} Nothing changed.`),
    );
  }

  return (
    <span className="inline">
      <span role="alert">{prompt}</span>
      <button type="button" onClick={confirm}>
        {label}
      </button>
      {problem ? <span role="alert">{problem}</span> : null}
    </span>
  );
}
