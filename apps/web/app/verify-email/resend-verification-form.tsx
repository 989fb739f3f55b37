'use client';

import type { ActionResult } from '@portcullis/next';
import { useActionState } from 'react';
import { AccountProblem } from '../account-problem';
import { resendVerification } from './actions';

/** "Send the link again": on the sign-in page after `email_unverified`, and here when a link has expired. */
export function ResendVerificationForm({ email }: { email?: string }) {
  const [result, action, pending] = useActionState<ActionResult<null> | null, FormData>(resendVerification, null);
  if (result?.ok) {
    // The same words for every address: whether it has an unverified account is not this page's to say.
    return (
      <p className="notice" role="status">
        If this address has an account waiting for confirmation, a new link is on its way. Check your inbox.
      </p>
    );
  }
  return (
    <form action={action} className="stack" aria-label="Send the confirmation link again">
      <AccountProblem result={result} />
      <label>
        Email
        <input name="email" type="email" autoComplete="username" maxLength={254} defaultValue={email} required />
      </label>
      <button type="submit" disabled={pending}>
        Send the link again
      </button>
    </form>
  );
}
