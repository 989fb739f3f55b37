'use client';

import type { ActionResult } from '@portcullis/next';
import { useActionState } from 'react';
import { PasswordProblem } from './password-problem';
import { changeEmail } from './actions';

type State = ActionResult<{ newEmail: string }> | null;

export function ChangeEmailForm({ currentEmail }: { currentEmail: string }) {
  const [result, action, pending] = useActionState<State, FormData>(changeEmail, null);
  return (
    <form action={action} className="stack" aria-labelledby="change-email-heading">
      <h2 id="change-email-heading">Change your email address</h2>
      <p>
        Your address is <strong>{currentEmail}</strong>.
      </p>
      {result?.ok ? (
        <p className="notice" role="status">
          Check your new inbox: we sent a link to {result.data.newEmail}. Your address changes once you follow it. We also told {currentEmail}, with a link to cancel the
          change if it was not you.
        </p>
      ) : (
        <PasswordProblem result={result && !result.ok ? result : null} />
      )}
      <label>
        New email address
        <input name="newEmail" type="email" autoComplete="email" maxLength={254} required />
      </label>
      <label>
        Password
        <input name="password" type="password" autoComplete="current-password" maxLength={1024} required />
      </label>
      <button type="submit" disabled={pending}>
        Send the confirmation link
      </button>
    </form>
  );
}
