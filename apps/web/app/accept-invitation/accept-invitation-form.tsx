'use client';

import type { ActionResult } from '@portcullis/next';
import Link from 'next/link';
import { useActionState } from 'react';
import { AccountProblem } from '../account-problem';
import { NewPasswordFields } from '../new-password-fields';
import { acceptInvitation } from './actions';

export function AcceptInvitationForm({ token }: { token: string }) {
  const [result, action, pending] = useActionState<ActionResult<null> | null, FormData>(acceptInvitation, null);
  if (result?.ok) {
    return (
      <div className="notice" role="status">
        <p>Welcome! Your account is ready.</p>
        <p>
          <Link href="/signin">Sign in</Link> with your email address and the password you chose.
        </p>
      </div>
    );
  }
  return (
    <form action={action} className="stack">
      <input type="hidden" name="token" value={token} />
      <AccountProblem result={result} newLink="Ask the person who invited you to send a new invitation." />
      <label>
        Your name
        <input name="name" autoComplete="name" maxLength={100} required />
      </label>
      <NewPasswordFields />
      <button type="submit" disabled={pending}>
        Create my account
      </button>
    </form>
  );
}
