'use client';

import type { ActionResult } from '@portcullis/next';
import Link from 'next/link';
import { useActionState } from 'react';
import { AccountProblem } from '../account-problem';
import { NewPasswordFields } from '../new-password-fields';
import { resetPassword } from './actions';

export function ResetPasswordForm({ token }: { token: string }) {
  const [result, action, pending] = useActionState<ActionResult<null> | null, FormData>(resetPassword, null);
  if (result?.ok) {
    return (
      <div className="notice" role="status">
        <p>Your new password is set, and every device that was signed in to your account has been signed out.</p>
        <p>
          <Link href="/signin">Sign in</Link> with your new password.
        </p>
      </div>
    );
  }
  return (
    <form action={action} className="stack">
      <input type="hidden" name="token" value={token} />
      <AccountProblem result={result} newLink={<Link href="/forgot-password">Ask for a new link.</Link>} />
      <NewPasswordFields />
      <button type="submit" disabled={pending}>
        Set the new password
      </button>
    </form>
  );
}
