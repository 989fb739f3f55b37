'use client';

import type { ActionResult } from '@portcullis/next';
import { sendApprovalResult, STEP_UP_REQUEST_ID } from '@portcullis/next/popup';
import { useActionState, useEffect } from 'react';
import { confirmPassword } from './actions';

type State = ActionResult<{ confirmedAt: number }> | null;

export function StepUpForm({ email, state, appOrigin }: { email: string; state: string; appOrigin: string }) {
  const [result, action, pending] = useActionState<State, FormData>(confirmPassword, null);

  useEffect(() => {
    // Tells the admin page the password was confirmed: the outcome and the opener's own state only, to the
    // configured app origin (RFC 9700 §4.17). The admin page then retries its action.
    if (result?.ok) sendApprovalResult({ openerOrigin: appOrigin, requestId: STEP_UP_REQUEST_ID, state, result: 'approved' });
  }, [result, appOrigin, state]);

  if (result?.ok) {
    return (
      <p className="notice" role="status">
        Password confirmed. You can close this window and try again.
      </p>
    );
  }

  return (
    <form action={action} className="stack">
      <p>
        Signed in as <strong>{email}</strong>. Enter your password again to continue with the administrative action.
      </p>
      {result && !result.ok ? (
        <p className="alert" role="alert">
          {result.error === 'invalid_credentials' ? 'Wrong password.' : result.message}
        </p>
      ) : null}
      <label>
        Password
        <input name="password" type="password" autoComplete="current-password" required />
      </label>
      <button type="submit" disabled={pending}>
        Confirm
      </button>
    </form>
  );
}
