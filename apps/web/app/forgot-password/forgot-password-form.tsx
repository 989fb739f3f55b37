'use client';

import type { ActionResult } from '@portcullis/next';
import Link from 'next/link';
import { useActionState } from 'react';
import { AccountProblem } from '../account-problem';
import { requestPasswordReset } from './actions';

export function ForgotPasswordForm() {
  const [result, action, pending] = useActionState<ActionResult<null> | null, FormData>(requestPasswordReset, null);
  if (result?.ok) {
    // One answer for every address (ASVS 5.0 §6.3.8): this page never tells whether an account exists.
    return (
      <div className="notice" role="status">
        <p>Check your inbox: if an account uses this address, a link to choose a new password is on its way.</p>
        <p>The link works once and only for a short time; asking again replaces it.</p>
      </div>
    );
  }
  return (
    <form action={action} className="stack">
      <p>Enter the email address of your account and we will mail you a link to choose a new password.</p>
      <AccountProblem result={result} />
      <label>
        Email
        <input name="email" type="email" autoComplete="username" maxLength={254} required />
      </label>
      <button type="submit" disabled={pending}>
        Send me a link
      </button>
      <p>
        Remembered it? <Link href="/signin">Sign in</Link>.
      </p>
    </form>
  );
}
