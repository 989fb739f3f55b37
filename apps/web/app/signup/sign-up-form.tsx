'use client';

import type { ActionResult } from '@portcullis/next';
import Link from 'next/link';
import { useActionState } from 'react';
import { AccountProblem } from '../account-problem';
import { NewPasswordFields } from '../new-password-fields';
import { signUp } from './actions';

export function SignUpForm() {
  const [result, action, pending] = useActionState<ActionResult<null> | null, FormData>(signUp, null);
  if (result?.ok) {
    // The same words whether the address was new or already had an account (ASVS 5.0 §6.3.8): the mail tells which.
    return (
      <div className="notice" role="status">
        <p>Check your inbox: we sent a link to confirm your email address. Your account works once you follow it.</p>
        <p>
          No mail after a few minutes? <Link href="/verify-email">Send the link again</Link>.
        </p>
      </div>
    );
  }
  return (
    <form action={action} className="stack">
      <AccountProblem result={result} />
      <label>
        Your name
        <input name="name" autoComplete="name" maxLength={100} required />
      </label>
      <label>
        Email
        <input name="email" type="email" autoComplete="username" maxLength={254} required />
      </label>
      <NewPasswordFields />
      <button type="submit" disabled={pending}>
        Sign up
      </button>
      <p>
        Already have an account? <Link href="/signin">Sign in</Link>.
      </p>
    </form>
  );
}
